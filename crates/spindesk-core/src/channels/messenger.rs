//! Facebook Messenger: `entry[].messaging[]` for the page, replies through
//! `POST /<version>/<page_id>/messages` with the page access token.

use super::channel::{
    Channel, ChannelType, Credentials, MediaSource, Outcome, ParseError, Parsed, Payload,
    Recipient, RenderContext, Window,
};
use super::media::{self, OutboundFile};
use super::meta;
use super::render::{option_payload, split_text, truncate, Measure};
use super::wire::{bearer, post, url};
use crate::message::Message;
use crate::message::QuickReply;
use serde_json::json;

pub struct Messenger;

const TEXT_MAX: usize = 2000;
pub(super) const QUICK_REPLIES_MAX: usize = 13;
pub(super) const QUICK_REPLY_TITLE_MAX: usize = 20;
pub(super) const PAYLOAD_MAX: usize = 1000;

/// Messenger's attachment type for a file sent by URL (25 MB at most): images JPEG, PNG and
/// GIF, MP4 video, audio, and any other file as `file`.
fn attachment_type(file: &OutboundFile) -> Option<&'static str> {
    if file.size > 25 * 1024 * 1024 {
        return None;
    }
    Some(match file.content_type.as_str() {
        "image/jpeg" | "image/png" | "image/gif" => "image",
        "video/mp4" => "video",
        "audio/mpeg" | "audio/mp4" | "audio/ogg" | "audio/aac" | "audio/wav" => "audio",
        _ => "file",
    })
}

/// Messenger and Instagram share the message shape: one attachment per file (of the type
/// `attachment_type` gives, else a link in the text), the text, and `quick_replies` on its
/// last piece.
pub(super) fn render_messages(
    to: &Recipient,
    message: &Message,
    files: &[OutboundFile],
    attachment_type: fn(&OutboundFile) -> Option<&'static str>,
    text_max: usize,
    measure: Measure,
    messaging_type: bool,
) -> Vec<Payload> {
    let wrap = |inner: serde_json::Value| {
        let mut body = json!({"recipient": {"id": to.address}});
        if messaging_type {
            body["messaging_type"] = json!("RESPONSE");
        }
        body["message"] = inner;
        Payload {
            endpoint: "messages".into(),
            body: body.to_string(),
        }
    };
    let (native, links) = media::partition(files, |f| attachment_type(f).is_some());
    // One attachment per message, without a caption: the text follows on its own. Our URL
    // expires, so Meta is not asked to keep the file for reuse.
    let mut out: Vec<Payload> = native
        .iter()
        .filter_map(|f| {
            let kind = attachment_type(f)?;
            Some(wrap(json!({"attachment": {"type": kind, "payload": {
                "url": f.url, "is_reusable": false,
            }}})))
        })
        .collect();
    let message = &Message {
        text: media::with_links(&message.text, &links),
        ..message.clone()
    };
    if message.text.trim().is_empty() && message.actions.is_empty() && !out.is_empty() {
        return out;
    }
    let mut pieces = split_text(&message.text, text_max, measure);
    let last = pieces.pop().unwrap_or_default();
    out.extend(pieces.iter().map(|p| wrap(json!({ "text": p }))));
    let mut inner = json!({ "text": if last.is_empty() && !message.actions.is_empty() { "Choose one:" } else { &last } });
    if !message.actions.is_empty() {
        inner["quick_replies"] = quick_replies(&message.actions);
    }
    out.push(wrap(inner));
    out
}

fn quick_replies(options: &[QuickReply]) -> serde_json::Value {
    options
        .iter()
        .take(QUICK_REPLIES_MAX)
        .enumerate()
        .map(|(i, q)| {
            json!({
                "content_type": "text",
                "title": truncate(&q.label, QUICK_REPLY_TITLE_MAX, Measure::Chars),
                "payload": option_payload(&q.payload, i, PAYLOAD_MAX),
            })
        })
        .collect()
}

