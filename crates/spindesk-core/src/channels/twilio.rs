//! Twilio Programmable Messaging (SMS/MMS, and WhatsApp through Twilio): form-encoded webhooks
//! signed `base64(HMAC-SHA1(auth token, URL + sorted name/value pairs))`; replies through
//! `POST /2010-04-01/Accounts/<sid>/Messages.json` with Basic auth.

use super::channel::{
    AuthError, Channel, ChannelType, Content, Credentials, Event, MediaSource, Outcome, ParseError,
    Parsed, Payload, Receiver, Recipient, RenderContext, Sender, Webhook,
};
use super::media::{self, FileKind, MediaRef, MediaStep, OutboundFile};
use super::render::{split_for_options, split_text, Measure};
use super::signature::{base64_decode, equal, hmac_sha1};
use super::wire::{post, url};
use crate::message::Message;
use crate::message::QuickReply;
use crate::users;
use base64::Engine;

pub struct Twilio;

pub const SIGNATURE_HEADER: &str = "x-twilio-signature";
/// Twilio's limit for one message body.
const BODY_MAX: usize = 1600;
/// `Authorization: Basic <account sid:auth token>`.
fn basic_auth(credentials: &Credentials) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            credentials.get("account_sid"),
            credentials.get("auth_token")
        ))
    )
}

/// MMS: media URLs per message, and their total size.
const MMS_MEDIA_MAX: usize = 10;
const MMS_BYTES_MAX: i64 = 5 * 1024 * 1024;

/// Whether a file can go to WhatsApp through Twilio, as documented: JPEG/PNG images up to
/// 5 MB; audio, MP4 video and PDF documents up to 16 MB.
fn whatsapp_media(file: &OutboundFile) -> bool {
    const MB: i64 = 1024 * 1024;
    match file.content_type.as_str() {
        "image/jpeg" | "image/png" => file.size <= 5 * MB,
        "audio/mpeg" | "audio/ogg" | "audio/mp4" | "audio/aac" | "audio/amr" | "video/mp4"
        | "application/pdf" => file.size <= 16 * MB,
        _ => false,
    }
}

/// The files as groups of `MediaUrl`s, one group per message (one file each on WhatsApp;
/// up to ten within 5 MB on MMS), and the files sent as links instead.
fn media_groups(
    files: &[OutboundFile],
    whatsapp: bool,
) -> (Vec<Vec<&OutboundFile>>, Vec<&OutboundFile>) {
    let (native, links) = if whatsapp {
        media::partition(files, whatsapp_media)
    } else {
        media::partition(files, |f| f.size <= MMS_BYTES_MAX)
    };
    let mut groups: Vec<Vec<&OutboundFile>> = Vec::new();
    for file in native {
        let fits = groups.last().is_some_and(|g| {
            !whatsapp
                && g.len() < MMS_MEDIA_MAX
                && g.iter().map(|f| f.size).sum::<i64>() + file.size <= MMS_BYTES_MAX
        });
        match groups.last_mut() {
            Some(group) if fits => group.push(file),
            _ => groups.push(vec![file]),
        }
    }
    (groups, links)
}

/// Numbered options for channels without buttons; a reply of "1", "2"... picks one.
pub fn numbered_options(options: &[QuickReply]) -> String {
    let lines: Vec<String> = options
        .iter()
        .enumerate()
        .map(|(i, q)| format!("{}. {}", i + 1, q.label))
        .collect();
    format!("{}\nReply with a number.", lines.join("\n"))
}

impl Channel for Twilio {
    fn kind(&self) -> ChannelType {
        ChannelType::Twilio
    }

