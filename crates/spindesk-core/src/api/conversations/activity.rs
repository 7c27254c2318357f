//! `POST .../conversations/{id}/activity`: `typing:start`, `typing:stop` (the business, shown to
//! the customer as the agents typing) and `conversation:read` (either side has read every
//! message so far). Stored and published as the widget's and agents' own typing and read
//! receipts are ([`crate::activity`]).

use super::crud;
use super::input::{self, bad};
use super::users;
use crate::activity::{self, Side};
use crate::change_feed;
use crate::ports::Env;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::web::{json, ApiError};
use http::Method;
use serde_json::{json, Value};

pub fn post(env: &Env, db: &Db, req: &Request, id: &str) -> Result<Response, ApiError> {
    if req.method() != Method::POST {
        return Err(ApiError::method_not_allowed(req.method(), "POST"));
    }
    let body = input::object(req)?;
    input::only(&body, &["author", "type"], "an activity")?;
    let kind = body
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("`type` is required: typing:start, typing:stop or conversation:read"))?;
    let author = body
        .get("author")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("`author` is required (an object)"))?;
    let side = match author.get("type").and_then(Value::as_str) {
        Some("user") => Side::Customer,
        Some("business") => Side::Agent,
        _ => return Err(bad("`author.type` must be \"user\" or \"business\"")),
    };
    let typing = match kind {
        "typing:start" => Some(true),
        "typing:stop" => Some(false),
        "conversation:read" => None,
        other => {
            return Err(bad(format!(
                "`type` {other:?} is not one of typing:start, typing:stop, conversation:read"
            )))
        }
    };
    if side == Side::Customer && typing.is_some() {
        return Err(bad("A user's activity can only be conversation:read"));
    }
    let now = env.clock.now_ms();
    db.transaction(|db| {
        let thread = crud::find(db, id)?;
        let c = &thread.conversation;
        if side == Side::Customer {
            let s = |k: &str| author.get(k).and_then(Value::as_str).map(str::to_owned);
            let who = match (s("userId"), s("userExternalId")) {
                (Some(id), None) => users::UserRef::Id(id),
                (None, Some(ext)) => users::UserRef::External(ext),
                _ => {
                    return Err(bad(
                        "A user's activity needs `author.userId` or `author.userExternalId`",
                    ))
                }
            };
            if users::find_ref(db, &who)?.user.id != c.user_id {
                return Err(bad("The author is not this conversation's participant"));
            }
        }
        let changed = match typing {
            Some(typing) => activity::set_typing(db, c.id, side, typing, now)?,
            None => {
                c.last_seq > 0 && activity::mark_read(db, c.id, side, c.last_seq, now)?.is_some()
            }
        };
        Ok::<_, ApiError>(changed.then_some((c.id, c.last_seq)))
    })?
    .map(|(conversation_id, last_seq)| -> Result<(), ApiError> {
        let mine = activity::of(db, conversation_id, side, now)?;
        change_feed::publish_activity(env, conversation_id, last_seq, side, mine);
        Ok(())
    })
    .transpose()?;
    Ok(json(&json!({})))
}
