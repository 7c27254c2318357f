//! Viber REST bot API: callbacks signed with the auth token (`X-Viber-Content-Signature`, hex),
//! replies through `POST /pa/send_message` with `X-Viber-Auth-Token`.

use super::channel::{
    AuthError, Channel, ChannelType, Content, Credentials, Event, MediaSource, Outcome, ParseError,
    Parsed, Payload, Receiver, Recipient, RenderContext, Sender, Webhook,
};
use super::media::{self, OutboundFile};
use super::render::{option_payload, split_text, truncate, Measure};
use super::signature::{equal, hex_decode, hmac_sha256};
use super::wire::viber as vendor;
use super::wire::{post, url};
use crate::message::Message;
use serde_json::json;

pub struct Viber;

pub const SIGNATURE_HEADER: &str = "x-viber-content-signature";
const TEXT_MAX: usize = 7000;
const SENDER_NAME_MAX: usize = 28;
const ACTION_BODY_MAX: usize = 250;
const FILE_NAME_MAX: usize = 256;

/// Viber's message type for a file sent by URL, as its send API documents: `picture` for
/// JPEG/PNG/GIF up to 1 MB (the iOS limit), `video` for MP4 up to 26 MB (with its size), and
/// any other file — a larger image, audio, a PDF — as `file` (size and name) up to 50 MB.
fn message_type(file: &OutboundFile) -> Option<&'static str> {
    const MB: i64 = 1024 * 1024;
    if file.is(&["image/jpeg", "image/png", "image/gif"]) && file.size <= MB {
        Some("picture")
    } else if file.is(&["video/mp4"]) && file.size <= 26 * MB {
        Some("video")
    } else {
        (file.size <= 50 * MB).then_some("file")
    }
}

fn content(message: vendor::Message) -> Content {
    let media = |kind: &str, m: vendor::Message| Content::Media {
        kind: kind.to_owned(),
        media_id: m.file_name,
        url: m.media,
        mime_type: None,
        caption: m.text.filter(|t| !t.is_empty()),
    };
    match message.kind.as_str() {
        // A keyboard button (ActionType "reply") arrives as text whose text is its ActionBody.
        "text" => Content::Text {
            text: message.text.unwrap_or_default(),
        },
        "picture" => media("image", message),
        "video" => media("video", message),
        "file" => media("file", message),
        "sticker" => media("sticker", message),
        other => Content::Unsupported {
            kind: other.to_owned(),
        },
    }
}

impl Channel for Viber {
    fn kind(&self) -> ChannelType {
        ChannelType::Viber
    }

    fn default_api_base(&self) -> &'static str {
        "https://chatapi.viber.com"
    }

    fn render(
        &self,
        ctx: &RenderContext,
        to: &Recipient,
        message: &Message,
        files: &[OutboundFile],
    ) -> Vec<Payload> {
        let name = if ctx.display_name.trim().is_empty() {
            "Support"
        } else {
            ctx.display_name.as_str()
        };
        let base = |kind: &str| {
            json!({
                "receiver": to.address,
                "min_api_version": 1,
                "sender": {"name": truncate(name, SENDER_NAME_MAX, Measure::Chars)},
                "type": kind,
            })
        };
        let payload = |body: serde_json::Value| Payload {
            endpoint: "send_message".into(),
            body: body.to_string(),
        };
        let (native, links) = media::partition(files, |f| message_type(f).is_some());
        let mut out = Vec::new();
        for file in &native {
            let Some(kind) = message_type(file) else {
                continue;
            };
            let mut body = base(kind);
            body["media"] = json!(file.url);
            match kind {
                "picture" => body["text"] = json!(""),
                "video" => body["size"] = json!(file.size),
                _ => {
                    body["size"] = json!(file.size);
                    body["file_name"] =
                        json!(truncate(&file.file_name, FILE_NAME_MAX, Measure::Chars));
                }
            }
            out.push(payload(body));
        }
        let message = &Message {
            text: media::with_links(&message.text, &links),
            ..message.clone()
        };
        if !out.is_empty() && message.text.trim().is_empty() && message.actions.is_empty() {
            return out;
        }
        let mut pieces = split_text(&message.text, TEXT_MAX, Measure::Chars);
        let last_index = pieces.len() - 1;
        for (i, piece) in pieces.drain(..).enumerate() {
            let mut body = base("text");
            body["text"] = json!(if piece.is_empty() {
                "Choose one:".to_owned()
            } else {
                piece
            });
            if i == last_index && !message.actions.is_empty() {
                let buttons: Vec<_> = message
                    .actions
                    .iter()
                    .enumerate()
                    .map(|(i, q)| {
                        json!({
                            "ActionType": "reply",
                            "ActionBody": option_payload(&q.payload, i, ACTION_BODY_MAX),
                            "Text": q.label,
                        })
                    })
                    .collect();
                body["keyboard"] = json!({"Type": "keyboard", "Buttons": buttons});
            }
            out.push(payload(body));
        }
        out
    }

    fn request(
        &self,
        credentials: &Credentials,
        api_base: &str,
        payload: &Payload,
        _idempotency_key: &str,
    ) -> Result<http::Request<Vec<u8>>, String> {
        let target = url(api_base, &format!("/pa/{}", payload.endpoint));
        post(
            &target,
            "application/json",
            &[("x-viber-auth-token", credentials.get("auth_token"))],
            &payload.body,
        )
    }

    /// Viber answers HTTP 200 with `status` 0 on success and another number on failure.
    fn outcome(&self, response: &http::Response<Vec<u8>>) -> Outcome {
        let json: serde_json::Value = serde_json::from_slice(response.body()).unwrap_or_default();
        match super::channel::http_outcome(response, |j| super::wire::json_id(&j["message_token"]))
        {
            Outcome::Sent(id) => match json["status"].as_i64() {
                Some(0) => Outcome::Sent(id),
                // 12: too many requests.
                Some(12) => Outcome::Retry(super::channel::excerpt(response.body())),
                _ => Outcome::Permanent(format!(
                    "Viber refused the message: {}",
                    super::channel::excerpt(response.body())
                )),
            },
            other => other,
        }
    }
}

