//! Slack Events API (and the interactivity endpoint for button clicks): requests signed
//! `v0=hex(HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + raw body))` within a 5-minute
//! window; replies through `chat.postMessage` with the bot token.

use super::channel::{
    AuthError, Channel, ChannelType, Content, Credentials, Event, HandshakeReply, MediaSource,
    Outcome, ParseError, Parsed, Payload, Receiver, Recipient, RenderContext, Sender, Webhook,
};
use super::media::{self, MediaRef, MediaStep, OutboundFile};
use super::render::{option_payload, split_for_options, split_text, truncate, Measure};
use super::signature::{equal, hex_decode, hmac_sha256};
use super::wire::slack as vendor;
use super::wire::{bearer, post, url};
use crate::message::Message;
use serde_json::json;

pub struct Slack;

pub const SIGNATURE_HEADER: &str = "x-slack-signature";
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// Replay window, as Slack's own SDKs enforce it.
const MAX_AGE_SECONDS: i64 = 5 * 60;
/// Slack truncates longer texts and recommends at most 4,000 characters.
const TEXT_MAX: usize = 4000;
const SECTION_TEXT_MAX: usize = 3000;
const BUTTONS_MAX: usize = 25;
const BUTTON_TEXT_MAX: usize = 75;
const VALUE_MAX: usize = 2000;
/// An image block's `alt_text`.
const ALT_TEXT_MAX: usize = 2000;

/// `"1718000000.000100"` seconds to milliseconds; `None` for what is not a time in i64
/// milliseconds (the event's fields come from the sender: no overflow panic on them).
fn ts_ms(ts: &str) -> Option<i64> {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, "0"));
    let millis: String = frac.chars().chain("000".chars()).take(3).collect();
    secs.parse::<i64>()
        .ok()?
        .checked_mul(1000)?
        .checked_add(millis.parse::<i64>().ok()?)
}

fn parse_event(envelope: vendor::Envelope) -> Result<Parsed, ParseError> {
    let mut parsed = Parsed::default();
    match envelope.kind.as_str() {
        "url_verification" => {
            let challenge = envelope
                .challenge
                .ok_or_else(|| ParseError::new("`url_verification` without a `challenge`"))?;
            parsed.reply = Some(HandshakeReply::Text(challenge));
            return Ok(parsed);
        }
        "event_callback" => {}
        // app_rate_limited and future envelope types.
        _ => {
            parsed.ignored += 1;
            return Ok(parsed);
        }
    }
    let (Some(event_id), Some(event)) = (envelope.event_id, envelope.event) else {
        return Err(ParseError::new(
            "an `event_callback` needs `event_id` and `event`",
        ));
    };
    // Bot messages (ours included) and edits, deletions, joins... are not customer messages;
    // a file share is.
    let is_customer_message = event.kind == "message"
        && event.bot_id.is_none()
        && matches!(event.subtype.as_deref(), None | Some("file_share"));
    let (true, Some(user), Some(channel)) = (is_customer_message, event.user, event.channel) else {
        parsed.ignored += 1;
        return Ok(parsed);
    };
    let sent_at_ms = event.ts.as_deref().and_then(ts_ms);
    let inbound = |id: String, content: Content| Event {
        id,
        sender: Sender {
            channel: "slack".into(),
            address: user.clone(),
            name: None,
            locale: None,
        },
        recipient: Recipient::new(channel.clone()),
        sent_at_ms,
        content,
        ack: None,
        mail: None,
    };
    let text = event.text.unwrap_or_default();
    if event.files.is_empty() || !text.is_empty() {
        parsed
            .events
            .push(inbound(event_id.clone(), Content::Text { text }));
    }
    for (i, file) in event.files.into_iter().enumerate() {
        let id = if parsed.events.is_empty() {
            event_id.clone()
        } else {
            format!("{event_id}#{}", i + 1)
        };
        let kind = match file.mimetype.as_deref() {
            Some(m) if m.starts_with("image/") => "image",
            Some(m) if m.starts_with("video/") => "video",
            Some(m) if m.starts_with("audio/") => "audio",
            _ => "file",
        };
        parsed.events.push(inbound(
            id,
            Content::Media {
                kind: kind.into(),
                media_id: Some(file.id),
                url: file.url_private,
                mime_type: file.mimetype,
                caption: None,
            },
        ));
    }
    Ok(parsed)
}