/// The payloads as the window allows them to go (Messenger and Instagram share Meta's rules):
/// from 24 hours to 7 days after the customer's last message, an agent's reply is tagged
/// `HUMAN_AGENT`.
pub(super) fn with_window(ctx: &RenderContext, payloads: Vec<Payload>) -> Vec<Payload> {
    if ctx.window != Window::HumanAgentTag {
        return payloads;
    }
    payloads
        .into_iter()
        .map(|mut p| {
            if let Ok(mut body) = serde_json::from_str::<serde_json::Value>(&p.body) {
                body["messaging_type"] = json!("MESSAGE_TAG");
                body["tag"] = json!("HUMAN_AGENT");
                p.body = body.to_string();
            }
            p
        })
        .collect()
}

impl Channel for Messenger {
    fn kind(&self) -> ChannelType {
        ChannelType::Messenger
    }

    fn default_api_base(&self) -> &'static str {
        "https://graph.facebook.com"
    }

    fn render(
        &self,
        ctx: &RenderContext,
        to: &Recipient,
        message: &Message,
        files: &[OutboundFile],
    ) -> Vec<Payload> {
        let payloads = render_messages(
            to,
            message,
            files,
            attachment_type,
            TEXT_MAX,
            Measure::Chars,
            true,
        );
        with_window(ctx, payloads)
    }

    /// The page token goes in the `Authorization` header (the Graph API accepts it there), not
    /// in the URL where proxies and logs would keep it.
    fn request(
        &self,
        credentials: &Credentials,
        api_base: &str,
        payload: &Payload,
        _idempotency_key: &str,
    ) -> Result<http::Request<Vec<u8>>, String> {
        let target = url(
            api_base,
            &format!(
                "/{}/{}/{}",
                meta::GRAPH_VERSION,
                credentials.get("page_id"),
                payload.endpoint
            ),
        );
        post(
            &target,
            "application/json",
            &[(
                "authorization",
                &bearer(credentials.get("page_access_token")),
            )],
            &payload.body,
        )
    }

    fn outcome(&self, response: &http::Response<Vec<u8>>) -> Outcome {
        meta::outcome(response, "message_id")
    }
}

impl meta::MetaApp for Messenger {
    fn parse_body(&self, credentials: &Credentials, body: &[u8]) -> Result<Parsed, ParseError> {
        meta::parse_messaging(body, "page", "messenger", credentials.get("page_id"))
    }
}