    fn default_api_base(&self) -> &'static str {
        "https://api.twilio.com"
    }

    /// SMS has no buttons: options become a numbered list on the last message. Files go as
    /// `MediaUrl`s: up to ten per MMS within 5 MB in all, one per WhatsApp message; the first
    /// message carries the first piece of text (a WhatsApp caption, except on audio).
    fn render(
        &self,
        _ctx: &RenderContext,
        to: &Recipient,
        message: &Message,
        files: &[OutboundFile],
    ) -> Vec<Payload> {
        let form = |body: &str, media: &[&OutboundFile]| {
            let mut f = form_urlencoded::Serializer::new(String::new());
            f.append_pair("To", &to.address);
            if !body.is_empty() {
                f.append_pair("Body", body);
            }
            for file in media {
                f.append_pair("MediaUrl", &file.url);
            }
            Payload {
                endpoint: "Messages.json".into(),
                body: f.finish(),
            }
        };
        let whatsapp = to.address.starts_with("whatsapp:");
        let (groups, links) = media_groups(files, whatsapp);
        let text = media::with_links(&message.text, &links);
        let mut pieces = if message.actions.is_empty() {
            split_text(&text, BODY_MAX, Measure::Chars)
        } else {
            let numbered = numbered_options(&message.actions);
            let room = BODY_MAX.saturating_sub(numbered.chars().count() + 2).max(1);
            let (mut lead, last) = split_for_options(&text, BODY_MAX, room, Measure::Chars);
            lead.push(if last.is_empty() {
                numbered
            } else {
                format!("{last}\n\n{numbered}")
            });
            lead
        };
        if pieces.len() == 1 && pieces[0].is_empty() && groups.is_empty() {
            pieces[0] = " ".into();
        }
        let mut out = Vec::new();
        let mut pieces = pieces.into_iter().filter(|p| !p.is_empty()).peekable();
        for (i, group) in groups.iter().enumerate() {
            // WhatsApp shows no caption on audio: its text goes on its own.
            let captioned =
                i == 0 && !(whatsapp && group.iter().any(|f| f.kind() == FileKind::Audio));
            let body = if captioned { pieces.next() } else { None };
            out.push(form(body.as_deref().unwrap_or(""), group));
        }
        out.extend(pieces.map(|piece| form(&piece, &[])));
        out
    }

    fn request(
        &self,
        credentials: &Credentials,
        api_base: &str,
        payload: &Payload,
        _idempotency_key: &str,
    ) -> Result<http::Request<Vec<u8>>, String> {
        let sid = credentials.get("account_sid");
        let target = url(
            api_base,
            &format!("/2010-04-01/Accounts/{sid}/{}", payload.endpoint),
        );
        let basic = basic_auth(credentials);
        // `From` is applied at send time so a changed number applies to waiting sends too.
        let body = form_urlencoded::Serializer::new(payload.body.clone())
            .append_pair("From", credentials.get("from_number"))
            .finish();
        post(
            &target,
            "application/x-www-form-urlencoded",
            &[("authorization", &basic)],
            &body,
        )
    }

    fn outcome(&self, response: &http::Response<Vec<u8>>) -> Outcome {
        super::channel::http_outcome(response, |j| j["sid"].as_str().map(str::to_owned))
    }
}

impl Receiver for Twilio {
    /// Twilio signs the URL it was configured with, which we know as `public_base_url` + the
    /// path; without `public_base_url` nothing can be verified.
    fn authenticate(&self, credentials: &Credentials, hook: &Webhook) -> Result<(), AuthError> {
        let Some(header) = hook.header(SIGNATURE_HEADER) else {
            return Err(AuthError::Missing("X-Twilio-Signature"));
        };
        let Some(url) = hook.url else {
            return Err(AuthError::Unconfigured(crate::config::PUBLIC_BASE_URL));
        };
        let given = base64_decode(header).ok_or(AuthError::Invalid("X-Twilio-Signature"))?;
        let mut params: Vec<(String, String)> =
            form_urlencoded::parse(hook.body).into_owned().collect();
        params.sort_by(|a, b| a.0.cmp(&b.0));
        let mut signed = url.as_bytes().to_vec();
        for (name, value) in &params {
            signed.extend_from_slice(name.as_bytes());
            signed.extend_from_slice(value.as_bytes());
        }
        let token = credentials.get("auth_token");
        let expected = hmac_sha1(token.as_bytes(), &[&signed]);
        if token.is_empty() || !equal(&expected, &given) {
            return Err(AuthError::Invalid("X-Twilio-Signature"));
        }
        Ok(())
    }

