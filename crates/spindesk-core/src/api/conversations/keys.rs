//! An app's API keys (`/v2/apps/{appId}/keys`, Sunshine's shape). The secret is returned once,
//! on creation. It is stored as a SHA-256 digest, which Basic auth compares, and sealed with
//! the vault (`credentials_key`), because checking a JWT's HS256 signature needs the secret
//! itself. Managed with the admin token only.

use super::input::{self, bad};
use crate::ids::{new_public_id, new_token};
use crate::ports::{Env, SqlError};
use crate::store::{Db, Row};
use crate::surface::{Request, Response};
use crate::vault::Vault;
use crate::web::{json, json_status, ApiError};
use http::{Method, StatusCode};
use serde_json::json;

/// Keys an app may have: a bound on what one admin mistake (a loop) can create.
pub const MAX_KEYS_PER_APP: i64 = 100;

#[derive(Debug, Clone)]
pub struct Key {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    pub secret_digest: String,
    secret_sealed: String,
}

fn from_row(r: &Row) -> Result<Key, SqlError> {
    Ok(Key {
        id: r.string("id")?,
        app_id: r.string("app_id")?,
        display_name: r.string("display_name")?,
        secret_digest: r.string("secret_digest")?,
        secret_sealed: r.string("secret_sealed")?,
    })
}

const COLUMNS: &str = "id, app_id, display_name, secret_digest, secret_sealed";

pub fn by_id(db: &Db, id: &str) -> Result<Option<Key>, ApiError> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM sunshine_keys WHERE id = ?"),
        &[id.into()],
        from_row,
    )?)
}

fn owner(id: &str) -> String {
    format!("sunshine_key:{id}")
}

/// The key's secret, opened from the vault (to check a JWT signed with it).
pub fn secret(env: &Env, key: &Key) -> Result<String, ApiError> {
    let vault = Vault::from_config(env.config)?;
    Ok(vault.open(&owner(&key.id), &key.secret_sealed)?)
}

fn key_json(key: &Key) -> serde_json::Value {
    json!({"id": key.id, "displayName": key.display_name})
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("not_found", format!("No API key {id} in this app"))
}

/// `/v2/apps/{appId}/keys`: GET lists, POST creates.
pub fn collection(env: &Env, db: &Db, req: &Request, app_id: &str) -> Result<Response, ApiError> {
    match *req.method() {
        Method::GET => {
            let keys = db.query(
                &format!(
                    "SELECT {COLUMNS} FROM sunshine_keys WHERE app_id = ? ORDER BY created_at, id"
                ),
                &[app_id.into()],
                from_row,
            )?;
            Ok(json(
                &json!({"keys": keys.iter().map(key_json).collect::<Vec<_>>()}),
            ))
        }
        Method::POST => create(env, db, req, app_id),
        _ => Err(ApiError::method_not_allowed(req.method(), "GET, POST")),
    }
}

fn create(env: &Env, db: &Db, req: &Request, app_id: &str) -> Result<Response, ApiError> {
    let body = input::object(req)?;
    input::only(&body, &["displayName"], "a key")?;
    let name = input::text(body.get("displayName"), "displayName", 1, 100)?
        .flatten()
        .ok_or_else(|| bad("`displayName` is required"))?;
    let vault = Vault::from_config(env.config)?;
    let id = format!("app_{}", new_public_id(env.random));
    let secret = new_token(env.random, "");
    let sealed = vault.seal(env.random, &owner(&id), &secret);
    let now = env.clock.now_ms();
    db.transaction(|db| {
        let count = db
            .query_i64(
                "SELECT COUNT(*) FROM sunshine_keys WHERE app_id = ?",
                &[app_id.into()],
            )?
            .unwrap_or(0);
        if count >= MAX_KEYS_PER_APP {
            return Err(ApiError::conflict(
                "conflict",
                format!("An app has at most {MAX_KEYS_PER_APP} keys; delete one first"),
            ));
        }
        db.execute(
            "INSERT INTO sunshine_keys (id, app_id, display_name, secret_digest, secret_sealed, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                id.clone().into(),
                app_id.into(),
                name.clone().into(),
                crate::auth::digest(&secret).into(),
                sealed.into(),
                now.into(),
            ],
        )?;
        Ok(())
    })?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"key": {"id": id, "displayName": name, "secret": secret}}),
    ))
}

/// `/v2/apps/{appId}/keys/{keyId}`: GET shows (never the secret), DELETE revokes.
pub fn item(db: &Db, req: &Request, app_id: &str, id: &str) -> Result<Response, ApiError> {
    // The method first: a wrong one is 405 whether or not the key exists.
    if !matches!(*req.method(), Method::GET | Method::DELETE) {
        return Err(ApiError::method_not_allowed(req.method(), "GET, DELETE"));
    }
    let key = by_id(db, id)?
        .filter(|k| k.app_id == app_id)
        .ok_or_else(|| not_found(id))?;
    match *req.method() {
        Method::GET => Ok(json(&json!({"key": key_json(&key)}))),
        Method::DELETE => {
            db.execute("DELETE FROM sunshine_keys WHERE id = ?", &[id.into()])?;
            Ok(json(&json!({})))
        }
        _ => Err(ApiError::method_not_allowed(req.method(), "GET, DELETE")),
    }
}
