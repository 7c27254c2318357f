//! Macros (`/api/v2/macros`) and applying one to a ticket
//! (`GET /api/v2/tickets/{id}/macros/{macro_id}/apply`), in Zendesk's shapes. Admins manage
//! them; agents list and apply. Applying changes nothing: it answers the ticket as it would be
//! and the comment it would add, for the agent to review and send as an update.

use super::access::require_admin_role;
use super::heading::{heading, Heading};
use super::ticket::invalid;
use super::zendesk::{
    base_url, invalid_endpoint, not_found, parse_id, read_expecting, ticket_json,
};
use crate::api::commit;
use crate::auth::{require_staff, Staff};
use crate::committed::Committed;
use crate::ports::Env;
use crate::store::database;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::tickets;
use crate::tickets::macros::{self, Action, Assignee, Macro, MacroDoc, Placeholders};
use crate::timestamp::iso8601;
use crate::users;
use crate::web::{json, json_status, no_content, paginate, query_pairs, segments, ApiError};
use http::Method;
use serde::Deserialize;
use serde_json::{json, Value};

/// Largest macro body (actions hold at most a 4,096-character comment or 32 KiB of HTML).
const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let method = req.method();
    match segments(req.uri().path()).as_slice() {
        ["api", "v2", "macros"] => match *method {
            Method::GET => list(env, req, None),
            Method::POST => create(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET, POST")),
        },
        ["api", "v2", "macros", "active"] => match *method {
            Method::GET => list(env, req, Some(true)),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "v2", "macros", id] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => show(env, req, id),
                Method::PUT => update(env, req, id),
                Method::DELETE => delete(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "GET, PUT, DELETE")),
            }
        }
        ["api", "v2", "tickets", ticket, "macros", id, "apply"] => {
            let ticket = parse_id(ticket).ok_or_else(|| invalid_endpoint(req))?;
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => apply(env, req, ticket, id),
                _ => Err(ApiError::method_not_allowed(method, "GET")),
            }
        }
        _ => Err(invalid_endpoint(req)),
    }
}

fn macro_json(m: &Macro, base: &str) -> Value {
    json!({
        "id": m.id,
        "url": format!("{base}/api/v2/macros/{}.json", m.id),
        "title": m.title,
        "raw_title": m.title,
        "description": m.description,
        "active": m.active,
        "position": m.position,
        "actions": m.actions,
        "restriction": null,
        "created_at": iso8601(m.created_at),
        "updated_at": iso8601(m.updated_at),
    })
}

/// `active=true|false` (Zendesk's filter), checked.
fn active_filter(pairs: &[(String, String)]) -> Result<Option<bool>, ApiError> {
    match pairs
        .iter()
        .find(|(k, _)| k == "active")
        .map(|(_, v)| v.as_str())
    {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(ApiError::bad_request(
            "InvalidParameter",
            format!(
                "active must be true or false; got {:?}",
                super::zendesk::clip(other, 50)
            ),
        )),
    }
}

fn list(env: &Env, req: &Request, active: Option<bool>) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let page = paginate(&pairs)?;
    let active = match active {
        Some(a) => Some(a),
        None => active_filter(&pairs)?,
    };
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let (count, list) = macros::list(&db, active, page.offset(), page.limit())?;
    let base = base_url(req);
    let path = if req.uri().path().contains("/active") {
        "macros/active"
    } else {
        "macros"
    };
    Ok(json(&page.envelope(
        json!({"macros": list.iter().map(|m| macro_json(m, &base)).collect::<Vec<_>>()}),
        &format!("{base}/api/v2/{path}.json"),
        count,
        list.len(),
        &pairs,
    )))
}

fn show(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let m = macros::by_id(&db, id)?.ok_or_else(not_found)?;
    Ok(json(&json!({"macro": macro_json(&m, &base_url(req))})))
}

#[derive(Deserialize)]
struct Body {
    #[serde(rename = "macro")]
    fields: Fields,
}

#[derive(Deserialize)]
struct Fields {
    title: Option<String>,
    #[serde(default, deserialize_with = "super::people::present")]
    description: Option<Option<String>>,
    active: Option<bool>,
    position: Option<i64>,
    actions: Option<Value>,
}

