//! Channel test kit: integrations for every vendor, vendor-format webhooks signed the way each
//! vendor signs them (computed here with the HMAC crates, independently of the code under test).

use crate::{json, App, Json, RequestBuilder, Resp, ADMIN_TOKEN};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use spindesk_native::MapConfig;

pub const PUBLIC_BASE: &str = "https://support.example.com";
/// The test clock's time in seconds (Slack timestamps).
pub const NOW_SECS: i64 = 1_795_000_000;

pub fn channel_app() -> App {
    App::with_config(
        MapConfig::default()
            .with("admin_token", ADMIN_TOKEN)
            .with("public_base_url", PUBLIC_BASE),
    )
}

/// A vendor sample payload (copied from the wire-format reference).
pub fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/channels/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

pub fn sample_json(name: &str) -> Json {
    serde_json::from_slice(&sample(name)).expect("sample JSON")
}

pub fn hmac256(key: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("key");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// One vendor: how to connect it, how it signs, and a sample inbound text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vendor {
    WhatsApp,
    Messenger,
    Instagram,
    Telegram,
    Line,
    Viber,
    Slack,
    Twilio,
}

pub const ALL: [Vendor; 8] = [
    Vendor::WhatsApp,
    Vendor::Messenger,
    Vendor::Instagram,
    Vendor::Telegram,
    Vendor::Line,
    Vendor::Viber,
    Vendor::Slack,
    Vendor::Twilio,
];

/// A connected integration.
pub struct Connected {
    pub vendor: Vendor,
    pub id: String,
    pub secret: String,
}

impl Connected {
    pub fn path(&self) -> String {
        format!("/webhooks/{}/{}", self.vendor.name(), self.id)
    }
}

