//! Participants (`.../conversations/{id}/participants`, `join`, `leave`). A Spindesk
//! conversation is `personal`: its customer is its one participant. Joining it again is
//! answered with that participant; anyone else joining, or the participant leaving, is refused
//! as Sunshine refuses them for personal conversations (delete the conversation instead).

use super::crud::{self, participant_ref, Thread};
use super::input::{self, bad};
use super::users::{self, UserRef};
use crate::activity::{self, Side};
use crate::ports::Env;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::web::{json, json_status, ApiError};
use http::{Method, StatusCode};
use serde_json::{json, Value};

fn participant_json(env: &Env, db: &Db, thread: &Thread) -> Result<Value, ApiError> {
    let c = &thread.conversation;
    let customer = users::by_row_id(db, c.user_id)?;
    let read = activity::of(db, c.id, Side::Customer, env.clock.now_ms())?.read_seq;
    let unread = db
        .query_i64(
            "SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND seq > ? AND author_type <> 'user'",
            &[c.id.into(), read.into()],
        )?
        .unwrap_or(0);
    let clients = users::clients_of(db, customer.user.id)?;
    Ok(json!({
        "id": customer.user.public_id,
        "userId": customer.user.public_id,
        "userExternalId": customer.user.external_id,
        "unreadCount": unread,
        "clientAssociations": clients
            .iter()
            .map(|c| json!({"type": c.kind, "clientId": c.id.to_string()}))
            .collect::<Vec<_>>(),
    }))
}

/// `GET .../participants`.
pub fn list(env: &Env, db: &Db, req: &Request, id: &str) -> Result<Response, ApiError> {
    if req.method() != Method::GET {
        return Err(ApiError::method_not_allowed(req.method(), "GET"));
    }
    input::page(req)?;
    let thread = crud::find(db, id)?;
    Ok(json(&json!({
        "participants": [participant_json(env, db, &thread)?],
        "meta": {"hasMore": false},
    })))
}

/// `POST .../join`.
pub fn join(env: &Env, db: &Db, req: &Request, id: &str) -> Result<Response, ApiError> {
    if req.method() != Method::POST {
        return Err(ApiError::method_not_allowed(req.method(), "POST"));
    }
    let body = input::body::<Value>(req)?;
    let who = participant_ref(&body, "body")?;
    let thread = crud::find(db, id)?;
    let customer = users::find_ref(db, &who)?;
    if customer.user.id != thread.conversation.user_id {
        return Err(bad(
            "A personal conversation has exactly one participant; this user cannot join it",
        ));
    }
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"participant": participant_json(env, db, &thread)?}),
    ))
}

/// `POST .../leave`.
pub fn leave(db: &Db, req: &Request, id: &str) -> Result<Response, ApiError> {
    if req.method() != Method::POST {
        return Err(ApiError::method_not_allowed(req.method(), "POST"));
    }
    let body = input::object(req)?;
    input::only(
        &body,
        &["userId", "userExternalId", "participantId"],
        "the body",
    )?;
    let s = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let who = match (s("userId").or(s("participantId")), s("userExternalId")) {
        (Some(id), None) => UserRef::Id(id),
        (None, Some(ext)) => UserRef::External(ext),
        _ => {
            return Err(bad(
                "Give one of `userId`, `userExternalId` and `participantId`",
            ))
        }
    };
    let thread = crud::find(db, id)?;
    let customer = users::find_ref(db, &who)?;
    if customer.user.id != thread.conversation.user_id {
        return Err(ApiError::not_found(
            "participant_not_found",
            "This user is not a participant of the conversation",
        ));
    }
    Err(bad(
        "The one participant of a personal conversation cannot leave it; delete the \
         conversation instead",
    ))
}
