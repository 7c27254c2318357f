//! WhatsApp Cloud API (Meta): `entry[].changes[].value.messages[]`, replies through
//! `POST /<version>/<phone_number_id>/messages` with a bearer token.

use super::channel::{
    Channel, ChannelType, Content, Credentials, Event, MediaSource, Outcome, ParseError, Parsed,
    Payload, Recipient, RenderContext, Sender, TemplateSend, Window,
};
use super::media::{self, path_segment, MediaRef, MediaStep, OutboundFile};
use super::meta;
use super::render::{option_payload, split_for_options, split_text, truncate, Measure};
use super::wire::whatsapp as vendor;
use super::wire::{bearer, post, url};
use crate::message::Message;
use crate::message::QuickReply;
use crate::users;
use serde_json::json;

pub struct WhatsApp;

const TEXT_MAX: usize = 4096;
/// Interactive messages' body text.
const INTERACTIVE_BODY_MAX: usize = 1024;
const BUTTONS_MAX: usize = 3;
const BUTTON_TITLE_MAX: usize = 20;
const LIST_ROWS_MAX: usize = 10;
const ROW_TITLE_MAX: usize = 24;
const ID_MAX: usize = 256;
/// Media captions (image, video, document).
const CAPTION_MAX: usize = 1024;

/// The Cloud API's media message for a file, by its type and size as documented (images
/// JPEG/PNG up to 5 MB, video MP4/3GPP and audio up to 16 MB, documents up to 100 MB); `None`
/// sends it as a link.
fn media_type(file: &OutboundFile) -> Option<&'static str> {
    const MB: i64 = 1024 * 1024;
    let (kind, max) = match file.content_type.as_str() {
        "image/jpeg" | "image/png" => ("image", 5 * MB),
        "video/mp4" | "video/3gpp" => ("video", 16 * MB),
        "audio/aac" | "audio/amr" | "audio/mpeg" | "audio/mp4" | "audio/ogg" => ("audio", 16 * MB),
        "application/pdf"
        | "text/plain"
        | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
            ("document", 100 * MB)
        }
        _ => return None,
    };
    (file.size <= max).then_some(kind)
}

fn content(m: vendor::Message) -> Option<(String, String, Option<String>, Content)> {
    let media = |kind: &str, media: Option<vendor::Media>| {
        media.map(|m| Content::Media {
            kind: kind.to_owned(),
            media_id: m.id,
            url: m.url,
            mime_type: m.mime_type,
            caption: m.caption,
        })
    };
    let content = match m.kind.as_str() {
        "text" => m.text.map(|t| Content::Text { text: t.body }),
        "image" => media("image", m.image),
        "video" => media("video", m.video),
        "audio" => media("audio", m.audio),
        "document" => media("file", m.document),
        "sticker" => media("sticker", m.sticker),
        "interactive" => m
            .interactive
            .and_then(|i| i.button_reply.or(i.list_reply))
            .map(|r| Content::Choice {
                payload: r.id,
                title: r.title,
            }),
        "button" => m.button.map(|b| Content::Choice {
            payload: b.payload.or_else(|| b.text.clone()).unwrap_or_default(),
            title: b.text,
        }),
        // A reaction to one of our messages is not a message to answer.
        "reaction" => return None,
        other => Some(Content::Unsupported {
            kind: other.to_owned(),
        }),
    }?;
    Some((m.id, m.from, m.timestamp, content))
}

/// A `type: template` message: the template's name and language, and its body parameters.
fn render_template(to: &Recipient, template: &TemplateSend) -> Payload {
    let mut body = json!({
        "name": template.name,
        "language": {"code": template.language},
    });
    if !template.parameters.is_empty() {
        let parameters: Vec<_> = template
            .parameters
            .iter()
            .map(|text| json!({"type": "text", "text": text}))
            .collect();
        body["components"] = json!([{"type": "body", "parameters": parameters}]);
    }
    Payload {
        endpoint: "messages".into(),
        body: json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to.address,
            "type": "template",
            "template": body,
        })
        .to_string(),
    }
}