impl Vendor {
    pub fn name(self) -> &'static str {
        match self {
            Vendor::WhatsApp => "whatsapp",
            Vendor::Messenger => "messenger",
            Vendor::Instagram => "instagram",
            Vendor::Telegram => "telegram",
            Vendor::Line => "line",
            Vendor::Viber => "viber",
            Vendor::Slack => "slack",
            Vendor::Twilio => "twilio",
        }
    }

    /// The secret that signs webhooks.
    pub fn secret(self) -> &'static str {
        match self {
            Vendor::WhatsApp => "wa-app-secret",
            Vendor::Messenger => "fb-app-secret",
            Vendor::Instagram => "ig-app-secret",
            Vendor::Telegram => "tg_Wh_5f0c9a1e7b3d4c2a8e6f_71d0b93a4c",
            Vendor::Line => "line-channel-secret",
            Vendor::Viber => "viber-auth-token-445da6az1s345z78",
            Vendor::Slack => "slack-signing-secret",
            Vendor::Twilio => "twilio-auth-token-0123",
        }
    }

    /// The create body's credentials, matching the ids in the vendor samples.
    pub fn credentials(self) -> Json {
        match self {
            Vendor::WhatsApp => {
                json!({"phone_number_id": "106540352242922", "access_token": "EAAG-wa-access-token", "app_secret": self.secret(), "verify_token": "wa-verify-token"})
            }
            Vendor::Messenger => {
                json!({"page_id": "107425831234567", "page_access_token": "EAAB-page-access-token", "app_secret": self.secret(), "verify_token": "fb-verify-token"})
            }
            Vendor::Instagram => {
                json!({"instagram_account_id": "17841405822304914", "access_token": "IGQ-access-token", "app_secret": self.secret(), "verify_token": "ig-verify-token"})
            }
            Vendor::Telegram => {
                json!({"bot_token": "7000000001:AAH-telegram-bot-token", "secret_token": self.secret()})
            }
            Vendor::Line => {
                json!({"channel_access_token": "line-channel-access-token", "channel_secret": self.secret()})
            }
            Vendor::Viber => json!({"auth_token": self.secret()}),
            Vendor::Slack => {
                json!({"bot_token": "xoxb-slack-bot-token", "signing_secret": self.secret()})
            }
            Vendor::Twilio => {
                json!({"account_sid": "AC0123456789abcdef0123456789abcdef", "auth_token": self.secret(), "from_number": "+14155550100"})
            }
        }
    }

    /// Every credential value (to check none is ever returned).
    pub fn secret_values(self) -> Vec<String> {
        self.credentials()
            .as_object()
            .expect("object")
            .values()
            .map(|v| v.as_str().expect("string").to_owned())
            .collect()
    }

    /// The vendor's sample inbound text message, as raw bytes.
    pub fn text_sample(self) -> Vec<u8> {
        match self {
            Vendor::WhatsApp => sample("whatsapp-text.json"),
            Vendor::Messenger => sample("messenger-text.json"),
            Vendor::Instagram => sample("instagram-text.json"),
            Vendor::Telegram => sample("telegram-text.json"),
            Vendor::Line => sample("line-text.json"),
            Vendor::Viber => sample("viber-text.json"),
            Vendor::Slack => sample("slack-message-im.json"),
            Vendor::Twilio => sample_json("twilio-sms-text.json")["raw_body"]
                .as_str()
                .expect("raw body")
                .as_bytes()
                .to_vec(),
        }
    }

    /// The identity the sample's sender gets.
    pub fn sample_identity(self) -> (&'static str, &'static str) {
        match self {
            Vendor::WhatsApp => ("whatsapp", "+16505551234"),
            Vendor::Messenger => ("messenger", "6543210987654321"),
            Vendor::Instagram => ("instagram", "1248765432109876"),
            Vendor::Telegram => ("telegram", "123456789"),
            Vendor::Line => ("line", "U4af4980629bd0a67f2b8e9a1c3d5e7f9"),
            Vendor::Viber => ("viber", "01234567890A="),
            Vendor::Slack => ("slack", "U0123ABCD"),
            Vendor::Twilio => ("sms", "+12125550123"),
        }
    }

    /// The text in the sample.
    pub fn sample_text(self) -> &'static str {
        match self {
            Vendor::WhatsApp => "Does it come in another color?",
            Vendor::Messenger => "Hi, where is my order #98765?",
            Vendor::Instagram => "Do you ship to Canada?",
            Vendor::Telegram => "Hi, my order #98765 hasn't arrived",
            Vendor::Line => "Where is my order #98765?",
            Vendor::Viber => "I want to return an item",
            Vendor::Slack => "Hi, I need help with my invoice",
            Vendor::Twilio => "Hi, my package hasn't arrived",
        }
    }

    /// The send request's URL for the sample's recipient.
    pub fn send_url(self) -> &'static str {
        match self {
            Vendor::WhatsApp => "https://graph.facebook.com/v25.0/106540352242922/messages",
            Vendor::Messenger => "https://graph.facebook.com/v25.0/107425831234567/messages",
            Vendor::Instagram => "https://graph.instagram.com/v25.0/17841405822304914/messages",
            Vendor::Telegram => "https://api.telegram.org/bot7000000001:AAH-telegram-bot-token/sendMessage",
            Vendor::Line => "https://api.line.me/v2/bot/message/push",
            Vendor::Viber => "https://chatapi.viber.com/pa/send_message",
            Vendor::Slack => "https://slack.com/api/chat.postMessage",
            Vendor::Twilio => "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json",
        }
    }

    /// The auth header the send carries (name, value), if the vendor uses one.
    pub fn send_auth(self) -> Option<(&'static str, String)> {
        match self {
            Vendor::WhatsApp => Some(("authorization", "Bearer EAAG-wa-access-token".into())),
            Vendor::Messenger => Some(("authorization", "Bearer EAAB-page-access-token".into())),
            Vendor::Instagram => Some(("authorization", "Bearer IGQ-access-token".into())),
            Vendor::Telegram => None,
            Vendor::Line => Some(("authorization", "Bearer line-channel-access-token".into())),
            Vendor::Viber => Some(("x-viber-auth-token", self.secret().into())),
            Vendor::Slack => Some(("authorization", "Bearer xoxb-slack-bot-token".into())),
            Vendor::Twilio => Some((
                "authorization",
                format!(
                    "Basic {}",
                    b64(format!("AC0123456789abcdef0123456789abcdef:{}", self.secret()).as_bytes())
                ),
            )),
        }
    }

    /// What the vendor answers a successful send.
    pub fn send_ok(self) -> &'static str {
        match self {
            Vendor::WhatsApp => {
                r#"{"messaging_product":"whatsapp","messages":[{"id":"wamid.OUT"}]}"#
            }
            Vendor::Messenger | Vendor::Instagram => r#"{"recipient_id":"1","message_id":"m_OUT"}"#,
            Vendor::Telegram => r#"{"ok":true,"result":{"message_id":1368}}"#,
            Vendor::Line => r#"{"sentMessages":[{"id":"461230966842064897","quoteToken":"q"}]}"#,
            Vendor::Viber => {
                r#"{"status":0,"status_message":"ok","message_token":5741311803571721200}"#
            }
            Vendor::Slack => r#"{"ok":true,"channel":"D0123ABCD","ts":"1718000300.000400"}"#,
            Vendor::Twilio => r#"{"sid":"SM2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b","status":"queued"}"#,
        }
    }

    /// Headers that sign `body` for `path` with `secret`, as the vendor would.
    pub fn sign(self, secret: &str, path: &str, body: &[u8]) -> Vec<(&'static str, String)> {
        match self {
            Vendor::WhatsApp | Vendor::Messenger | Vendor::Instagram => vec![(
                "x-hub-signature-256",
                format!("sha256={}", hex(&hmac256(secret, &[body]))),
            )],
            Vendor::Telegram => vec![("x-telegram-bot-api-secret-token", secret.to_owned())],
            Vendor::Line => vec![("x-line-signature", b64(&hmac256(secret, &[body])))],
            Vendor::Viber => vec![("x-viber-content-signature", hex(&hmac256(secret, &[body])))],
            Vendor::Slack => {
                let ts = NOW_SECS.to_string();
                vec![
                    ("x-slack-request-timestamp", ts.clone()),
                    (
                        "x-slack-signature",
                        format!(
                            "v0={}",
                            hex(&hmac256(secret, &[b"v0:", ts.as_bytes(), b":", body]))
                        ),
                    ),
                ]
            }
            Vendor::Twilio => {
                let mut params: Vec<(String, String)> =
                    form_urlencoded::parse(body).into_owned().collect();
                params.sort_by(|a, b| a.0.cmp(&b.0));
                let mut data = format!("{PUBLIC_BASE}{path}");
                for (k, v) in params {
                    data.push_str(&k);
                    data.push_str(&v);
                }
                let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).expect("key");
                mac.update(data.as_bytes());
                vec![("x-twilio-signature", b64(&mac.finalize().into_bytes()))]
            }
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Vendor::Twilio => "application/x-www-form-urlencoded",
            _ => "application/json",
        }
    }
}

