//! Publishing to the push hub: one POST of JSON items to Pushpin's publish endpoint
//! (`grip_publish_url`, e.g. `http://127.0.0.1:5561/publish/`), after the commit. Best effort:
//! a failure is logged and the write stands, because every client re-reads from SQLite by
//! sequence number when it sees a gap or its hold times out.

use crate::config;
use crate::ports::Env;
use std::time::Duration;

/// A publish waits at most this long: it runs after the commit but before the response.
/// Pushpin on the same machine answers in about a millisecond.
pub const TIMEOUT: Duration = Duration::from_millis(500);

/// One message for one channel, as the JSON of a publish item: `data` (JSON text) as an SSE
/// `event` for held streams and, when `long_poll` is set, as the body answering held
/// long-polls. Written with `format!` around JSON-quoted strings: this runs in every component
/// that writes, and building a `serde_json::Value` would cost each of them kilobytes of code
/// (the `tickets` component must stay under 2 MB).
pub fn item(channel: &str, event: &str, data: &str, long_poll: bool) -> String {
    let stream = quoted(&format!("event: {event}\ndata: {data}\n\n"));
    // The widget calls from the customer's site, another origin (`api::widget`).
    let response = if long_poll {
        format!(
            r#","http-response":{{"code":200,"headers":{{"Content-Type":"application/json","Access-Control-Allow-Origin":"*","Vary":"origin"}},"body":{}}}"#,
            quoted(data)
        )
    } else {
        String::new()
    };
    format!(
        r#"{{"channel":{},"formats":{{"http-stream":{{"content":{stream}}}{response}}}}}"#,
        quoted(channel)
    )
}

/// `text` as a JSON string literal.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// Whether a push hub is configured.
pub fn enabled(env: &Env) -> bool {
    env.config.get(config::GRIP_PUBLISH_URL).is_some()
}

/// Sends `items` (from [`item`]) to the push hub, if one is configured. Never fails the caller.
pub fn send(env: &Env, items: Vec<String>) {
    let Some(url) = env.config.get(config::GRIP_PUBLISH_URL) else {
        return;
    };
    if items.is_empty() {
        return;
    }
    let body = format!(r#"{{"items":[{}]}}"#, items.join(",")).into_bytes();
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
            format!("the push hub answered {}", response.status().as_u16()),
        ),
        Err(e) => env.warn("grip.publish", e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn an_item_is_json_with_both_formats_and_its_text_quoted() {
        let data = r#"{"text":"a \"quote\"\nand a line"}"#;
        let item: Value = serde_json::from_str(&item("widget-1", "update", data, true)).unwrap();
        assert_eq!(item["channel"], "widget-1");
        assert_eq!(
            item["formats"]["http-stream"]["content"],
            format!("event: update\ndata: {data}\n\n")
        );
        assert_eq!(item["formats"]["http-response"]["body"], data);
        assert_eq!(item["formats"]["http-response"]["code"], 200);
        let item: Value = serde_json::from_str(&item_only_stream()).unwrap();
        assert!(item["formats"].get("http-response").is_none());
    }

    fn item_only_stream() -> String {
        item("desk", "tickets", r#"{"tickets":[1]}"#, false)
    }
}
