//! `POST /api/widget/messages`: a visitor's message — checked, limited per session and per
//! address, answered by the bot (its turn worked out before the write lock) and stored with
//! what answered it in one write transaction.

use super::limits::{
    DEFAULT_MESSAGES_PER_ADDRESS_PER_MINUTE, DEFAULT_MESSAGES_PER_MINUTE, MAX_BODY_BYTES,
};
use super::uploads;
use super::visitor::{client, erased_or, open_visit, Alongside, Visit};
use crate::api::commit;
use crate::attachments::{self, Uploader};
use crate::config;
use crate::conversation::Inbound;
use crate::message::validate_text;
use crate::ports::Env;
use crate::rate_limit;
use crate::surface::{Request, Response};
use crate::switchboard::{self, Receipt};
use crate::web::{json, json_status, read_json, ApiError};
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

/// The per-session and per-address message limits, as configured.
fn message_limits(env: &Env) -> [rate_limit::Limit; 2] {
    [
        rate_limit::Limit {
            name: "widget-messages",
            per_window: config::whole_number(
                env,
                config::WIDGET_MESSAGES_PER_MINUTE,
                DEFAULT_MESSAGES_PER_MINUTE,
            ),
            window_ms: 60_000,
        },
        rate_limit::Limit {
            name: "widget-messages-address",
            per_window: config::whole_number(
                env,
                config::WIDGET_MESSAGES_PER_ADDRESS_PER_MINUTE,
                DEFAULT_MESSAGES_PER_ADDRESS_PER_MINUTE,
            ),
            window_ms: 60_000,
        },
    ]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMessage {
    /// May be empty when the message carries files.
    #[serde(default)]
    text: String,
    payload: Option<String>,
    client_id: Option<String>,
    /// Ids of the session's uploads (`POST /api/widget/uploads`) the message carries.
    attachments: Option<Vec<String>>,
}

pub(super) fn send_message(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let input: NewMessage = read_json(req, MAX_BODY_BYTES)?;
    let files = uploads::parse_ids(input.attachments.clone())?;
    if files.is_empty() || !input.text.is_empty() {
        validate_text(&input.text).map_err(|m| ApiError::unprocessable("invalid_text", m))?;
    }
    if input.payload.as_ref().is_some_and(|p| p.len() > 256) {
        return Err(ApiError::unprocessable(
            "invalid_payload",
            "`payload` must be at most 256 bytes",
        ));
    }
    if let Some(id) = &input.client_id {
        let ok = (1..=64).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(ApiError::unprocessable(
                "invalid_client_id",
                "`client_id` must be 1 to 64 letters, digits, '-' or '_'",
            ));
        }
    }
    // Reads and the bot's turn before the write transaction, so the write lock is held only
    // for the writes; `receive` writes the turn only if nothing it depends on changed.
    // A flood is refused before its bot turns run; the counts inside the transaction are
    // exact. What the session (its counter is named after its conversation) and the address
    // have used comes with the visitor's read.
    let [per_session, per_address] = message_limits(env);
    let address = client(env, req);
    let used = Alongside {
        sql: rate_limit::used_sql(&["?2 || c.public_id".to_owned(), "?3".to_owned()]),
        params: vec![
            per_session.subject_prefix().into(),
            per_address.subject(&address).into(),
        ],
    };
    // The schema check comes with the visitor's read.
    let (db, visit) = open_visit(env, req, Some(used), true)?;
    let Visit {
        user,
        conversation,
        alongside: used,
        live,
    } = visit;
    let session = conversation.public_id.clone();
    let now = env.clock.now_ms();
    let limits = [
        (per_session, session.as_str()),
        (per_address, address.as_str()),
    ];
    rate_limit::check_used(&limits, used.as_deref().unwrap_or("[]"), now)?;
    let inbound = Inbound {
        channel: "web".into(),
        source: input
            .client_id
            .as_ref()
            .map(|_| format!("web:{}", conversation.id)),
        source_message_id: input.client_id.clone(),
        text: input.text.clone(),
        payload: input.payload.clone(),
    };
    let ahead = switchboard::prepare(env, &db, &conversation, &user, &inbound, live)?;
    let (duplicate, messages) = switchboard::write_turn(ahead, |turn| {
        commit::write(env, &db, |db| {
            rate_limit::count_all(env, db, &limits)?;
            // Who answers is read again as the message is stored (agents may have taken the
            // conversation since it was read).
            let received = switchboard::receive(env, db, &conversation, &user, &inbound, turn)
                .map_err(|e| erased_or(db, conversation.id, e))?;
            Ok::<_, ApiError>(match received {
                Receipt::Stored(mut committed) => {
                    // The customer's message is the first posted: its files go with it, or
                    // nothing is written.
                    if let (Some(message), false) =
                        (committed.messages.first_mut(), files.is_empty())
                    {
                        let owner = Uploader::Customer(user.id);
                        attachments::attach_to_message(
                            db,
                            conversation.id,
                            message.id,
                            owner,
                            &files,
                        )?;
                        message.has_attachments = true;
                    }
                    (None, committed)
                }
                Receipt::Duplicate(original) => (Some(original), Default::default()),
            })
        })
    })?;
    if let Some(original) = duplicate {
        let views = uploads::messages_json(env, &db, std::slice::from_ref(&original))?;
        return Ok(json(&json!({"message": views.first(), "messages": []})));
    }
    let views = uploads::messages_json(env, &db, &messages)?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"message": views.first(), "messages": views}),
    ))
}
