//! Social messaging channels: one file per channel behind the [`Channel`] (sending),
//! [`Receiver`] (webhooks) and [`MediaSource`] (customers' files) traits.
//!
//! A channel knows four things about its vendor and nothing about our database: how the setup
//! handshake is answered, how a webhook is authenticated from its raw bytes, how a webhook body
//! turns into normalised [`Event`]s, and how a conversation's [`Message`] becomes the vendor's
//! send request. The webhook route, the integrations store and the outbox are built on
//! top of it, so adding a channel is adding one file here.

pub mod email;
pub mod instagram;
pub mod line;
pub mod messenger;
pub mod meta;
pub mod slack;
pub mod telegram;
pub mod templates;
pub mod twilio;
pub mod viber;
pub mod whatsapp;
pub mod windows;

mod channel;
pub mod delivery;
mod file_links;
pub mod integrations;
pub mod mail_files;
pub mod mail_threads;
pub mod media;
pub mod media_fetch;
pub mod notices;
pub mod outbox;
mod render;
mod signature;
mod wire;

#[cfg(test)]
mod testkit;

pub use media::{FileKind, MediaRef, MediaStep, OutboundFile};
pub use render::{split_text, Measure};

pub use channel::{
    AuthError, Channel, ChannelType, Content, Credentials, EmailThread, Event, HandshakeReply,
    Mail, MailFile, MediaSource, Outcome, ParseError, Parsed, Payload, Receiver, Recipient,
    RenderContext, Sender, TemplateSend, Webhook, Window,
};

/// The one value of each channel, as whichever of its traits the caller asks for.
macro_rules! by_kind {
    ($kind:expr) => {
        match $kind {
            ChannelType::WhatsApp => &whatsapp::WhatsApp,
            ChannelType::Messenger => &messenger::Messenger,
            ChannelType::Instagram => &instagram::Instagram,
            ChannelType::Telegram => &telegram::Telegram,
            ChannelType::Line => &line::Line,
            ChannelType::Viber => &viber::Viber,
            ChannelType::Slack => &slack::Slack,
            ChannelType::Twilio => &twilio::Twilio,
            ChannelType::Email => &email::Email,
        }
    };
}

