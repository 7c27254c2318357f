//! Sunshine Conversations' custom integrations and their webhooks
//! (`/v2/apps/{appId}/integrations[/{id}[/webhooks[/{webhookId}]]]`), on the `conversations`
//! component. An integration is the group its webhooks share (`integration_public_id`); only
//! `type: custom` exists here. A webhook's secret is returned when it is created, never after.
//! Auth: the conversations router's (the admin token, or an API key of the app).

use crate::error::Error;
use crate::ports::Env;
use crate::store::{database, Db};
use crate::surface::{Request, Response};
use crate::vault::Vault;
use crate::web::{json, json_status, read_json, ApiError};
use crate::webhooks::subscriptions::{self, Spec, Webhook};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

const MAX_BODY_BYTES: usize = 16 * 1024;

/// `/v2/apps/{app}/integrations/{rest...}`, for a caller the conversations router has
/// authenticated for `app` (the admin token or one of the app's API keys).
pub fn route(env: &Env, req: &Request, app: &str, rest: &[&str]) -> Result<Response, ApiError> {
    let method = req.method();
    match rest {
        [] => match *method {
            Method::GET => list(env),
            Method::POST => create(env, req, app),
            _ => Err(ApiError::method_not_allowed(method, "GET, POST")),
        },
        [id] => match *method {
            Method::GET => show(env, id),
            Method::DELETE => remove(env, id),
            _ => Err(ApiError::method_not_allowed(method, "GET, DELETE")),
        },
        [id, "webhooks"] => match *method {
            Method::GET => webhooks_of(env, id),
            Method::POST => add_webhook(env, req, app, id),
            _ => Err(ApiError::method_not_allowed(method, "GET, POST")),
        },
        [id, "webhooks", webhook] => match *method {
            Method::GET => show_webhook(env, id, webhook),
            Method::PATCH => change_webhook(env, req, id, webhook),
            Method::DELETE => remove_webhook(env, id, webhook),
            _ => Err(ApiError::method_not_allowed(method, "GET, PATCH, DELETE")),
        },
        _ => Err(ApiError::no_route(method, req.uri().path())),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    #[serde(rename = "type")]
    kind: String,
    display_name: Option<String>,
    webhooks: Vec<Spec>,
}

fn integration_json(id: &str, hooks: &[Webhook], secrets: &[String]) -> Value {
    let webhooks: Vec<Value> = hooks
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let mut v = subscriptions::to_json(w);
            if let Some(secret) = secrets.get(i) {
                v["secret"] = json!(secret);
            }
            v
        })
        .collect();
    let name = hooks
        .first()
        .map(|w| w.display_name.clone())
        .unwrap_or_default();
    json!({
        "id": id,
        "type": "custom",
        "status": "active",
        "displayName": name,
        "webhooks": webhooks,
    })
}

fn create(env: &Env, req: &Request, app: &str) -> Result<Response, ApiError> {
    let body: CreateBody = read_json(req, MAX_BODY_BYTES)?;
    if body.kind != "custom" {
        return Err(ApiError::unprocessable(
            "invalid",
            format!(
                "only `type: custom` integrations can be created here, got {:?}",
                body.kind
            ),
        ));
    }
    if body.webhooks.len() != 1 {
        return Err(ApiError::unprocessable(
            "invalid",
            "a custom integration has exactly one webhook in `webhooks`; add more with POST .../integrations/{id}/webhooks",
        ));
    }
    let vault = Vault::from_config(env.config).map_err(Error::Vault)?;
    let db = database(env)?;
    let (webhook, secret) = db.transaction(|db| {
        let mut spec = body.webhooks[0].clone();
        spec.display_name = spec.display_name.or(body.display_name.clone());
        subscriptions::create(env, db, &vault, app, None, &spec)
    })?;
    let id = webhook.integration_public_id.clone();
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"integration": integration_json(&id, &[webhook], &[secret])}),
    ))
}

