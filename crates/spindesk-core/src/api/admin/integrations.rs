//! `/api/admin/integrations`: connect, list, change and remove channel integrations.
//! Credentials are write-only: accepted on create and update, never returned (the answer lists
//! which fields are set), never logged.

use crate::admin_log;
use crate::auth::Staff;
use crate::channels::integrations::{
    self, validate_api_base_url, validate_credential, Draft, Integration, DISPLAY_NAME_MAX,
};
use crate::channels::{ChannelType, Credentials};
use crate::config;
use crate::ports::Env;
use crate::store::database;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::timestamp::iso8601;
use crate::vault::Vault;
use crate::web::{json, json_status, no_content, read_json, ApiError};
use http::{Method, StatusCode};
use serde_json::{json, Map, Value};

const MAX_BODY_BYTES: usize = 16 * 1024;

/// `Some` for the paths this module owns.
pub fn route(
    env: &Env,
    req: &Request,
    segs: &[&str],
    staff: &Staff,
) -> Option<Result<Response, ApiError>> {
    let method = req.method();
    Some(match segs {
        ["api", "admin", "integrations"] => match *method {
            Method::GET => list(env),
            Method::POST => create(env, req, staff),
            _ => Err(ApiError::method_not_allowed(method, "GET, POST")),
        },
        ["api", "admin", "integrations", "seal"] => match *method {
            Method::POST => seal(env, staff),
            _ => Err(ApiError::method_not_allowed(method, "POST")),
        },
        ["api", "admin", "integrations", id] => match *method {
            Method::GET => show(env, id),
            Method::PATCH => change(env, req, id, staff),
            Method::DELETE => remove(env, id, staff),
            _ => Err(ApiError::method_not_allowed(method, "GET, PATCH, DELETE")),
        },
        _ => return None,
    })
}

/// The admin log entry of a change to `i`: its type and name, never its credentials.
fn logged(db: &Db, now: i64, staff: &Staff, action: &str, i: &Integration) -> Result<(), ApiError> {
    let detail = json!({"type": i.kind.as_str(), "display_name": i.display_name});
    admin_log::record(
        db,
        now,
        staff,
        action,
        &format!("integration:{}", i.public_id),
        &detail,
    )?;
    Ok(())
}

pub fn view(env: &Env, i: &Integration) -> Value {
    let public_base = env.config.get(config::PUBLIC_BASE_URL);
    json!({
        "id": i.public_id,
        "type": i.kind.as_str(),
        "display_name": i.display_name,
        "webhook_url": i.webhook_url(public_base.as_deref()),
        "api_base_url": i.api_base_url,
        "credentials_set": i.credentials.names().collect::<Vec<_>>(),
        "created_at": iso8601(i.created_at),
        "updated_at": iso8601(i.updated_at),
    })
}

/// `POST /api/admin/integrations/seal`: seals the credentials stored before `credentials_key`
/// was set, which are refused until then. The admin vouches for them by doing so.
fn seal(env: &Env, staff: &Staff) -> Result<Response, ApiError> {
    let vault = Vault::from_config(env.config)?;
    if !vault.seals() {
        return Err(ApiError::new(
            http::StatusCode::CONFLICT,
            "no_credentials_key",
            "Set the credentials_key variable (64 hexadecimal characters, `openssl rand -hex 32`) \
             first: without it there is nothing to seal with",
        ));
    }
    let db = database(env)?;
    let now = env.clock.now_ms();
    let sealed = db.transaction(|db| {
        let sealed = integrations::seal_unsealed(db, &vault, env.random)?;
        admin_log::record(
            db,
            now,
            staff,
            "integrations.seal",
            "integrations",
            &json!({"sealed": sealed}),
        )?;
        Ok::<_, ApiError>(sealed)
    })?;
    Ok(json(&json!({"sealed": sealed})))
}

fn found(env: &Env, id: &str) -> Result<Integration, ApiError> {
    let db = database(env)?;
    let vault = Vault::from_config(env.config)?;
    integrations::by_public_id(&db, &vault, id)?
        .ok_or_else(|| ApiError::not_found("not_found", format!("No integration with id {id:?}")))
}

fn list(env: &Env) -> Result<Response, ApiError> {
    let db = database(env)?;
    let vault = Vault::from_config(env.config)?;
    let all = integrations::list(&db, &vault)?;
    Ok(json(
        &json!({"integrations": all.iter().map(|i| view(env, i)).collect::<Vec<_>>()}),
    ))
}

fn show(env: &Env, id: &str) -> Result<Response, ApiError> {
    let integration = found(env, id)?;
    Ok(json(&json!({"integration": view(env, &integration)})))
}

/// The `integration` object of a create or update body.
fn fields(req: &Request) -> Result<Map<String, Value>, ApiError> {
    let body: Value = read_json(req, MAX_BODY_BYTES)?;
    match body.get("integration") {
        Some(Value::Object(map)) => Ok(map.clone()),
        _ => Err(ApiError::bad_request(
            "invalid_body",
            "The body must be {\"integration\": {...}}",
        )),
    }
}

fn string_field<'a>(map: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, ApiError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::unprocessable(
            "invalid_field",
            format!("`integration.{name}` must be a string"),
        )),
    }
}

