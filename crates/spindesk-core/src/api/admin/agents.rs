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
    db.execute(
        "INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES (?, ?, ?)",
        &[user_id.into(), digest(token).into(), now.into()],
    )?;
    Ok(())
}

pub fn staff_member(db: &Db, id: i64) -> Result<User, ApiError> {
    users::by_id(db, id)?
        .filter(|u| u.role.is_staff())
        .ok_or_else(|| ApiError::not_found("not_found", format!("No agent with id {id}")))
}

pub fn agent_target(id: i64) -> String {
    format!("agent:{id}")
}

/// A new token for the agent (tokens already issued keep working until revoked).
pub fn issue_token(env: &Env, id: i64, by: &Staff) -> Result<Response, ApiError> {
    let db = database(env)?;
    let token = new_token(env.random, "");
    let now = env.clock.now_ms();
    let user = db.transaction(|db| {
        let user = staff_member(db, id)?;
        store_token(db, user.id, &token, now)?;
        admin_log::record(
            db,
            now,
            by,
            "agent.token_issue",
            &agent_target(id),
            &json!({}),
        )?;
        Ok::<_, ApiError>(user)
    })?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"agent": agent_json(&db, now, &user)?, "api_token": token}),
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
