//! Authenticate + parse per webhook, for every channel, on the vendors' sample payloads:
//! the work a webhook does before it touches the database.
//!
//! `cargo bench -p spindesk-core --bench webhooks`

use base64::Engine;
use criterion::{criterion_group, criterion_main, Criterion};
use hmac::{Hmac, KeyInit, Mac};
use spindesk_core::channels::{ChannelType, Credentials, Webhook};
use std::hint::black_box;

const NOW_MS: i64 = 1_718_000_100_000;
const PUBLIC_URL: &str = "https://support.example.com/webhooks/twilio/bench";

fn sample(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/fixtures/channels/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

fn mac256(key: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// (type, credentials, body, signed headers)
fn case(kind: ChannelType) -> (Credentials, Vec<u8>, http::HeaderMap) {
    let secret = "bench-secret-0123456789";
    let mut headers = http::HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        headers.insert(name, value.parse().unwrap());
    };
    let (creds, body) = match kind {
        ChannelType::WhatsApp => (
            Credentials::new()
                .with("phone_number_id", "106540352242922")
                .with("app_secret", secret),
            sample("whatsapp-text.json"),
        ),
        ChannelType::Messenger => (
            Credentials::new()
                .with("page_id", "107425831234567")
                .with("app_secret", secret),
            sample("messenger-text.json"),
        ),
        ChannelType::Instagram => (
            Credentials::new()
                .with("instagram_account_id", "17841405822304914")
                .with("app_secret", secret),
            sample("instagram-text.json"),
        ),
        ChannelType::Telegram => (
            Credentials::new().with("secret_token", secret),
            sample("telegram-text.json"),
        ),
        ChannelType::Line => (
            Credentials::new().with("channel_secret", secret),
            sample("line-text.json"),
        ),
        ChannelType::Viber => (
            Credentials::new().with("auth_token", secret),
            sample("viber-text.json"),
        ),
        ChannelType::Slack => (
            Credentials::new().with("signing_secret", secret),
            sample("slack-message-im.json"),
        ),
        ChannelType::Twilio => {
            let json: serde_json::Value =
                serde_json::from_slice(&sample("twilio-sms-text.json")).unwrap();
            (
                Credentials::new().with("auth_token", secret),
                json["raw_body"].as_str().unwrap().as_bytes().to_vec(),
            )
        }
        ChannelType::Email => (
            Credentials::new()
                .with("webhook_username", "postmark")
                .with("webhook_password", secret),
            sample("postmark-inbound.json"),
        ),
    };
    match kind {
        ChannelType::WhatsApp | ChannelType::Messenger | ChannelType::Instagram => set(
            "x-hub-signature-256",
            format!("sha256={}", hex(&mac256(secret, &[&body]))),
        ),
        ChannelType::Telegram => set("x-telegram-bot-api-secret-token", secret.into()),
        ChannelType::Line => set("x-line-signature", b64(&mac256(secret, &[&body]))),
        ChannelType::Viber => set("x-viber-content-signature", hex(&mac256(secret, &[&body]))),
        ChannelType::Slack => {
            let ts = (NOW_MS / 1000).to_string();
            set(
                "x-slack-signature",
                format!(
                    "v0={}",
                    hex(&mac256(secret, &[b"v0:", ts.as_bytes(), b":", &body]))
                ),
            );
            set("x-slack-request-timestamp", ts);
        }
        ChannelType::Twilio => {
            let mut params: Vec<(String, String)> =
                form_urlencoded::parse(&body).into_owned().collect();
            params.sort_by(|a, b| a.0.cmp(&b.0));
            let mut data = PUBLIC_URL.to_owned();
            for (k, v) in params {
                data.push_str(&k);
                data.push_str(&v);
            }
            let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(data.as_bytes());
            set("x-twilio-signature", b64(&mac.finalize().into_bytes()));
        }
        ChannelType::Email => set(
            "authorization",
            format!("Basic {}", b64(format!("postmark:{secret}").as_bytes())),
        ),
    }
    (creds, body, headers)
}

/// A WhatsApp batch of `n` text messages, for the per-message cost of large batches.
fn whatsapp_batch(n: usize) -> Vec<u8> {
    let messages: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"from":"8210{i:08}","id":"wamid.B{i}","timestamp":"1749416383","type":"text","text":{{"body":"message number {i}"}}}}"#))
        .collect();
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"phone_number_id":"106540352242922"}},"messages":[{}]}},"field":"messages"}}]}}]}}"#,
        messages.join(",")
    )
    .into_bytes()
}

fn authenticate_and_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("authenticate+parse");
    for kind in ChannelType::ALL {
        let (creds, body, headers) = case(kind);
        let channel = kind.receiver();
        let query = Vec::new();
        group.bench_function(kind.as_str(), |b| {
            b.iter(|| {
                let hook = Webhook {
                    headers: &headers,
                    query: &query,
                    body: black_box(&body),
                    url: Some(PUBLIC_URL),
                    now_ms: NOW_MS,
                };
                channel.authenticate(&creds, &hook).unwrap();
                let parsed = channel.parse(&creds, &body).unwrap();
                assert_eq!(parsed.events.len(), 1);
                black_box(parsed)
            })
        });
    }
    let batch = whatsapp_batch(100);
    let creds = Credentials::new()
        .with("phone_number_id", "106540352242922")
        .with("app_secret", "s");
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "x-hub-signature-256",
        format!("sha256={}", hex(&mac256("s", &[&batch])))
            .parse()
            .unwrap(),
    );
    let query = Vec::new();
    group.bench_function("whatsapp batch of 100", |b| {
        b.iter(|| {
            let hook = Webhook {
                headers: &headers,
                query: &query,
                body: black_box(&batch),
                url: None,
                now_ms: NOW_MS,
            };
            let channel = ChannelType::WhatsApp.receiver();
            channel.authenticate(&creds, &hook).unwrap();
            let parsed = channel.parse(&creds, &batch).unwrap();
            assert_eq!(parsed.events.len(), 100);
            black_box(parsed)
        })
    });
    group.finish();
}

criterion_group!(benches, authenticate_and_parse);
criterion_main!(benches);
