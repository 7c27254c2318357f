//! Publishing to the push hub: one POST of JSON items to Pushpin's publish endpoint
//! (`grip_publish_url`, e.g. `http://127.0.0.1:5561/publish/`), after the commit. Best effort:
//! a failure is logged and the write stands, because every client re-reads from SQLite by
//! sequence number when it sees a gap or its hold times out.

use super::hold::sse_event;
use crate::config;
use crate::ports::Env;
use serde_json::{json, Value};
use std::time::Duration;

/// A publish waits at most this long: it runs after the commit but before the response.
/// Pushpin on the same machine answers in about a millisecond.
pub const TIMEOUT: Duration = Duration::from_millis(500);

/// One message for one channel: the same update for held streams (an SSE `event`) and, when
/// `long_poll` is set, for held long-polls (the JSON as the response body).
pub fn item(channel: &str, event: &str, data: &Value, long_poll: bool) -> Value {
    let mut formats = json!({"http-stream": {"content": sse_event(event, data)}});
    if long_poll {
        formats["http-response"] = json!({
            "code": 200,
            // The widget calls from the customer's site, another origin (see `api::widget`).
            "headers": {
                "Content-Type": "application/json",
                "Access-Control-Allow-Origin": "*",
                "Vary": "origin",
            },
            "body": data.to_string(),
        });
    }
    json!({"channel": channel, "formats": formats})
}

/// Whether a push hub is configured.
pub fn enabled(env: &Env) -> bool {
    env.config.get(config::GRIP_PUBLISH_URL).is_some()
}

/// Sends `items` to the push hub, if one is configured. Never fails the caller.
pub fn send(env: &Env, items: Vec<Value>) {
    let Some(url) = env.config.get(config::GRIP_PUBLISH_URL) else {
        return;
    };
    if items.is_empty() {
        return;
    }
    let body = json!({"items": items}).to_string().into_bytes();
    let request = match http::Request::post(url.trim())
        .header("content-type", "application/json")
        .body(body)
    {
        Ok(r) => r,
        Err(e) => {
            env.warn(
                "grip.publish",
                format!("grip_publish_url is not a URL: {e}"),
            );
            return;
        }
    };
    match env.outbound.send(request, TIMEOUT) {
        Ok(response) if response.status().is_success() => {}
        Ok(response) => env.warn(
            "grip.publish",
            format!("the push hub answered {}", response.status()),
        ),
        Err(e) => env.warn("grip.publish", e),
    }
}
