//! Sunshine conversations (`/v2/apps/{appId}/conversations...`): create, get, update, delete,
//! list by user. Spindesk keeps one persistent conversation per customer, so every conversation
//! is `personal` with its customer as the one participant, and creating a second one for the
//! same customer is a 409 naming the first.

use super::input::{self, bad};
use super::integrations::integration_ref;
use super::users;
use crate::conversation::{self, Conversation, Switchboard};
use crate::ids::new_public_id;
use crate::ports::{Env, SqlError};
use crate::store::{Db, Row};
use crate::surface::{Request, Response};
use crate::timestamp::iso8601_ms;
use crate::web::{json, json_status, ApiError};
use http::{Method, StatusCode};
use serde_json::{json, Map, Value};

/// A conversation with its Sunshine fields.
#[derive(Debug, Clone)]
pub struct Thread {
    pub conversation: Conversation,
    pub display_name: Option<String>,
    pub metadata: Map<String, Value>,
    /// The switchboard integration control was offered to (`offerControl`).
    pub offered_to: Option<Switchboard>,
    pub updated_at: i64,
}

pub fn parse_switchboard(raw: &str) -> Option<Switchboard> {
    match raw {
        "bot" => Some(Switchboard::Bot),
        "agent" => Some(Switchboard::Agent),
        _ => None,
    }
}

pub fn not_found(id: &str) -> ApiError {
    ApiError::not_found("conversation_not_found", format!("No conversation {id}"))
}

pub fn find(db: &Db, public_id: &str) -> Result<Thread, ApiError> {
    let conversation =
        conversation::by_public_id(db, public_id)?.ok_or_else(|| not_found(public_id))?;
    let (display_name, metadata, offered_to, updated_at) = db
        .query_opt(
            "SELECT display_name, metadata, offered_to, updated_at FROM conversations WHERE id = ?",
            &[conversation.id.into()],
            |r: &Row| {
                Ok::<_, SqlError>((
                    r.opt_string("display_name")?,
                    r.string("metadata")?,
                    r.opt_string("offered_to")?,
                    r.i64("updated_at")?,
                ))
            },
        )?
        .ok_or_else(|| not_found(public_id))?;
    let metadata = match serde_json::from_str(&metadata) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    Ok(Thread {
        conversation,
        display_name,
        metadata,
        offered_to: offered_to.as_deref().and_then(parse_switchboard),
        updated_at,
    })
}

pub fn conversation_json(t: &Thread) -> Value {
    let c = &t.conversation;
    let mut metadata = t.metadata.clone();
    // Where agents work it: the ticket's id, while it has one.
    if let Some(ticket_id) = c.ticket_id {
        metadata.insert("spindesk.ticketId".into(), ticket_id.into());
    }
    let mut out = json!({
        "id": c.public_id,
        "type": "personal",
        "isDefault": true,
        "metadata": metadata,
        "activeSwitchboardIntegration": integration_ref(c.switchboard),
        "lastUpdatedAt": iso8601_ms(t.updated_at),
        "createdAt": iso8601_ms(c.created_at),
    });
    if let Some(name) = &t.display_name {
        out["displayName"] = name.clone().into();
    }
    if let Some(offered) = t.offered_to {
        out["pendingSwitchboardIntegration"] = integration_ref(offered);
    }
    out
}

/// A participant reference (`{userId}` or `{userExternalId}`, not both).
pub fn participant_ref(value: &Value, field: &str) -> Result<users::UserRef, ApiError> {
    let map = value
        .as_object()
        .ok_or_else(|| bad(format!("`{field}` must be an object")))?;
    input::only(
        map,
        &["userId", "userExternalId", "subscribeSDKClient"],
        &format!("`{field}`"),
    )?;
    let id = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_owned);
    match (id("userId"), id("userExternalId")) {
        (Some(id), None) => Ok(users::UserRef::Id(id)),
        (None, Some(external)) => Ok(users::UserRef::External(external)),
        _ => Err(bad(format!(
            "`{field}` needs one of `userId` and `userExternalId` (a string), not both"
        ))),
    }
}

/// `/v2/apps/{appId}/conversations`: POST creates, GET lists one user's.
pub fn collection(env: &Env, db: &Db, req: &Request) -> Result<Response, ApiError> {
    match *req.method() {
        Method::POST => create(env, db, req),
        Method::GET => list(db, req),
        _ => Err(ApiError::method_not_allowed(req.method(), "GET, POST")),
    }
}

