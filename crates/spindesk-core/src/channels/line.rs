//! LINE Messaging API: `events[]` signed with the channel secret (`X-Line-Signature`, base64),
//! replies through the push API with a retry key so a repeated send is not delivered twice.

use super::channel::{
    AuthError, Channel, ChannelType, Content, Credentials, Event, MediaSource, Outcome, ParseError,
    Parsed, Payload, Receiver, Recipient, RenderContext, Sender, Webhook,
};
use super::media::{self, path_segment, MediaRef, MediaStep, OutboundFile};
use super::render::{option_payload, split_text, truncate, Measure};
use super::signature::{base64_decode, equal, hmac_sha256};
use super::wire::line as vendor;
use super::wire::{bearer, post, url};
use crate::message::Message;
use serde_json::json;

pub struct Line;

pub const SIGNATURE_HEADER: &str = "x-line-signature";
const TEXT_MAX: usize = 5000;
/// Messages per push request.
const MESSAGES_PER_REQUEST: usize = 5;
const QUICK_REPLY_MAX: usize = 13;
const LABEL_MAX: usize = 20;
const DATA_MAX: usize = 300;

/// Whether a file goes as an image message. LINE wants a preview image of at most 1 MB
/// beside the original (JPEG or PNG, HTTPS); we keep no thumbnails, so the file is its own
/// preview and only images up to 1 MB go natively. Video needs a preview image too, audio its
/// duration, and bots cannot send files: those go as links.
fn native_image(file: &OutboundFile) -> bool {
    file.is(&["image/jpeg", "image/png"]) && file.size <= 1024 * 1024
}

/// The host that serves message content: `api-data.line.me` beside the default API, or the
/// integration's own API base (a staging or local stand-in serves both).
fn content_base(api_base: &str) -> &str {
    if api_base.trim_end_matches('/') == "https://api.line.me" {
        "https://api-data.line.me"
    } else {
        api_base
    }
}

fn content(message: vendor::Message) -> Content {
    match message.kind.as_str() {
        "text" => Content::Text {
            text: message.text.unwrap_or_default(),
        },
        "image" | "video" | "audio" | "file" => Content::Media {
            kind: message.kind.clone(),
            // Fetched with GET api-data.line.me/v2/bot/message/{id}/content and the token.
            media_id: Some(message.id),
            url: message
                .content_provider
                .and_then(|p| p.original_content_url),
            mime_type: None,
            caption: None,
        },
        "sticker" => Content::Media {
            kind: "sticker".into(),
            media_id: Some(message.id),
            url: None,
            mime_type: None,
            caption: None,
        },
        other => Content::Unsupported {
            kind: other.to_owned(),
        },
    }
}

impl Channel for Line {
    fn kind(&self) -> ChannelType {
        ChannelType::Line
    }

    fn default_api_base(&self) -> &'static str {
        "https://api.line.me"
    }

    /// Push messages (a reply token expires within a minute, before a retry from the outbox
    /// could use it), at most five per request, quick replies on the last one.
    fn render(
        &self,
        _ctx: &RenderContext,
        to: &Recipient,
        message: &Message,
        files: &[OutboundFile],
    ) -> Vec<Payload> {
        let (images, links) = media::partition(files, native_image);
        let mut messages: Vec<serde_json::Value> = images
            .iter()
            .map(
                |f| json!({"type": "image", "originalContentUrl": f.url, "previewImageUrl": f.url}),
            )
            .collect();
        let message = &Message {
            text: media::with_links(&message.text, &links),
            ..message.clone()
        };
        if !message.text.trim().is_empty() || messages.is_empty() || !message.actions.is_empty() {
            for piece in split_text(&message.text, TEXT_MAX, Measure::Utf16) {
                let text = if piece.is_empty() {
                    "Choose one:".to_owned()
                } else {
                    piece
                };
                messages.push(json!({"type": "text", "text": text}));
            }
        }
        if !message.actions.is_empty() {
            let items: Vec<_> = message
                .actions
                .iter()
                .take(QUICK_REPLY_MAX)
                .enumerate()
                .map(|(i, q)| {
                    json!({"type": "action", "action": {
                        "type": "postback",
                        "label": truncate(&q.label, LABEL_MAX, Measure::Utf16),
                        "data": option_payload(&q.payload, i, DATA_MAX),
                        "displayText": q.label,
                    }})
                })
                .collect();
            if let Some(last) = messages.last_mut() {
                last["quickReply"] = json!({ "items": items });
            }
        }
        messages
            .chunks(MESSAGES_PER_REQUEST)
            .map(|chunk| Payload {
                endpoint: "push".into(),
                body: json!({"to": to.address, "messages": chunk}).to_string(),
            })
            .collect()
    }

    /// `X-Line-Retry-Key` makes a repeated push of the same outbox row a no-op at LINE.
    fn request(
        &self,
        credentials: &Credentials,
        api_base: &str,
        payload: &Payload,
        idempotency_key: &str,
    ) -> Result<http::Request<Vec<u8>>, String> {
        let target = url(api_base, &format!("/v2/bot/message/{}", payload.endpoint));
        let auth = bearer(credentials.get("channel_access_token"));
        let mut headers = vec![("authorization", auth.as_str())];
        if payload.endpoint == "push" {
            headers.push(("x-line-retry-key", idempotency_key));
        }
        post(&target, "application/json", &headers, &payload.body)
    }

    fn outcome(&self, response: &http::Response<Vec<u8>>) -> Outcome {
        // 409: this retry key was already accepted, so the message went out before.
        if response.status().as_u16() == 409 {
            return Outcome::Sent(None);
        }
        super::channel::http_outcome(response, |j| {
            super::wire::json_id(&j["sentMessages"][0]["id"])
        })
    }
}

