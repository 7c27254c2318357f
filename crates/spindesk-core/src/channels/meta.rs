//! What WhatsApp, Messenger and Instagram share: Meta's GET subscription handshake, the
//! `X-Hub-Signature-256` HMAC, and (Messenger, Instagram) the `entry[].messaging[]` events.

use super::channel::{
    AuthError, Channel, Content, Credentials, Event, ParseError, Parsed, Receiver, Recipient,
    Sender, Webhook,
};
use super::signature::{equal, hex_decode, hmac_sha256};
use super::wire::meta as vendor;

/// The Graph API version every Meta URL is pinned to.
pub const GRAPH_VERSION: &str = "v25.0";

/// Meta payloads can be up to 3 MB.
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// A channel on a Meta app (WhatsApp, Messenger, Instagram): they differ only in how the
/// webhook's body reads; the size limit, the `hub.challenge` handshake and the
/// `X-Hub-Signature-256` check are Meta's, written once in the [`Receiver`] below.
pub trait MetaApp: Channel {
    fn parse_body(&self, credentials: &Credentials, body: &[u8]) -> Result<Parsed, ParseError>;
}

impl<T: MetaApp> Receiver for T {
    fn max_body(&self) -> usize {
        MAX_BODY
    }

    fn verify_subscription(
        &self,
        credentials: &Credentials,
        hook: &Webhook,
    ) -> Option<Result<String, AuthError>> {
        Some(verify_subscription(credentials.get("verify_token"), hook))
    }

    fn authenticate(&self, credentials: &Credentials, hook: &Webhook) -> Result<(), AuthError> {
        authenticate(credentials.get("app_secret"), hook)
    }

    fn parse(&self, credentials: &Credentials, body: &[u8]) -> Result<Parsed, ParseError> {
        self.parse_body(credentials, body)
    }
}

pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// `GET ?hub.mode=subscribe&hub.verify_token=..&hub.challenge=..`: echo the challenge when the
/// verify token matches.
pub fn verify_subscription(verify_token: &str, hook: &Webhook) -> Result<String, AuthError> {
    if hook.query("hub.mode") != Some("subscribe") {
        return Err(AuthError::Missing("hub.mode=subscribe"));
    }
    let Some(given) = hook.query("hub.verify_token") else {
        return Err(AuthError::Missing("hub.verify_token"));
    };
    if verify_token.is_empty() || !crate::auth::secrets_equal(given, verify_token) {
        return Err(AuthError::Invalid("hub.verify_token"));
    }
    match hook.query("hub.challenge") {
        Some(challenge) if !challenge.is_empty() && challenge.len() <= 512 => {
            Ok(challenge.to_owned())
        }
        _ => Err(AuthError::Missing("hub.challenge")),
    }
}

/// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`.
pub fn authenticate(app_secret: &str, hook: &Webhook) -> Result<(), AuthError> {
    let Some(header) = hook.header(SIGNATURE_HEADER) else {
        return Err(AuthError::Missing("X-Hub-Signature-256"));
    };
    let given = header
        .trim()
        .strip_prefix("sha256=")
        .and_then(hex_decode)
        .ok_or(AuthError::Invalid("X-Hub-Signature-256"))?;
    let expected = hmac_sha256(app_secret.as_bytes(), &[hook.body]);
    if app_secret.is_empty() || !equal(&expected, &given) {
        return Err(AuthError::Invalid("X-Hub-Signature-256"));
    }
    Ok(())
}