/// A button click from the interactivity endpoint: `payload=<urlencoded JSON>`.
fn parse_interaction(json: &str) -> Result<Parsed, ParseError> {
    let payload: vendor::BlockActions = serde_json::from_str(json)?;
    let mut parsed = Parsed::default();
    if payload.kind != "block_actions" {
        parsed.ignored += 1;
        return Ok(parsed);
    }
    let Some(channel) = payload.channel else {
        parsed.ignored += 1;
        return Ok(parsed);
    };
    for (i, action) in payload.actions.into_iter().enumerate() {
        let id = match (&payload.trigger_id, &action.action_ts) {
            (Some(trigger), _) => format!("action:{trigger}:{i}"),
            (None, Some(ts)) => format!("action:{}:{ts}", payload.user.id),
            (None, None) => {
                parsed.ignored += 1;
                continue;
            }
        };
        parsed.events.push(Event {
            id,
            sender: Sender {
                channel: "slack".into(),
                address: payload.user.id.clone(),
                name: None,
                locale: None,
            },
            recipient: Recipient::new(channel.id.clone()),
            sent_at_ms: action.action_ts.as_deref().and_then(ts_ms),
            content: Content::Choice {
                payload: action.value.unwrap_or_default(),
                title: action.text.map(|t| t.text),
            },
            ack: None,
            mail: None,
        });
    }
    Ok(parsed)
}

impl Channel for Slack {
    fn kind(&self) -> ChannelType {
        ChannelType::Slack
    }