impl Receiver for Line {
    /// `X-Line-Signature: base64(HMAC-SHA256(channel secret, raw body))`. The console's
    /// "Verify" request is signed the same way and carries no events.
    fn authenticate(&self, credentials: &Credentials, hook: &Webhook) -> Result<(), AuthError> {
        let Some(header) = hook.header(SIGNATURE_HEADER) else {
            return Err(AuthError::Missing("X-Line-Signature"));
        };
        let given = base64_decode(header).ok_or(AuthError::Invalid("X-Line-Signature"))?;
        let secret = credentials.get("channel_secret");
        let expected = hmac_sha256(secret.as_bytes(), &[hook.body]);
        if secret.is_empty() || !equal(&expected, &given) {
            return Err(AuthError::Invalid("X-Line-Signature"));
        }
        Ok(())
    }

    fn parse(&self, _credentials: &Credentials, body: &[u8]) -> Result<Parsed, ParseError> {
        let body: vendor::Body = serde_json::from_slice(body)?;
        let mut parsed = Parsed::default();
        for event in body.events {
            // Standby: another channel (e.g. a human chat) owns the conversation; don't reply.
            if event.mode.as_deref() == Some("standby") {
                parsed.ignored += 1;
                continue;
            }
            let (Some(id), Some(source)) = (event.webhook_event_id, event.source) else {
                parsed.ignored += 1;
                continue;
            };
            let Some(user) = source.user_id else {
                parsed.ignored += 1;
                continue;
            };
            let content = match (event.kind.as_str(), event.message, event.postback) {
                ("message", Some(message), _) => content(message),
                ("postback", _, Some(postback)) => Content::Choice {
                    payload: postback.data,
                    title: None,
                },
                // follow, unfollow, join, leave, unsend, read...
                _ => {
                    parsed.ignored += 1;
                    continue;
                }
            };
            let reply_to = source.group_id.or(source.room_id).unwrap_or(user.clone());
            parsed.events.push(Event {
                id,
                sender: Sender {
                    channel: "line".into(),
                    address: user,
                    name: None,
                    locale: None,
                },
                recipient: Recipient::new(reply_to),
                sent_at_ms: event.timestamp,
                content,
                ack: None,
                mail: None,
            });
        }
        Ok(parsed)
    }
}

