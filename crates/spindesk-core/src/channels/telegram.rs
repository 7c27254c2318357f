//! Telegram Bot API: one `Update` per webhook, authenticated by the `secret_token` given to
//! `setWebhook`; replies through `POST /bot<token>/sendMessage`.

use super::channel::{
    AuthError, Channel, ChannelType, Content, Credentials, Event, MediaSource, Outcome, ParseError,
    Parsed, Payload, Receiver, Recipient, RenderContext, Sender, Webhook,
};
use super::media::{self, path_segment, MediaRef, MediaStep, OutboundFile};
use super::render::{option_payload, split_text, truncate, Measure};
use super::wire::telegram as vendor;
use super::wire::{post, url};
use crate::message::Message;
use serde_json::json;

pub struct Telegram;

pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
const TEXT_MAX: usize = 4096;
const CALLBACK_DATA_MAX: usize = 64;
const BUTTON_TEXT_MAX: usize = 64;
/// Captions of photos, videos, audio and documents, in UTF-16 units.
const CAPTION_MAX: usize = 1024;

/// The Bot API method (and its file field) for a file sent by URL, as documented: photos
/// (JPEG/PNG) up to 5 MB, other files up to 20 MB; `sendDocument` by URL takes only PDF, ZIP
/// and GIF files, so other documents go as links.
fn send_method(file: &OutboundFile) -> Option<(&'static str, &'static str)> {
    const MB: i64 = 1024 * 1024;
    let (method, max) = match file.content_type.as_str() {
        "image/jpeg" | "image/png" => (("sendPhoto", "photo"), 5 * MB),
        "video/mp4" => (("sendVideo", "video"), 20 * MB),
        "audio/mpeg" | "audio/mp4" => (("sendAudio", "audio"), 20 * MB),
        "audio/ogg" => (("sendVoice", "voice"), 20 * MB),
        "application/pdf" | "application/zip" | "image/gif" => {
            (("sendDocument", "document"), 20 * MB)
        }
        _ => return None,
    };
    (file.size <= max).then_some(method)
}

fn message_content(m: &mut vendor::Message) -> Content {
    let media = |kind: &str, file: vendor::File, caption: Option<String>| Content::Media {
        kind: kind.to_owned(),
        media_id: Some(file.file_id),
        url: None,
        mime_type: file.mime_type,
        caption,
    };
    let caption = m.caption.take();
    if let Some(text) = m.text.take() {
        return Content::Text { text };
    }
    // Photos come in several sizes, the largest last.
    if let Some(photo) = m.photo.pop() {
        return media("image", photo, caption);
    }
    for (kind, file) in [
        ("file", m.document.take()),
        ("video", m.video.take()),
        ("audio", m.audio.take()),
        ("audio", m.voice.take()),
        ("sticker", m.sticker.take()),
    ] {
        if let Some(file) = file {
            return media(kind, file, caption);
        }
    }
    Content::Unsupported {
        kind: "message".into(),
    }
}

impl Channel for Telegram {
    fn kind(&self) -> ChannelType {
        ChannelType::Telegram
    }

