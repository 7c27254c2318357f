//! `PUT /api/widget/fields`: values the host page knows about the visitor (`Spindesk.
//! setConversationFields({...})`: a plan, an order number) given to the conversation. Each is a
//! bot variable under its name (`{{plan}}` in the bot's texts and API calls); a field named by a
//! ticket field's id (digits) also goes into that custom field of the ticket opened at hand-off.
//!
//! They live in the conversation's bot state, which the bot's turns read and write with a
//! compare-and-set (`bot::reply`): a turn computed before this write is computed again.

use crate::bot::state::BotState;
use crate::conversation::Conversation;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::web::{json, read_json, ApiError};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

/// Most fields one conversation takes from the page, and their sizes.
pub const MAX_FIELDS: usize = 20;
pub const MAX_NAME: usize = 40;
pub const MAX_VALUE: usize = 255;
const MAX_BODY_BYTES: usize = 16 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    fields: BTreeMap<String, String>,
}

/// A name the bot's templates can use (`a-z`, digits, `_`, starting with a letter), or a
/// ticket field's id (digits).
fn valid_name(name: &str) -> bool {
    let ticket_field =
        !name.is_empty() && name.len() <= 20 && name.bytes().all(|b| b.is_ascii_digit());
    let variable = name.len() <= MAX_NAME
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    ticket_field || variable
}

pub fn put(db: &Db, req: &Request, conversation: &Conversation) -> Result<Response, ApiError> {
    let body: Body = read_json(req, MAX_BODY_BYTES)?;
    if body.fields.is_empty() || body.fields.len() > MAX_FIELDS {
        return Err(ApiError::unprocessable(
            "invalid_fields",
            format!("`fields` must have 1 to {MAX_FIELDS} entries"),
        ));
    }
    for (name, value) in &body.fields {
        if !valid_name(name) {
            return Err(ApiError::unprocessable(
                "invalid_fields",
                format!("field name {name:?} must be a-z, 0-9 and _ starting with a letter (at most {MAX_NAME}), or a ticket field id (digits)"),
            ));
        }
        if value.chars().count() > MAX_VALUE || value.chars().any(char::is_control) {
            return Err(ApiError::unprocessable(
                "invalid_fields",
                format!("field {name:?} must be at most {MAX_VALUE} characters on one line"),
            ));
        }
    }
    db.transaction(|db| {
        let raw = db
            .query_opt(
                "SELECT bot_state FROM conversations WHERE id = ?",
                &[conversation.id.into()],
                |r| r.string("bot_state"),
            )?
            .unwrap_or_default();
        let mut state: BotState = serde_json::from_str(&raw).unwrap_or_default();
        for (name, value) in &body.fields {
            state.variables.insert(name.clone(), value.clone());
            if name.bytes().all(|b| b.is_ascii_digit()) {
                state
                    .ticket_fields
                    .insert(format!("custom_fields.{name}"), value.clone());
            }
        }
        let stored = serde_json::to_string(&state).map_err(ApiError::internal)?;
        db.execute(
            "UPDATE conversations SET bot_state = ? WHERE id = ?",
            &[stored.into(), conversation.id.into()],
        )?;
        Ok::<_, ApiError>(())
    })?;
    Ok(json(&json!({ "fields": body.fields })))
}
