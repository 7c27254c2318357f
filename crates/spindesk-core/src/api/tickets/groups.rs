//! Groups and group memberships, Zendesk's way (`/api/v2/groups[/{id}[/memberships]]`,
//! `/api/v2/group_memberships[/{id}]`). Any agent reads; only admins (the admin token or a
//! person with role `admin`) write. Every write is one transaction with its admin-log entry,
//! and a new member drains the group's queue at once.

use super::zendesk::{base_url, not_found, read_expecting};
use crate::admin_log;
use crate::api::commit;
use crate::auth::{require_staff, require_staff_admin};
use crate::committed::Committed;
use crate::groups::{self, Changes, Group, Membership, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS};
use crate::ports::{Env, SqlErrorKind};
use crate::store::database;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::tickets::routing;
use crate::timestamp::iso8601;
use crate::users;
use crate::web::{json, json_status, no_content, paginate, query_pairs, ApiError};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};

/// Largest group or membership body.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("RecordInvalid", format!("{field}: {}", message.into()))
}

pub fn group_json(g: &Group, base: &str) -> Value {
    json!({
        "id": g.id,
        "url": format!("{base}/api/v2/groups/{}.json", g.id),
        "name": g.name,
        "description": g.description,
        "default": g.is_default,
        "deleted": false,
        "is_public": true,
        "created_at": iso8601(g.created_at),
        "updated_at": iso8601(g.updated_at),
    })
}

pub fn membership_json(m: &Membership, base: &str) -> Value {
    json!({
        "id": m.id,
        "url": format!("{base}/api/v2/group_memberships/{}.json", m.id),
        "user_id": m.user_id,
        "group_id": m.group_id,
        "default": false,
        "created_at": iso8601(m.created_at),
        "updated_at": iso8601(m.created_at),
    })
}

pub fn list(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let page = paginate(&pairs)?;
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let count = groups::count(&db)?;
    let list = groups::list(&db, page.offset(), page.limit())?;
    let base = base_url(req);
    Ok(json(&page.envelope(
        json!({"groups": list.iter().map(|g| group_json(g, &base)).collect::<Vec<_>>()}),
        &format!("{base}/api/v2/groups.json"),
        count,
        list.len(),
        &pairs,
    )))
}

pub fn show(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let group = groups::by_id(&db, id)?.ok_or_else(not_found)?;
    Ok(json(&json!({"group": group_json(&group, &base_url(req))})))
}

#[derive(Deserialize)]
struct GroupBody {
    group: GroupFields,
}

/// Zendesk clients send more fields (`is_public`, ...); they are ignored.
#[derive(Deserialize)]
struct GroupFields {
    name: Option<String>,
    description: Option<String>,
    default: Option<bool>,
}

fn read_group(req: &Request) -> Result<GroupFields, ApiError> {
    let body: GroupBody = read_expecting(req, MAX_BODY_BYTES, r#"{"group": {"name": ...}}"#)?;
    let g = body.group;
    if let Some(name) = &g.name {
        let chars = name.trim().chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS {
            return Err(invalid(
                "name",
                format!("must be 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
    }
    if let Some(description) = &g.description {
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(invalid(
                "description",
                format!("is longer than {MAX_DESCRIPTION_CHARS} characters"),
            ));
        }
    }
    Ok(GroupFields {
        name: g.name.map(|n| n.trim().to_owned()),
        ..g
    })
}

/// A taken name is the caller's mistake (422), not ours.
fn name_taken(name: Option<&str>) -> impl Fn(crate::Error) -> ApiError + '_ {
    move |e| match e {
        crate::Error::Sql(sql) if sql.kind == SqlErrorKind::Constraint => invalid(
            "name",
            format!(
                "a group named {:?} already exists",
                name.unwrap_or_default()
            ),
        ),
        other => other.into(),
    }
}

pub fn create(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff_admin(env, &db, req)?;
    let fields = read_group(req)?;
    let name = fields
        .name
        .clone()
        .ok_or_else(|| invalid("name", "is required"))?;
    let now = env.clock.now_ms();
    let changes = Changes {
        name: None,
        description: fields.description,
        is_default: fields.default,
    };
    let (group, _) = commit::write(env, &db, |db| {
        let group = groups::create(db, now, &name, &changes).map_err(name_taken(Some(&name)))?;
        let detail = json!({"name": group.name, "default": group.is_default});
        admin_log::record(db, now, &staff, "group.create", &target(group.id), &detail)?;
        Ok::<_, ApiError>((group, Committed::default()))
    })?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"group": group_json(&group, &base_url(req))}),
    ))
}

fn target(group_id: i64) -> String {
    format!("group:{group_id}")
}

pub fn update(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff_admin(env, &db, req)?;
    let fields = read_group(req)?;
    let now = env.clock.now_ms();
    let changes = Changes {
        name: fields.name.clone(),
        description: fields.description,
        is_default: fields.default,
    };
    let (group, _) = commit::write(env, &db, |db| {
        groups::by_id(db, id)?.ok_or_else(not_found)?;
        let group =
            groups::update(db, now, id, &changes).map_err(name_taken(fields.name.as_deref()))?;
        let detail = json!({"name": changes.name, "description": changes.description,
                            "default": changes.is_default});
        admin_log::record(db, now, &staff, "group.update", &target(id), &detail)?;
        Ok::<_, ApiError>((group, Committed::default()))
    })?;
    Ok(json(&json!({"group": group_json(&group, &base_url(req))})))
}

