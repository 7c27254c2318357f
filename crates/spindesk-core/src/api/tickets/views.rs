//! Views (`/api/v2/views`): the six system views and the admins' own, their tickets and
//! their counts, in Zendesk's shapes. A view's conditions compile to one parameterised query
//! ([`crate::tickets::views::conditions`]); `current_user` is whoever asks.

use super::access::require_admin_role;
use super::heading::{heading, Heading};
use super::ticket::invalid;
use super::zendesk::{
    base_url, clip, invalid_endpoint, not_found, parse_id, read_expecting, sideloaded_users,
    ticket_json, wants_users,
};
use crate::api::commit;
use crate::auth::require_staff;
use crate::committed::Committed;
use crate::ports::Env;
use crate::store::database;
use crate::surface::{Request, Response};
use crate::tickets::views::conditions::{Conditions, Context};
use crate::tickets::views::{self, Execution, View, ViewDoc};
use crate::timestamp::iso8601;
use crate::web::{json, json_status, no_content, paginate, query_pairs, segments, ApiError};
use http::Method;
use serde::Deserialize;
use serde_json::{json, Value};

const MAX_BODY_BYTES: usize = 64 * 1024;
/// Most ids one `count_many` takes (Zendesk's limit).
const MAX_COUNT_IDS: usize = 100;

pub fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let method = req.method();
    let get_only = |f: &dyn Fn() -> Result<Response, ApiError>| match *method {
        Method::GET => f(),
        _ => Err(ApiError::method_not_allowed(method, "GET")),
    };
    match segments(req.uri().path()).as_slice() {
        ["api", "v2", "views"] => match *method {
            Method::GET => list(env, req, None),
            Method::POST => create(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET, POST")),
        },
        ["api", "v2", "views", "active"] => get_only(&|| list(env, req, Some(true))),
        ["api", "v2", "views", "count_many"] => get_only(&|| count_many(env, req)),
        ["api", "v2", "views", id] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => show(env, req, id),
                Method::PUT => update(env, req, id),
                Method::DELETE => delete(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "GET, PUT, DELETE")),
            }
        }
        ["api", "v2", "views", id, "tickets"] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            get_only(&|| view_tickets(env, req, id))
        }
        ["api", "v2", "views", id, "count"] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            get_only(&|| count_one(env, req, id))
        }
        _ => Err(invalid_endpoint(req)),
    }
}

/// The columns the workspace shows for every view (Zendesk returns the view's own).
fn columns() -> Value {
    json!([
        {"id": "status", "title": "Status"},
        {"id": "subject", "title": "Subject"},
        {"id": "requester", "title": "Requester"},
        {"id": "updated", "title": "Updated"},
        {"id": "assignee", "title": "Assignee"},
    ])
}

fn view_json(v: &View, base: &str) -> Value {
    let mut execution = v.execution.to_json();
    execution["group_by"] = Value::Null;
    execution["group_order"] = json!("asc");
    execution["columns"] = columns();
    json!({
        "id": v.id,
        "url": format!("{base}/api/v2/views/{}.json", v.id),
        "title": v.title,
        "raw_title": v.title,
        "description": v.description,
        "active": v.active,
        "position": v.position,
        // Zendesk's flag for the views every account starts with; these can't be edited here.
        "default": v.system,
        "execution": execution,
        "conditions": v.conditions.to_json(),
        "restriction": null,
        "created_at": iso8601(v.created_at),
        "updated_at": iso8601(v.updated_at),
    })
}

fn list(env: &Env, req: &Request, active: Option<bool>) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let page = paginate(&pairs)?;
    let active = match active {
        Some(a) => Some(a),
        None => match pairs
            .iter()
            .find(|(k, _)| k == "active")
            .map(|(_, v)| v.as_str())
        {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => {
                return Err(ApiError::bad_request(
                    "InvalidParameter",
                    format!("active must be true or false; got {:?}", clip(other, 50)),
                ))
            }
        },
    };
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let all = views::all(&db, active)?;
    let count = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let base = base_url(req);
    let shown: Vec<Value> = all
        .iter()
        .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit()).unwrap_or(0))
        .map(|v| view_json(v, &base))
        .collect();
    let path = if req.uri().path().contains("/active") {
        "views/active"
    } else {
        "views"
    };
    let len = shown.len();
    Ok(json(&page.envelope(
        json!({"views": shown}),
        &format!("{base}/api/v2/{path}.json"),
        count,
        len,
        &pairs,
    )))
}

