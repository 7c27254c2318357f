//! The "make API call" step: one HTTP request through the [`Outbound`] port, in two parts —
//! [`prepare`] renders and checks it while the turn runs, [`perform`] sends it and reads the
//! result, which in a conversation happens after the turn's transaction has committed.
//!
//! Only to hosts on the bot's allow-list (and, below that, the component's
//! `allowed_outbound_hosts`), with a 10 s deadline. Variables are escaped for where they go
//! (see [`super::template`]). Success is a 2xx answer from which every saved field could be read;
//! anything else — refused host, timeout, error status, missing field — takes the failure branch.

use super::model::{HttpMethod, SaveField};
use super::template::{is_json_body, outside_json_strings, render, Escape, Variables};
use crate::ports::Outbound;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Responses larger than this are not read into variables.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// Saved values are cut to this many characters.
pub const MAX_SAVED_CHARS: usize = 1000;

pub struct Call<'a> {
    pub method: HttpMethod,
    pub url: &'a str,
    pub headers: &'a BTreeMap<String, String>,
    /// Header names listed as secret by the step (beside those secret by name).
    pub secret_headers: &'a [String],
    pub body: Option<&'a str>,
    pub save: &'a [SaveField],
}

/// A call rendered with the conversation's variables and checked against the allow-list,
/// ready to send: what the bot state keeps while the call is made outside the transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prepared {
    pub method: HttpMethod,
    pub url: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The secret headers, rendered: carried in memory from the turn to the send after the
    /// commit, never serialized — so `conversations.bot_state` never holds a credential. A
    /// call read back from the database has none (it is never sent again: see
    /// `conversation::recover_stalled_call`).
    #[serde(skip)]
    pub secret_headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub save: Vec<SaveField>,
}

/// Renders the call; a URL that does not parse or a host not allowed fails here, without a
/// request.
pub fn prepare(
    call: &Call,
    vars: &Variables,
    allowed_hosts: &[String],
) -> Result<Prepared, String> {
    let url = render(call.url, vars, Escape::Url);
    let uri: http::Uri = url.parse().map_err(|_| format!("invalid URL {url}"))?;
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or("");
    if !host_allowed(allowed_hosts, authority) {
        return Err(format!("{authority} is not an allowed host"));
    }
    let body = match call.body {
        // Refused at publish too; a bot stored before that rule fails here, without a request.
        Some(b) if is_json_body(b) => match outside_json_strings(b).first() {
            Some(name) => {
                return Err(format!(
                    "{{{{{name}}}}} stands outside a JSON string in the body"
                ))
            }
            None => Some(render(b, vars, Escape::Json)),
        },
        Some(b) => Some(render(b, vars, Escape::Form)),
        None => None,
    };
    let (secret_headers, headers) = call
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), render(value, vars, Escape::Header)))
        .partition(|(name, _)| is_secret(name, call.secret_headers));
    Ok(Prepared {
        method: call.method,
        url,
        headers,
        secret_headers,
        body,
        save: call.save.to_vec(),
    })
}

/// Headers that carry credentials by name: secret without being listed (what secret headers
/// are kept from is in [`super::secrets`]).
pub const SECRET_BY_NAME: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "x-auth-token",
];

/// Is header `name` secret, given the step's `secret_headers`?
pub fn is_secret(name: &str, listed: &[String]) -> bool {
    SECRET_BY_NAME.iter().any(|s| s.eq_ignore_ascii_case(name))
        || listed.iter().any(|l| l.trim().eq_ignore_ascii_case(name))
}

/// Sends a prepared call with the [`TIMEOUT`]. Never inside a write transaction: a slow API
/// would hold SQLite's write lock. On success, the variables to save; on failure, why (for the
/// simulation's trace).
pub fn perform(call: &Prepared, outbound: &dyn Outbound) -> Result<Variables, String> {
    let mut builder = http::Request::builder()
        .method(call.method.as_str())
        .uri(call.url.as_str())
        .header("accept", "application/json");
    let mut has_content_type = false;
    for (name, value) in call.headers.iter().chain(&call.secret_headers) {
        has_content_type |= name.eq_ignore_ascii_case("content-type");
        builder = builder.header(name.as_str(), value.as_str());
    }
    if let (Some(body), false) = (&call.body, has_content_type) {
        let kind = if is_json_body(body) {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        builder = builder.header("content-type", kind);
    }
    let request = builder
        .body(call.body.clone().unwrap_or_default().into_bytes())
        .map_err(|e| format!("could not build the request: {e}"))?;
    let response = outbound.send(request, TIMEOUT).map_err(|e| e.to_string())?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the API answered {}", status.as_u16()));
    }
    if call.save.is_empty() {
        return Ok(Variables::new());
    }
    if response.body().len() > MAX_RESPONSE_BYTES {
        return Err(format!(
            "the response is larger than {MAX_RESPONSE_BYTES} bytes"
        ));
    }
    let json: serde_json::Value = serde_json::from_slice(response.body())
        .map_err(|_| "the response is not JSON".to_owned())?;
    let mut saved = Variables::new();
    for field in &call.save {
        let value = lookup(&json, &field.path)
            .ok_or_else(|| format!("the response has no {}", field.path))?;
        saved.insert(field.variable.clone(), value);
    }
    Ok(saved)
}

/// A dotted path (`order.items.0.name`) into `json`, as text. `null` counts as missing.
pub fn lookup(json: &serde_json::Value, path: &str) -> Option<String> {
    let mut at = json;
    for part in path.trim().split('.') {
        at = match at {
            serde_json::Value::Object(map) => map.get(part)?,
            serde_json::Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    let text = match at {
        serde_json::Value::Null => return None,
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Some(text.chars().take(MAX_SAVED_CHARS).collect())
}

/// Is `authority` (`host` or `host:port`) in the allow-list? Case-insensitive, exact.
pub fn host_allowed(allowed: &[String], authority: &str) -> bool {
    allowed.iter().any(|h| h.eq_ignore_ascii_case(authority))
}

#[cfg(test)]
mod tests {
    use super::lookup;
    use serde_json::json;

    #[test]
    fn paths_walk_objects_and_arrays() {
        let j = json!({"order": {"status": "shipped", "items": [{"qty": 2}], "gift": false, "n": null}});
        assert_eq!(lookup(&j, "order.status").as_deref(), Some("shipped"));
        assert_eq!(lookup(&j, "order.items.0.qty").as_deref(), Some("2"));
        assert_eq!(lookup(&j, "order.gift").as_deref(), Some("false"));
        assert_eq!(lookup(&j, "order.n"), None);
        assert_eq!(lookup(&j, "order.items.1.qty"), None);
        assert_eq!(lookup(&j, "order.status.x"), None);
    }
}