    fn parse(&self, _credentials: &Credentials, body: &[u8]) -> Result<Parsed, ParseError> {
        if body.first() == Some(&b'{') || std::str::from_utf8(body).is_err() {
            return Err(ParseError::new(
                "Twilio webhooks are application/x-www-form-urlencoded",
            ));
        }
        let fields: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let mut parsed = Parsed::default();
        // A status callback (sent, delivered, read, failed) pointed at this URL.
        let status = field("MessageStatus").or(field("SmsStatus"));
        if status.is_some_and(|s| s != "received") {
            parsed.ignored += 1;
            return Ok(parsed);
        }
        let (Some(sid), Some(from)) = (field("MessageSid"), field("From")) else {
            return Err(ParseError::new(
                "an inbound message needs `MessageSid` and `From`",
            ));
        };
        if sid.is_empty() || from.is_empty() {
            return Err(ParseError::new("`MessageSid` and `From` must not be empty"));
        }
        let (channel, address) = match from.strip_prefix("whatsapp:") {
            Some(number) => ("whatsapp", number),
            None => ("sms", from),
        };
        let sender = Sender {
            channel: channel.into(),
            address: address.to_owned(),
            name: field("ProfileName").map(str::to_owned),
            locale: users::locale_for_phone(address),
        };
        let inbound = |id: String, content: Content| Event {
            id,
            sender: sender.clone(),
            recipient: Recipient::new(from),
            // Twilio sends no timestamp; the receive time is used.
            sent_at_ms: None,
            content,
            ack: None,
            mail: None,
        };
        let text = field("Body").unwrap_or_default();
        if let Some(payload) = field("ButtonPayload").filter(|p| !p.is_empty()) {
            parsed.events.push(inbound(
                sid.to_owned(),
                Content::Choice {
                    payload: payload.to_owned(),
                    title: field("ButtonText").map(str::to_owned),
                },
            ));
            return Ok(parsed);
        }
        let media: usize = field("NumMedia").and_then(|n| n.parse().ok()).unwrap_or(0);
        if media == 0 || !text.is_empty() {
            parsed.events.push(inbound(
                sid.to_owned(),
                Content::Text {
                    text: text.to_owned(),
                },
            ));
        }
        for i in 0..media.min(10) {
            let Some(media_url) = field(&format!("MediaUrl{i}")) else {
                continue;
            };
            let mime = field(&format!("MediaContentType{i}")).map(str::to_owned);
            let kind = match mime.as_deref() {
                Some(m) if m.starts_with("image/") => "image",
                Some(m) if m.starts_with("video/") => "video",
                Some(m) if m.starts_with("audio/") => "audio",
                _ => "file",
            };
            let id = if parsed.events.is_empty() {
                sid.to_owned()
            } else {
                format!("{sid}#{}", i + 1)
            };
            parsed.events.push(inbound(
                id,
                Content::Media {
                    kind: kind.into(),
                    media_id: None,
                    url: Some(media_url.to_owned()),
                    mime_type: mime,
                    caption: None,
                },
            ));
        }
        Ok(parsed)
    }

    fn acknowledgement(&self) -> (&'static str, &'static [u8]) {
        (
            "text/xml",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>",
        )
    }
}