fn of_integration(db: &Db, id: &str) -> Result<Vec<Webhook>, ApiError> {
    let hooks = subscriptions::list(db, Some(id))?;
    if hooks.is_empty() {
        return Err(ApiError::not_found(
            "integration_not_found",
            format!("No integration {id:?}"),
        ));
    }
    Ok(hooks)
}

fn list(env: &Env) -> Result<Response, ApiError> {
    let db = database(env)?;
    let all = subscriptions::list(&db, None)?;
    let mut ids: Vec<&str> = Vec::new();
    for w in &all {
        if !ids.contains(&w.integration_public_id.as_str()) {
            ids.push(&w.integration_public_id);
        }
    }
    let integrations: Vec<Value> = ids
        .iter()
        .map(|id| {
            let hooks: Vec<Webhook> = all
                .iter()
                .filter(|w| w.integration_public_id == *id)
                .cloned()
                .collect();
            integration_json(id, &hooks, &[])
        })
        .collect();
    Ok(json(
        &json!({"integrations": integrations, "meta": {"hasMore": false}}),
    ))
}

fn show(env: &Env, id: &str) -> Result<Response, ApiError> {
    let db = database(env)?;
    let hooks = of_integration(&db, id)?;
    Ok(json(
        &json!({"integration": integration_json(id, &hooks, &[])}),
    ))
}

fn remove(env: &Env, id: &str) -> Result<Response, ApiError> {
    let db = database(env)?;
    db.transaction(|db| {
        for w in of_integration(db, id)? {
            subscriptions::delete(db, &w)?;
        }
        Ok::<_, ApiError>(())
    })?;
    Ok(json(&json!({})))
}

fn webhooks_of(env: &Env, id: &str) -> Result<Response, ApiError> {
    let db = database(env)?;
    let hooks = of_integration(&db, id)?;
    Ok(json(&json!({
        "webhooks": hooks.iter().map(subscriptions::to_json).collect::<Vec<_>>(),
    })))
}

fn add_webhook(env: &Env, req: &Request, app: &str, id: &str) -> Result<Response, ApiError> {
    let spec: Spec = read_json(req, MAX_BODY_BYTES)?;
    let vault = Vault::from_config(env.config).map_err(Error::Vault)?;
    let db = database(env)?;
    let (webhook, secret) = db.transaction(|db| {
        of_integration(db, id)?;
        Ok::<_, ApiError>(subscriptions::create(
            env,
            db,
            &vault,
            app,
            Some(id),
            &spec,
        )?)
    })?;
    let mut v = subscriptions::to_json(&webhook);
    v["secret"] = json!(secret);
    Ok(json_status(StatusCode::CREATED, &json!({"webhook": v})))
}

fn find(db: &Db, integration: &str, webhook: &str) -> Result<Webhook, ApiError> {
    subscriptions::by_public_id(db, webhook)?
        .filter(|w| w.integration_public_id == integration)
        .ok_or_else(|| ApiError::not_found("webhook_not_found", format!("No webhook {webhook:?}")))
}

fn show_webhook(env: &Env, id: &str, webhook: &str) -> Result<Response, ApiError> {
    let db = database(env)?;
    let w = find(&db, id, webhook)?;
    Ok(json(&json!({"webhook": subscriptions::to_json(&w)})))
}

fn change_webhook(env: &Env, req: &Request, id: &str, webhook: &str) -> Result<Response, ApiError> {
    let spec: Spec = read_json(req, MAX_BODY_BYTES)?;
    let db = database(env)?;
    let w = db.transaction(|db| {
        let w = find(db, id, webhook)?;
        Ok::<_, ApiError>(subscriptions::update(env, db, &w, &spec)?)
    })?;
    Ok(json(&json!({"webhook": subscriptions::to_json(&w)})))
}

fn remove_webhook(env: &Env, id: &str, webhook: &str) -> Result<Response, ApiError> {
    let db = database(env)?;
    db.transaction(|db| {
        let w = find(db, id, webhook)?;
        subscriptions::delete(db, &w)?;
        Ok::<_, ApiError>(())
    })?;
    Ok(json(&json!({})))
}