    fn default_api_base(&self) -> &'static str {
        "https://api.telegram.org"
    }

    fn render(
        &self,
        _ctx: &RenderContext,
        to: &Recipient,
        message: &Message,
        files: &[OutboundFile],
    ) -> Vec<Payload> {
        // Chat ids are integers; keep the JSON a number as Telegram documents it.
        let chat_id = to
            .address
            .parse::<i64>()
            .map_or_else(|_| json!(to.address), |n| json!(n));
        let payload = |endpoint: &str, body: serde_json::Value| Payload {
            endpoint: endpoint.into(),
            body: body.to_string(),
        };
        let (native, links) = media::partition(files, |f| send_method(f).is_some());
        let text = media::with_links(&message.text, &links);
        // One file and a short text: the text is its caption.
        let caption = (native.len() == 1
            && message.actions.is_empty()
            && !text.is_empty()
            && Measure::Utf16.len(&text) <= CAPTION_MAX)
            .then_some(text.as_str());
        let mut out = Vec::new();
        for file in &native {
            let Some((method, field)) = send_method(file) else {
                continue;
            };
            let mut body = json!({ "chat_id": chat_id });
            body[field] = json!(file.url);
            if let Some(caption) = caption {
                body["caption"] = json!(caption);
            }
            out.push(payload(method, body));
        }
        if caption.is_some() || (!out.is_empty() && text.is_empty() && message.actions.is_empty()) {
            return out;
        }
        let message = &Message {
            text,
            ..message.clone()
        };
        let mut pieces = split_text(&message.text, TEXT_MAX, Measure::Utf16);
        let last = pieces.pop().unwrap_or_default();
        for piece in pieces {
            out.push(payload(
                "sendMessage",
                json!({"chat_id": chat_id, "text": piece}),
            ));
        }
        let mut body = json!({"chat_id": chat_id, "text": if last.is_empty() { "Choose one:" } else { &last }});
        if !message.actions.is_empty() {
            let rows: Vec<_> = message
                .actions
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    json!([{
                        "text": truncate(&q.label, BUTTON_TEXT_MAX, Measure::Utf16),
                        "callback_data": option_payload(&q.payload, i, CALLBACK_DATA_MAX),
                    }])
                })
                .collect();
            body["reply_markup"] = json!({ "inline_keyboard": rows });
        }
        out.push(payload("sendMessage", body));
        out
    }

    /// Stops the spinner on the button the customer tapped.
    fn render_ack(&self, token: &str) -> Option<Payload> {
        Some(Payload {
            endpoint: "answerCallbackQuery".into(),
            body: json!({ "callback_query_id": token }).to_string(),
        })
    }

    /// The bot token is part of the path; Telegram has no auth header.
    fn request(
        &self,
        credentials: &Credentials,
        api_base: &str,
        payload: &Payload,
        _idempotency_key: &str,
    ) -> Result<http::Request<Vec<u8>>, String> {
        let target = url(
            api_base,
            &format!("/bot{}/{}", credentials.get("bot_token"), payload.endpoint),
        );
        post(&target, "application/json", &[], &payload.body)
    }

    fn outcome(&self, response: &http::Response<Vec<u8>>) -> Outcome {
        let json: serde_json::Value = serde_json::from_slice(response.body()).unwrap_or_default();
        match super::channel::http_outcome(response, |j| {
            super::wire::json_id(&j["result"]["message_id"])
        }) {
            Outcome::Sent(_) if json["ok"] == false => Outcome::Permanent(format!(
                "Telegram answered ok:false: {}",
                super::channel::excerpt(response.body())
            )),
            other => other,
        }
    }
}

impl Receiver for Telegram {
    /// No body signature: Telegram echoes the `secret_token` we registered in a header.
    fn authenticate(&self, credentials: &Credentials, hook: &Webhook) -> Result<(), AuthError> {
        let Some(given) = hook.header(SECRET_HEADER) else {
            return Err(AuthError::Missing("X-Telegram-Bot-Api-Secret-Token"));
        };
        let expected = credentials.get("secret_token");
        if expected.is_empty() || !crate::auth::secrets_equal(given, expected) {
            return Err(AuthError::Invalid("X-Telegram-Bot-Api-Secret-Token"));
        }
        Ok(())
    }

    fn parse(&self, _credentials: &Credentials, body: &[u8]) -> Result<Parsed, ParseError> {
        let update: vendor::Update = serde_json::from_slice(body)?;
        let mut parsed = Parsed::default();
        if let Some(mut message) = update.message {
            let Some(from) = message.from.take().filter(|u| !u.is_bot) else {
                parsed.ignored += 1;
                return Ok(parsed);
            };
            // message_id is unique within a chat only; update_id restarts after a quiet week.
            let id = format!("{}:{}", message.chat.id, message.message_id);
            parsed.events.push(Event {
                id,
                sender: Sender {
                    channel: "telegram".into(),
                    address: from.id.clone(),
                    name: from.name(),
                    locale: from
                        .language_code
                        .as_deref()
                        .and_then(super::channel::locale_tag),
                },
                recipient: Recipient::new(message.chat.id.clone()),
                // A date past i64 milliseconds is no date (not an overflow panic).
                sent_at_ms: message.date.and_then(|s| s.checked_mul(1000)),
                content: message_content(&mut message),
                ack: None,
                mail: None,
            });
        } else if let Some(callback) = update.callback_query {
            let chat = callback
                .message
                .map_or_else(|| callback.from.id.clone(), |m| m.chat.id);
            parsed.events.push(Event {
                id: format!("callback:{}", callback.id),
                sender: Sender {
                    channel: "telegram".into(),
                    address: callback.from.id.clone(),
                    name: callback.from.name(),
                    locale: callback
                        .from
                        .language_code
                        .as_deref()
                        .and_then(super::channel::locale_tag),
                },
                recipient: Recipient::new(chat),
                sent_at_ms: None,
                content: Content::Choice {
                    payload: callback.data.unwrap_or_default(),
                    title: None,
                },
                ack: Some(callback.id),
                mail: None,
            });
        } else {
            // edited_message, channel_post, my_chat_member, ...
            parsed.ignored += 1;
        }
        Ok(parsed)
    }
}