fn show(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let v = views::by_id(&db, id)?.ok_or_else(not_found)?;
    Ok(json(&json!({"view": view_json(&v, &base_url(req))})))
}

fn context(env: &Env, staff: &crate::auth::Staff) -> Context {
    Context {
        current_user: staff.user_id(),
        now: env.clock.now_ms(),
    }
}

/// `sort_by` / `sort_order` in the query override the view's own order.
fn order_override(pairs: &[(String, String)]) -> Result<Option<Execution>, ApiError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let (by, order) = (get("sort_by"), get("sort_order"));
    if by.is_none() && order.is_none() {
        return Ok(None);
    }
    let raw = json!({"sort_by": by, "sort_order": order});
    // `null`s read as "not given"; strip them so the defaults apply.
    let raw: serde_json::Map<String, Value> = raw
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Execution::parse(Some(&Value::Object(raw)))
        .map(Some)
        .map_err(|why| ApiError::bad_request("InvalidParameter", why))
}

fn view_tickets(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let page = paginate(&pairs)?;
    let order = order_override(&pairs)?;
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let view = views::by_id(&db, id)?.ok_or_else(not_found)?;
    let ctx = context(env, &staff);
    let count = views::count(&db, &view, &ctx)?;
    let list = views::tickets(&db, &view, &ctx, order, page.offset(), page.limit())?;
    let base = base_url(req);
    let mut records = json!({
        "tickets": list.iter().map(|t| ticket_json(t, &base)).collect::<Vec<_>>(),
    });
    // The workspace lists a view with the requesters' names: side-loaded as on the ticket list,
    // so a page of 25 rows is one request, not 26.
    if wants_users(&pairs) {
        let named = list.iter().flat_map(|t| {
            [Some(t.requester_id), t.submitter_id, t.assignee_id]
                .into_iter()
                .flatten()
        });
        records["users"] = sideloaded_users(&db, named, &base)?;
    }
    Ok(json(&page.envelope(
        records,
        &format!("{base}/api/v2/views/{id}/tickets.json"),
        count,
        list.len(),
        &pairs,
    )))
}

fn count_json(id: i64, value: i64, base: &str) -> Value {
    json!({
        "view_id": id,
        "url": format!("{base}/api/v2/views/{id}/count.json"),
        "value": value,
        "pretty": value.to_string(),
        // Counted now, never from a cache.
        "fresh": true,
    })
}

fn count_one(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let view = views::by_id(&db, id)?.ok_or_else(not_found)?;
    let value = views::count(&db, &view, &context(env, &staff))?;
    Ok(json(
        &json!({"view_count": count_json(id, value, &base_url(req))}),
    ))
}

/// `ids=1,2,3`: each view's count; ids of views that don't exist are left out, as Zendesk does.
fn count_many(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let raw = query_pairs(req)
        .into_iter()
        .find(|(k, _)| k == "ids")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let bad = || {
        ApiError::bad_request(
            "InvalidParameter",
            format!(
                "ids must be 1 to {MAX_COUNT_IDS} comma-separated view ids; got {:?}",
                clip(&raw, 100)
            ),
        )
    };
    let mut ids: Vec<i64> = Vec::new();
    for part in raw.split(',') {
        let id = parse_id(part.trim()).ok_or_else(bad)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > MAX_COUNT_IDS {
        return Err(bad());
    }
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let ctx = context(env, &staff);
    let base = base_url(req);
    let mut counts = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(view) = views::by_id(&db, id)? {
            counts.push(count_json(id, views::count(&db, &view, &ctx)?, &base));
        }
    }
    Ok(json(&json!({"view_counts": counts})))
}

