//! The instructions a live route answers Pushpin with: hold the client's request open on
//! these channels, as a long-poll (`Grip-Hold: response`) or an event stream
//! (`Grip-Hold: stream`). Pushpin removes the `Grip-*` headers before the client sees them.

use crate::surface::Response;
use http::{HeaderValue, StatusCode};

/// Pushpin answers a held stream with a comment line this often, so proxies and browsers keep
/// an idle connection open.
pub const KEEP_ALIVE_SECS: u64 = 20;

/// A long-poll held by Pushpin on `channels`: the client gets the first publish on any of
/// them, or `timeout_body` (JSON) after `timeout_secs`.
pub fn long_poll(channels: &[String], timeout_secs: u64, timeout_body: Vec<u8>) -> Response {
    let mut response = answer("application/json", channels, timeout_body);
    let headers = response.headers_mut();
    headers.insert("grip-hold", HeaderValue::from_static("response"));
    if let Ok(v) = HeaderValue::from_str(&timeout_secs.to_string()) {
        headers.insert("grip-timeout", v);
    }
    response
}

/// An event stream (`text/event-stream`) held by Pushpin on `channels`, starting with `first`
/// (SSE events), with a keep-alive comment every [`KEEP_ALIVE_SECS`].
pub fn stream(channels: &[String], first: Vec<u8>) -> Response {
    let mut response = answer("text/event-stream", channels, first);
    let headers = response.headers_mut();
    headers.insert("grip-hold", HeaderValue::from_static("stream"));
    headers.insert("cache-control", HeaderValue::from_static("no-cache"));
    // `cstring`: Pushpin unescapes the `\n`s, so the keep-alive is the SSE comment ":\n\n".
    if let Ok(v) = HeaderValue::from_str(&format!(
        ":\\n\\n; format=cstring; timeout={KEEP_ALIVE_SECS}"
    )) {
        headers.insert("grip-keep-alive", v);
    }
    response
}

fn answer(content_type: &'static str, channels: &[String], body: Vec<u8>) -> Response {
    let mut response = http::Response::new(body);
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&channels.join(", ")) {
        headers.insert("grip-channel", v);
    }
    response
}

/// One server-sent event: `event: <name>` and its JSON on one `data:` line (JSON has no raw
/// line breaks, so one line always holds it).
pub fn sse_event(name: &str, data: &serde_json::Value) -> String {
    format!("event: {name}\ndata: {}\n\n", json_text(data))
}

/// `value` as JSON text, through `serde_json::to_vec` like every response body: its `Display`
/// is another serializer, which would weigh in every component that publishes.
pub fn json_text(value: &serde_json::Value) -> String {
    serde_json::to_vec(value)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}