impl MediaSource for Line {
    /// `GET /v2/bot/message/{id}/content` on the content host, with the channel token.
    fn media_request(
        &self,
        credentials: &Credentials,
        api_base: &str,
        media: &MediaRef,
    ) -> Result<MediaStep, String> {
        if media.kind == "sticker" {
            return Err("LINE serves no content for stickers".into());
        }
        let target = url(
            content_base(api_base),
            &format!("/v2/bot/message/{}/content", path_segment(media.id()?)?),
        );
        let auth = bearer(credentials.get("channel_access_token"));
        Ok(MediaStep::Download(media::get(
            &target,
            &[("authorization", &auth)],
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use base64::Engine;

    const SECRET: &str = "line-channel-secret-32hex";

    fn creds() -> Credentials {
        Credentials::new()
            .with("channel_access_token", "line-access-token")
            .with("channel_secret", SECRET)
    }

    fn signature(secret: &str, body: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(super::super::signature::hmac_sha256(
            secret.as_bytes(),
            &[body],
        ))
    }

    fn events(events: &str) -> String {
        format!(r#"{{"destination":"U0a1b2c3d4e5f60718293a4b5c6d7e8f9","events":[{events}]}}"#)
    }

    #[test]
    fn the_sample_text_parses() {
        let parsed = Line.parse(&creds(), &sample("line-text.json")).unwrap();
        let e = &parsed.events[0];
        assert_eq!(e.id, "01HZ8T3Q2K9V6J4R7M1N5P0XWB");
        assert_eq!(
            e.sender.identity(),
            "line:U4af4980629bd0a67f2b8e9a1c3d5e7f9"
        );
        assert_eq!(e.recipient.address, "U4af4980629bd0a67f2b8e9a1c3d5e7f9");
        assert_eq!(e.sent_at_ms, Some(1_718_000_000_123));
        assert_eq!(
            e.content,
            Content::Text {
                text: "Where is my order #98765?".into()
            }
        );
    }

    #[test]
    fn the_verify_request_has_no_events() {
        let parsed = Line
            .parse(&creds(), &sample("line-verify-empty.json"))
            .unwrap();
        assert_eq!(parsed, Parsed::default());
    }

    #[test]
    fn image_postback_group_and_ignored_events() {
        let body = events(
            r#"{"type":"message","message":{"type":"image","id":"468789577898262531","contentProvider":{"type":"line"},"imageSet":{"id":"E005D41A","index":1,"total":2}},"webhookEventId":"01HZ8T3Q2K9V6J4R7M1N5P0XWC","deliveryContext":{"isRedelivery":false},"timestamp":1718000000200,"source":{"type":"group","groupId":"Ca56f94637c","userId":"U4af4980629bd0a67f2b8e9a1c3d5e7f9"},"replyToken":"r2","mode":"active"},
               {"type":"postback","postback":{"data":"action=handoff","params":{}},"webhookEventId":"01HZ8T3Q2K9V6J4R7M1N5P0XWD","deliveryContext":{"isRedelivery":false},"timestamp":1718000000300,"source":{"type":"user","userId":"U4af4980629bd0a67f2b8e9a1c3d5e7f9"},"replyToken":"r3","mode":"active"},
               {"type":"follow","webhookEventId":"01HZ8T3Q2K9V6J4R7M1N5P0XWE","timestamp":1,"source":{"type":"user","userId":"U1"},"replyToken":"r4","mode":"active"},
               {"type":"message","message":{"type":"text","id":"1","text":"hi"},"webhookEventId":"01HZ8T3Q2K9V6J4R7M1N5P0XWF","timestamp":1,"source":{"type":"user","userId":"U1"},"mode":"standby"}"#,
        );
        let parsed = Line.parse(&creds(), body.as_bytes()).unwrap();
        assert_eq!(parsed.events.len(), 2);
        assert_eq!(parsed.ignored, 2);
        assert_eq!(parsed.events[0].recipient.address, "Ca56f94637c");
        assert_eq!(
            parsed.events[0].content,
            Content::Media {
                kind: "image".into(),
                media_id: Some("468789577898262531".into()),
                url: None,
                mime_type: None,
                caption: None
            }
        );
        assert_eq!(
            parsed.events[1].content,
            Content::Choice {
                payload: "action=handoff".into(),
                title: None
            }
        );
    }

    #[test]
    fn a_redelivered_event_keeps_its_id() {
        let body = String::from_utf8(sample("line-text.json"))
            .unwrap()
            .replace(r#""isRedelivery": false"#, r#""isRedelivery": true"#);
        let parsed = Line.parse(&creds(), body.as_bytes()).unwrap();
        assert_eq!(parsed.events[0].id, "01HZ8T3Q2K9V6J4R7M1N5P0XWB");
    }

    #[test]
    fn malformed_bodies_are_parse_errors() {
        assert!(Line.parse(&creds(), br#"{"destination":"x"}"#).is_err());
        assert!(Line.parse(&creds(), b"events=[]").is_err());
    }

    #[test]
    fn signature_vectors() {
        for body in [sample("line-text.json"), sample("line-verify-empty.json")] {
            let signed = |secret: &str, body: &[u8]| {
                TestHook::new(body).header("x-line-signature", &signature(secret, body))
            };
            assert_eq!(
                Line.authenticate(&creds(), &signed(SECRET, &body).hook()),
                Ok(())
            );
            assert_eq!(
                Line.authenticate(&creds(), &signed("other-secret", &body).hook()),
                Err(AuthError::Invalid("X-Line-Signature"))
            );
            let mut changed = signed(SECRET, &body);
            changed.body = one_byte_changed(&body);
            assert!(Line.authenticate(&creds(), &changed.hook()).is_err());
            let mut again = signed(SECRET, &body);
            again.body = reserialised(&body);
            assert!(Line.authenticate(&creds(), &again.hook()).is_err());
            assert_eq!(
                Line.authenticate(&creds(), &TestHook::new(&body).hook()),
                Err(AuthError::Missing("X-Line-Signature"))
            );
            let garbage = TestHook::new(&body).header("x-line-signature", "not base64!");
            assert!(Line.authenticate(&creds(), &garbage.hook()).is_err());
        }
    }

    #[test]
    fn text_renders_as_a_push_with_a_retry_key() {
        let payloads = Line.render(
            &RenderContext::default(),
            &Recipient::new("U4af4980629bd0a67f2b8e9a1c3d5e7f9"),
            &message("An agent replied to your ticket.", Vec::new()),
            &[],
        );
        let req = Line
            .request(
                &creds(),
                Line.default_api_base(),
                &payloads[0],
                "123e4567-e89b-12d3-a456-426614174000",
            )
            .unwrap();
        let push = &sample_json("line-reply-text.json")["_push_alternative"];
        assert_eq!(req.uri().to_string(), push["url"]);
        assert_eq!(req.headers()["authorization"], "Bearer line-access-token");
        assert_eq!(
            req.headers()["x-line-retry-key"],
            "123e4567-e89b-12d3-a456-426614174000"
        );
        assert_eq!(body_json(&req), push["body"]);
    }

    #[test]
    fn quick_replies_attach_to_the_last_message_as_postbacks() {
        let payloads = Line.render(
            &RenderContext::default(),
            &Recipient::new("U1"),
            &message(
                "How can we help?",
                options(&[
                    ("action=track", "Track order"),
                    ("action=handoff", "Talk to an agent right now"),
                ]),
            ),
            &[],
        );
        let body: serde_json::Value = serde_json::from_str(&payloads[0].body).unwrap();
        let items = body["messages"][0]["quickReply"]["items"]
            .as_array()
            .unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1]["action"]["type"], "postback");
        assert_eq!(items[1]["action"]["data"], "action=handoff");
        assert_eq!(
            items[1]["action"]["displayText"],
            "Talk to an agent right now"
        );
        assert!(
            items[1]["action"]["label"]
                .as_str()
                .unwrap()
                .encode_utf16()
                .count()
                <= 20
        );
    }

    #[test]
    fn long_text_is_split_and_batched_five_messages_a_request() {
        let payloads = Line.render(
            &RenderContext::default(),
            &Recipient::new("U1"),
            &message("word ".repeat(6000), options(&[("a", "A")])), // 30000 chars -> 6+ messages
            &[],
        );
        assert_eq!(payloads.len(), 2);
        let first: serde_json::Value = serde_json::from_str(&payloads[0].body).unwrap();
        let second: serde_json::Value = serde_json::from_str(&payloads[1].body).unwrap();
        assert_eq!(first["messages"].as_array().unwrap().len(), 5);
        assert!(first["messages"][4].get("quickReply").is_none());
        let last = second["messages"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert!(last.get("quickReply").is_some());
        for m in first["messages"].as_array().unwrap() {
            assert!(m["text"].as_str().unwrap().encode_utf16().count() <= 5000);
        }
    }

    #[test]
    fn answers_are_read() {
        let ok = sample_json("line-reply-text.json")["_response"].to_string();
        assert_eq!(
            Line.outcome(&response(200, &ok)),
            Outcome::Sent(Some("461230966842064897".into()))
        );
        assert_eq!(Line.outcome(&response(409, "{}")), Outcome::Sent(None));
        assert!(matches!(
            Line.outcome(&response(400, r#"{"message":"Invalid reply token"}"#)),
            Outcome::Permanent(_)
        ));
    }
}