impl Channel for WhatsApp {
    fn kind(&self) -> ChannelType {
        ChannelType::WhatsApp
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
        // Outside the 24-hour window only the approved template goes, whatever the text.
        if let Window::Template(template) = &ctx.window {
            return vec![render_template(to, template)];
        }
        let envelope = |kind: &str, body: serde_json::Value| {
            let mut m = json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": to.address,
                "type": kind,
            });
            m[kind] = body;
            Payload {
                endpoint: "messages".into(),
                body: m.to_string(),
            }
        };
        let text = |body: &str| envelope("text", json!({"preview_url": false, "body": body}));
        let (native, links) = media::partition(files, |f| media_type(f).is_some());
        let text_and_links = media::with_links(&message.text, &links);
        // One file and a short text: the text is its caption (audio takes none).
        let caption = (native.len() == 1
            && message.actions.is_empty()
            && !text_and_links.is_empty()
            && text_and_links.chars().count() <= CAPTION_MAX
            && native.iter().all(|f| media_type(f) != Some("audio")))
        .then_some(text_and_links.as_str());
        let mut out = Vec::new();
        // One file per message: the Cloud API's media messages carry one each.
        for file in &native {
            let Some(kind) = media_type(file) else {
                continue;
            };
            let mut body = json!({ "link": file.url });
            if kind == "document" {
                body["filename"] = json!(file.file_name);
            }
            if let Some(caption) = caption {
                body["caption"] = json!(caption);
            }
            out.push(envelope(kind, body));
        }
        if caption.is_some() {
            return out;
        }
        let message = &Message {
            text: text_and_links,
            ..message.clone()
        };
        if message.actions.is_empty() {
            if !message.text.trim().is_empty() || out.is_empty() {
                out.extend(
                    split_text(&message.text, TEXT_MAX, Measure::Chars)
                        .iter()
                        .map(|p| text(p)),
                );
            }
            return out;
        }
        let (lead, last) = split_for_options(
            &message.text,
            TEXT_MAX,
            INTERACTIVE_BODY_MAX,
            Measure::Chars,
        );
        out.extend(lead.iter().map(|p| text(p)));
        // An interactive message needs a body; a bot that only offers options gets a prompt.
        let body = if last.is_empty() {
            "Choose one:"
        } else {
            &last
        };
        let id = |i: usize, q: &QuickReply| option_payload(&q.payload, i, ID_MAX);
        let interactive = if message.actions.len() <= BUTTONS_MAX {
            let buttons: Vec<_> = message
                .actions
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    json!({"type": "reply", "reply": {
                        "id": id(i, q),
                        "title": truncate(&q.label, BUTTON_TITLE_MAX, Measure::Chars),
                    }})
                })
                .collect();
            json!({"type": "button", "body": {"text": body}, "action": {"buttons": buttons}})
        } else {
            // More than three options: a list (at most ten rows; the rest are not offered).
            let rows: Vec<_> = message
                .actions
                .iter()
                .take(LIST_ROWS_MAX)
                .enumerate()
                .map(|(i, q)| {
                    json!({"id": id(i, q), "title": truncate(&q.label, ROW_TITLE_MAX, Measure::Chars)})
                })
                .collect();
            json!({"type": "list", "body": {"text": body}, "action": {
                "button": "Options",
                "sections": [{"title": "Options", "rows": rows}],
            }})
        };
        out.push(envelope("interactive", interactive));
        out
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
                credentials.get("phone_number_id"),
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
        meta::outcome(response, "messages")
    }
}

impl meta::MetaApp for WhatsApp {
    fn parse_body(&self, credentials: &Credentials, body: &[u8]) -> Result<Parsed, ParseError> {
        let notification: vendor::Notification = serde_json::from_slice(body)?;
        if notification.object != "whatsapp_business_account" {
            return Err(ParseError::new(format!(
                "expected `object: \"whatsapp_business_account\"`, got {:?}",
                notification.object
            )));
        }
        let own_number = credentials.get("phone_number_id");
        let mut parsed = Parsed::default();
        for change in notification.entry.into_iter().flat_map(|e| e.changes) {
            let value = change.value;
            parsed.ignored += value.statuses.len();
            // One app can serve several business numbers; this integration is one of them.
            if value.metadata.as_ref().map(|m| m.phone_number_id.as_str()) != Some(own_number) {
                parsed.ignored += value.messages.len();
                continue;
            }
            for message in value.messages {
                let Some((id, from, timestamp, content)) = content(message) else {
                    parsed.ignored += 1;
                    continue;
                };
                let name = value
                    .contacts
                    .iter()
                    .find(|c| c.wa_id == from)
                    .and_then(|c| c.profile.as_ref()?.name.clone());
                let address = format!("+{}", from.trim_start_matches('+'));
                parsed.events.push(Event {
                    id,
                    sender: Sender {
                        channel: "whatsapp".into(),
                        address: address.clone(),
                        name,
                        locale: users::locale_for_phone(&address),
                    },
                    recipient: Recipient::new(address),
                    sent_at_ms: timestamp
                        .and_then(|t| t.parse::<i64>().ok())
                        // A time past i64 milliseconds is no time (not an overflow panic).
                        .and_then(|s| s.checked_mul(1000)),
                    content,
                    ack: None,
                    mail: None,
                });
            }
        }
        Ok(parsed)
    }
}

