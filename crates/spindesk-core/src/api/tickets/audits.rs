//! A ticket's audit trail, Zendesk's way: `GET /api/v2/tickets/{id}/audits`, oldest first,
//! each audit with its author, time, channel and events. Events carry `reason` beside Zendesk's
//! fields (why an assignment or a reopen happened: `round_robin`, `queue`, `manual`,
//! `agent_offline`, `agent_deactivated`, `customer_message`).

use super::zendesk::{base_url, not_found, via};
use crate::auth::require_staff;
use crate::ports::Env;
use crate::store::database;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::tickets::audit::{self, Audit, Event, EventType};
use crate::tickets::{self};
use crate::timestamp::iso8601;
use crate::web::{json, paginate, query_pairs, ApiError};
use serde_json::{json, Value};

pub fn list(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let page = paginate(&pairs)?;
    let db = database(env)?;
    require_staff(env, &db, req)?;
    tickets::by_id(&db, id)?.ok_or_else(not_found)?;
    let count = audit::count(&db, id)?;
    let audits = audit::list(&db, id, page.offset(), page.limit())?;
    let base = base_url(req);
    let shown = audits.len();
    let audits = audits
        .iter()
        .map(|a| audit_json(&db, a))
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(json(&page.envelope(
        json!({"audits": audits}),
        &format!("{base}/api/v2/tickets/{id}/audits.json"),
        count,
        shown,
        &pairs,
    )))
}

fn audit_json(db: &Db, a: &Audit) -> Result<Value, ApiError> {
    let events = a
        .events
        .iter()
        .map(|(id, e)| event_json(db, *id, e))
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(json!({
        "id": a.id,
        "ticket_id": a.ticket_id,
        "created_at": iso8601(a.created_at),
        "author_id": a.author_id,
        "via": via(&a.via),
        "metadata": {},
        "events": events,
    }))
}

/// Tags and custom fields are stored as JSON arrays and shown as arrays, as Zendesk does.
fn value_json(field: Option<&str>, raw: Option<&String>) -> Value {
    match (field, raw) {
        (Some("tags" | "custom_fields"), Some(raw)) => {
            serde_json::from_str(raw).unwrap_or_else(|_| json!(raw))
        }
        (_, Some(raw)) => json!(raw),
        (_, None) => Value::Null,
    }
}

fn event_json(db: &Db, id: i64, e: &Event) -> Result<Value, ApiError> {
    let field = e.field_name.as_deref();
    let mut out = json!({
        "id": id,
        "type": e.kind.as_str(),
        "field_name": field,
        "value": value_json(field, e.value.as_ref()),
        "reason": e.reason,
    });
    if e.kind == EventType::Change {
        out["previous_value"] = value_json(field, e.previous_value.as_ref());
    }
    if e.kind == EventType::Comment {
        // Zendesk's Comment event carries the comment itself.
        let comment_id: i64 = e.value.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0);
        let found = db.query_opt(
            "SELECT author_id, body, public FROM ticket_comments WHERE id = ?",
            &[comment_id.into()],
            |r| Ok((r.i64("author_id")?, r.string("body")?, r.bool("public")?)),
        )?;
        if let Some((author_id, body, public)) = found {
            out["id"] = json!(comment_id);
            out["author_id"] = json!(author_id);
            out["body"] = json!(body);
            out["plain_body"] = json!(body);
            out["public"] = json!(public);
            out["field_name"] = Value::Null;
            out["value"] = Value::Null;
        }
    }
    Ok(out)
}