/// Applies `map` onto `draft`: display name, API origin, credentials. Unknown fields are
/// refused, so a misspelt secret is not silently dropped.
fn apply(draft: &mut Draft, map: &Map<String, Value>, creating: bool) -> Result<(), ApiError> {
    let credential_fields = draft.kind.credential_fields();
    for key in map.keys() {
        let known = matches!(key.as_str(), "type" | "display_name" | "api_base_url")
            || credential_fields.contains(&key.as_str());
        if !known {
            return Err(ApiError::unprocessable(
                "unknown_field",
                format!(
                    "`integration.{key}` is not a field of a {} integration; its credentials are {}",
                    draft.kind,
                    credential_fields.join(", ")
                ),
            ));
        }
    }
    if let Some(name) = string_field(map, "display_name")? {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > DISPLAY_NAME_MAX {
            return Err(ApiError::unprocessable(
                "invalid_display_name",
                format!("`integration.display_name` must be 1 to {DISPLAY_NAME_MAX} characters"),
            ));
        }
        draft.display_name = name.to_owned();
    } else if creating {
        return Err(ApiError::unprocessable(
            "invalid_display_name",
            "`integration.display_name` is required",
        ));
    }
    match map.get("api_base_url") {
        None => {}
        Some(Value::Null) => draft.api_base_url = None,
        Some(Value::String(raw)) => {
            draft.api_base_url = Some(
                validate_api_base_url(raw)
                    .map_err(|m| ApiError::unprocessable("invalid_api_base_url", m))?,
            );
        }
        Some(_) => {
            return Err(ApiError::unprocessable(
                "invalid_api_base_url",
                "`integration.api_base_url` must be a string or null",
            ))
        }
    }
    for name in credential_fields {
        match string_field(map, name)? {
            Some(value) => {
                validate_credential(draft.kind, name, value)
                    .map_err(|m| ApiError::unprocessable("invalid_credential", m))?;
                draft.credentials.set(name, value.trim());
            }
            None if creating => {
                return Err(ApiError::unprocessable(
                    "missing_credential",
                    format!(
                        "A {} integration needs `{name}` (all of: {})",
                        draft.kind,
                        credential_fields.join(", ")
                    ),
                ))
            }
            None => {}
        }
    }
    Ok(())
}

fn create(env: &Env, req: &Request, staff: &Staff) -> Result<Response, ApiError> {
    let map = fields(req)?;
    let kind = string_field(&map, "type")?
        .ok_or_else(|| ApiError::unprocessable("invalid_type", "`integration.type` is required"))?;
    let kind = ChannelType::parse(kind).ok_or_else(|| {
        let all: Vec<&str> = ChannelType::ALL.iter().map(|t| t.as_str()).collect();
        ApiError::unprocessable(
            "invalid_type",
            format!(
                "`integration.type` must be one of {}, got {kind:?}",
                all.join(", ")
            ),
        )
    })?;
    let mut draft = Draft {
        kind,
        display_name: String::new(),
        credentials: Credentials::new(),
        api_base_url: None,
    };
    apply(&mut draft, &map, true)?;
    let db = database(env)?;
    let now = env.clock.now_ms();
    let vault = Vault::from_config(env.config)?;
    let created = db.transaction(|db| {
        let created = integrations::insert(db, &vault, env.random, now, &draft)?;
        logged(db, now, staff, "integration.create", &created)?;
        Ok::<_, ApiError>(created)
    })?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"integration": view(env, &created)}),
    ))
}

fn change(env: &Env, req: &Request, id: &str, staff: &Staff) -> Result<Response, ApiError> {
    let map = fields(req)?;
    let db = database(env)?;
    let now = env.clock.now_ms();
    let vault = Vault::from_config(env.config)?;
    let updated = db.transaction(|db| {
        let current = integrations::by_public_id(db, &vault, id)?.ok_or_else(|| {
            ApiError::not_found("not_found", format!("No integration with id {id:?}"))
        })?;
        if let Some(kind) = string_field(&map, "type")? {
            if kind != current.kind.as_str() {
                return Err(ApiError::unprocessable(
                    "type_immutable",
                    "An integration's type cannot change; create a new integration instead",
                ));
            }
        }
        let mut draft = Draft {
            kind: current.kind,
            display_name: current.display_name.clone(),
            credentials: current.credentials.clone(),
            api_base_url: current.api_base_url.clone(),
        };
        apply(&mut draft, &map, false)?;
        integrations::update(db, &vault, env.random, now, &current, &draft)?;
        logged(db, now, staff, "integration.update", &current)?;
        Ok::<_, ApiError>(integrations::by_id(db, &vault, current.id)?)
    })?;
    let updated = updated.ok_or_else(|| ApiError::internal("integration vanished"))?;
    Ok(json(&json!({"integration": view(env, &updated)})))
}

fn remove(env: &Env, id: &str, staff: &Staff) -> Result<Response, ApiError> {
    let db = database(env)?;
    let vault = Vault::from_config(env.config)?;
    let deleted = db.transaction(|db| {
        let Some(current) = integrations::by_public_id(db, &vault, id)? else {
            return Ok(false);
        };
        logged(
            db,
            env.clock.now_ms(),
            staff,
            "integration.delete",
            &current,
        )?;
        Ok::<_, ApiError>(integrations::delete(db, current.id)?)
    })?;
    if !deleted {
        return Err(ApiError::not_found(
            "not_found",
            format!("No integration with id {id:?}"),
        ));
    }
    Ok(no_content())
}