fn create(env: &Env, db: &Db, req: &Request) -> Result<Response, ApiError> {
    let body = input::object(req)?;
    input::only(
        &body,
        &["type", "participants", "displayName", "metadata"],
        "a conversation",
    )?;
    match body.get("type").and_then(Value::as_str) {
        Some("personal") => {}
        Some("sdkGroup") => {
            return Err(bad(
                "Only `personal` conversations exist in Spindesk (one per customer)",
            ))
        }
        _ => return Err(bad("`type` is required: \"personal\"")),
    }
    let participants = body
        .get("participants")
        .and_then(Value::as_array)
        .filter(|p| p.len() == 1)
        .ok_or_else(|| bad("A personal conversation needs `participants` with exactly one user"))?;
    let who = participant_ref(&participants[0], "participants[0]")?;
    let display_name = input::text(body.get("displayName"), "displayName", 1, 100)?.flatten();
    let metadata = input::metadata(body.get("metadata"), "metadata")?.unwrap_or_default();
    let now = env.clock.now_ms();
    let public_id = db.transaction(|db| {
        let customer = users::find_ref(db, &who)?;
        if let Some(existing) = conversation::by_user(db, customer.user.id)? {
            return Err(ApiError::conflict(
                "conflict",
                format!(
                    "The user already has conversation {}; Spindesk keeps one per customer",
                    existing.public_id
                ),
            ));
        }
        let public_id = new_public_id(env.random);
        db.execute(
            "INSERT INTO conversations (public_id, user_id, last_channel, display_name, metadata,
                                        created_at, updated_at)
             VALUES (?, ?, 'api', ?, ?, ?, ?)",
            &[
                public_id.clone().into(),
                customer.user.id.into(),
                display_name.clone().into(),
                Value::Object(metadata.clone()).to_string().into(),
                now.into(),
                now.into(),
            ],
        )?;
        Ok(public_id)
    })?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"conversation": conversation_json(&find(db, &public_id)?)}),
    ))
}

fn list(db: &Db, req: &Request) -> Result<Response, ApiError> {
    let page = input::page(req)?;
    let who = match (
        input::deep(req, "filter", "userId")?,
        input::deep(req, "filter", "userExternalId")?,
    ) {
        (Some(id), None) => users::UserRef::Id(id),
        (None, Some(external)) => users::UserRef::External(external),
        _ => {
            return Err(bad(
                "Give exactly one of `filter[userId]` and `filter[userExternalId]`",
            ))
        }
    };
    let customer = users::find_ref(db, &who)?;
    // At most one: the page holds it unless a cursor points past it.
    let found = conversation::by_user(db, customer.user.id)?.filter(|c| {
        page.after
            .as_deref()
            .is_none_or(|a| c.public_id.as_str() > a)
            && page
                .before
                .as_deref()
                .is_none_or(|b| c.public_id.as_str() < b)
    });
    let conversations = match found {
        Some(c) => vec![conversation_json(&find(db, &c.public_id)?)],
        None => Vec::new(),
    };
    Ok(json(&json!({
        "conversations": conversations,
        "meta": {"hasMore": false},
    })))
}

/// `/v2/apps/{appId}/conversations/{id}`: GET, PATCH (`displayName`, `metadata`), DELETE
/// (the conversation and its messages; its tickets stay).
pub fn item(env: &Env, db: &Db, req: &Request, id: &str) -> Result<Response, ApiError> {
    match *req.method() {
        Method::GET => Ok(json(
            &json!({"conversation": conversation_json(&find(db, id)?)}),
        )),
        Method::PATCH => update(env, db, req, id),
        Method::DELETE => {
            db.transaction(|db| {
                let t = find(db, id)?;
                db.execute(
                    "DELETE FROM conversations WHERE id = ?",
                    &[t.conversation.id.into()],
                )?;
                Ok::<_, ApiError>(())
            })?;
            Ok(json(&json!({})))
        }
        _ => Err(ApiError::method_not_allowed(
            req.method(),
            "GET, PATCH, DELETE",
        )),
    }
}

fn update(env: &Env, db: &Db, req: &Request, id: &str) -> Result<Response, ApiError> {
    let body = input::object(req)?;
    input::only(&body, &["displayName", "metadata"], "a conversation update")?;
    let display_name = input::text(body.get("displayName"), "displayName", 1, 100)?;
    let metadata = input::metadata(body.get("metadata"), "metadata")?;
    let now = env.clock.now_ms();
    db.transaction(|db| {
        let t = find(db, id)?;
        let name = match display_name {
            None => t.display_name.clone(),
            Some(v) => v,
        };
        let metadata = metadata.unwrap_or(t.metadata.clone());
        db.execute(
            "UPDATE conversations SET display_name = ?, metadata = ?, updated_at = ? WHERE id = ?",
            &[
                name.into(),
                Value::Object(metadata).to_string().into(),
                now.into(),
                t.conversation.id.into(),
            ],
        )?;
        Ok::<_, ApiError>(())
    })?;
    Ok(json(
        &json!({"conversation": conversation_json(&find(db, id)?)}),
    ))
}