impl App {
    /// Connects `vendor` through the admin API.
    pub fn connect(&self, vendor: Vendor) -> Connected {
        let mut integration = vendor.credentials();
        integration["type"] = json!(vendor.name());
        integration["display_name"] = json!(format!("Acme on {}", vendor.name()));
        let r = self
            .request("admin", "POST", "/api/admin/integrations")
            .admin()
            .json(&json!({ "integration": integration }))
            .send()
            .expect(201);
        Connected {
            vendor,
            id: r.json()["integration"]["id"]
                .as_str()
                .expect("id")
                .to_owned(),
            secret: vendor.secret().to_owned(),
        }
    }

    /// The request that delivers a Telegram text update from private chat `chat` to `to`
    /// (`update_id` and `message_id` both `id`), with the integration's secret token.
    pub fn telegram_text(
        &self,
        to: &Connected,
        chat: i64,
        id: i64,
        text: &str,
    ) -> RequestBuilder<'_> {
        let update = json!({"update_id": id, "message": {"message_id": id,
            "from": {"id": chat, "is_bot": false, "first_name": "Ana"},
            "chat": {"id": chat, "type": "private"}, "date": 1718000000, "text": text}});
        self.request("channels", "POST", &to.path())
            .header("x-telegram-bot-api-secret-token", to.secret.as_str())
            .json(&update)
    }

    /// POSTs `body` to the integration's webhook, signed with its secret.
    pub fn deliver(&self, to: &Connected, body: &[u8]) -> Resp {
        self.deliver_signed(to, body, &to.secret)
    }

    pub fn deliver_signed(&self, to: &Connected, body: &[u8], secret: &str) -> Resp {
        self.deliver_then(to, body, secret, &|_| {})
    }

    /// [`App::deliver_signed`], calling `answered` with the acknowledgement before the work
    /// the channels component does after it (sends, media fetches).
    pub fn deliver_then(
        &self,
        to: &Connected,
        body: &[u8],
        secret: &str,
        answered: &dyn Fn(&Resp),
    ) -> Resp {
        self.delivery(to, body, secret).send_then(answered)
    }

    /// The request that delivers `body` to `to`, signed with `secret` as its vendor signs.
    pub fn delivery(&self, to: &Connected, body: &[u8], secret: &str) -> RequestBuilder<'_> {
        let path = to.path();
        let mut req = self
            .request("channels", "POST", &path)
            .header("content-type", to.vendor.content_type());
        for (name, value) in to.vendor.sign(secret, &path, body) {
            req = req.header(name, &value);
        }
        req.body(body.to_vec())
    }

    /// Scripts the vendor's success answer for the next `n` sends.
    pub fn vendor_answers_ok(&self, vendor: Vendor, n: usize) {
        for _ in 0..n {
            self.outbound.push_reply(Ok(http::Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(vendor.send_ok().as_bytes().to_vec())
                .expect("response")));
        }
    }
}