impl Receiver for Viber {
    /// `X-Viber-Content-Signature: hex(HMAC-SHA256(auth token, raw body))`, the `webhook`
    /// set-up callback included.
    fn authenticate(&self, credentials: &Credentials, hook: &Webhook) -> Result<(), AuthError> {
        let Some(header) = hook.header(SIGNATURE_HEADER) else {
            return Err(AuthError::Missing("X-Viber-Content-Signature"));
        };
        let given =
            hex_decode(header.trim()).ok_or(AuthError::Invalid("X-Viber-Content-Signature"))?;
        let token = credentials.get("auth_token");
        let expected = hmac_sha256(token.as_bytes(), &[hook.body]);
        if token.is_empty() || !equal(&expected, &given) {
            return Err(AuthError::Invalid("X-Viber-Content-Signature"));
        }
        Ok(())
    }

    fn parse(&self, _credentials: &Credentials, body: &[u8]) -> Result<Parsed, ParseError> {
        let callback: vendor::Callback = serde_json::from_slice(body)?;
        let mut parsed = Parsed::default();
        if callback.event != "message" {
            // webhook (set-up check, answered 200), delivered, seen, failed, subscribed,
            // unsubscribed, conversation_started.
            parsed.ignored += 1;
            return Ok(parsed);
        }
        let (Some(token), Some(sender), Some(message)) =
            (callback.message_token, callback.sender, callback.message)
        else {
            return Err(ParseError::new(
                "a `message` callback needs `message_token`, `sender` and `message`",
            ));
        };
        parsed.events.push(Event {
            id: token,
            sender: Sender {
                channel: "viber".into(),
                address: sender.id.clone(),
                name: sender.name,
                locale: sender
                    .language
                    .as_deref()
                    .and_then(super::channel::locale_tag),
            },
            recipient: Recipient::new(sender.id),
            sent_at_ms: callback.timestamp,
            content: content(message),
            ack: None,
            mail: None,
        });
        Ok(parsed)
    }
}