#[derive(Deserialize)]
struct Body {
    view: Fields,
}

/// Zendesk takes `all`/`any` at the top of the view on writes and answers `conditions`; both
/// are read. `output` is Zendesk's older name for `execution`.
#[derive(Deserialize)]
struct Fields {
    title: Option<String>,
    #[serde(default, deserialize_with = "super::people::present")]
    description: Option<Option<String>>,
    active: Option<bool>,
    position: Option<i64>,
    conditions: Option<Value>,
    all: Option<Value>,
    any: Option<Value>,
    #[serde(alias = "output")]
    execution: Option<Value>,
}

fn check(f: Fields, current: Option<&View>) -> Result<ViewDoc, ApiError> {
    let Heading {
        title,
        description,
        position,
    } = heading(
        f.title,
        f.description,
        f.position,
        current.map(|v| Heading {
            title: v.title.clone(),
            description: v.description.clone(),
            position: v.position,
        }),
    )?;
    let raw_conditions = match (f.conditions, f.all, f.any) {
        (Some(c), None, None) => Some(c),
        (None, None, None) => None,
        (None, all, any) => Some(json!({"all": all, "any": any})),
        (Some(_), _, _) => {
            return Err(invalid(
                "conditions",
                "give conditions or all/any, not both",
            ))
        }
    };
    let conditions = match (raw_conditions, current) {
        (Some(raw), _) => Conditions::parse(&raw).map_err(|why| invalid("conditions", why))?,
        (None, Some(v)) => v.conditions.clone(),
        (None, None) => return Err(invalid("conditions", "a view needs at least one condition")),
    };
    let execution = match (f.execution, current) {
        (Some(raw), _) => Execution::parse(Some(&raw)).map_err(|why| invalid("execution", why))?,
        (None, Some(v)) => v.execution,
        (None, None) => Execution::parse(None).map_err(|why| invalid("execution", why))?,
    };
    Ok(ViewDoc {
        title,
        description,
        active: f.active.or(current.map(|v| v.active)).unwrap_or(true),
        position,
        conditions,
        execution,
    })
}

fn read_body(req: &Request) -> Result<Fields, ApiError> {
    let body: Body = read_expecting(req, MAX_BODY_BYTES, r#"{"view": {...}}"#)?;
    Ok(body.view)
}

fn create(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    require_admin_role(&staff, "views")?;
    let doc = check(read_body(req)?, None)?;
    let now = env.clock.now_ms();
    let (view, _) = commit::write(env, &db, |db| {
        let id = views::insert(db, now, &doc)?;
        let view = views::by_id(db, id)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>((view, Committed::default()))
    })?;
    Ok(json_status(
        http::StatusCode::CREATED,
        &json!({"view": view_json(&view, &base_url(req))}),
    ))
}

fn system_view_refused() -> ApiError {
    ApiError::forbidden(
        "Forbidden",
        "System views are built in and can't be changed or deleted; create a view of your own",
    )
}

fn update(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    require_admin_role(&staff, "views")?;
    let fields = read_body(req)?;
    if id <= views::SYSTEM_IDS {
        views::by_id(&db, id)?.ok_or_else(not_found)?;
        return Err(system_view_refused());
    }
    let now = env.clock.now_ms();
    let (view, _) = commit::write(env, &db, |db| {
        let current = views::by_id(db, id)?.ok_or_else(not_found)?;
        let doc = check(fields, Some(&current))?;
        views::update(db, now, id, &doc)?;
        let view = views::by_id(db, id)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>((view, Committed::default()))
    })?;
    Ok(json(&json!({"view": view_json(&view, &base_url(req))})))
}

fn delete(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    require_admin_role(&staff, "views")?;
    if id <= views::SYSTEM_IDS {
        views::by_id(&db, id)?.ok_or_else(not_found)?;
        return Err(system_view_refused());
    }
    if !views::delete(&db, id)? {
        return Err(not_found());
    }
    Ok(no_content())
}
