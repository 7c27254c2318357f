//! One staff member's settings (`GET|PUT /api/admin/agents/{id}`: name, role, active, capacity,
//! away_after_seconds, requeue_on_offline) and the admin audit log (`GET /api/admin/audit_log`).
//!
//! Deactivating (`"active": false`) makes the person's tokens stop working at once (they are
//! kept: reactivating restores them), sets them offline and hands every unsolved ticket they
//! hold back to its group's queue, where other members take them — one transaction.

use super::agents::{agent_json, agent_target, staff_member, MAX_BODY_BYTES};
use crate::admin_log;
use crate::api::commit;
use crate::auth::Staff;
use crate::change_feed;
use crate::committed::Committed;
use crate::ports::Env;
use crate::store::database;
use crate::surface::{Request, Response};
use crate::tickets::routing;
use crate::timestamp::iso8601;
use crate::users::presence::{self, Presence};
use crate::users::Role;
use crate::web::{json, paginate_offset, query_pairs, read_json, ApiError};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Most open tickets one agent may be given automatically.
pub const MAX_CAPACITY: i64 = 1000;
/// Automatic `away` after 1 minute to 1 day of silence.
pub const AWAY_AFTER_SECONDS: std::ops::RangeInclusive<i64> = 60..=86_400;

pub fn show(env: &Env, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let user = staff_member(&db, id)?;
    Ok(json(
        &json!({"agent": agent_json(&db, env.clock.now_ms(), &user)?}),
    ))
}

#[derive(Deserialize)]
struct Body {
    agent: Changes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Changes {
    name: Option<String>,
    role: Option<String>,
    active: Option<bool>,
    capacity: Option<i64>,
    away_after_seconds: Option<i64>,
    requeue_on_offline: Option<bool>,
}

fn invalid(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::unprocessable(code, message)
}

/// Checks every field before anything is written.
fn validate(c: &Changes) -> Result<Option<Role>, ApiError> {
    if let Some(name) = &c.name {
        let chars = name.trim().chars().count();
        if chars == 0 || chars > 255 {
            return Err(invalid(
                "invalid_name",
                "`agent.name` must be 1 to 255 characters",
            ));
        }
    }
    if let Some(capacity) = c.capacity {
        if !(0..=MAX_CAPACITY).contains(&capacity) {
            return Err(invalid(
                "invalid_capacity",
                format!("`agent.capacity` must be 0 to {MAX_CAPACITY}, got {capacity}"),
            ));
        }
    }
    if let Some(away) = c.away_after_seconds {
        if !AWAY_AFTER_SECONDS.contains(&away) {
            return Err(invalid(
                "invalid_away_after_seconds",
                format!(
                    "`agent.away_after_seconds` must be {} to {}, got {away}",
                    AWAY_AFTER_SECONDS.start(),
                    AWAY_AFTER_SECONDS.end()
                ),
            ));
        }
    }
    c.role
        .as_deref()
        .map(|raw| {
            Role::parse(raw).filter(|r| r.is_staff()).ok_or_else(|| {
                invalid(
                    "invalid_role",
                    "`agent.role` must be \"agent\" or \"admin\"",
                )
            })
        })
        .transpose()
}

pub fn update(env: &Env, req: &Request, id: i64, by: &Staff) -> Result<Response, ApiError> {
    let body: Body = read_json(req, MAX_BODY_BYTES)?;
    let changes = body.agent;
    let role = validate(&changes)?;
    let db = database(env)?;
    let now = env.clock.now_ms();
    let ((agent, requeued, deactivated), _) = commit::write(env, &db, |db| {
        let user = staff_member(db, id)?;
        let before = presence::status(db, now, id)?
            .ok_or_else(|| ApiError::not_found("not_found", format!("No agent with id {id}")))?;
        db.execute(
            "UPDATE users SET name = coalesce(?, name), role = coalesce(?, role),
                              active = coalesce(?, active), capacity = coalesce(?, capacity),
                              away_after_seconds = coalesce(?, away_after_seconds),
                              requeue_on_offline = coalesce(?, requeue_on_offline),
                              updated_at = ?
             WHERE id = ?",
            &[
                changes.name.as_deref().map(str::trim).into(),
                role.map(Role::as_str).into(),
                changes.active.into(),
                changes.capacity.into(),
                changes.away_after_seconds.into(),
                changes.requeue_on_offline.into(),
                now.into(),
                id.into(),
            ],
        )?;
        let mut requeued = Vec::new();
        let mut assigned = Vec::new();
        let deactivated = before.active && changes.active == Some(false);
        if deactivated {
            presence::set(db, now, id, Presence::Offline)?;
            let unsolved = ["new", "open", "pending", "hold"];
            let author = by.user_id();
            let (back, taken) =
                routing::requeue_agent(db, now, id, &unsolved, routing::AGENT_DEACTIVATED, author)?;
            requeued = back;
            assigned = taken;
        } else if changes.capacity.is_some_and(|c| c > before.capacity) {
            // Room for more: the agent's groups' queues drain at once.
            assigned = routing::drain_groups_of(db, now, id)?;
        }
        let action = match (before.active, changes.active) {
            (true, Some(false)) => "agent.deactivate",
            (false, Some(true)) => "agent.reactivate",
            _ => "agent.update",
        };
        let mut detail = Map::new();
        let fields: [(&str, Value); 6] = [
            ("name", json!(changes.name)),
            ("role", json!(role.map(Role::as_str))),
            ("active", json!(changes.active)),
            ("capacity", json!(changes.capacity)),
            ("away_after_seconds", json!(changes.away_after_seconds)),
            ("requeue_on_offline", json!(changes.requeue_on_offline)),
        ];
        for (name, value) in fields {
            if !value.is_null() {
                detail.insert(name.to_owned(), value);
            }
        }
        if !requeued.is_empty() {
            detail.insert("requeued_ticket_ids".into(), json!(requeued));
        }
        admin_log::record(
            db,
            now,
            by,
            action,
            &agent_target(id),
            &Value::Object(detail),
        )?;
        let updated = staff_member(db, user.id)?;
        let committed = Committed {
            tickets: requeued
                .iter()
                .copied()
                .chain(assigned.iter().map(|a| a.ticket_id))
                .collect(),
            ..Committed::default()
        };
        let agent = agent_json(db, now, &updated)?;
        Ok::<_, ApiError>(((agent, requeued, deactivated), committed))
    })?;
    if deactivated {
        change_feed::publish_presence(env, id, Presence::Offline.as_str());
    }
    Ok(json(
        &json!({"agent": agent, "requeued_ticket_ids": requeued}),
    ))
}

/// `GET /api/admin/audit_log?action=&page=&per_page=`: newest first, paged (≤ 100 a page).
pub fn audit_log(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let page = paginate_offset(&pairs)?;
    let action = pairs
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.clone());
    if let Some(a) = &action {
        if !admin_log::ACTIONS.contains(&a.as_str()) {
            return Err(ApiError::bad_request(
                "invalid_action",
                format!(
                    "`action` must be one of {}; got {a:?}",
                    admin_log::ACTIONS.join(", ")
                ),
            ));
        }
    }
    let db = database(env)?;
    let (entries, count) = admin_log::list(&db, action.as_deref(), page.offset(), page.per_page)?;
    let (next, previous) = page.links("/api/admin/audit_log", count, &pairs);
    let entries: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "actor_id": e.actor_id,
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "detail": e.detail,
                "created_at": iso8601(e.created_at),
            })
        })
        .collect();
    Ok(json(&json!({
        "audit_log": entries,
        "next_page": next,
        "previous_page": previous,
        "count": count,
    })))
}