/// Deletes a group; its tickets move to the default group. The default group itself can't be
/// deleted (hand-offs need somewhere to go): make another group the default first.
pub fn delete(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff_admin(env, &db, req)?;
    let now = env.clock.now_ms();
    commit::write(env, &db, |db| {
        let group = groups::by_id(db, id)?.ok_or_else(not_found)?;
        if group.is_default {
            return Err(invalid(
                "default",
                "the default group can't be deleted; make another group the default first",
            ));
        }
        groups::delete(db, id)?;
        if let Some(default) = groups::default_group(db)? {
            routing::drain_group(db, now, default.id)?;
        }
        let detail = json!({"name": group.name});
        admin_log::record(db, now, &staff, "group.delete", &target(id), &detail)?;
        Ok::<_, ApiError>(((), Committed::default()))
    })?;
    Ok(no_content())
}

/// `GET /api/v2/group_memberships` (all) or `GET /api/v2/groups/{id}/memberships`.
pub fn memberships(env: &Env, req: &Request, group_id: Option<i64>) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let page = paginate(&pairs)?;
    let db = database(env)?;
    require_staff(env, &db, req)?;
    if let Some(id) = group_id {
        groups::by_id(&db, id)?.ok_or_else(not_found)?;
    }
    let (list, count) = groups::memberships(&db, group_id, None, page.offset(), page.limit())?;
    let base = base_url(req);
    let path = match group_id {
        Some(id) => format!("{base}/api/v2/groups/{id}/memberships.json"),
        None => format!("{base}/api/v2/group_memberships.json"),
    };
    Ok(json(&page.envelope(
        json!({
            "group_memberships": list.iter().map(|m| membership_json(m, &base)).collect::<Vec<_>>(),
        }),
        &path,
        count,
        list.len(),
        &pairs,
    )))
}

pub fn show_membership(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let m = groups::membership(&db, id)?.ok_or_else(not_found)?;
    Ok(json(
        &json!({"group_membership": membership_json(&m, &base_url(req))}),
    ))
}

#[derive(Deserialize)]
struct MembershipBody {
    group_membership: MembershipFields,
}

#[derive(Deserialize)]
struct MembershipFields {
    user_id: Option<i64>,
    group_id: Option<i64>,
}

fn active_staff(db: &Db, user_id: i64) -> Result<(), ApiError> {
    let ok = users::by_id(db, user_id)?.is_some_and(|u| u.role.is_staff())
        && db
            .query_i64("SELECT active FROM users WHERE id = ?", &[user_id.into()])?
            .unwrap_or(0)
            == 1;
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "user_id",
            format!("{user_id} is not an active agent"),
        ))
    }
}

/// Adds an agent to a group; the group's queue drains at once (the new member may be free).
pub fn add_member(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff_admin(env, &db, req)?;
    let body: MembershipBody = read_expecting(
        req,
        MAX_BODY_BYTES,
        r#"{"group_membership": {"user_id", "group_id"}}"#,
    )?;
    let user_id = body
        .group_membership
        .user_id
        .ok_or_else(|| invalid("user_id", "is required"))?;
    let group_id = body
        .group_membership
        .group_id
        .ok_or_else(|| invalid("group_id", "is required"))?;
    let now = env.clock.now_ms();
    let (membership, _) = commit::write(env, &db, |db| {
        active_staff(db, user_id)?;
        if groups::by_id(db, group_id)?.is_none() {
            return Err(invalid("group_id", format!("there is no group {group_id}")));
        }
        if groups::is_member(db, user_id, group_id)? {
            return Err(invalid(
                "user_id",
                format!("{user_id} is already a member of group {group_id}"),
            ));
        }
        let m = groups::add_member(db, now, user_id, group_id)?;
        routing::drain_group(db, now, group_id)?;
        let detail = json!({"user_id": user_id, "group_id": group_id});
        admin_log::record(
            db,
            now,
            &staff,
            "group_membership.create",
            &format!("group_membership:{}", m.id),
            &detail,
        )?;
        Ok::<_, ApiError>((m, Committed::default()))
    })?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"group_membership": membership_json(&membership, &base_url(req))}),
    ))
}

/// Removes a membership. Tickets the agent holds in the group stay theirs (reassign them, or
/// deactivate the agent to requeue everything).
pub fn remove_member(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff_admin(env, &db, req)?;
    let now = env.clock.now_ms();
    commit::write(env, &db, |db| {
        let m = groups::membership(db, id)?.ok_or_else(not_found)?;
        groups::remove_member(db, id)?;
        let detail = json!({"user_id": m.user_id, "group_id": m.group_id});
        admin_log::record(
            db,
            now,
            &staff,
            "group_membership.delete",
            &format!("group_membership:{id}"),
            &detail,
        )?;
        Ok::<_, ApiError>(((), Committed::default()))
    })?;
    Ok(no_content())
}