impl MediaSource for WhatsApp {
    /// `GET /<version>/<media id>` answers the file's short-lived URL (five minutes), which
    /// wants the same token.
    fn media_request(
        &self,
        credentials: &Credentials,
        api_base: &str,
        media: &MediaRef,
    ) -> Result<MediaStep, String> {
        let target = url(
            api_base,
            &format!("/{}/{}", meta::GRAPH_VERSION, path_segment(media.id()?)?),
        );
        let auth = bearer(credentials.get("access_token"));
        Ok(MediaStep::Lookup(media::get(
            &target,
            &[("authorization", &auth)],
        )?))
    }

    fn media_located(
        &self,
        credentials: &Credentials,
        _api_base: &str,
        answer: &[u8],
    ) -> Result<http::Request<Vec<u8>>, String> {
        let json: serde_json::Value = serde_json::from_slice(answer)
            .map_err(|e| format!("the media lookup's answer is not JSON: {e}"))?;
        let link = json["url"]
            .as_str()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .ok_or("the media lookup's answer has no `url`")?;
        let auth = bearer(credentials.get("access_token"));
        media::get(link, &[("authorization", &auth)])
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::channels::channel::Receiver;

    const SECRET: &str = "wa-app-secret-0123";

    fn creds() -> Credentials {
        Credentials::new()
            .with("phone_number_id", "106540352242922")
            .with("access_token", "EAAG-wa-token")
            .with("app_secret", SECRET)
            .with("verify_token", "vibecoding")
    }

    fn envelope(value: &str) -> String {
        format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550783881","phone_number_id":"106540352242922"}},{value}}},"field":"messages"}}]}}]}}"#
        )
    }

    #[test]
    fn the_documented_text_message_parses_with_its_sender_and_wamid() {
        let body = sample("whatsapp-text.json");
        let parsed = WhatsApp.parse(&creds(), &body).unwrap();
        assert_eq!(parsed.events.len(), 1);
        let e = &parsed.events[0];
        assert_eq!(
            e.id,
            "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
        );
        assert_eq!(e.sender.identity(), "whatsapp:+16505551234");
        assert_eq!(e.sender.name.as_deref(), Some("Sheena Nelson"));
        assert_eq!(e.recipient.address, "+16505551234");
        assert_eq!(e.sent_at_ms, Some(1_749_416_383_000));
        assert_eq!(
            e.content,
            Content::Text {
                text: "Does it come in another color?".into()
            }
        );
    }

    #[test]
    fn image_keeps_the_media_id_type_and_caption() {
        let body = envelope(
            r#""contacts":[{"profile":{"name":"Sheena"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.IMG1","timestamp":"1749416400","type":"image","image":{"caption":"The crack","mime_type":"image/jpeg","sha256":"abc","id":"1003383421387256","url":"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256"}}]"#,
        );
        let parsed = WhatsApp.parse(&creds(), body.as_bytes()).unwrap();
        assert_eq!(
            parsed.events[0].content,
            Content::Media {
                kind: "image".into(),
                media_id: Some("1003383421387256".into()),
                url: Some(
                    "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256"
                        .into()
                ),
                mime_type: Some("image/jpeg".into()),
                caption: Some("The crack".into()),
            }
        );
    }

