//! Staff: list and add agents and admins, issue and revoke their API tokens.

use crate::admin_log;
use crate::auth::{digest, Staff};
use crate::email::Email;
use crate::groups;
use crate::ids::new_token;
use crate::ports::{Env, SqlErrorKind};
use crate::store::database;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::timestamp::iso8601;
use crate::users::presence;
use crate::users::Role;
use crate::users::{self, User};
use crate::web::{
    json, json_status, no_content, paginate_offset, query_pairs, read_json, ApiError,
};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};

pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A staff member with what routing knows of them (presence, capacity, activity).
pub fn agent_json(db: &Db, now: i64, u: &User) -> Result<Value, ApiError> {
    let mut out = json!({
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "role": u.role,
        "created_at": iso8601(u.created_at),
    });
    if let Some(s) = presence::status(db, now, u.id)? {
        out["active"] = json!(s.active);
        out["presence"] = json!(s.presence.as_str());
        out["capacity"] = json!(s.capacity);
        out["away_after_seconds"] = json!(s.away_after_seconds);
        out["requeue_on_offline"] = json!(s.requeue_on_offline);
        out["assigned_unsolved"] = json!(s.assigned_unsolved);
        out["group_ids"] = json!(groups::of_user(db, u.id)?);
    }
    Ok(out)
}

/// Staff, oldest first, a page at a time (`page`, `per_page` ≤ 100): each agent's routing
/// figures cost a few reads, so a page is capped like every other list.
pub fn list(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let page = paginate_offset(&pairs)?;
    let db = database(env)?;
    let now = env.clock.now_ms();
    let staff = users::staff(&db)?;
    let count = i64::try_from(staff.len()).unwrap_or(i64::MAX);
    let agents = staff
        .iter()
        .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
        .take(usize::try_from(page.per_page).unwrap_or(0))
        .map(|u| agent_json(&db, now, u))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let (next, previous) = page.links("/api/admin/agents", count, &pairs);
    Ok(json(&json!({
        "agents": agents,
        "next_page": next,
        "previous_page": previous,
        "count": count,
    })))
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

pub fn create(env: &Env, req: &Request, by: &Staff) -> Result<Response, ApiError> {
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
            let detail = json!({"email": user.email, "role": role.as_str()});
            admin_log::record(db, now, by, "agent.create", &agent_target(user.id), &detail)?;
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
            "agent": agent_json(&db, now, &user)?,
            "api_token": token,
            "note": "The API token is shown once. Use Basic auth with `<email>/token:<api_token>`.",
        }),
    ))
}

fn store_token(db: &Db, user_id: i64, token: &str, now: i64) -> Result<(), crate::ports::SqlError> {
    store_expiring_token(db, user_id, token, now, None)
}

fn store_expiring_token(
    db: &Db,
    user_id: i64,
    token: &str,
    now: i64,
    expires_at: Option<i64>,
) -> Result<(), crate::ports::SqlError> {
    db.execute(
        "INSERT INTO api_tokens (user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)",
        &[
            user_id.into(),
            digest(token).into(),
            now.into(),
            expires_at.into(),
        ],
    )?;
    Ok(())
}

/// Longest lifetime a token may be given, in days (ten years; omit it for "until revoked").
pub const MAX_TOKEN_DAYS: i64 = 3650;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NewToken {
    expires_in_days: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTokenEnvelope {
    token: NewToken,
}

/// The optional `{"token": {"expires_in_days": N}}` body of a token request.
fn token_expiry(req: &Request, now: i64) -> Result<Option<i64>, ApiError> {
    if req.body().iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let input: NewTokenEnvelope = read_json(req, MAX_BODY_BYTES)?;
    match input.token.expires_in_days {
        None => Ok(None),
        Some(days) if (1..=MAX_TOKEN_DAYS).contains(&days) => Ok(Some(now + days * 86_400_000)),
        Some(days) => Err(ApiError::unprocessable(
            "invalid_expires_in_days",
            format!("`token.expires_in_days` must be 1 to {MAX_TOKEN_DAYS}, got {days}"),
        )),
    }
}

/// `GET /api/admin/agents/{id}/tokens`: the agent's tokens — when made, last used and when they
/// expire — never the tokens themselves (only their digests are stored).
pub fn list_tokens(env: &Env, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    staff_member(&db, id)?;
    let now = env.clock.now_ms();
    let tokens = db.query(
        "SELECT id, created_at, last_used_at, expires_at FROM api_tokens
         WHERE user_id = ? ORDER BY id",
        &[id.into()],
        |r| {
            let expires_at = r.opt_i64("expires_at")?;
            Ok(TokenView {
                id: r.i64("id")?,
                created_at: iso8601(r.i64("created_at")?),
                last_used_at: r.opt_i64("last_used_at")?.map(iso8601),
                expires_at: expires_at.map(iso8601),
                expired: expires_at.is_some_and(|at| at <= now),
            })
        },
    )?;
    Ok(json(&TokenList { tokens }))
}

#[derive(serde::Serialize)]
struct TokenView {
    id: i64,
    created_at: String,
    last_used_at: Option<String>,
    expires_at: Option<String>,
    expired: bool,
}

#[derive(serde::Serialize)]
struct TokenList {
    tokens: Vec<TokenView>,
}

pub fn staff_member(db: &Db, id: i64) -> Result<User, ApiError> {
    users::by_id(db, id)?
        .filter(|u| u.role.is_staff())
        .ok_or_else(|| ApiError::not_found("not_found", format!("No agent with id {id}")))
}

pub fn agent_target(id: i64) -> String {
    format!("agent:{id}")
}

/// A new token for the agent (tokens already issued keep working until revoked), valid until
/// revoked or for `token.expires_in_days`.
pub fn issue_token(env: &Env, req: &Request, id: i64, by: &Staff) -> Result<Response, ApiError> {
    let now = env.clock.now_ms();
    let expires_at = token_expiry(req, now)?;
    let db = database(env)?;
    let token = new_token(env.random, "");
    let user = db.transaction(|db| {
        let user = staff_member(db, id)?;
        store_expiring_token(db, user.id, &token, now, expires_at)?;
        admin_log::record(
            db,
            now,
            by,
            "agent.token_issue",
            &agent_target(id),
            &json!({"expires_at": expires_at.map(iso8601)}),
        )?;
        Ok::<_, ApiError>(user)
    })?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({
            "agent": agent_json(&db, now, &user)?,
            "api_token": token,
            "expires_at": expires_at.map(iso8601),
        }),
    ))
}

/// Revokes every token of the agent.
pub fn revoke_tokens(env: &Env, id: i64, by: &Staff) -> Result<Response, ApiError> {
    let db = database(env)?;
    let now = env.clock.now_ms();
    db.transaction(|db| {
        staff_member(db, id)?;
        db.execute("DELETE FROM api_tokens WHERE user_id = ?", &[id.into()])?;
        admin_log::record(
            db,
            now,
            by,
            "agent.tokens_revoke",
            &agent_target(id),
            &json!({}),
        )?;
        Ok::<_, ApiError>(())
    })?;
    Ok(no_content())
}