impl ChannelType {
    pub fn channel(self) -> &'static dyn Channel {
        by_kind!(self)
    }

    /// The channel's receiving side (webhooks): only for the component that takes webhooks,
    /// so the others do not carry the vendors' parsers.
    pub fn receiver(self) -> &'static dyn Receiver {
        by_kind!(self)
    }

    /// Where the channel keeps customers' files: for the components that fetch them.
    pub fn media_source(self) -> &'static dyn MediaSource {
        by_kind!(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
            email: None,
            window: Default::default(),
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
            let c = kind.media_source();
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
            .media_source()
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
        let tg = ChannelType::Telegram.media_source();
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
            .media_source()
            .media_request(&creds, "https://slack.com", &elsewhere)
            .is_err());

        let twilio = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1";
        let (_, (_, url, auth)) = first(ChannelType::Twilio, &media(None, Some(twilio)));
        assert_eq!(url, twilio);
        assert_eq!(auth.as_deref(), Some("Basic QUMxOnR3aWxpby1zZWNyZXQ="));

        // An id that would reach another path is refused, not escaped.
        assert!(ChannelType::WhatsApp
            .media_source()
            .media_request(
                &creds,
                "https://graph.facebook.com",
                &media(Some("../me/accounts"), None)
            )
            .is_err());
    }

    fn file(name: &str, content_type: &str, size: i64) -> OutboundFile {
        OutboundFile {
            url: format!("https://support.example.com/attachments/a1/{name}?token=v1.x"),
            file_name: name.into(),
            content_type: content_type.into(),
            size,
        }
    }

    /// What each channel sends for a message with files: the vendors' documented shapes, and
    /// the link in the text where a vendor cannot carry a type or size.
    #[test]
    fn files_go_out_in_each_vendors_native_shape_or_as_links() {
        let ctx = RenderContext {
            display_name: "Acme".into(),
            email: None,
            window: Default::default(),
        };
        let png = file("label.png", "image/png", 40_000);
        let pdf = file("invoice.pdf", "application/pdf", 90_000);
        let docx = file(
            "form.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            20_000,
        );
        let big_png = file("photo.png", "image/png", 3 * 1024 * 1024);
        let render = |kind: ChannelType, to: &str, text: &str, files: &[OutboundFile]| {
            kind.channel()
                .render(
                    &ctx,
                    &Recipient::new(to),
                    &testkit::message(text, Vec::new()),
                    files,
                )
                .into_iter()
                .map(|p| {
                    let body = serde_json::from_str(&p.body).unwrap_or_else(|_| {
                        serde_json::Value::Object(
                            form_urlencoded::parse(p.body.as_bytes())
                                .map(|(k, v)| (k.into_owned(), v.into_owned().into()))
                                .collect(),
                        )
                    });
                    (p.endpoint, body)
                })
                .collect::<Vec<_>>()
        };

        // WhatsApp: one media message per file; a short text rides as the caption.
        let wa = render(
            ChannelType::WhatsApp,
            "+1650",
            "Your label",
            std::slice::from_ref(&png),
        );
        assert_eq!(wa.len(), 1);
        assert_eq!(wa[0].1["type"], "image");
        assert_eq!(
            wa[0].1["image"],
            json!({"link": png.url, "caption": "Your label"})
        );
        let wa = render(
            ChannelType::WhatsApp,
            "+1650",
            "Both",
            &[png.clone(), pdf.clone()],
        );
        assert_eq!(wa.len(), 3, "two files, then the text: {wa:?}");
        assert_eq!(
            wa[1].1["document"],
            json!({"link": pdf.url, "filename": "invoice.pdf"})
        );
        assert_eq!(wa[2].1["text"]["body"], "Both");

        // Messenger: attachment payloads with our URL, then the text; Instagram takes PDFs
        // as `file` but not Word documents, which go as links.
        let fb = render(
            ChannelType::Messenger,
            "654",
            "Here",
            &[png.clone(), pdf.clone()],
        );
        assert_eq!(
            fb[0].1["message"],
            json!({"attachment": {"type": "image", "payload": {"url": png.url, "is_reusable": false}}})
        );
        assert_eq!(fb[1].1["message"]["attachment"]["type"], "file");
        assert_eq!(fb[2].1["message"]["text"], "Here");
        let ig = render(
            ChannelType::Instagram,
            "124",
            "",
            &[pdf.clone(), docx.clone()],
        );
        assert_eq!(ig.len(), 2);
        assert_eq!(ig[0].1["message"]["attachment"]["type"], "file");
        assert_eq!(
            ig[1].1["message"]["text"],
            format!("form.docx: {}", docx.url)
        );

        // Telegram: sendPhoto / sendDocument by URL, with the caption; a Word document
        // cannot go by URL (only PDF, ZIP and GIF can), so it is a link.
        let tg = render(
            ChannelType::Telegram,
            "123",
            "Label",
            std::slice::from_ref(&png),
        );
        assert_eq!(tg[0].0, "sendPhoto");
        assert_eq!(
            tg[0].1,
            json!({"chat_id": 123, "photo": png.url, "caption": "Label"})
        );
        let tg = render(
            ChannelType::Telegram,
            "123",
            "",
            &[pdf.clone(), docx.clone()],
        );
        assert_eq!(tg[0].0, "sendDocument");
        assert_eq!(tg[0].1["document"], json!(pdf.url));
        assert_eq!(
            tg[0].1["caption"],
            json!(format!("form.docx: {}", docx.url))
        );

        // LINE: an image message with the preview; images over LINE's 1 MB preview limit and
        // files (LINE has no file message for bots) go as links.
        let line = render(
            ChannelType::Line,
            "U1",
            "",
            &[png.clone(), big_png.clone(), pdf.clone()],
        );
        assert_eq!(line.len(), 1);
        let messages = &line[0].1["messages"];
        assert_eq!(
            messages[0],
            json!({"type": "image", "originalContentUrl": png.url, "previewImageUrl": png.url})
        );
        assert_eq!(
            messages[1]["text"],
            format!("photo.png: {}\ninvoice.pdf: {}", big_png.url, pdf.url)
        );

        // Viber: picture, and any other file with its size and name.
        let viber = render(ChannelType::Viber, "01=", "", &[png.clone(), pdf.clone()]);
        assert_eq!(viber[0].1["type"], "picture");
        assert_eq!(viber[0].1["media"], json!(png.url));
        assert_eq!(viber[1].1["type"], "file");
        assert_eq!(viber[1].1["size"], 90_000);
        assert_eq!(viber[1].1["file_name"], "invoice.pdf");

        // Slack: an image block; a PDF is its link.
        let slack = render(ChannelType::Slack, "D1", "See", &[png.clone(), pdf.clone()]);
        assert_eq!(slack[0].1["blocks"][0]["type"], "image");
        assert_eq!(slack[0].1["blocks"][0]["image_url"], json!(png.url));
        assert_eq!(slack[1].1["text"], format!("See\ninvoice.pdf: {}", pdf.url));

        // Twilio: up to ten MediaUrls per MMS within 5 MB; one per WhatsApp message, whose
        // caption is the text.
        let sms = render(
            ChannelType::Twilio,
            "+1212",
            "Docs",
            &[png.clone(), pdf.clone()],
        );
        assert_eq!(sms.len(), 1);
        let (_, body) = &sms[0];
        assert_eq!(body["Body"], "Docs");
        let all = ChannelType::Twilio.channel().render(
            &ctx,
            &Recipient::new("+1212"),
            &testkit::message("Docs", Vec::new()),
            &[png.clone(), pdf.clone()],
        );
        let urls: Vec<String> = form_urlencoded::parse(all[0].body.as_bytes())
            .filter(|(k, _)| k == "MediaUrl")
            .map(|(_, v)| v.into_owned())
            .collect();
        assert_eq!(urls, [png.url.clone(), pdf.url.clone()]);
        let twa = render(
            ChannelType::Twilio,
            "whatsapp:+1650",
            "Docs",
            &[png.clone(), pdf.clone()],
        );
        assert_eq!(twa.len(), 2);
        assert_eq!(twa[0].1["Body"], "Docs");
        assert_eq!(twa[0].1["MediaUrl"], json!(png.url));
        assert_eq!(twa[1].1["MediaUrl"], json!(pdf.url));
        assert!(twa[1].1.get("Body").is_none());
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
