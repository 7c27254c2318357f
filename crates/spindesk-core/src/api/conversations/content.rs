//! Message content as Sunshine spells it: `text`, `image` and `file`, with `actions` buttons
//! (`reply`, `postback`, `link`). What every channel can show is stored as the message's text
//! and quick replies (a link's URI and a media URL are written into the text, so a channel
//! without buttons or media still shows them); the content as the caller gave it is kept in
//! the message's `content` column under `sunshine`, so this API returns it unchanged.

use super::input::{self, bad};
use crate::message::{validate_text, QuickReply, MAX_TEXT_CHARS};
use crate::web::ApiError;
use serde_json::{json, Map, Value};

/// Buttons a message may carry.
pub const MAX_ACTIONS: usize = 10;

/// Content checked and turned into what Spindesk stores.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The text every channel shows.
    pub text: String,
    pub replies: Vec<QuickReply>,
    /// A tapped reply's payload (a user's message).
    pub payload: Option<String>,
    /// The content as this API returns it.
    pub sunshine: Value,
}

fn string<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<Option<&'a str>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(format!("`{field}.{key}` must be a string"))),
    }
}

fn bounded(s: &str, field: &str, max: usize) -> Result<(), ApiError> {
    let n = s.chars().count();
    if n == 0 || n > max {
        return Err(bad(format!(
            "`{field}` must be 1 to {max} characters, got {n}"
        )));
    }
    Ok(())
}

/// `content` of a posted message; `business` decides whether buttons are allowed (a user
/// taps them, it does not send them).
pub fn parse(value: &Value, business: bool) -> Result<Parsed, ApiError> {
    let map = value
        .as_object()
        .ok_or_else(|| bad("`content` must be an object"))?;
    let kind = string(map, "type", "content")?.ok_or_else(|| bad("`content.type` is required"))?;
    let mut sunshine = Map::new();
    sunshine.insert("type".into(), kind.into());
    let text = string(map, "text", "content")?;
    if let Some(text) = text {
        sunshine.insert("text".into(), text.into());
    }
    let mut shown = match kind {
        "text" => {
            input::only(map, &["type", "text", "actions", "payload"], "`content`")?;
            let text = text.ok_or_else(|| bad("`content.text` is required for text messages"))?;
            validate_text(text).map_err(|m| bad(format!("content: {m}")))?;
            text.to_owned()
        }
        "image" | "file" => {
            input::only(
                map,
                &["type", "text", "mediaUrl", "altText", "actions"],
                "`content`",
            )?;
            let url = string(map, "mediaUrl", "content")?.ok_or_else(|| {
                bad(format!(
                    "`content.mediaUrl` is required for {kind} messages"
                ))
            })?;
            input::url(url, "content.mediaUrl")?;
            sunshine.insert("mediaUrl".into(), url.into());
            if let Some(alt) = string(map, "altText", "content")? {
                bounded(alt, "content.altText", 128)?;
                sunshine.insert("altText".into(), alt.into());
            }
            if kind == "file" && map.contains_key("actions") {
                return Err(bad("`content.actions` is not supported on file messages"));
            }
            match text {
                Some(t) if t.chars().count() > MAX_TEXT_CHARS => {
                    return Err(bad(format!(
                        "`content.text` is longer than {MAX_TEXT_CHARS} characters"
                    )))
                }
                Some(t) if !t.trim().is_empty() => format!("{t}\n{url}"),
                _ => url.to_owned(),
            }
        }
        other => {
            return Err(bad(format!(
                "`content.type` {other:?} is not supported: use text, image or file"
            )))
        }
    };
    let payload = string(map, "payload", "content")?.map(str::to_owned);
    if let Some(p) = &payload {
        if business {
            return Err(bad(
                "`content.payload` is for a user's reply, not a business message",
            ));
        }
        bounded(p, "content.payload", 1024)?;
        sunshine.insert("payload".into(), p.clone().into());
    }
    let mut replies = Vec::new();
    if let Some(actions) = map.get("actions") {
        if !business {
            return Err(bad("A user's message carries no `actions`"));
        }
        let actions = actions
            .as_array()
            .filter(|a| !a.is_empty() && a.len() <= MAX_ACTIONS)
            .ok_or_else(|| {
                bad(format!(
                    "`content.actions` must be an array of 1 to {MAX_ACTIONS} actions"
                ))
            })?;
        let mut out = Vec::new();
        for (i, action) in actions.iter().enumerate() {
            out.push(action_of(action, i, &mut replies, &mut shown)?);
        }
        sunshine.insert("actions".into(), Value::Array(out));
    }
    Ok(Parsed {
        text: shown,
        replies,
        payload,
        sunshine: Value::Object(sunshine),
    })
}

fn action_of(
    value: &Value,
    i: usize,
    replies: &mut Vec<QuickReply>,
    shown: &mut String,
) -> Result<Value, ApiError> {
    let field = format!("content.actions[{i}]");
    let map = value
        .as_object()
        .ok_or_else(|| bad(format!("`{field}` must be an object")))?;
    let kind =
        string(map, "type", &field)?.ok_or_else(|| bad(format!("`{field}.type` is required")))?;
    let text =
        string(map, "text", &field)?.ok_or_else(|| bad(format!("`{field}.text` is required")))?;
    bounded(text, &format!("{field}.text"), 128)?;
    match kind {
        "reply" | "postback" => {
            input::only(map, &["type", "text", "payload"], &format!("`{field}`"))?;
            let payload = string(map, "payload", &field)?
                .ok_or_else(|| bad(format!("`{field}.payload` is required")))?;
            bounded(payload, &format!("{field}.payload"), 1024)?;
            // A postback comes back like a reply: the tap sends its payload.
            replies.push(QuickReply::new(text, payload));
            Ok(json!({"type": kind, "text": text, "payload": payload}))
        }
        "link" => {
            input::only(map, &["type", "text", "uri"], &format!("`{field}`"))?;
            let uri = string(map, "uri", &field)?
                .ok_or_else(|| bad(format!("`{field}.uri` is required")))?;
            input::url(uri, &format!("{field}.uri"))?;
            shown.push_str(&format!("\n{text}: {uri}"));
            Ok(json!({"type": "link", "text": text, "uri": uri}))
        }
        other => Err(bad(format!(
            "`{field}.type` {other:?} is not supported: use reply, postback or link"
        ))),
    }
}
