//! Social messaging channels: one file per channel behind the [`Channel`] trait.
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
pub mod integrations;
pub mod mail_threads;
pub mod notices;
pub mod outbox;
mod render;
mod signature;
mod wire;

#[cfg(test)]
mod testkit;

pub use render::{split_text, Measure};

pub use channel::{
    AuthError, Channel, ChannelType, Content, Credentials, EmailThread, Event, HandshakeReply,
    Mail, Outcome, ParseError, Parsed, Payload, Recipient, RenderContext, Sender, TemplateSend,
    Webhook, Window,
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
            ChannelType::Email => &email::Email,
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
            email: None,
            window: Default::default(),
        };
        for kind in ChannelType::ALL {
            let payloads = kind
                .channel()
                .render(&ctx, &Recipient::new("42"), &message, Some(url));
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
            let payloads =
                kind.channel()
                    .render(&ctx, &Recipient::new("42"), &only_image, Some(url));
            assert_eq!(payloads.len(), 1, "{kind}: {payloads:?}");
        }
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