impl MediaSource for Twilio {
    /// `MediaUrlN` with the account's basic auth (required when the account enforces HTTP
    /// auth on media); it redirects to a short-lived CDN URL, fetched without credentials.
    /// The credentials go only to Twilio's API host.
    fn media_request(
        &self,
        credentials: &Credentials,
        api_base: &str,
        media: &MediaRef,
    ) -> Result<MediaStep, String> {
        let link = media.link()?;
        if !media::on_vendor_host(link, api_base, "api.twilio.com") {
            return Ok(MediaStep::Download(media::get(link, &[])?));
        }
        Ok(MediaStep::Download(media::get(
            link,
            &[("authorization", &basic_auth(credentials))],
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    const TOKEN: &str = "twilio-auth-token-0123";
    const URL: &str = "https://support.example.com/webhooks/twilio/int_tw1";

    fn creds() -> Credentials {
        Credentials::new()
            .with("account_sid", "AC0123456789abcdef0123456789abcdef")
            .with("auth_token", TOKEN)
            .with("from_number", "+14155550100")
    }

    fn raw_body() -> String {
        sample_json("twilio-sms-text.json")["raw_body"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn twilios_published_vector_verifies() {
        // The example in Twilio's webhook-security docs and SDK tests (token "12345").
        let body = "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212";
        let creds = Credentials::new().with("auth_token", "12345");
        let hook = TestHook::new(body.as_bytes())
            .url("https://mycompany.com/myapp.php?foo=1&bar=2")
            .header("x-twilio-signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        assert_eq!(Twilio.authenticate(&creds, &hook.hook()), Ok(()));
    }

    #[test]
    fn signature_vectors() {
        let body = raw_body();
        // Computed independently (Python's hmac) over URL + sorted params of the sample.
        let signature = "L+AXxk6R07ek+2NuTWEahjoMVtc=";
        let ok = TestHook::new(body.as_bytes())
            .url(URL)
            .header("x-twilio-signature", signature);
        assert_eq!(Twilio.authenticate(&creds(), &ok.hook()), Ok(()));

        // Parameter order does not matter (they are sorted), but every byte of a value does.
        let mut fields: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        fields.reverse();
        let reordered = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&fields)
            .finish();
        let mut hook = TestHook::new(reordered.as_bytes())
            .url(URL)
            .header("x-twilio-signature", signature);
        assert_eq!(Twilio.authenticate(&creds(), &hook.hook()), Ok(()));
        hook.body = body.replace("Body=Hi", "Body=Hj").into_bytes();
        assert_eq!(
            Twilio.authenticate(&creds(), &hook.hook()),
            Err(AuthError::Invalid("X-Twilio-Signature"))
        );

        let wrong_token = Credentials::new().with("auth_token", "other-token");
        assert!(Twilio.authenticate(&wrong_token, &ok.hook()).is_err());
        let other_url = TestHook::new(body.as_bytes())
            .url("https://support.example.com/webhooks/twilio/int_other")
            .header("x-twilio-signature", signature);
        assert!(Twilio.authenticate(&creds(), &other_url.hook()).is_err());
        assert_eq!(
            Twilio.authenticate(&creds(), &TestHook::new(body.as_bytes()).url(URL).hook()),
            Err(AuthError::Missing("X-Twilio-Signature"))
        );
        let no_url = TestHook::new(body.as_bytes()).header("x-twilio-signature", signature);
        assert_eq!(
            Twilio.authenticate(&creds(), &no_url.hook()),
            Err(AuthError::Unconfigured(crate::config::PUBLIC_BASE_URL))
        );
    }

    #[test]
    fn the_sample_sms_parses() {
        let parsed = Twilio.parse(&creds(), raw_body().as_bytes()).unwrap();
        let e = &parsed.events[0];
        assert_eq!(e.id, "SM5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c");
        assert_eq!(e.sender.identity(), "sms:+12125550123");
        assert_eq!(e.recipient.address, "+12125550123");
        assert_eq!(
            e.content,
            Content::Text {
                text: "Hi, my package hasn't arrived".into()
            }
        );
    }

    #[test]
    fn mms_whatsapp_button_and_status_callbacks() {
        let mms = "MessageSid=MM11111111111111111111111111111111&AccountSid=AC0123456789abcdef0123456789abcdef&From=%2B12125550123&To=%2B14155550100&Body=&NumMedia=1&MediaContentType0=image%2Fjpeg&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC01%2FMessages%2FMM11%2FMedia%2FME22&SmsStatus=received";
        let parsed = Twilio.parse(&creds(), mms.as_bytes()).unwrap();
        assert_eq!(parsed.events.len(), 1);
        assert_eq!(
            parsed.events[0].content,
            Content::Media {
                kind: "image".into(),
                media_id: None,
                url: Some(
                    "https://api.twilio.com/2010-04-01/Accounts/AC01/Messages/MM11/Media/ME22"
                        .into()
                ),
                mime_type: Some("image/jpeg".into()),
                caption: None
            }
        );

        let whatsapp = "MessageSid=SM22222222222222222222222222222222&From=whatsapp%3A%2B16505551234&To=whatsapp%3A%2B14155238886&Body=Track+order&ProfileName=Sheena&WaId=16505551234&MessageType=button&ButtonText=Track+order&ButtonPayload=TRACK_ORDER&NumMedia=0&SmsStatus=received";
        let parsed = Twilio.parse(&creds(), whatsapp.as_bytes()).unwrap();
        let e = &parsed.events[0];
        assert_eq!(e.sender.identity(), "whatsapp:+16505551234");
        assert_eq!(e.sender.name.as_deref(), Some("Sheena"));
        assert_eq!(e.recipient.address, "whatsapp:+16505551234");
        assert_eq!(
            e.content,
            Content::Choice {
                payload: "TRACK_ORDER".into(),
                title: Some("Track order".into())
            }
        );

        let status = "MessageSid=SM33333333333333333333333333333333&MessageStatus=delivered&From=%2B14155550100&To=%2B12125550123";
        let parsed = Twilio.parse(&creds(), status.as_bytes()).unwrap();
        assert!(parsed.events.is_empty());
        assert_eq!(parsed.ignored, 1);
    }

    #[test]
    fn malformed_bodies_are_parse_errors() {
        assert!(Twilio.parse(&creds(), b"Body=hello").is_err());
        assert!(Twilio.parse(&creds(), br#"{"MessageSid":"SM1"}"#).is_err());
        assert!(Twilio.parse(&creds(), b"MessageSid=&From=").is_err());
    }

    #[test]
    fn sms_renders_as_the_documented_form_post() {
        let payloads = Twilio.render(
            &RenderContext::default(),
            &Recipient::new("+12125550123"),
            &message("We're on it - your ticket is #4711.", Vec::new()),
            &[],
        );
        let req = Twilio
            .request(&creds(), Twilio.default_api_base(), &payloads[0], "k")
            .unwrap();
        let sample = sample_json("twilio-send-sms.json");
        assert_eq!(req.uri().to_string(), sample["_request"]["url"]);
        assert_eq!(
            req.headers()["content-type"],
            "application/x-www-form-urlencoded"
        );
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("AC0123456789abcdef0123456789abcdef:{TOKEN}"));
        assert_eq!(
            req.headers()["authorization"],
            format!("Basic {basic}").as_str()
        );
        let form: std::collections::BTreeMap<String, String> =
            form_urlencoded::parse(req.body()).into_owned().collect();
        assert_eq!(form["To"], sample["form"]["To"]);
        assert_eq!(form["From"], sample["form"]["From"]);
        assert_eq!(form["Body"], sample["form"]["Body"]);
    }

    #[test]
    fn options_are_numbered_and_long_text_splits_at_1600() {
        let payloads = Twilio.render(
            &RenderContext::default(),
            &Recipient::new("+1"),
            &message(
                "word ".repeat(500),
                options(&[("red", "Red"), ("blue", "Blue")]),
            ), // 2500 chars
            &[],
        );
        assert_eq!(payloads.len(), 2);
        let bodies: Vec<String> = payloads
            .iter()
            .map(|p| {
                form_urlencoded::parse(p.body.as_bytes())
                    .find(|(k, _)| k == "Body")
                    .unwrap()
                    .1
                    .into_owned()
            })
            .collect();
        assert!(bodies.iter().all(|b| b.chars().count() <= 1600));
        assert!(bodies[1].ends_with("1. Red\n2. Blue\nReply with a number."));
    }

    #[test]
    fn the_acknowledgement_is_empty_twiml() {
        let (content_type, body) = Twilio.acknowledgement();
        assert_eq!(content_type, "text/xml");
        assert!(String::from_utf8_lossy(body).ends_with("<Response></Response>"));
    }
}
