//! The admin API (`/api/admin/...`): staff accounts and their API tokens. Everything here needs
//! `Authorization: Bearer <admin_token>`; without the variable set it answers 503.

mod integrations;
mod outbox;
mod reports;
mod search_index;

use crate::api::database;
use crate::auth::{digest, new_token, require_admin};
use crate::config;
use crate::email::Email;
use crate::ports::{Env, SqlErrorKind};
use crate::store::Db;
use crate::surface::{Request, Response, Surface, Uses};
use crate::timestamp::iso8601;
use crate::users::Role;
use crate::users::{self, User};
use crate::web::{json, json_status, no_content, read_json, segments, ApiError, Family};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

pub const SURFACE: Surface = Surface {
    component: "admin",
    handle,
    uses: Uses {
        sqlite: true,
        key_value: false,
        // public_base_url: integrations' webhook URLs; credentials_key: integrations'
        // credentials sealed at rest; outbound: the outbox drain sends.
        variables: &[
            config::ADMIN_TOKEN,
            config::PUBLIC_BASE_URL,
            config::CREDENTIALS_KEY,
        ],
        outbound: true,
    },
};

pub const MAX_BODY_BYTES: usize = 16 * 1024;

fn handle(env: &Env, req: Request) -> Response {
    route(env, &req).unwrap_or_else(|e| e.answer(env, Family::Spindesk))
}

fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let method = req.method();
    let segs = segments(req.uri().path());
    let known = matches!(
        segs.as_slice(),
        ["api", "admin", "agents"] | ["api", "admin", "agents", _, "tokens"]
    );
    let modules = matches!(
        segs.as_slice(),
        ["api", "admin", "integrations", ..]
            | ["api", "admin", "outbox", ..]
            | ["api", "admin", "search_index", ..]
            | ["api", "admin", "reports", ..]
    );
    if modules {
        // Channel integrations, the outbox and the search index have their own modules.
        require_admin(env, req)?;
        return integrations::route(env, req, &segs)
            .or_else(|| outbox::route(env, req, &segs))
            .or_else(|| search_index::route(env, req, &segs))
            .or_else(|| reports::route(env, req, &segs))
            .unwrap_or_else(|| Err(ApiError::no_route(method, req.uri().path())));
    }
    if !known {
        return Err(ApiError::no_route(method, req.uri().path()));
    }
    // Authenticate before reading anything else: callers without the token learn nothing.
    require_admin(env, req)?;
    match segs.as_slice() {
        ["api", "admin", "agents"] => match *method {
            Method::GET => list_agents(env),
            Method::POST => create_agent(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET, POST")),
        },
        ["api", "admin", "agents", id, "tokens"] => {
            let id: i64 = id.parse().map_err(|_| {
                ApiError::not_found("not_found", format!("No agent with id {id:?}"))
            })?;
            match *method {
                Method::POST => issue_token(env, id),
                Method::DELETE => revoke_tokens(env, id),
                _ => Err(ApiError::method_not_allowed(method, "POST, DELETE")),
            }
        }
        _ => Err(ApiError::no_route(method, req.uri().path())),
    }
}

fn agent_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "role": u.role,
        "created_at": iso8601(u.created_at),
    })
}

fn list_agents(env: &Env) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = users::staff(&db)?;
    Ok(json(
        &json!({"agents": staff.iter().map(agent_json).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize)]
struct NewAgentBody {
    agent: NewAgent,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAgent {
    name: String,
    email: String,
    #[serde(default)]
    role: Option<String>,
}

fn create_agent(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let body: NewAgentBody = read_json(req, MAX_BODY_BYTES)?;
    let agent = body.agent;
    let name = agent.name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(ApiError::unprocessable(
            "invalid_name",
            "`agent.name` must be 1 to 255 characters",
        ));
    }
    // Staff sign in with their email, compared case-insensitively: store it lowercased.
    let email = Email::parse(agent.email.trim())
        .map(|e| e.to_lowercase())
        .ok_or_else(|| {
            ApiError::unprocessable(
                "invalid_email",
                format!(
                    "`agent.email` must be an email address, got {:?}",
                    agent.email
                ),
            )
        })?;
    let role = match agent.role.as_deref() {
        None => Role::Agent,
        Some(raw) => Role::parse(raw).filter(|r| r.is_staff()).ok_or_else(|| {
            ApiError::unprocessable(
                "invalid_role",
                "`agent.role` must be \"agent\" or \"admin\"",
            )
        })?,
    };
    let db = database(env)?;
    let token = new_token(env.random, "");
    let now = env.clock.now_ms();
    let user = db
        .transaction(|db| {
            let user = users::create_staff(db, env.random, now, role, name, &email)?;
            store_token(db, user.id, &token, now)?;
            Ok(user)
        })
        .map_err(|e: crate::Error| match e {
            crate::Error::Sql(sql) if sql.kind == SqlErrorKind::Constraint => ApiError::conflict(
                "email_taken",
                format!("A staff member with email {email} already exists"),
            ),
            other => ApiError::from(other),
        })?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({
            "agent": agent_json(&user),
            "api_token": token,
            "note": "The API token is shown once. Use Basic auth with `<email>/token:<api_token>`.",
        }),
    ))
}

fn store_token(db: &Db, user_id: i64, token: &str, now: i64) -> Result<(), crate::ports::SqlError> {
    db.execute(
        "INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES (?, ?, ?)",
        &[user_id.into(), digest(token).into(), now.into()],
    )?;
    Ok(())
}

fn staff_member(db: &Db, id: i64) -> Result<User, ApiError> {
    users::by_id(db, id)?
        .filter(|u| u.role.is_staff())
        .ok_or_else(|| ApiError::not_found("not_found", format!("No agent with id {id}")))
}

/// A new token for the agent (tokens already issued keep working until revoked).
fn issue_token(env: &Env, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let token = new_token(env.random, "");
    let now = env.clock.now_ms();
    let user = db.transaction(|db| {
        let user = staff_member(db, id)?;
        store_token(db, user.id, &token, now)?;
        Ok::<_, ApiError>(user)
    })?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"agent": agent_json(&user), "api_token": token}),
    ))
}

/// Revokes every token of the agent.
fn revoke_tokens(env: &Env, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    db.transaction(|db| {
        staff_member(db, id)?;
        db.execute("DELETE FROM api_tokens WHERE user_id = ?", &[id.into()])?;
        Ok::<_, ApiError>(())
    })?;
    Ok(no_content())
}
