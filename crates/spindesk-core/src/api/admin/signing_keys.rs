//! `/api/admin/signing_keys`: the keys customers' sites sign widget identity tokens with
//! (`crate::signing_keys`, `docs/identity.md`). `POST` creates one and shows its secret once;
//! `GET` lists them without secrets; `DELETE /{kid}` revokes one. Each change is in the admin
//! audit log, without the secret.

use crate::admin_log;
use crate::auth::Staff;
use crate::ports::Env;
use crate::signing_keys::{self, MAX_ACTIVE};
use crate::store::database;
use crate::surface::{Request, Response};
use crate::web::{json, json_status, read_json, ApiError};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

const MAX_BODY_BYTES: usize = 4 * 1024;
const MAX_NAME_CHARS: usize = 100;

pub fn route(
    env: &Env,
    req: &Request,
    segs: &[&str],
    staff: &Staff,
) -> Option<Result<Response, ApiError>> {
    let method = req.method();
    Some(match segs {
        ["api", "admin", "signing_keys"] => match *method {
            Method::GET => list(env),
            Method::POST => create(env, req, staff),
            _ => Err(ApiError::method_not_allowed(method, "GET, POST")),
        },
        ["api", "admin", "signing_keys", kid] => match *method {
            Method::DELETE => revoke(env, kid, staff),
            _ => Err(ApiError::method_not_allowed(method, "DELETE")),
        },
        _ => return None,
    })
}

fn list(env: &Env) -> Result<Response, ApiError> {
    let db = database(env)?;
    let keys = signing_keys::list(&db)?;
    Ok(json(&json!({
        "signing_keys": keys.iter().map(|k| k.to_json()).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NewKey {
    name: Option<String>,
}

fn create(env: &Env, req: &Request, staff: &Staff) -> Result<Response, ApiError> {
    // The body is optional: a key needs no name.
    let input: NewKey = if req.body().iter().all(u8::is_ascii_whitespace) {
        NewKey::default()
    } else {
        read_json(req, MAX_BODY_BYTES)?
    };
    let name = input.name.as_deref().map(str::trim).unwrap_or("");
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::unprocessable(
            "invalid_name",
            format!(
                "`name` must be at most {MAX_NAME_CHARS} characters, without control characters"
            ),
        ));
    }
    let db = database(env)?;
    let now = env.clock.now_ms();
    let (key, secret) = db.transaction(|db| {
        let Some((key, secret)) = signing_keys::create(env, db, name)? else {
            return Err(ApiError::conflict(
                "too_many_active_keys",
                format!(
                    "At most {MAX_ACTIVE} signing keys are active at once (the current one and \
                     its successor); revoke one with DELETE /api/admin/signing_keys/{{kid}} first"
                ),
            ));
        };
        let detail = json!({"name": key.name});
        admin_log::record(
            db,
            now,
            staff,
            "signing_key.create",
            &target(&key.kid),
            &detail,
        )?;
        Ok((key, secret))
    })?;
    let mut view = key.to_json();
    view["secret"] = json!(secret);
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"signing_key": view}),
    ))
}

fn target(kid: &str) -> String {
    format!("signing_key:{kid}")
}

fn revoke(env: &Env, kid: &str, staff: &Staff) -> Result<Response, ApiError> {
    let db = database(env)?;
    let now = env.clock.now_ms();
    let key = db.transaction(|db| {
        let key = signing_keys::by_kid(db, kid)?
            .ok_or_else(|| ApiError::not_found("not_found", format!("No signing key {kid:?}")))?;
        if signing_keys::revoke(db, now, kid)? {
            let detail = json!({"name": key.name});
            admin_log::record(db, now, staff, "signing_key.revoke", &target(kid), &detail)?;
        }
        Ok::<_, ApiError>(signing_keys::by_kid(db, kid)?.unwrap_or(key))
    })?;
    Ok(json(&json!({"signing_key": key.to_json()})))
}
