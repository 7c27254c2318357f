//! Instagram messaging (Instagram API with Instagram Login): `entry[].messaging[]` for the
//! professional account, replies through `POST graph.instagram.com/<version>/<ig_id>/messages`.

use super::channel::{
    Channel, ChannelType, Credentials, MediaSource, Outcome, ParseError, Parsed, Payload,
    Recipient, RenderContext,
};
use super::media::OutboundFile;
use super::messenger::{render_messages, with_window};
use super::meta;
use super::render::Measure;
use super::wire::{bearer, post, url};
use crate::message::Message;

pub struct Instagram;

/// Instagram limits a text message to 1000 bytes of UTF-8.
const TEXT_MAX_BYTES: usize = 1000;

/// Instagram's attachment type for a file sent by URL, as its send API documents: images
/// PNG/JPEG up to 8 MB; video and audio up to 25 MB; PDF files up to 25 MB. Anything else
/// goes as a link.
fn attachment_type(file: &OutboundFile) -> Option<&'static str> {
    const MB: i64 = 1024 * 1024;
    let (kind, max) = match file.content_type.as_str() {
        "image/jpeg" | "image/png" => ("image", 8 * MB),
        "video/mp4" | "video/ogg" | "video/webm" | "video/quicktime" => ("video", 25 * MB),
        "audio/aac" | "audio/mp4" | "audio/wav" => ("audio", 25 * MB),
        "application/pdf" => ("file", 25 * MB),
        _ => return None,
    };
    (file.size <= max).then_some(kind)
}

impl Channel for Instagram {
    fn kind(&self) -> ChannelType {
        ChannelType::Instagram
    }

    fn default_api_base(&self) -> &'static str {
        "https://graph.instagram.com"
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
            TEXT_MAX_BYTES,
            Measure::Bytes,
            false,
        );
        with_window(ctx, payloads)
    }

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
                credentials.get("instagram_account_id"),
                payload.endpoint
            ),
        );
        post(
            &target,
            "application/json",
            &[("authorization", &bearer(credentials.get("access_token")))],
            &payload.body,
        )
    }

    fn outcome(&self, response: &http::Response<Vec<u8>>) -> Outcome {
        meta::outcome(response, "message_id")
    }
}

impl meta::MetaApp for Instagram {
    fn parse_body(&self, credentials: &Credentials, body: &[u8]) -> Result<Parsed, ParseError> {
        meta::parse_messaging(
            body,
            "instagram",
            "instagram",
            credentials.get("instagram_account_id"),
        )
    }
}

