//! The vendors' side of the wire: each vendor's webhook JSON in `wire/<vendor>.rs` (kept out of
//! the channel files, which hold the logic: verify, authenticate, parse into events, render), and
//! small pieces every channel uses: ids that vendors send as strings or numbers, request
//! building, reading a vendor's answer.

pub(super) mod line;
pub(super) mod meta;
pub(super) mod postmark;
pub(super) mod slack;
pub(super) mod telegram;
pub(super) mod viber;
pub(super) mod whatsapp;

use serde::{Deserialize, Deserializer};

/// An id that one vendor sends as a string and another as a number (Meta page ids, Viber's
/// 64-bit `message_token`, which overflows JavaScript numbers but not `u64`).
fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        S(String),
        U(u64),
        I(i64),
    }
    Ok(match Id::deserialize(d)? {
        Id::S(s) => s,
        Id::U(u) => u.to_string(),
        Id::I(i) => i.to_string(),
    })
}

fn opt_id_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "id_string")] String);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

/// `base` (an origin, maybe with a trailing slash) joined with `path` (starting with `/`).
pub fn url(base: &str, path: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), path)
}

/// A POST with the given headers.
pub fn post(
    url: &str,
    content_type: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<http::Request<Vec<u8>>, String> {
    let mut builder = http::Request::builder()
        .method(http::Method::POST)
        .uri(url)
        .header("content-type", content_type);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(body.as_bytes().to_vec())
        .map_err(|e| format!("could not build the request: {e}"))
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A JSON value as text, or the number as text.
pub fn json_id(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