impl MediaSource for Telegram {
    /// `getFile` answers the file's path, valid for an hour; the bytes are at
    /// `/file/bot<token>/<file_path>` (files up to 20 MB).
    fn media_request(
        &self,
        credentials: &Credentials,
        api_base: &str,
        media: &MediaRef,
    ) -> Result<MediaStep, String> {
        let target = url(
            api_base,
            &format!(
                "/bot{}/getFile?file_id={}",
                credentials.get("bot_token"),
                path_segment(media.id()?)?
            ),
        );
        Ok(MediaStep::Lookup(media::get(&target, &[])?))
    }

    fn media_located(
        &self,
        credentials: &Credentials,
        api_base: &str,
        answer: &[u8],
    ) -> Result<http::Request<Vec<u8>>, String> {
        let json: serde_json::Value = serde_json::from_slice(answer)
            .map_err(|e| format!("getFile's answer is not JSON: {e}"))?;
        let path = json["result"]["file_path"]
            .as_str()
            .filter(|p| {
                !p.is_empty()
                    && !p.starts_with('/')
                    && !p.split('/').any(|s| s == "..")
                    && !p.contains(['?', '#', '\\'])
            })
            .ok_or("getFile's answer has no usable `result.file_path`")?;
        let target = url(
            api_base,
            &format!("/file/bot{}/{path}", credentials.get("bot_token")),
        );
        media::get(&target, &[])
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    const SECRET: &str = "tg_Wh_5f0c9a1e7b3d4c2a8e6f_71d0b93a4c";

    fn creds() -> Credentials {
        Credentials::new()
            .with("bot_token", "7000000001:AAH-bot-token")
            .with("secret_token", SECRET)
    }

    #[test]
    fn the_sample_text_parses() {
        let parsed = Telegram
            .parse(&creds(), &sample("telegram-text.json"))
            .unwrap();
        let e = &parsed.events[0];
        assert_eq!(e.id, "123456789:1365");
        assert_eq!(e.sender.identity(), "telegram:123456789");
        assert_eq!(e.sender.name.as_deref(), Some("Ana Silva"));
        assert_eq!(e.recipient.address, "123456789");
        assert_eq!(e.sent_at_ms, Some(1_718_000_000_000));
        assert_eq!(
            e.content,
            Content::Text {
                text: "Hi, my order #98765 hasn't arrived".into()
            }
        );
    }

    #[test]
    fn photo_keeps_the_largest_size_and_the_caption() {
        let body = br#"{"update_id":804512732,"message":{"message_id":1366,"from":{"id":123456789,"is_bot":false,"first_name":"Ana"},"chat":{"id":123456789,"type":"private"},"date":1718000010,
          "photo":[{"file_id":"AgAC-small","file_unique_id":"s","file_size":1000,"width":90,"height":60},{"file_id":"AgAC-large","file_unique_id":"l","file_size":50000,"width":1280,"height":853}],"caption":"Box was damaged"}}"#;
        let parsed = Telegram.parse(&creds(), body).unwrap();
        assert_eq!(
            parsed.events[0].content,
            Content::Media {
                kind: "image".into(),
                media_id: Some("AgAC-large".into()),
                url: None,
                mime_type: None,
                caption: Some("Box was damaged".into())
            }
        );
    }

    #[test]
    fn a_callback_query_is_a_choice_to_acknowledge() {
        let body = br#"{"update_id":804512733,"callback_query":{"id":"530363929746381219","from":{"id":123456789,"is_bot":false,"first_name":"Ana"},
          "message":{"message_id":1368,"from":{"id":7000000001,"is_bot":true,"first_name":"Acme"},"chat":{"id":-100200300,"type":"group"},"date":1718000080,"text":"How can we help?"},
          "chat_instance":"-5843926372","data":"track:98765"}}"#;
        let parsed = Telegram.parse(&creds(), body).unwrap();
        let e = &parsed.events[0];
        assert_eq!(e.id, "callback:530363929746381219");
        assert_eq!(e.sender.address, "123456789");
        assert_eq!(e.recipient.address, "-100200300");
        assert_eq!(e.ack.as_deref(), Some("530363929746381219"));
        assert_eq!(
            e.content,
            Content::Choice {
                payload: "track:98765".into(),
                title: None
            }
        );
        let ack = Telegram.render_ack("530363929746381219").unwrap();
        let req = Telegram
            .request(&creds(), Telegram.default_api_base(), &ack, "k")
            .unwrap();
        assert_eq!(
            req.uri(),
            "https://api.telegram.org/bot7000000001:AAH-bot-token/answerCallbackQuery"
        );
        assert_eq!(
            body_json(&req),
            serde_json::json!({"callback_query_id": "530363929746381219"})
        );
    }

    #[test]
    fn bots_edits_and_other_updates_are_ignored() {
        for body in [
            br#"{"update_id":1,"message":{"message_id":1,"from":{"id":5,"is_bot":true,"first_name":"B"},"chat":{"id":5},"date":1,"text":"beep"}}"#.as_slice(),
            br#"{"update_id":2,"edited_message":{"message_id":1,"from":{"id":5,"is_bot":false,"first_name":"A"},"chat":{"id":5},"date":1,"edit_date":2,"text":"fixed"}}"#,
            br#"{"update_id":3,"my_chat_member":{}}"#,
        ] {
            let parsed = Telegram.parse(&creds(), body).unwrap();
            assert!(parsed.events.is_empty());
            assert_eq!(parsed.ignored, 1);
        }
    }

    #[test]
    fn malformed_bodies_are_parse_errors() {
        assert!(Telegram.parse(&creds(), b"{").is_err());
        assert!(Telegram.parse(&creds(), br#"{"message":{}}"#).is_err());
    }

    #[test]
    fn the_secret_token_header_is_required_and_compared() {
        let body = sample("telegram-text.json");
        let ok = TestHook::new(&body).header("x-telegram-bot-api-secret-token", SECRET);
        assert_eq!(Telegram.authenticate(&creds(), &ok.hook()), Ok(()));
        let wrong = TestHook::new(&body).header("x-telegram-bot-api-secret-token", "tg_Wh_wrong");
        assert_eq!(
            Telegram.authenticate(&creds(), &wrong.hook()),
            Err(AuthError::Invalid("X-Telegram-Bot-Api-Secret-Token"))
        );
        assert_eq!(
            Telegram.authenticate(&creds(), &TestHook::new(&body).hook()),
            Err(AuthError::Missing("X-Telegram-Bot-Api-Secret-Token"))
        );
        let prefix = TestHook::new(&body).header("x-telegram-bot-api-secret-token", &SECRET[..10]);
        assert!(Telegram.authenticate(&creds(), &prefix.hook()).is_err());
    }

    #[test]
    fn text_and_inline_keyboard_render_as_documented() {
        let to = Recipient::new("123456789");
        let text = Telegram.render(
            &RenderContext::default(),
            &to,
            &message("Sorry about that! Checking order #98765 now.", Vec::new()),
            &[],
        );
        let req = Telegram
            .request(&creds(), Telegram.default_api_base(), &text[0], "k")
            .unwrap();
        assert_eq!(
            req.uri(),
            "https://api.telegram.org/bot7000000001:AAH-bot-token/sendMessage"
        );
        assert_eq!(req.headers()["content-type"], "application/json");
        let mut expected = sample_json("telegram-send-text.json")["body"].clone();
        expected.as_object_mut().unwrap().remove("reply_parameters");
        assert_eq!(body_json(&req), expected);

        let keyboard = Telegram.render(
            &RenderContext::default(),
            &to,
            &message(
                "How can we help?",
                options(&[
                    ("track:98765", "Track order"),
                    ("agent", "Talk to an agent"),
                ]),
            ),
            &[],
        );
        let body: serde_json::Value = serde_json::from_str(&keyboard[0].body).unwrap();
        assert_eq!(
            body,
            sample_json("telegram-send-inline-keyboard.json")["body"]
        );
    }

    #[test]
    fn long_callback_data_falls_back_to_the_option_number() {
        let long = "x".repeat(65);
        let payloads = Telegram.render(
            &RenderContext::default(),
            &Recipient::new("1"),
            &message("Pick", options(&[("ok", "OK"), (&long, "Long")])),
            &[],
        );
        let body: serde_json::Value = serde_json::from_str(&payloads[0].body).unwrap();
        let rows = &body["reply_markup"]["inline_keyboard"];
        assert_eq!(rows[0][0]["callback_data"], "ok");
        assert_eq!(rows[1][0]["callback_data"], "#2");
    }

    #[test]
    fn text_splits_by_utf16_units() {
        let payloads = Telegram.render(
            &RenderContext::default(),
            &Recipient::new("1"),
            &message("😀".repeat(3000), Vec::new()), // 6000 UTF-16 units
            &[],
        );
        assert_eq!(payloads.len(), 2);
        for p in &payloads {
            let b: serde_json::Value = serde_json::from_str(&p.body).unwrap();
            assert!(b["text"].as_str().unwrap().encode_utf16().count() <= 4096);
        }
    }

    #[test]
    fn answers_are_read() {
        let ok = sample_json("telegram-send-text.json")["_response"].to_string();
        assert_eq!(
            Telegram.outcome(&response(200, &ok)),
            Outcome::Sent(Some("1368".into()))
        );
        assert!(matches!(
            Telegram.outcome(&response(403, r#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#)),
            Outcome::Permanent(_)
        ));
        assert!(matches!(
            Telegram.outcome(&response(
                429,
                r#"{"ok":false,"error_code":429,"parameters":{"retry_after":3}}"#
            )),
            Outcome::Retry(_)
        ));
    }
}
