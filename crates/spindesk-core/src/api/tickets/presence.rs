//! Agent presence (a Spindesk extension beside Zendesk's users): `GET|PUT
//! /api/v2/users/me/presence`, `GET /api/v2/users/{id}/presence`. Coming online drains the
//! agent's groups' queues; going offline hands their `new` and `open` tickets back to the queue
//! when their `requeue_on_offline` setting is on — both inside the request's transaction.

use super::zendesk::{not_found, read_expecting};
use crate::api::commit;
use crate::auth::{require_staff, Staff};
use crate::change_feed;
use crate::committed::Committed;
use crate::ports::Env;
use crate::store::database;
use crate::surface::{Request, Response};
use crate::tickets::routing;
use crate::timestamp::iso8601;
use crate::users::presence::{self, AgentStatus, Presence};
use crate::web::{json, ApiError};
use serde::Deserialize;
use serde_json::{json, Value};

fn presence_json(s: &AgentStatus) -> Value {
    json!({
        "user_id": s.user_id,
        "status": s.presence.as_str(),
        "chosen_status": s.set.as_str(),
        "last_seen_at": s.last_seen_at.map(iso8601),
        "away_after_seconds": s.away_after_seconds,
        "capacity": s.capacity,
        "assigned_unsolved": s.assigned_unsolved,
        "requeue_on_offline": s.requeue_on_offline,
        "active": s.active,
    })
}

fn own_id(staff: &Staff) -> Result<i64, ApiError> {
    staff.user_id().ok_or_else(|| {
        ApiError::forbidden(
            "Forbidden",
            "The admin token is no agent and has no presence; sign in with your own API token",
        )
    })
}

pub fn show(env: &Env, req: &Request, id: Option<i64>) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let id = match id {
        Some(id) => id,
        None => own_id(&staff)?,
    };
    let status = presence::status(&db, env.clock.now_ms(), id)?.ok_or_else(not_found)?;
    Ok(json(&json!({"presence": presence_json(&status)})))
}

#[derive(Deserialize)]
struct PresenceBody {
    presence: String,
}

pub fn set(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let id = own_id(&staff)?;
    let body: PresenceBody = read_expecting(req, 1024, r#"{"presence": "online"}"#)?;
    let wanted = Presence::parse(&body.presence).ok_or_else(|| {
        ApiError::unprocessable(
            "RecordInvalid",
            format!(
                "presence: {:?} is not one of online, away, offline",
                body.presence
            ),
        )
    })?;
    let now = env.clock.now_ms();
    let ((status, assigned, requeued), _) = commit::write(env, &db, |db| {
        let before = presence::status(db, now, id)?.ok_or_else(not_found)?;
        presence::set(db, now, id, wanted)?;
        let mut assigned = Vec::new();
        let mut requeued = Vec::new();
        match wanted {
            Presence::Online => assigned = routing::drain_groups_of(db, now, id)?,
            Presence::Offline if before.requeue_on_offline => {
                let statuses = ["new", "open"];
                let (back, _) = routing::requeue_agent(
                    db,
                    now,
                    id,
                    &statuses,
                    routing::AGENT_OFFLINE,
                    Some(id),
                )?;
                requeued = back;
            }
            _ => {}
        }
        let status = presence::status(db, now, id)?.ok_or_else(not_found)?;
        let mine: Vec<i64> = assigned
            .iter()
            .filter(|a| a.agent_id == id)
            .map(|a| a.ticket_id)
            .collect();
        let committed = Committed {
            tickets: assigned.iter().map(|a| a.ticket_id).collect(),
            ..Committed::default()
        };
        Ok::<_, ApiError>(((status, mine, requeued), committed))
    })?;
    change_feed::publish_presence(env, id, status.presence.as_str());
    Ok(json(&json!({
        "presence": presence_json(&status),
        "assigned_ticket_ids": assigned,
        "requeued_ticket_ids": requeued,
    })))
}