    fn default_api_base(&self) -> &'static str {
        "https://slack.com"
    }

    fn render(
        &self,
        _ctx: &RenderContext,
        to: &Recipient,
        message: &Message,
        files: &[OutboundFile],
    ) -> Vec<Payload> {
        let payload = |body: serde_json::Value| Payload {
            endpoint: "chat.postMessage".into(),
            body: body.to_string(),
        };
        // Images show inline in an image block, which Slack fetches from our URL; any other
        // file is posted as its link (files.upload would need the bytes in this request).
        let (images, links) =
            media::partition(files, |f| f.is(&["image/jpeg", "image/png", "image/gif"]));
        let mut out: Vec<Payload> = images
            .iter()
            .map(|f| {
                payload(json!({
                    "channel": to.address,
                    "text": f.link_text(),
                    "blocks": [{"type": "image", "image_url": f.url,
                                "alt_text": truncate(&f.file_name, ALT_TEXT_MAX, Measure::Chars)}],
                }))
            })
            .collect();
        let message = &Message {
            text: media::with_links(&message.text, &links),
            ..message.clone()
        };
        if !out.is_empty() && message.text.trim().is_empty() && message.actions.is_empty() {
            return out;
        }
        if message.actions.is_empty() {
            for piece in split_text(&message.text, TEXT_MAX, Measure::Chars) {
                out.push(payload(json!({"channel": to.address, "text": piece})));
            }
            return out;
        }
        let (lead, last) =
            split_for_options(&message.text, TEXT_MAX, SECTION_TEXT_MAX, Measure::Chars);
        for piece in lead {
            out.push(payload(json!({"channel": to.address, "text": piece})));
        }
        let text = if last.is_empty() {
            "Choose one:".to_owned()
        } else {
            last
        };
        let buttons: Vec<_> = message
            .actions
            .iter()
            .take(BUTTONS_MAX)
            .enumerate()
            .map(|(i, q)| {
                json!({
                    "type": "button",
                    "action_id": format!("option_{}", i + 1),
                    "text": {"type": "plain_text", "text": truncate(&q.label, BUTTON_TEXT_MAX, Measure::Chars)},
                    "value": option_payload(&q.payload, i, VALUE_MAX),
                })
            })
            .collect();
        out.push(payload(json!({
            "channel": to.address,
            // The notification and screen-reader text; the blocks are what is shown.
            "text": text,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": text}},
                {"type": "actions", "block_id": "spindesk_options", "elements": buttons},
            ],
        })));
        out
    }

    fn request(
        &self,
        credentials: &Credentials,
        api_base: &str,
        payload: &Payload,
        _idempotency_key: &str,
    ) -> Result<http::Request<Vec<u8>>, String> {
        let target = url(api_base, &format!("/api/{}", payload.endpoint));
        post(
            &target,
            "application/json; charset=utf-8",
            &[("authorization", &bearer(credentials.get("bot_token")))],
            &payload.body,
        )
    }

    /// Slack answers HTTP 200 with `"ok": false` and an error code on failure.
    fn outcome(&self, response: &http::Response<Vec<u8>>) -> Outcome {
        let json: serde_json::Value = serde_json::from_slice(response.body()).unwrap_or_default();
        match super::channel::http_outcome(response, |j| j["ts"].as_str().map(str::to_owned)) {
            Outcome::Sent(ts) if json["ok"] == true => Outcome::Sent(ts),
            Outcome::Sent(_) => {
                let error = json["error"].as_str().unwrap_or("unknown_error").to_owned();
                if matches!(
                    error.as_str(),
                    "ratelimited"
                        | "internal_error"
                        | "fatal_error"
                        | "service_unavailable"
                        | "request_timeout"
                ) {
                    Outcome::Retry(format!("Slack: {error}"))
                } else {
                    Outcome::Permanent(format!("Slack: {error}"))
                }
            }
            other => other,
        }
    }
}

impl Receiver for Slack {
    fn authenticate(&self, credentials: &Credentials, hook: &Webhook) -> Result<(), AuthError> {
        let Some(signature) = hook.header(SIGNATURE_HEADER) else {
            return Err(AuthError::Missing("X-Slack-Signature"));
        };
        let Some(timestamp) = hook.header(TIMESTAMP_HEADER) else {
            return Err(AuthError::Missing("X-Slack-Request-Timestamp"));
        };
        let seconds: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| AuthError::Invalid("X-Slack-Request-Timestamp"))?;
        // abs_diff: a timestamp of i64::MIN must be refused, not overflow.
        if (hook.now_ms / 1000).abs_diff(seconds) > MAX_AGE_SECONDS.unsigned_abs() {
            return Err(AuthError::Expired);
        }
        let given = signature
            .trim()
            .strip_prefix("v0=")
            .and_then(hex_decode)
            .ok_or(AuthError::Invalid("X-Slack-Signature"))?;
        let secret = credentials.get("signing_secret");
        let expected = hmac_sha256(
            secret.as_bytes(),
            &[b"v0:", timestamp.trim().as_bytes(), b":", hook.body],
        );
        if secret.is_empty() || !equal(&expected, &given) {
            return Err(AuthError::Invalid("X-Slack-Signature"));
        }
        Ok(())
    }

    fn parse(&self, _credentials: &Credentials, body: &[u8]) -> Result<Parsed, ParseError> {
        if body.starts_with(b"payload=") {
            let payload = form_urlencoded::parse(body)
                .find(|(k, _)| k == "payload")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            return parse_interaction(&payload);
        }
        parse_event(serde_json::from_slice(body)?)
    }
}

