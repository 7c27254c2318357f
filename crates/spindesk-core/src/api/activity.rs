//! Typing and read receipts as routes, for either side of a conversation: the widget's visitor
//! (`/api/widget/typing`, `/api/widget/read`) and the agents on its ticket
//! (`/api/live/tickets/{id}/typing`, `.../read`). Each surface finds the conversation and who is
//! asking; what is stored and published is the same.

use crate::activity::{self, Side};
use crate::change_feed;
use crate::ports::Env;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::web::{json, json_status, read_json, ApiError};
use crate::webhooks;
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

/// Largest request body read.
pub const MAX_BODY_BYTES: usize = 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Typing {
    typing: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Read {
    seq: i64,
}

/// The `{"typing": bool}` body of a typing request (read before anything else is looked up).
pub fn typing_body(req: &Request) -> Result<bool, ApiError> {
    Ok(read_json::<Typing>(req, MAX_BODY_BYTES)?.typing)
}

/// The `{"seq": n}` body of a read receipt.
pub fn read_body(req: &Request) -> Result<i64, ApiError> {
    Ok(read_json::<Read>(req, MAX_BODY_BYTES)?.seq)
}

/// Which conversation, and how far its messages go (`last_seq`).
#[derive(Debug, Clone, Copy)]
pub struct At {
    pub conversation_id: i64,
    pub last_seq: i64,
}

/// `side` is typing (repeated while it types) or stopped; a repeat within a few seconds writes
/// and publishes nothing. `202 {"typing": bool}`.
pub fn typing(env: &Env, db: &Db, at: At, side: Side, typing: bool) -> Result<Response, ApiError> {
    let now = env.clock.now_ms();
    if activity::set_typing(db, at.conversation_id, side, typing, now)? {
        webhooks::events::typing(db, now, at.conversation_id, side == Side::Customer, typing)?;
        let mine = activity::of(db, at.conversation_id, side, now)?;
        change_feed::publish_activity(env, at.conversation_id, at.last_seq, side, mine);
    }
    Ok(json_status(
        StatusCode::ACCEPTED,
        &json!({ "typing": typing }),
    ))
}

/// `side` has read the conversation up to `seq` (a message of it): `200 {"read_seq": n}`.
pub fn read(env: &Env, db: &Db, at: At, side: Side, seq: i64) -> Result<Response, ApiError> {
    if seq < 1 || seq > at.last_seq {
        return Err(ApiError::unprocessable(
            "invalid_seq",
            format!(
                "`seq` must be a message of the conversation, 1 to {}, got {seq}",
                at.last_seq
            ),
        ));
    }
    let now = env.clock.now_ms();
    let moved = activity::mark_read(db, at.conversation_id, side, seq, now)?;
    let mine = activity::of(db, at.conversation_id, side, now)?;
    if moved.is_some() {
        webhooks::events::read(db, now, at.conversation_id, side == Side::Customer, seq)?;
        change_feed::publish_activity(env, at.conversation_id, at.last_seq, side, mine);
    }
    Ok(json(&json!({"read_seq": mine.read_seq})))
}
