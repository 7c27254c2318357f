//! A Sunshine Conversations v2 subset (`/v2/apps/{appId}/...`): read a conversation and its
//! messages and post as the business, with Sunshine's envelopes, cursors and errors.
//! Auth: Basic `<key id>:<admin_token>` (Sunshine's key/secret shape) or Bearer admin_token.
//! Spindesk is one app, so any `appId` addresses it.

use crate::api::commit;
use crate::auth::secrets_equal;
use crate::committed::Committed;
use crate::config;
use crate::conversation::{self, Conversation, Outgoing};
use crate::message::{validate_text, AuthorType, Message, COLUMNS as MESSAGE_COLUMNS};
use crate::ports::Env;
use crate::store::database;
use crate::store::Db;
use crate::surface::{Handler, Request, Response, Surface, Uses};
use crate::timestamp::iso8601_ms;
use crate::users;
use crate::web::{
    json, json_status, query_param, read_json, segments, ApiError, Credentials, Family,
};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

pub const SURFACE: Surface = Surface {
    component: "conversations",
    handle: Handler::Respond(handle),
    uses: Uses {
        sqlite: true,
        key_value: false,
        // credentials_key: an agent's reply goes out through the customer's channel.
        // grip_publish_url: messages posted here go to the push hub.
        variables: &[
            config::ADMIN_TOKEN,
            config::CREDENTIALS_KEY,
            config::GRIP_PUBLISH_URL,
            // Webhooks: targets checked on save; deliveries sent after writes.
            config::WEBHOOK_HOSTS,
            config::WEBHOOK_LOOPBACK_HTTP,
            config::WEBHOOK_DISABLE_AFTER_DAYS,
        ],
        outbound: true,
        actions: false,
    },
};

pub const MAX_BODY_BYTES: usize = 64 * 1024;
pub const DEFAULT_PAGE: i64 = 25;
pub const MAX_PAGE: i64 = 100;

fn handle(env: &Env, req: Request) -> Response {
    let response = route(env, &req).unwrap_or_else(|e| e.answer(env, Family::Spindesk));
    crate::webhooks::delivery::before_response(env, req.method());
    response
}

fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    if let Some(answer) = crate::api::integrations_v2::route(env, req) {
        return answer;
    }
    let method = req.method();
    let path = req.uri().path();
    let (conversation_id, messages) = match segments(path).as_slice() {
        ["v2", "apps", _, "conversations", id] => (id.to_string(), false),
        ["v2", "apps", _, "conversations", id, "messages"] => (id.to_string(), true),
        _ => return Err(ApiError::no_route(method, path)),
    };
    authenticate(env, req)?;
    match (messages, method.clone()) {
        (false, Method::GET) => show_conversation(env, &conversation_id),
        (false, _) => Err(ApiError::method_not_allowed(method, "GET")),
        (true, Method::GET) => list_messages(env, req, &conversation_id),
        (true, Method::POST) => post_message(env, req, &conversation_id),
        (true, _) => Err(ApiError::method_not_allowed(method, "GET, POST")),
    }
}

fn authenticate(env: &Env, req: &Request) -> Result<(), ApiError> {
    let configured = crate::auth::admin_token(env)?;
    let given = match Credentials::from_request(req) {
        Credentials::Bearer(token) => token,
        Credentials::Basic { password, .. } => password,
        _ => String::new(),
    };
    if !given.is_empty() && secrets_equal(&given, &configured) {
        Ok(())
    } else {
        Err(ApiError::unauthorized(
            "unauthorized",
            "Use Basic auth with any key id and the admin token as secret",
        ))
    }
}

fn find(db: &Db, public_id: &str) -> Result<Conversation, ApiError> {
    conversation::by_public_id(db, public_id)?
        .ok_or_else(|| ApiError::not_found("conversation_not_found", "Conversation not found"))
}

fn conversation_json(c: &Conversation, updated_at: i64) -> Value {
    json!({
        "id": c.public_id,
        "type": "personal",
        "isDefault": true,
        "activeSwitchboardIntegration": {
            "name": c.switchboard.as_str(),
            "integrationType": if c.switchboard.as_str() == "bot" { "spindesk:bot" } else { "zd:agentWorkspace" },
        },
        "lastUpdatedAt": iso8601_ms(updated_at),
        "metadata": {"ticketId": c.ticket_id},
    })
}