impl MediaSource for Slack {
    /// `url_private` with the bot token as a bearer (the token needs `files:read`); the token
    /// goes only to Slack's own hosts.
    fn media_request(
        &self,
        credentials: &Credentials,
        api_base: &str,
        media: &MediaRef,
    ) -> Result<MediaStep, String> {
        let link = media.link()?;
        if !media::on_vendor_host(link, api_base, "slack.com") {
            return Err("the file is not on a Slack host; the bot token is not sent there".into());
        }
        let auth = bearer(credentials.get("bot_token"));
        Ok(MediaStep::Download(media::get(
            link,
            &[("authorization", &auth)],
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::ids::hex;

    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

    fn creds() -> Credentials {
        Credentials::new()
            .with("bot_token", "xoxb-test-bot-token")
            .with("signing_secret", SECRET)
    }

    fn sign(secret: &str, ts: &str, body: &[u8]) -> String {
        format!(
            "v0={}",
            hex(&hmac_sha256(
                secret.as_bytes(),
                &[b"v0:", ts.as_bytes(), b":", body]
            ))
        )
    }

    fn signed(body: &[u8], ts: i64) -> TestHook {
        let ts = ts.to_string();
        TestHook::new(body)
            .header("x-slack-request-timestamp", &ts)
            .header("x-slack-signature", &sign(SECRET, &ts, body))
    }

    #[test]
    fn slacks_published_vector_verifies() {
        // From Slack's "Verifying requests from Slack" page.
        let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let mut hook = TestHook::new(body)
            .header("x-slack-request-timestamp", "1531420618")
            .header(
                "x-slack-signature",
                "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
            );
        hook.now_ms = 1_531_420_618_000 + 60_000;
        assert_eq!(Slack.authenticate(&creds(), &hook.hook()), Ok(()));
    }

    #[test]
    fn signature_negative_cases() {
        let body = sample("slack-message-im.json");
        let now = NOW_MS / 1000;
        assert_eq!(
            Slack.authenticate(&creds(), &signed(&body, now).hook()),
            Ok(())
        );
        assert_eq!(
            Slack.authenticate(&creds(), &signed(&body, now - 299).hook()),
            Ok(())
        );

        let ts = now.to_string();
        let wrong = TestHook::new(&body)
            .header("x-slack-request-timestamp", &ts)
            .header("x-slack-signature", &sign("not-the-secret", &ts, &body));
        assert_eq!(
            Slack.authenticate(&creds(), &wrong.hook()),
            Err(AuthError::Invalid("X-Slack-Signature"))
        );
        let mut changed = signed(&body, now);
        changed.body = one_byte_changed(&body);
        assert!(Slack.authenticate(&creds(), &changed.hook()).is_err());
        let mut again = signed(&body, now);
        again.body = reserialised(&body);
        assert!(Slack.authenticate(&creds(), &again.hook()).is_err());

        // Stale: a correct signature over a timestamp more than five minutes old (a replay).
        assert_eq!(
            Slack.authenticate(&creds(), &signed(&body, now - 301).hook()),
            Err(AuthError::Expired)
        );
        assert_eq!(
            Slack.authenticate(&creds(), &signed(&body, now + 600).hook()),
            Err(AuthError::Expired)
        );
        // The timestamp is signed: moving it forward breaks the signature.
        let mut moved = signed(&body, now - 400);
        moved.headers.insert(
            "x-slack-request-timestamp",
            now.to_string().parse().unwrap(),
        );
        assert!(Slack.authenticate(&creds(), &moved.hook()).is_err());

        let no_sig = TestHook::new(&body).header("x-slack-request-timestamp", &ts);
        assert_eq!(
            Slack.authenticate(&creds(), &no_sig.hook()),
            Err(AuthError::Missing("X-Slack-Signature"))
        );
        let no_ts = TestHook::new(&body).header("x-slack-signature", &sign(SECRET, &ts, &body));
        assert_eq!(
            Slack.authenticate(&creds(), &no_ts.hook()),
            Err(AuthError::Missing("X-Slack-Request-Timestamp"))
        );
    }

    #[test]
    fn url_verification_answers_the_challenge() {
        let parsed = Slack
            .parse(&creds(), &sample("slack-url-verification.json"))
            .unwrap();
        assert_eq!(
            parsed.reply,
            Some(HandshakeReply::Text(
                "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P".into()
            ))
        );
        assert!(parsed.events.is_empty());
    }

    #[test]
    fn the_sample_dm_parses() {
        let parsed = Slack
            .parse(&creds(), &sample("slack-message-im.json"))
            .unwrap();
        let e = &parsed.events[0];
        assert_eq!(e.id, "Ev0123ABCDEF");
        assert_eq!(e.sender.identity(), "slack:U0123ABCD");
        assert_eq!(e.recipient.address, "D0123ABCD");
        assert_eq!(e.sent_at_ms, Some(1_718_000_000_000));
        assert_eq!(
            e.content,
            Content::Text {
                text: "Hi, I need help with my invoice".into()
            }
        );
    }

    fn event(event: &str) -> String {
        format!(
            r#"{{"token":"t","team_id":"T0123ABCD","api_app_id":"A0123ABCD","type":"event_callback","event_id":"Ev0999","event_time":1718000000,"event":{event}}}"#
        )
    }

    #[test]
    fn file_shares_become_media_and_bot_messages_are_ignored() {
        let files = event(
            r#"{"type":"message","subtype":"file_share","channel":"D0123ABCD","user":"U0123ABCD","text":"","ts":"1718000000.000200","files":[{"id":"F0123ABCD","name":"receipt.png","mimetype":"image/png","filetype":"png","url_private":"https://files.slack.com/files-pri/T0123ABCD-F0123ABCD/receipt.png","url_private_download":"https://files.slack.com/files-pri/T0123ABCD-F0123ABCD/download/receipt.png"}]}"#,
        );
        let parsed = Slack.parse(&creds(), files.as_bytes()).unwrap();
        assert_eq!(parsed.events.len(), 1);
        assert_eq!(parsed.events[0].id, "Ev0999");
        assert_eq!(
            parsed.events[0].content,
            Content::Media {
                kind: "image".into(),
                media_id: Some("F0123ABCD".into()),
                url: Some(
                    "https://files.slack.com/files-pri/T0123ABCD-F0123ABCD/receipt.png".into()
                ),
                mime_type: Some("image/png".into()),
                caption: None
            }
        );
        for ignored in [
            r#"{"type":"message","channel":"D0123ABCD","bot_id":"B0123ABCD","text":"our reply","ts":"1.2"}"#,
            r#"{"type":"message","subtype":"bot_message","channel":"D0123ABCD","bot_id":"B1","text":"x","ts":"1.2"}"#,
            r#"{"type":"message","subtype":"message_changed","channel":"D0123ABCD","ts":"1.2"}"#,
            r#"{"type":"app_home_opened","user":"U0123ABCD","channel":"D0123ABCD"}"#,
        ] {
            let parsed = Slack.parse(&creds(), event(ignored).as_bytes()).unwrap();
            assert!(parsed.events.is_empty(), "{ignored}");
            assert_eq!(parsed.ignored, 1);
        }
    }

    #[test]
    fn a_button_click_is_a_choice() {
        let payload = r#"{"type":"block_actions","user":{"id":"U0123ABCD","username":"ana","team_id":"T0123ABCD"},"api_app_id":"A0123ABCD","token":"t","container":{"type":"message","message_ts":"1718000050.000300","channel_id":"D0123ABCD","is_ephemeral":false},"trigger_id":"398738663015.47445629121.803a0bc8","team":{"id":"T0123ABCD","domain":"acme"},"channel":{"id":"D0123ABCD","name":"directmessage"},"response_url":"https://hooks.slack.com/actions/T0123ABCD/1/abc","actions":[{"action_id":"track_order","block_id":"support_menu","text":{"type":"plain_text","text":"Track order"},"value":"order:98765","type":"button","action_ts":"1718000100.123456"}]}"#;
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", payload)
            .finish();
        let parsed = Slack.parse(&creds(), body.as_bytes()).unwrap();
        let e = &parsed.events[0];
        assert_eq!(e.id, "action:398738663015.47445629121.803a0bc8:0");
        assert_eq!(e.sender.identity(), "slack:U0123ABCD");
        assert_eq!(e.recipient.address, "D0123ABCD");
        assert_eq!(
            e.content,
            Content::Choice {
                payload: "order:98765".into(),
                title: Some("Track order".into())
            }
        );
    }

    #[test]
    fn malformed_bodies_are_parse_errors() {
        assert!(Slack.parse(&creds(), b"{").is_err());
        assert!(Slack
            .parse(&creds(), br#"{"type":"event_callback"}"#)
            .is_err());
        assert!(Slack.parse(&creds(), b"payload=%7Bnope").is_err());
        assert!(Slack
            .parse(&creds(), br#"{"type":"url_verification"}"#)
            .is_err());
    }

    #[test]
    fn text_and_buttons_render_as_documented() {
        let payloads = Slack.render(
            &RenderContext::default(),
            &Recipient::new("D0123ABCD"),
            &message("Thanks! An agent will follow up shortly.", Vec::new()),
            &[],
        );
        let req = Slack
            .request(&creds(), Slack.default_api_base(), &payloads[0], "k")
            .unwrap();
        assert_eq!(req.uri(), "https://slack.com/api/chat.postMessage");
        assert_eq!(req.headers()["authorization"], "Bearer xoxb-test-bot-token");
        assert_eq!(
            req.headers()["content-type"],
            "application/json; charset=utf-8"
        );
        let mut expected = sample_json("slack-send-text.json")["body"].clone();
        expected.as_object_mut().unwrap().remove("thread_ts");
        assert_eq!(body_json(&req), expected);

        let buttons = Slack.render(
            &RenderContext::default(),
            &Recipient::new("D0123ABCD"),
            &message(
                "How can we help?",
                options(&[("order:98765", "Track order")]),
            ),
            &[],
        );
        let body: serde_json::Value = serde_json::from_str(&buttons[0].body).unwrap();
        assert_eq!(body["blocks"][1]["type"], "actions");
        assert_eq!(
            body["blocks"][1]["elements"][0],
            serde_json::json!({"type":"button","action_id":"option_1","text":{"type":"plain_text","text":"Track order"},"value":"order:98765"})
        );
    }

    #[test]
    fn long_text_splits_at_4000_and_the_section_at_3000() {
        let payloads = Slack.render(
            &RenderContext::default(),
            &Recipient::new("D1"),
            &message("word ".repeat(1500), options(&[("a", "A")])), // 7500 chars
            &[],
        );
        let bodies: Vec<serde_json::Value> = payloads
            .iter()
            .map(|p| serde_json::from_str(&p.body).unwrap())
            .collect();
        assert!(bodies.len() >= 2);
        for b in &bodies {
            assert!(b["text"].as_str().unwrap().chars().count() <= 4000);
        }
        let last = bodies.last().unwrap();
        assert!(
            last["blocks"][0]["text"]["text"]
                .as_str()
                .unwrap()
                .chars()
                .count()
                <= 3000
        );
    }

    #[test]
    fn answers_are_read() {
        let ok = sample_json("slack-send-text.json")["_response"].to_string();
        assert_eq!(
            Slack.outcome(&response(200, &ok)),
            Outcome::Sent(Some("1718000300.000400".into()))
        );
        assert!(matches!(
            Slack.outcome(&response(
                200,
                r#"{"ok":false,"error":"channel_not_found"}"#
            )),
            Outcome::Permanent(_)
        ));
        assert!(matches!(
            Slack.outcome(&response(200, r#"{"ok":false,"error":"ratelimited"}"#)),
            Outcome::Retry(_)
        ));
    }
}