/// `fields` over `current` (a new macro has none), checked: the title, the limits, every
/// action's field and value. Ids the actions name are checked against the database by
/// [`check_ids`].
fn check(fields: Fields, current: Option<&Macro>) -> Result<(MacroDoc, Vec<Action>), ApiError> {
    let Heading {
        title,
        description,
        position,
    } = heading(
        fields.title,
        fields.description,
        fields.position,
        current.map(|m| Heading {
            title: m.title.clone(),
            description: m.description.clone(),
            position: m.position,
        }),
    )?;
    let actions = match (fields.actions, current) {
        (Some(a), _) => a,
        (None, Some(m)) => m.actions.clone(),
        (None, None) => return Err(invalid("actions", "a macro needs at least one action")),
    };
    let parsed = macros::parse_actions(&actions).map_err(|why| invalid("actions", why))?;
    let doc = MacroDoc {
        title,
        description,
        active: fields.active.or(current.map(|m| m.active)).unwrap_or(true),
        position,
        actions,
    };
    Ok((doc, parsed))
}

/// The users and groups the actions name exist (assignees are staff).
fn check_ids(db: &Db, actions: &[Action]) -> Result<(), ApiError> {
    for action in actions {
        let problem = match action {
            Action::Assignee(Assignee::User(id)) => (!users::by_id(db, *id)?
                .is_some_and(|u| u.role.is_staff()))
            .then(|| format!("assignee_id {id} is not an agent")),
            Action::Group(Some(id)) => db
                .query_i64("SELECT id FROM groups WHERE id = ?", &[(*id).into()])?
                .is_none()
                .then(|| format!("there is no group {id}")),
            _ => None,
        };
        if let Some(problem) = problem {
            return Err(invalid("actions", problem));
        }
    }
    Ok(())
}

fn read_body(req: &Request) -> Result<Fields, ApiError> {
    let body: Body = read_expecting(req, MAX_BODY_BYTES, r#"{"macro": {...}}"#)?;
    Ok(body.fields)
}

fn create(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    require_admin_role(&staff, "macros")?;
    let (doc, actions) = check(read_body(req)?, None)?;
    let now = env.clock.now_ms();
    let (m, _) = commit::write(env, &db, |db| {
        check_ids(db, &actions)?;
        let id = macros::insert(db, now, &doc)?;
        let m = macros::by_id(db, id)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>((m, Committed::default()))
    })?;
    Ok(json_status(
        http::StatusCode::CREATED,
        &json!({"macro": macro_json(&m, &base_url(req))}),
    ))
}

fn update(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    require_admin_role(&staff, "macros")?;
    let fields = read_body(req)?;
    let now = env.clock.now_ms();
    let (m, _) = commit::write(env, &db, |db| {
        let current = macros::by_id(db, id)?.ok_or_else(not_found)?;
        let (doc, actions) = check(fields, Some(&current))?;
        check_ids(db, &actions)?;
        macros::update(db, now, id, &doc)?;
        let m = macros::by_id(db, id)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>((m, Committed::default()))
    })?;
    Ok(json(&json!({"macro": macro_json(&m, &base_url(req))})))
}

fn delete(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    require_admin_role(&staff, "macros")?;
    if !macros::delete(&db, id)? {
        return Err(not_found());
    }
    Ok(no_content())
}

fn apply(env: &Env, req: &Request, ticket_id: i64, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let ticket = tickets::by_id(&db, ticket_id)?.ok_or_else(not_found)?;
    let m = macros::by_id(&db, id)?.ok_or_else(not_found)?;
    // Checked when saved; a stored macro that no longer parses is our fault, not the caller's.
    let actions = macros::parse_actions(&m.actions)
        .map_err(|why| ApiError::internal(format!("macro {id}: {why}")))?;
    let requester = users::by_id(&db, ticket.requester_id)?;
    let current_user_name = match &staff {
        Staff::Agent { name, .. } => name.clone(),
        // The admin token writes as the "Support" staff user; the preview says the same
        // without creating that user on a read.
        Staff::Admin => "Support".to_owned(),
    };
    let fill = Placeholders {
        ticket_id: ticket.id,
        subject: ticket.subject.clone(),
        requester_name: requester.map(|u| u.name).unwrap_or_default(),
        current_user_name,
    };
    let (would, comment) = macros::apply(&ticket, &actions, &fill, staff.user_id());
    let mut result = json!({"ticket": ticket_json(&would, &base_url(req))});
    if let Some(c) = comment {
        result["comment"] = json!({
            "body": c.body,
            "html_body": c.html_body,
            "scoped_body": [["channel:all", c.body]],
            "public": c.public,
        });
    }
    Ok(json(&json!({"result": result})))
}
