//! Social messaging channels: one file per channel behind the [`Channel`] trait.
//!
//! A channel knows four things about its vendor and nothing about our database: how the setup
//! handshake is answered, how a webhook is authenticated from its raw bytes, how a webhook body
//! turns into normalised [`Event`]s, and how a conversation's [`Message`] becomes the vendor's
//! send request. The webhook route, the integrations store and the outbox are built on
//! top of it, so adding a channel is adding one file here.

pub mod instagram;
pub mod line;
pub mod messenger;
pub mod meta;
pub mod slack;
pub mod telegram;
pub mod twilio;
pub mod viber;
pub mod whatsapp;

mod channel;
pub mod delivery;
pub mod integrations;
pub mod media;
pub mod media_fetch;
pub mod outbox;
mod render;
mod signature;
mod wire;

#[cfg(test)]
mod testkit;

pub use media::{FileKind, MediaRef, MediaStep, OutboundFile};
pub use render::{split_text, Measure};

pub use channel::{
    AuthError, Channel, ChannelType, Content, Credentials, Event, HandshakeReply, Outcome,
    ParseError, Parsed, Payload, Recipient, RenderContext, Sender, Webhook,
};

impl ChannelType {
    pub fn channel(self) -> &'static dyn Channel {
        match self {
            ChannelType::WhatsApp => &whatsapp::WhatsApp,
            ChannelType::Messenger => &messenger::Messenger,
            ChannelType::Instagram => &instagram::Instagram,
            ChannelType::Telegram => &telegram::Telegram,
            ChannelType::Line => &line::Line,
            ChannelType::Viber => &viber::Viber,
            ChannelType::Slack => &slack::Slack,
            ChannelType::Twilio => &twilio::Twilio,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_print_their_values() {
        let creds = Credentials::new().with("app_secret", "s3cr3t-value");
        let printed = format!("{creds:?}");
        assert!(printed.contains("app_secret"));
        assert!(!printed.contains("s3cr3t-value"));
        assert_eq!(
            creds.redact("GET https://x/bots3cr3t-value/y"),
            "GET https://x/bot[redacted]/y"
        );
    }

    #[test]
    fn every_type_round_trips_its_name() {
        for kind in ChannelType::ALL {
            assert_eq!(ChannelType::parse(kind.as_str()), Some(kind));
            assert_eq!(kind.channel().kind(), kind);
            assert!(!kind.credential_fields().is_empty());
        }
        assert_eq!(ChannelType::parse("sms"), None);
    }

    #[test]
    fn every_channel_renders_an_image_and_then_the_text() {
        let url = "https://cdn.example.com/receipt.png";
        let message = testkit::message("Here is your receipt", Vec::new());
        let ctx = RenderContext {
            display_name: "Acme".into(),
        };
        for kind in ChannelType::ALL {
            let payloads = kind.channel().render(
                &ctx,
                &Recipient::new("42"),
                &message,
                &[OutboundFile::image(url)],
            );
            let all: String = payloads.iter().map(|p| p.body.clone()).collect();
            let decoded: String = form_urlencoded::parse(all.as_bytes())
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            assert!(
                all.contains(url) || decoded.contains(url),
                "{kind}: the image URL is sent: {all}"
            );
            assert!(
                all.contains("Here is your receipt") || decoded.contains("Here is your receipt"),
                "{kind}: the text is sent"
            );
            // Only an image: no empty text message.
            let only_image = testkit::message(String::new(), Vec::new());
            let payloads = kind.channel().render(
                &ctx,
                &Recipient::new("42"),
                &only_image,
                &[OutboundFile::image(url)],
            );
            assert_eq!(payloads.len(), 1, "{kind}: {payloads:?}");
        }
    }

    /// Each vendor's documented way to a customer's file: the request (and, for a lookup, the
    /// answer and the download it leads to), with the credentials only where the vendor wants
    /// them.
    #[test]
    fn every_channel_fetches_a_customers_file_the_vendors_way() {
        let creds = Credentials::new()
            .with("access_token", "wa-token")
            .with("page_access_token", "page-token")
            .with("bot_token", "123:tg-token")
            .with("channel_access_token", "line-token")
            .with("auth_token", "twilio-secret")
            .with("account_sid", "AC1");
        let media = |id: Option<&str>, url: Option<&str>| MediaRef {
            kind: "image".into(),
            media_id: id.map(str::to_owned),
            url: url.map(str::to_owned),
            mime_type: None,
        };
        let show = |r: &http::Request<Vec<u8>>| {
            let auth = r
                .headers()
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned());
            (r.method().to_string(), r.uri().to_string(), auth)
        };
        let first = |kind: ChannelType, m: &MediaRef| {
            let c = kind.channel();
            match c.media_request(&creds, c.default_api_base(), m).unwrap() {
                MediaStep::Download(r) => ("download", show(&r)),
                MediaStep::Lookup(r) => ("lookup", show(&r)),
            }
        };
        let get = |url: &str, auth: Option<&str>| {
            ("GET".to_owned(), url.to_owned(), auth.map(str::to_owned))
        };

        assert_eq!(
            first(
                ChannelType::WhatsApp,
                &media(Some("1003383421387256"), None)
            ),
            (
                "lookup",
                get(
                    "https://graph.facebook.com/v25.0/1003383421387256",
                    Some("Bearer wa-token")
                )
            )
        );
        let located = ChannelType::WhatsApp
            .channel()
            .media_located(
                &creds,
                "https://graph.facebook.com",
                br#"{"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1","mime_type":"image/jpeg","id":"1"}"#,
            )
            .unwrap();
        assert_eq!(
            show(&located),
            get(
                "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1",
                Some("Bearer wa-token")
            )
        );

        let cdn = "https://scontent.xx.fbcdn.net/v/t1/abc.jpg?oh=1";
        for kind in [
            ChannelType::Messenger,
            ChannelType::Instagram,
            ChannelType::Viber,
        ] {
            assert_eq!(
                first(kind, &media(None, Some(cdn))),
                ("download", get(cdn, None)),
                "{kind}: the CDN link as it is, no token"
            );
        }

        assert_eq!(
            first(ChannelType::Telegram, &media(Some("AgAC-large"), None)),
            (
                "lookup",
                get(
                    "https://api.telegram.org/bot123:tg-token/getFile?file_id=AgAC-large",
                    None
                )
            )
        );
        let tg = ChannelType::Telegram.channel();
        let located = tg
            .media_located(
                &creds,
                tg.default_api_base(),
                br#"{"ok":true,"result":{"file_id":"AgAC-large","file_size":50000,"file_path":"photos/file_7.jpg"}}"#,
            )
            .unwrap();
        assert_eq!(
            show(&located),
            get(
                "https://api.telegram.org/file/bot123:tg-token/photos/file_7.jpg",
                None
            )
        );
        for bad in [
            r#"{"ok":true,"result":{"file_path":"../../bot123/getMe"}}"#,
            r#"{"ok":true,"result":{"file_path":"/etc/passwd"}}"#,
            r#"{"ok":false}"#,
        ] {
            assert!(tg
                .media_located(&creds, tg.default_api_base(), bad.as_bytes())
                .is_err());
        }

        assert_eq!(
            first(ChannelType::Line, &media(Some("468789577898262531"), None)),
            (
                "download",
                get(
                    "https://api-data.line.me/v2/bot/message/468789577898262531/content",
                    Some("Bearer line-token")
                )
            )
        );

        let slack_file = "https://files.slack.com/files-pri/T1-F1/receipt.png";
        assert_eq!(
            first(ChannelType::Slack, &media(Some("F1"), Some(slack_file))),
            ("download", get(slack_file, Some("Bearer 123:tg-token")))
        );
        let elsewhere = media(Some("F1"), Some("https://attacker.example/x.png"));
        assert!(ChannelType::Slack
            .channel()
            .media_request(&creds, "https://slack.com", &elsewhere)
            .is_err());

        let twilio = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1";
        let (_, (_, url, auth)) = first(ChannelType::Twilio, &media(None, Some(twilio)));
        assert_eq!(url, twilio);
        assert_eq!(auth.as_deref(), Some("Basic QUMxOnR3aWxpby1zZWNyZXQ="));

        // An id that would reach another path is refused, not escaped.
        assert!(ChannelType::WhatsApp
            .channel()
            .media_request(
                &creds,
                "https://graph.facebook.com",
                &media(Some("../me/accounts"), None)
            )
            .is_err());
    }

    #[test]
    fn media_content_shows_its_caption_or_kind() {
        let media = Content::Media {
            kind: "image".into(),
            media_id: Some("1".into()),
            url: None,
            mime_type: None,
            caption: None,
        };
        assert_eq!(media.display_text(), "[image]");
        assert_eq!(
            serde_json::to_value(&media).unwrap(),
            serde_json::json!({"type": "media", "kind": "image", "media_id": "1"})
        );
    }
}