    #[test]
    fn button_list_and_template_taps_become_choices() {
        let body = envelope(
            r#""messages":[
            {"context":{"from":"15550783881","id":"wamid.OURS"},"from":"16505551234","id":"wamid.B1","timestamp":"1749416401","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"change-button","title":"Change"}}},
            {"from":"16505551234","id":"wamid.L1","timestamp":"1749416402","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"row-2","title":"Returns","description":"Send it back"}}},
            {"from":"16505551234","id":"wamid.T1","timestamp":"1749416403","type":"button","button":{"payload":"STOP_PROMOS","text":"Stop promotions"}}]"#,
        );
        let parsed = WhatsApp.parse(&creds(), body.as_bytes()).unwrap();
        let choices: Vec<_> = parsed.events.iter().map(|e| e.content.clone()).collect();
        assert_eq!(
            choices,
            [
                Content::Choice {
                    payload: "change-button".into(),
                    title: Some("Change".into())
                },
                Content::Choice {
                    payload: "row-2".into(),
                    title: Some("Returns".into())
                },
                Content::Choice {
                    payload: "STOP_PROMOS".into(),
                    title: Some("Stop promotions".into())
                },
            ]
        );
    }

    #[test]
    fn statuses_reactions_and_other_numbers_are_ignored() {
        let statuses = envelope(
            r#""statuses":[{"id":"wamid.OUT","status":"delivered","timestamp":"1749416500","recipient_id":"16505551234"}]"#,
        );
        let parsed = WhatsApp.parse(&creds(), statuses.as_bytes()).unwrap();
        assert!(parsed.events.is_empty());
        assert_eq!(parsed.ignored, 1);

        let reaction = envelope(
            r#""messages":[{"from":"16505551234","id":"wamid.R","timestamp":"1","type":"reaction","reaction":{"message_id":"wamid.OUT","emoji":"👍"}}]"#,
        );
        assert!(WhatsApp
            .parse(&creds(), reaction.as_bytes())
            .unwrap()
            .events
            .is_empty());

        let other = envelope(r#""messages":[]"#).replace("106540352242922", "999");
        let other = other.replace(
            r#""messages":[]"#,
            r#""messages":[{"from":"1","id":"wamid.X","type":"text","text":{"body":"hi"}}]"#,
        );
        let parsed = WhatsApp.parse(&creds(), other.as_bytes()).unwrap();
        assert!(parsed.events.is_empty());
        assert_eq!(parsed.ignored, 1);
    }

    #[test]
    fn a_batch_yields_every_message_in_order() {
        let body = r#"{"object":"whatsapp_business_account","entry":[
          {"id":"1","changes":[{"value":{"metadata":{"phone_number_id":"106540352242922"},"messages":[
            {"from":"111","id":"wamid.1","timestamp":"1","type":"text","text":{"body":"one"}},
            {"from":"222","id":"wamid.2","timestamp":"2","type":"text","text":{"body":"two"}}]},"field":"messages"}]},
          {"id":"1","changes":[{"value":{"metadata":{"phone_number_id":"106540352242922"},"messages":[
            {"from":"111","id":"wamid.3","timestamp":"3","type":"text","text":{"body":"three"}}],
            "statuses":[{"id":"wamid.OUT","status":"read"}]},"field":"messages"}]}]}"#;
        let parsed = WhatsApp.parse(&creds(), body.as_bytes()).unwrap();
        let ids: Vec<_> = parsed.events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["wamid.1", "wamid.2", "wamid.3"]);
        assert_eq!(parsed.ignored, 1);
    }

    #[test]
    fn malformed_bodies_are_parse_errors() {
        assert!(WhatsApp.parse(&creds(), b"{not json").is_err());
        assert!(WhatsApp
            .parse(&creds(), br#"{"object":"page","entry":[]}"#)
            .is_err());
        assert!(WhatsApp.parse(&creds(), br#"[1,2]"#).is_err());
    }

    #[test]
    fn signature_vectors() {
        let body = sample("whatsapp-text.json");
        meta_signature_cases(&WhatsApp, &creds(), SECRET, &body);
    }

    #[test]
    fn subscription_handshake() {
        meta_handshake_cases(&WhatsApp, &creds(), "vibecoding");
    }

    #[test]
    fn text_renders_as_the_documented_send_request() {
        let payloads = WhatsApp.render(
            &RenderContext::default(),
            &Recipient::new("+16505551234"),
            &message("Yes! It also comes in blue and green.", Vec::new()),
            &[],
        );
        assert_eq!(payloads.len(), 1);
        let req = WhatsApp
            .request(&creds(), WhatsApp.default_api_base(), &payloads[0], "k")
            .unwrap();
        assert_eq!(
            req.uri(),
            "https://graph.facebook.com/v25.0/106540352242922/messages"
        );
        assert_eq!(req.headers()["authorization"], "Bearer EAAG-wa-token");
        assert_eq!(req.headers()["content-type"], "application/json");
        let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
        let mut expected = sample_json("whatsapp-send-text.json")["body"].clone();
        expected.as_object_mut().unwrap().remove("context");
        assert_eq!(body, expected);
    }

    #[test]
    fn up_to_three_options_are_reply_buttons() {
        let payloads = WhatsApp.render(
            &RenderContext::default(),
            &Recipient::new("+16505551234"),
            &message(
                "Your workshop is at 9am tomorrow. Need to change it?",
                options(&[("change-button", "Change"), ("cancel-button", "Cancel")]),
            ),
            &[],
        );
        assert_eq!(payloads.len(), 1);
        let body: serde_json::Value = serde_json::from_str(&payloads[0].body).unwrap();
        let mut expected = sample_json("whatsapp-send-buttons.json")["body"].clone();
        expected["interactive"]
            .as_object_mut()
            .unwrap()
            .remove("footer");
        assert_eq!(body, expected);
    }

    #[test]
    fn more_options_become_a_list_of_at_most_ten_rows() {
        let many: Vec<(String, String)> = (1..=12)
            .map(|i| {
                (
                    format!("opt-{i}"),
                    format!("A rather long option title {i}"),
                )
            })
            .collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let payloads = WhatsApp.render(
            &RenderContext::default(),
            &Recipient::new("+1"),
            &message("Pick", options(&many)),
            &[],
        );
        let body: serde_json::Value = serde_json::from_str(&payloads[0].body).unwrap();
        assert_eq!(body["interactive"]["type"], "list");
        let rows = body["interactive"]["action"]["sections"][0]["rows"]
            .as_array()
            .unwrap();
        assert_eq!(rows.len(), 10);
        assert_eq!(rows[0]["id"], "opt-1");
        assert!(rows[0]["title"].as_str().unwrap().chars().count() <= 24);
    }

    #[test]
    fn long_text_splits_and_the_options_ride_on_the_last_piece() {
        let text = "word ".repeat(1200); // 6000 chars
        let payloads = WhatsApp.render(
            &RenderContext::default(),
            &Recipient::new("+1"),
            &message(text, options(&[("a", "A")])),
            &[],
        );
        let bodies: Vec<serde_json::Value> = payloads
            .iter()
            .map(|p| serde_json::from_str(&p.body).unwrap())
            .collect();
        assert!(bodies.len() >= 2);
        for b in &bodies[..bodies.len() - 1] {
            assert_eq!(b["type"], "text");
            assert!(b["text"]["body"].as_str().unwrap().chars().count() <= 4096);
        }
        let last = bodies.last().unwrap();
        assert_eq!(last["type"], "interactive");
        assert!(
            last["interactive"]["body"]["text"]
                .as_str()
                .unwrap()
                .chars()
                .count()
                <= 1024
        );
    }

    #[test]
    fn api_base_url_replaces_the_origin_and_answers_are_read() {
        let p = Payload {
            endpoint: "messages".into(),
            body: "{}".into(),
        };
        let req = WhatsApp
            .request(&creds(), "http://localhost:8080/", &p, "k")
            .unwrap();
        assert_eq!(
            req.uri(),
            "http://localhost:8080/v25.0/106540352242922/messages"
        );
        let ok = sample_json("whatsapp-send-text.json")["_response"].to_string();
        assert_eq!(
            WhatsApp.outcome(&response(200, &ok)),
            Outcome::Sent(Some(
                "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA".into()
            ))
        );
        assert!(matches!(
            WhatsApp.outcome(&response(400, r#"{"error":{"code":131047}}"#)),
            Outcome::Permanent(_)
        ));
        assert!(matches!(
            WhatsApp.outcome(&response(400, r#"{"error":{"code":4}}"#)),
            Outcome::Retry(_)
        ));
        assert!(matches!(
            WhatsApp.outcome(&response(503, "")),
            Outcome::Retry(_)
        ));
    }
}