/// Messenger (`object: "page"`) and Instagram (`object: "instagram"`) events for the account
/// `own_id` (the page or the Instagram professional account). Entries for other accounts the
/// same app serves are skipped and counted as ignored.
pub fn parse_messaging(
    body: &[u8],
    object: &str,
    channel: &str,
    own_id: &str,
) -> Result<Parsed, ParseError> {
    let notification: vendor::Notification = serde_json::from_slice(body)?;
    if notification.object != object {
        return Err(ParseError::new(format!(
            "expected `object: \"{object}\"`, got {:?}",
            notification.object
        )));
    }
    let mut parsed = Parsed::default();
    for entry in notification.entry {
        parsed.ignored += entry.changes.len();
        if entry.id != own_id {
            parsed.ignored += entry.messaging.len().max(1);
            continue;
        }
        for event in entry.messaging {
            let before = parsed.events.len();
            read_event(event, channel, &mut parsed.events);
            if parsed.events.len() == before {
                parsed.ignored += 1;
            }
        }
    }
    Ok(parsed)
}

fn read_event(event: vendor::Messaging, channel: &str, out: &mut Vec<Event>) {
    let Some(sender) = event.sender else { return };
    let inbound = |id: String, content: Content| Event {
        id,
        sender: Sender {
            channel: channel.to_owned(),
            address: sender.id.clone(),
            name: None,
            locale: None,
        },
        recipient: Recipient::new(sender.id.clone()),
        sent_at_ms: event.timestamp,
        content,
        ack: None,
        mail: None,
    };
    if let Some(postback) = event.postback {
        // Postbacks from before Meta added `mid` have none: the sender and time identify them.
        let id = postback.mid.unwrap_or_else(|| {
            format!(
                "postback:{}:{}",
                sender.id,
                event.timestamp.unwrap_or_default()
            )
        });
        out.push(inbound(
            id,
            Content::Choice {
                payload: postback.payload,
                title: postback.title,
            },
        ));
        return;
    }
    let Some(message) = event.message else {
        // delivery, read, reaction, optin, referral...
        return;
    };
    let Some(mid) = message.mid else { return };
    if message.is_echo || message.is_deleted {
        return;
    }
    if message.is_unsupported {
        out.push(inbound(
            mid,
            Content::Unsupported {
                kind: "unsupported".into(),
            },
        ));
        return;
    }
    if let Some(tap) = message.quick_reply {
        out.push(inbound(
            mid,
            Content::Choice {
                payload: tap.payload,
                title: message.text,
            },
        ));
        return;
    }
    let mut n = 0;
    if let Some(text) = message.text.filter(|t| !t.is_empty()) {
        out.push(inbound(mid.clone(), Content::Text { text }));
        n += 1;
    }
    for attachment in message.attachments {
        // One message can carry several attachments; each becomes its own event with a
        // stable id derived from the message id.
        let id = if n == 0 {
            mid.clone()
        } else {
            format!("{mid}#{n}")
        };
        n += 1;
        let kind = match attachment.kind.as_str() {
            "image" | "video" | "audio" | "file" => attachment.kind.clone(),
            "ig_reel" | "reel" => "video".to_owned(),
            other => {
                out.push(inbound(
                    id,
                    Content::Unsupported {
                        kind: other.to_owned(),
                    },
                ));
                continue;
            }
        };
        out.push(inbound(
            id,
            Content::Media {
                kind,
                media_id: None,
                url: attachment.payload.and_then(|p| p.url),
                mime_type: None,
                caption: None,
            },
        ));
    }
}

/// Meta's error bodies: `{"error":{"message","code",...}}`; code 4/17/32/613 are rate limits.
pub fn outcome(response: &http::Response<Vec<u8>>, id_field: &str) -> super::channel::Outcome {
    let json: serde_json::Value = serde_json::from_slice(response.body()).unwrap_or_default();
    let rate_limited = matches!(json["error"]["code"].as_i64(), Some(4 | 17 | 32 | 613));
    match super::channel::http_outcome(response, |j| match id_field {
        "messages" => j["messages"][0]["id"].as_str().map(str::to_owned),
        field => j[field].as_str().map(str::to_owned),
    }) {
        super::channel::Outcome::Permanent(why) if rate_limited => {
            super::channel::Outcome::Retry(why)
        }
        other => other,
    }
}
