//! Test helpers: the vendors' sample payloads, webhook requests, and the signature cases every
//! HMAC channel must pass.

use super::channel::{AuthError, Credentials, Receiver, Webhook};
use crate::ids::hex;
use crate::message::{AuthorType, Message, QuickReply};

pub const NOW_MS: i64 = 1_718_000_100_000;

/// A vendor sample from `tests/fixtures/channels/` (copied from the wire-format reference).
pub fn sample(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/fixtures/channels/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

pub fn sample_json(name: &str) -> serde_json::Value {
    serde_json::from_slice(&sample(name)).expect("sample is JSON")
}

/// An owned webhook request to borrow a [`Webhook`] from.
pub struct TestHook {
    pub headers: http::HeaderMap,
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub url: Option<String>,
    pub now_ms: i64,
}

impl TestHook {
    pub fn new(body: &[u8]) -> Self {
        TestHook {
            headers: http::HeaderMap::new(),
            query: Vec::new(),
            body: body.to_vec(),
            url: None,
            now_ms: NOW_MS,
        }
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers
            .insert(name, value.parse().expect("header value"));
        self
    }

    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    pub fn url(mut self, url: &str) -> Self {
        self.url = Some(url.into());
        self
    }

    pub fn hook(&self) -> Webhook<'_> {
        Webhook {
            headers: &self.headers,
            query: &self.query,
            body: &self.body,
            url: self.url.as_deref(),
            now_ms: self.now_ms,
        }
    }
}

pub fn meta_signature(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex(&super::signature::hmac_sha256(secret.as_bytes(), &[body]))
    )
}

/// `body` with one byte changed (the first digit or letter incremented).
pub fn one_byte_changed(body: &[u8]) -> Vec<u8> {
    let mut changed = body.to_vec();
    let at = changed
        .iter()
        .position(|b| b.is_ascii_alphanumeric())
        .expect("a byte to change");
    changed[at] = if changed[at] == b'z' {
        b'y'
    } else {
        changed[at] + 1
    };
    changed
}

/// The same JSON document, serialised again (other whitespace, key order or escaping).
pub fn reserialised(body: &[u8]) -> Vec<u8> {
    let value: serde_json::Value = serde_json::from_slice(body).expect("JSON");
    let again = serde_json::to_vec(&value).expect("serialise");
    assert_ne!(
        again, body,
        "the test needs a body that re-serialises differently"
    );
    again
}

/// Every negative case for Meta's `X-Hub-Signature-256`, plus the positive one.
pub fn meta_signature_cases(
    channel: &dyn Receiver,
    creds: &Credentials,
    secret: &str,
    body: &[u8],
) {
    let signed = |body: &[u8], secret: &str| {
        TestHook::new(body).header("x-hub-signature-256", &meta_signature(secret, body))
    };
    assert_eq!(
        channel.authenticate(creds, &signed(body, secret).hook()),
        Ok(())
    );
    // Uppercase hex is the same signature.
    let upper = TestHook::new(body).header(
        "x-hub-signature-256",
        &meta_signature(secret, body)
            .to_uppercase()
            .replace("SHA256=", "sha256="),
    );
    assert_eq!(channel.authenticate(creds, &upper.hook()), Ok(()));

    let wrong_secret = signed(body, "not-the-app-secret");
    assert_eq!(
        channel.authenticate(creds, &wrong_secret.hook()),
        Err(AuthError::Invalid("X-Hub-Signature-256"))
    );
    let mut tampered = signed(body, secret);
    tampered.body = one_byte_changed(body);
    assert!(channel.authenticate(creds, &tampered.hook()).is_err());
    let mut reserialised_body = signed(body, secret);
    reserialised_body.body = reserialised(body);
    assert!(channel
        .authenticate(creds, &reserialised_body.hook())
        .is_err());
    assert_eq!(
        channel.authenticate(creds, &TestHook::new(body).hook()),
        Err(AuthError::Missing("X-Hub-Signature-256"))
    );
    for bad in ["", "sha256=", "sha256=zz", "sha1=abcdef", "deadbeef"] {
        let hook = TestHook::new(body).header("x-hub-signature-256", bad);
        assert!(channel.authenticate(creds, &hook.hook()).is_err(), "{bad}");
    }
}

/// Meta's GET handshake: the challenge comes back only with the right verify token.
pub fn meta_handshake_cases(channel: &dyn Receiver, creds: &Credentials, verify_token: &str) {
    let get = |mode: &str, token: &str| {
        TestHook::new(b"")
            .query("hub.mode", mode)
            .query("hub.challenge", "1158201444")
            .query("hub.verify_token", token)
    };
    assert_eq!(
        channel.verify_subscription(creds, &get("subscribe", verify_token).hook()),
        Some(Ok("1158201444".to_owned()))
    );
    assert_eq!(
        channel.verify_subscription(creds, &get("subscribe", "guess").hook()),
        Some(Err(AuthError::Invalid("hub.verify_token")))
    );
    assert!(matches!(
        channel.verify_subscription(creds, &get("unsubscribe", verify_token).hook()),
        Some(Err(_))
    ));
    assert!(matches!(
        channel.verify_subscription(creds, &TestHook::new(b"").hook()),
        Some(Err(_))
    ));
}

pub fn options(pairs: &[(&str, &str)]) -> Vec<QuickReply> {
    pairs
        .iter()
        .map(|(payload, label)| QuickReply::new(label, payload))
        .collect()
}

/// A bot message to render, as the conversation stored it.
pub fn message(text: impl Into<String>, options: Vec<QuickReply>) -> Message {
    Message {
        id: 1,
        conversation_id: 1,
        seq: 1,
        author_type: AuthorType::Bot,
        author_id: None,
        author_name: "Spindesk Bot".into(),
        channel: String::new(),
        text: text.into(),
        payload: None,
        actions: options,
        has_attachments: false,
        created_at: NOW_MS,
    }
}

pub fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .expect("response")
}

/// The JSON body of a rendered request.
pub fn body_json(req: &http::Request<Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(req.body()).expect("JSON body")
}