/// Its customers' files come as links the vendor signed: fetched without credentials.
impl MediaSource for Instagram {}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::Content;
    use super::*;
    use crate::channels::channel::Receiver;

    const SECRET: &str = "ig-app-secret";

    fn creds() -> Credentials {
        Credentials::new()
            .with("instagram_account_id", "17841405822304914")
            .with("access_token", "IGQ-token")
            .with("app_secret", SECRET)
            .with("verify_token", "ig-verify")
    }

    fn account(messaging: &str) -> String {
        format!(
            r#"{{"object":"instagram","entry":[{{"id":"17841405822304914","time":1718000000456,"messaging":[{messaging}]}}]}}"#
        )
    }

    #[test]
    fn the_sample_text_parses() {
        let parsed = Instagram
            .parse(&creds(), &sample("instagram-text.json"))
            .unwrap();
        let e = &parsed.events[0];
        assert_eq!(e.sender.identity(), "instagram:1248765432109876");
        assert!(e
            .id
            .starts_with("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx"));
        assert_eq!(
            e.content,
            Content::Text {
                text: "Do you ship to Canada?".into()
            }
        );
    }

    #[test]
    fn image_quick_reply_postback_and_flags() {
        let body = account(
            r#"{"sender":{"id":"124"},"recipient":{"id":"17841405822304914"},"timestamp":1,"message":{"mid":"ig_img","attachments":[{"type":"image","payload":{"url":"https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1"}}]}},
               {"sender":{"id":"124"},"recipient":{"id":"17841405822304914"},"timestamp":2,"message":{"mid":"ig_qr","text":"Yes","quick_reply":{"payload":"SHIP_CA"}}},
               {"sender":{"id":"124"},"recipient":{"id":"17841405822304914"},"timestamp":3,"postback":{"mid":"ig_pb","title":"Talk to us","payload":"ICEBREAKER_1"}},
               {"sender":{"id":"17841405822304914"},"recipient":{"id":"124"},"timestamp":4,"message":{"mid":"ig_echo","text":"hi","is_echo":true}},
               {"sender":{"id":"124"},"recipient":{"id":"17841405822304914"},"timestamp":5,"message":{"mid":"ig_del","is_deleted":true}},
               {"sender":{"id":"124"},"recipient":{"id":"17841405822304914"},"timestamp":6,"message":{"mid":"ig_story","attachments":[{"type":"story_mention","payload":{"url":"https://x"}}]}}"#,
        );
        let parsed = Instagram.parse(&creds(), body.as_bytes()).unwrap();
        let kinds: Vec<_> = parsed
            .events
            .iter()
            .map(|e| (e.id.as_str(), e.content.clone()))
            .collect();
        assert_eq!(kinds.len(), 4, "{kinds:?}");
        assert!(
            matches!(&kinds[0].1, Content::Media { kind, url: Some(_), .. } if kind == "image")
        );
        assert_eq!(
            kinds[1].1,
            Content::Choice {
                payload: "SHIP_CA".into(),
                title: Some("Yes".into())
            }
        );
        assert_eq!(
            kinds[2].1,
            Content::Choice {
                payload: "ICEBREAKER_1".into(),
                title: Some("Talk to us".into())
            }
        );
        assert_eq!(
            kinds[3].1,
            Content::Unsupported {
                kind: "story_mention".into()
            }
        );
        assert_eq!(parsed.ignored, 2);
    }

    #[test]
    fn a_messenger_body_is_not_an_instagram_body() {
        assert!(Instagram
            .parse(&creds(), &sample("messenger-text.json"))
            .is_err());
    }

    #[test]
    fn signature_vectors() {
        meta_signature_cases(&Instagram, &creds(), SECRET, &sample("instagram-text.json"));
    }

    #[test]
    fn subscription_handshake() {
        meta_handshake_cases(&Instagram, &creds(), "ig-verify");
    }

    #[test]
    fn text_renders_as_the_documented_send_request() {
        let payloads = Instagram.render(
            &RenderContext::default(),
            &Recipient::new("1248765432109876"),
            &message("Yes, we ship to Canada (3-5 business days).", Vec::new()),
            &[],
        );
        let req = Instagram
            .request(&creds(), Instagram.default_api_base(), &payloads[0], "k")
            .unwrap();
        let sample = sample_json("instagram-send-text.json");
        assert_eq!(req.uri().to_string(), sample["_request"]["url"]);
        assert_eq!(req.headers()["authorization"], "Bearer IGQ-token");
        assert_eq!(body_json(&req), sample["body"]);
    }

    #[test]
    fn text_splits_at_1000_bytes() {
        let payloads = Instagram.render(
            &RenderContext::default(),
            &Recipient::new("1"),
            &message("가나다라 ".repeat(200), options(&[("A", "A")])), // 13 bytes each, 2600 bytes
            &[],
        );
        assert!(payloads.len() >= 3);
        for p in &payloads {
            let b: serde_json::Value = serde_json::from_str(&p.body).unwrap();
            assert!(b["message"]["text"].as_str().unwrap().len() <= 1000);
        }
        let last: serde_json::Value = serde_json::from_str(&payloads.last().unwrap().body).unwrap();
        assert_eq!(last["message"]["quick_replies"][0]["payload"], "A");
    }
}
