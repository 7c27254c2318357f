//! `/api/admin/webhooks`: the outbound webhooks (the same ones `/v2/apps/{appId}/integrations`
//! manages), their deliveries, and replaying a failed or dead delivery. A webhook's secret is
//! in the answer to its creation only.

use crate::admin_log;
use crate::auth::Staff;
use crate::error::Error;
use crate::ports::Env;
use crate::store::{database, Db};
use crate::surface::{Request, Response};
use crate::vault::Vault;
use crate::web::{
    json, json_status, no_content, paginate_offset, query_pairs, read_json, status_filter, ApiError,
};
use crate::webhooks::delivery;
use crate::webhooks::subscriptions::{self, Spec, Webhook};
use http::{Method, StatusCode};
use serde_json::json;

const MAX_BODY_BYTES: usize = 16 * 1024;
/// The app id admin-made webhooks report (Spindesk is one app; any id addresses it in /v2).
pub const APP_ID: &str = "spindesk";

pub fn route(
    env: &Env,
    req: &Request,
    segs: &[&str],
    staff: &Staff,
) -> Option<Result<Response, ApiError>> {
    let method = req.method();
    Some(match segs {
        ["api", "admin", "webhooks"] => match *method {
            Method::GET => list(env),
            Method::POST => create(env, req, staff),
            _ => Err(ApiError::method_not_allowed(method, "GET, POST")),
        },
        ["api", "admin", "webhooks", id] => match *method {
            Method::GET => show(env, id),
            Method::PUT | Method::PATCH => change(env, req, id, staff),
            Method::DELETE => remove(env, id, staff),
            _ => Err(ApiError::method_not_allowed(
                method,
                "GET, PUT, PATCH, DELETE",
            )),
        },
        ["api", "admin", "webhooks", id, "deliveries"] => match *method {
            Method::GET => deliveries(env, req, id),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "admin", "webhooks", id, "deliveries", delivery, "replay"] => match *method {
            Method::POST => replay(env, id, delivery),
            _ => Err(ApiError::method_not_allowed(method, "POST")),
        },
        _ => return None,
    })
}

pub fn find(db: &Db, id: &str) -> Result<Webhook, ApiError> {
    subscriptions::by_public_id(db, id)?
        .ok_or_else(|| ApiError::not_found("webhook_not_found", format!("No webhook {id:?}")))
}

fn logged(db: &Db, env: &Env, staff: &Staff, action: &str, w: &Webhook) -> Result<(), Error> {
    admin_log::record(
        db,
        env.clock.now_ms(),
        staff,
        action,
        &format!("webhook:{}", w.public_id),
        &json!({"target": w.target, "triggers": w.triggers}),
    )
}

fn list(env: &Env) -> Result<Response, ApiError> {
    let db = database(env)?;
    let all = subscriptions::list(&db, None)?;
    Ok(json(&json!({
        "webhooks": all.iter().map(subscriptions::to_admin_json).collect::<Vec<_>>(),
    })))
}

fn create(env: &Env, req: &Request, staff: &Staff) -> Result<Response, ApiError> {
    let spec: Spec = read_json(req, MAX_BODY_BYTES)?;
    let vault = Vault::from_config(env.config).map_err(Error::Vault)?;
    let db = database(env)?;
    let (webhook, secret) = db.transaction(|db| {
        let made = subscriptions::create(env, db, &vault, APP_ID, None, &spec)?;
        logged(db, env, staff, "webhook.create", &made.0)?;
        Ok::<_, ApiError>(made)
    })?;
    let mut view = subscriptions::to_admin_json(&webhook);
    view["secret"] = json!(secret);
    Ok(json_status(StatusCode::CREATED, &json!({"webhook": view})))
}

fn show(env: &Env, id: &str) -> Result<Response, ApiError> {
    let db = database(env)?;
    let w = find(&db, id)?;
    Ok(json(&json!({"webhook": subscriptions::to_admin_json(&w)})))
}

fn change(env: &Env, req: &Request, id: &str, staff: &Staff) -> Result<Response, ApiError> {
    let spec: Spec = read_json(req, MAX_BODY_BYTES)?;
    let db = database(env)?;
    let w = db.transaction(|db| {
        let w = subscriptions::update(env, db, &find(db, id)?, &spec)?;
        logged(db, env, staff, "webhook.update", &w)?;
        Ok::<_, ApiError>(w)
    })?;
    Ok(json(&json!({"webhook": subscriptions::to_admin_json(&w)})))
}

fn remove(env: &Env, id: &str, staff: &Staff) -> Result<Response, ApiError> {
    let db = database(env)?;
    db.transaction(|db| {
        let w = find(db, id)?;
        subscriptions::delete(db, &w)?;
        logged(db, env, staff, "webhook.delete", &w)?;
        Ok::<_, ApiError>(())
    })?;
    Ok(no_content())
}

fn deliveries(env: &Env, req: &Request, id: &str) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let status = status_filter(&pairs, &delivery::STATUSES)?;
    let page = paginate_offset(&pairs)?;
    let db = database(env)?;
    let w = find(&db, id)?;
    let (rows, count) = delivery::list(&db, w.id, status, page.per_page, page.offset())?;
    let (next_page, previous_page) = page.links(
        &format!("/api/admin/webhooks/{id}/deliveries"),
        count,
        &pairs,
    );
    Ok(json(&json!({
        "deliveries": rows.iter().map(delivery::to_json).collect::<Vec<_>>(),
        "count": count,
        "next_page": next_page,
        "previous_page": previous_page,
    })))
}

fn replay(env: &Env, id: &str, delivery_id: &str) -> Result<Response, ApiError> {
    let not_found = || {
        ApiError::not_found(
            "not_found",
            format!("No delivery {delivery_id:?} of this webhook"),
        )
    };
    let delivery_id: i64 = delivery_id.parse().map_err(|_| not_found())?;
    let db = database(env)?;
    let w = find(&db, id)?;
    let now = env.clock.now_ms();
    let replayed = db.transaction(|db| {
        let replayed = delivery::replay(db, now, w.id, delivery_id)?;
        if replayed.is_none() {
            let (rows, _) = delivery::list(db, w.id, None, i64::MAX, 0)?;
            return match rows.iter().find(|d| d.id == delivery_id) {
                None => Err(not_found()),
                Some(d) => Err(ApiError::conflict(
                    "not_replayable",
                    format!(
                        "Only failed or dead deliveries can be replayed; this one is {}",
                        d.status
                    ),
                )),
            };
        }
        Ok(replayed)
    })?;
    Ok(json(
        &json!({"delivery": replayed.as_ref().map(delivery::to_json)}),
    ))
}