/// Its customers' files come as links the vendor signed: fetched without credentials.
impl MediaSource for Viber {}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::ids::hex;

    const TOKEN: &str = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9";

    fn creds() -> Credentials {
        Credentials::new().with("auth_token", TOKEN)
    }

    fn signature(key: &str, body: &[u8]) -> String {
        hex(&super::super::signature::hmac_sha256(
            key.as_bytes(),
            &[body],
        ))
    }

    #[test]
    fn the_sample_text_parses_with_its_64_bit_token() {
        let parsed = Viber.parse(&creds(), &sample("viber-text.json")).unwrap();
        let e = &parsed.events[0];
        assert_eq!(e.id, "5741311803571721087");
        assert_eq!(e.sender.identity(), "viber:01234567890A=");
        assert_eq!(e.sender.name.as_deref(), Some("John McClane"));
        assert_eq!(e.sent_at_ms, Some(1_718_000_000_123));
        assert_eq!(
            e.content,
            Content::Text {
                text: "I want to return an item".into()
            }
        );
    }

    #[test]
    fn the_webhook_check_and_receipts_are_not_messages() {
        let parsed = Viber
            .parse(&creds(), &sample("viber-webhook-verify.json"))
            .unwrap();
        assert!(parsed.events.is_empty());
        for event in [
            "delivered",
            "seen",
            "failed",
            "subscribed",
            "conversation_started",
        ] {
            let body = format!(
                r#"{{"event":"{event}","timestamp":1718000000500,"chat_hostname":"SN-CHAT-05_","message_token":5741311803571721100,"user_id":"01234567890A="}}"#
            );
            let parsed = Viber.parse(&creds(), body.as_bytes()).unwrap();
            assert!(parsed.events.is_empty());
            assert_eq!(parsed.ignored, 1);
        }
    }

    #[test]
    fn picture_and_keyboard_reply() {
        let picture = br#"{"event":"message","timestamp":1718000000200,"message_token":5741311803571721088,"sender":{"id":"01234567890A=","name":"John"},
          "message":{"type":"picture","text":"Broken","media":"https://dl-media.viber.com/5/share/2/long/bots/generic-message/media/img.jpg","thumbnail":"https://x/t.jpg","file_name":"img.jpg","size":12345}}"#;
        let parsed = Viber.parse(&creds(), picture).unwrap();
        assert_eq!(
            parsed.events[0].content,
            Content::Media {
                kind: "image".into(),
                media_id: Some("img.jpg".into()),
                url: Some(
                    "https://dl-media.viber.com/5/share/2/long/bots/generic-message/media/img.jpg"
                        .into()
                ),
                mime_type: None,
                caption: Some("Broken".into())
            }
        );
        let keyboard = br#"{"event":"message","timestamp":1718000000300,"message_token":"5741311803571721089","sender":{"id":"01234567890A="},"message":{"type":"text","text":"HANDOFF_AGENT","tracking_data":"ticket:4711"}}"#;
        let parsed = Viber.parse(&creds(), keyboard).unwrap();
        assert_eq!(parsed.events[0].id, "5741311803571721089");
        assert_eq!(parsed.events[0].content.display_text(), "HANDOFF_AGENT");
    }

    #[test]
    fn malformed_bodies_are_parse_errors() {
        assert!(Viber.parse(&creds(), br#"{"event":"message"}"#).is_err());
        assert!(Viber.parse(&creds(), b"<xml/>").is_err());
    }

    #[test]
    fn signature_vectors() {
        for body in [
            sample("viber-text.json"),
            sample("viber-webhook-verify.json"),
        ] {
            let signed = |key: &str, body: &[u8]| {
                TestHook::new(body).header("x-viber-content-signature", &signature(key, body))
            };
            assert_eq!(
                Viber.authenticate(&creds(), &signed(TOKEN, &body).hook()),
                Ok(())
            );
            assert!(Viber
                .authenticate(&creds(), &signed("wrong", &body).hook())
                .is_err());
            let mut changed = signed(TOKEN, &body);
            changed.body = one_byte_changed(&body);
            assert!(Viber.authenticate(&creds(), &changed.hook()).is_err());
            let mut again = signed(TOKEN, &body);
            again.body = reserialised(&body);
            assert!(Viber.authenticate(&creds(), &again.hook()).is_err());
            assert_eq!(
                Viber.authenticate(&creds(), &TestHook::new(&body).hook()),
                Err(AuthError::Missing("X-Viber-Content-Signature"))
            );
        }
    }

    #[test]
    fn text_and_keyboard_render_as_documented() {
        let ctx = RenderContext {
            display_name: "Acme Support".into(),
            email: None,
            window: Default::default(),
        };
        let payloads = Viber.render(
            &ctx,
            &Recipient::new("01234567890A="),
            &message("Sure - which item would you like to return?", Vec::new()),
            &[],
        );
        let req = Viber
            .request(&creds(), Viber.default_api_base(), &payloads[0], "k")
            .unwrap();
        let sample = sample_json("viber-send-text.json");
        assert_eq!(req.uri().to_string(), sample["_request"]["url"]);
        assert_eq!(req.headers()["x-viber-auth-token"], TOKEN);
        let mut expected = sample["body"].clone();
        expected.as_object_mut().unwrap().remove("tracking_data");
        expected["sender"].as_object_mut().unwrap().remove("avatar");
        assert_eq!(body_json(&req), expected);

        let keyboard = Viber.render(
            &ctx,
            &Recipient::new("01234567890A="),
            &message(
                "Anything else?",
                options(&[("HANDOFF_AGENT", "Talk to agent")]),
            ),
            &[],
        );
        let body: serde_json::Value = serde_json::from_str(&keyboard[0].body).unwrap();
        assert_eq!(
            body["keyboard"],
            serde_json::json!({"Type":"keyboard","Buttons":[{"ActionType":"reply","ActionBody":"HANDOFF_AGENT","Text":"Talk to agent"}]})
        );
    }

    #[test]
    fn answers_are_read() {
        let ok = r#"{"status":0,"status_message":"ok","message_token":5741311803571721200,"billing_status":1}"#;
        assert_eq!(
            Viber.outcome(&response(200, ok)),
            Outcome::Sent(Some("5741311803571721200".into()))
        );
        assert!(matches!(
            Viber.outcome(&response(
                200,
                r#"{"status":6,"status_message":"notSubscribed"}"#
            )),
            Outcome::Permanent(_)
        ));
    }
}