/// Its customers' files come as links the vendor signed: fetched without credentials.
impl MediaSource for Messenger {}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::Content;
    use super::*;
    use crate::channels::channel::Receiver;

    const SECRET: &str = "fb-app-secret";

    fn creds() -> Credentials {
        Credentials::new()
            .with("page_id", "107425831234567")
            .with("page_access_token", "EAAB-page-token")
            .with("app_secret", SECRET)
            .with("verify_token", "fb-verify")
    }

    fn page(messaging: &str) -> String {
        format!(
            r#"{{"object":"page","entry":[{{"id":"107425831234567","time":1718000000456,"messaging":[{messaging}]}}]}}"#
        )
    }

    #[test]
    fn the_sample_text_parses() {
        let parsed = Messenger
            .parse(&creds(), &sample("messenger-text.json"))
            .unwrap();
        assert_eq!(parsed.events.len(), 1);
        let e = &parsed.events[0];
        assert_eq!(
            e.id,
            "m_Jy3pSxZ1Q0gS8dQ4q7d9bM2yKcQ1F3oXU4mZb7pR2L9tN6vH5sE8wA0cD1fG3hJ"
        );
        assert_eq!(e.sender.identity(), "messenger:6543210987654321");
        assert_eq!(e.recipient.address, "6543210987654321");
        assert_eq!(e.sent_at_ms, Some(1_718_000_000_123));
        assert_eq!(
            e.content,
            Content::Text {
                text: "Hi, where is my order #98765?".into()
            }
        );
    }

    #[test]
    fn image_quick_reply_and_postback() {
        let body = page(
            r#"{"sender":{"id":"654"},"recipient":{"id":"107425831234567"},"timestamp":1718000000200,"message":{"mid":"m_img","attachments":[{"type":"image","payload":{"url":"https://scontent.xx.fbcdn.net/v/t1/abc.jpg"}}]}},
               {"sender":{"id":"654"},"recipient":{"id":"107425831234567"},"timestamp":1718000000300,"message":{"mid":"m_qr","text":"Track order","quick_reply":{"payload":"TRACK_ORDER_98765"}}},
               {"sender":{"id":"654"},"recipient":{"id":"107425831234567"},"timestamp":1718000000400,"postback":{"mid":"m_pb","title":"Get Started","payload":"GET_STARTED"}}"#,
        );
        let parsed = Messenger.parse(&creds(), body.as_bytes()).unwrap();
        let got: Vec<_> = parsed
            .events
            .iter()
            .map(|e| (e.id.as_str(), e.content.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "m_img",
                    Content::Media {
                        kind: "image".into(),
                        media_id: None,
                        url: Some("https://scontent.xx.fbcdn.net/v/t1/abc.jpg".into()),
                        mime_type: None,
                        caption: None
                    }
                ),
                (
                    "m_qr",
                    Content::Choice {
                        payload: "TRACK_ORDER_98765".into(),
                        title: Some("Track order".into())
                    }
                ),
                (
                    "m_pb",
                    Content::Choice {
                        payload: "GET_STARTED".into(),
                        title: Some("Get Started".into())
                    }
                ),
            ]
        );
    }

    #[test]
    fn echoes_deliveries_reads_and_other_pages_are_ignored() {
        let body = r#"{"object":"page","entry":[
            {"id":"107425831234567","time":1,"messaging":[
              {"sender":{"id":"107425831234567"},"recipient":{"id":"654"},"timestamp":1,"message":{"mid":"m_echo","is_echo":true,"app_id":1517776481860111,"text":"our reply"}},
              {"sender":{"id":"654"},"recipient":{"id":"107425831234567"},"timestamp":2,"delivery":{"mids":["m_echo"],"watermark":1}},
              {"sender":{"id":"654"},"recipient":{"id":"107425831234567"},"timestamp":3,"read":{"watermark":3}}]},
            {"id":"999","time":1,"messaging":[{"sender":{"id":"1"},"recipient":{"id":"999"},"timestamp":1,"message":{"mid":"m_other","text":"hi"}}]}]}"#;
        let parsed = Messenger.parse(&creds(), body.as_bytes()).unwrap();
        assert!(parsed.events.is_empty(), "{:?}", parsed.events);
        assert_eq!(parsed.ignored, 4);
    }

    #[test]
    fn entry_ids_may_be_numbers() {
        let body = page(r#"{"sender":{"id":654},"recipient":{"id":1},"timestamp":1,"message":{"mid":"m1","text":"x"}}"#)
            .replace(r#""id":"107425831234567""#, r#""id":107425831234567"#);
        let parsed = Messenger.parse(&creds(), body.as_bytes()).unwrap();
        assert_eq!(parsed.events[0].sender.address, "654");
    }

    #[test]
    fn malformed_bodies_are_parse_errors() {
        assert!(Messenger.parse(&creds(), b"").is_err());
        assert!(Messenger
            .parse(&creds(), br#"{"object":"instagram","entry":[]}"#)
            .is_err());
        assert!(Messenger.parse(&creds(), br#"{"entry":[]}"#).is_err());
    }

    #[test]
    fn signature_vectors() {
        meta_signature_cases(&Messenger, &creds(), SECRET, &sample("messenger-text.json"));
    }

    #[test]
    fn a_non_ascii_body_is_verified_on_its_escaped_bytes() {
        // Meta signs the \u-escaped form; re-serialising unescapes it and breaks the signature.
        let body = page(
            r#"{"sender":{"id":"654"},"recipient":{"id":"1"},"timestamp":1,"message":{"mid":"m_u","text":"\u00e4\u00f6\u00e5"}}"#,
        );
        let signed = TestHook::new(body.as_bytes()).header(
            "x-hub-signature-256",
            &meta_signature(SECRET, body.as_bytes()),
        );
        assert_eq!(Messenger.authenticate(&creds(), &signed.hook()), Ok(()));
        let mut unescaped = signed;
        unescaped.body = reserialised(body.as_bytes());
        assert!(String::from_utf8_lossy(&unescaped.body).contains("äöå"));
        assert!(Messenger.authenticate(&creds(), &unescaped.hook()).is_err());
        let parsed = Messenger.parse(&creds(), body.as_bytes()).unwrap();
        assert_eq!(parsed.events[0].content.display_text(), "äöå");
    }

    #[test]
    fn subscription_handshake() {
        meta_handshake_cases(&Messenger, &creds(), "fb-verify");
    }

    #[test]
    fn text_and_quick_replies_render_as_the_send_api_expects() {
        let text = Messenger.render(
            &RenderContext::default(),
            &Recipient::new("6543210987654321"),
            &message("Your order #98765 ships today.", Vec::new()),
            &[],
        );
        let req = Messenger
            .request(&creds(), Messenger.default_api_base(), &text[0], "k")
            .unwrap();
        assert_eq!(
            req.uri(),
            "https://graph.facebook.com/v25.0/107425831234567/messages"
        );
        assert_eq!(req.headers()["authorization"], "Bearer EAAB-page-token");
        assert_eq!(
            body_json(&req),
            sample_json("messenger-send-text.json")["body"]
        );

        let quick = Messenger.render(
            &RenderContext::default(),
            &Recipient::new("6543210987654321"),
            &message(
                "What can we help with?",
                options(&[
                    ("TRACK_ORDER_98765", "Track order"),
                    ("HANDOFF_AGENT", "Talk to agent"),
                ]),
            ),
            &[],
        );
        assert_eq!(quick.len(), 1);
        let body: serde_json::Value = serde_json::from_str(&quick[0].body).unwrap();
        assert_eq!(
            body,
            sample_json("messenger-send-quick-replies.json")["body"]
        );
    }

    #[test]
    fn text_splits_at_2000_and_quick_replies_are_capped() {
        let many: Vec<(String, String)> = (0..20)
            .map(|i| (format!("P{i}"), format!("An option that is too long {i}")))
            .collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let payloads = Messenger.render(
            &RenderContext::default(),
            &Recipient::new("1"),
            &message("x".repeat(4500), options(&many)),
            &[],
        );
        assert_eq!(payloads.len(), 3);
        let last: serde_json::Value = serde_json::from_str(&payloads[2].body).unwrap();
        let qr = last["message"]["quick_replies"].as_array().unwrap();
        assert_eq!(qr.len(), 13);
        assert!(qr
            .iter()
            .all(|q| q["title"].as_str().unwrap().chars().count() <= 20));
        for p in &payloads {
            let b: serde_json::Value = serde_json::from_str(&p.body).unwrap();
            assert!(b["message"]["text"].as_str().unwrap().chars().count() <= 2000);
        }
    }

    #[test]
    fn answers_are_read() {
        let ok = sample_json("messenger-send-text.json")["_response"].to_string();
        assert!(
            matches!(Messenger.outcome(&response(200, &ok)), Outcome::Sent(Some(id)) if id.starts_with("m_AG5"))
        );
        assert!(matches!(
            Messenger.outcome(&response(
                400,
                r#"{"error":{"code":100,"message":"No matching user"}}"#
            )),
            Outcome::Permanent(_)
        ));
    }
}