fn message_json(m: &Message, user_public_id: &str) -> Value {
    let author = match m.author_type {
        AuthorType::User => {
            json!({"type": "user", "userId": user_public_id, "displayName": m.author_name})
        }
        other => {
            json!({"type": "business", "subtypes": [other.as_str()], "displayName": m.author_name})
        }
    };
    let mut content = json!({"type": "text", "text": m.text});
    if !m.actions.is_empty() {
        content["actions"] = crate::message::actions_json(&m.actions);
    }
    json!({
        "id": m.id.to_string(),
        "received": iso8601_ms(m.created_at),
        "author": author,
        "content": content,
        "source": {"type": m.channel},
    })
}

fn show_conversation(env: &Env, id: &str) -> Result<Response, ApiError> {
    let db = database(env)?;
    let c = find(&db, id)?;
    let updated = db
        .query_i64(
            "SELECT updated_at FROM conversations WHERE id = ?",
            &[c.id.into()],
        )?
        .unwrap_or(c.created_at);
    Ok(json(
        &json!({"conversation": conversation_json(&c, updated)}),
    ))
}

fn cursor(req: &Request, name: &str) -> Result<Option<i64>, ApiError> {
    query_param(req, name)
        .map(|raw| {
            raw.parse::<i64>().map_err(|_| {
                ApiError::bad_request(
                    "bad_request",
                    format!("`{name}` must be a message id, got {raw:?}"),
                )
            })
        })
        .transpose()
}

fn list_messages(env: &Env, req: &Request, id: &str) -> Result<Response, ApiError> {
    let size = match query_param(req, "page[size]") {
        None => DEFAULT_PAGE,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "bad_request",
                    format!("`page[size]` must be 1 to {MAX_PAGE}, got {raw:?}"),
                )
            })?,
    };
    let after = cursor(req, "page[after]")?;
    let before = cursor(req, "page[before]")?;
    if after.is_some() && before.is_some() {
        return Err(ApiError::bad_request(
            "bad_request",
            "Use `page[after]` or `page[before]`, not both",
        ));
    }
    let db = database(env)?;
    let c = find(&db, id)?;
    let user = users::by_id(&db, c.user_id)?
        .map(|u| u.public_id)
        .unwrap_or_default();
    // One row more than the page tells whether there is more.
    let mut page = match after {
        Some(after) => db.query(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?"),
            &[c.id.into(), after.into(), (size + 1).into()],
            Message::from_row,
        )?,
        None => {
            let mut rows = db.query(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND id < ? ORDER BY id DESC LIMIT ?"
                ),
                &[c.id.into(), before.unwrap_or(i64::MAX).into(), (size + 1).into()],
                Message::from_row,
            )?;
            rows.reverse();
            rows
        }
    };
    let has_more = page.len() as i64 > size;
    if has_more {
        if after.is_some() {
            page.truncate(size as usize);
        } else {
            page.remove(0);
        }
    }
    Ok(json(&json!({
        "messages": page.iter().map(|m| message_json(m, &user)).collect::<Vec<_>>(),
        "meta": {"hasMore": has_more},
    })))
}

#[derive(Deserialize)]
struct PostBody {
    author: PostAuthor,
    content: PostContent,
}

#[derive(Deserialize)]
struct PostAuthor {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct PostContent {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
}

/// Posts as the business (an agent or integration), as Sunshine's `POST .../messages`.
fn post_message(env: &Env, req: &Request, id: &str) -> Result<Response, ApiError> {
    let body: PostBody = read_json(req, MAX_BODY_BYTES)?;
    if body.author.kind != "business" {
        return Err(ApiError::bad_request(
            "bad_request",
            "`author.type` must be \"business\" for this API",
        ));
    }
    if body.content.kind != "text" {
        return Err(ApiError::bad_request(
            "bad_request",
            "Only `content.type` \"text\" is supported",
        ));
    }
    let text = body.content.text.unwrap_or_default();
    validate_text(&text)
        .map_err(|m| ApiError::bad_request("bad_request", format!("content: {m}")))?;
    let name = body
        .author
        .display_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Support".into());
    if name.chars().count() > 255 {
        return Err(ApiError::bad_request(
            "bad_request",
            "`author.displayName` is longer than 255 characters",
        ));
    }
    let db = database(env)?;
    let ((message, user), _) = commit::write(env, &db, |db| {
        let c = find(db, id)?;
        let outgoing = Outgoing {
            author_type: AuthorType::Agent,
            author_id: None,
            author_name: name,
            text,
            actions: Vec::new(),
        };
        let m = conversation::post(env, db, c.id, &outgoing)?;
        let user = users::by_id(db, c.user_id)?
            .map(|u| u.public_id)
            .unwrap_or_default();
        let committed = Committed {
            messages: vec![m.clone()],
            ..Committed::default()
        };
        Ok::<_, ApiError>(((m, user), committed))
    })?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"messages": [message_json(&message, &user)]}),
    ))
}
