//! Who may call the Sunshine API, Sunshine's way: an app's API key as Basic
//! `<key id>:<secret>`, or a JWT signed with the key's secret (HS256, the key id in the `kid`
//! header, `{"scope": "app"}`) as Bearer. The admin token keeps working (Bearer, or Basic with
//! any user name). Wrong or missing credentials: 401; a key of another app: 403.

use super::keys;
use crate::auth::{admin_token, secrets_equal};
use crate::jwt::{self, JwtError};
use crate::ports::Env;
use crate::store::Db;
use crate::surface::Request;
use crate::web::{ApiError, Credentials};
use serde::Deserialize;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The admin token: every app, and key management.
    Admin,
    /// An API key of the app in the path.
    Key(String),
}

fn unauthorized() -> ApiError {
    ApiError::unauthorized(
        "unauthorized",
        "Use Basic auth with an API key id and secret, a JWT signed with the key's secret \
         (HS256, `kid` header, scope `app`), or the admin token",
    )
}

fn other_app(key_id: &str) -> ApiError {
    ApiError::forbidden(
        "forbidden",
        format!("The API key {key_id} belongs to another app"),
    )
}

pub fn authenticate(env: &Env, db: &Db, req: &Request, app_id: &str) -> Result<Caller, ApiError> {
    match Credentials::from_request(req) {
        Credentials::Basic { user, password } => {
            if let Some(key) = keys::by_id(db, &user)? {
                if !secrets_equal(&crate::auth::digest(&password), &key.secret_digest) {
                    return Err(unauthorized());
                }
                return for_app(key, app_id);
            }
            admin(env, &password)
        }
        Credentials::Bearer(token) if token.split('.').count() == 3 => {
            let key = verify_jwt(env, db, &token)?;
            for_app(key, app_id)
        }
        Credentials::Bearer(token) => admin(env, &token),
        // While the admin is disabled (no admin token), say so rather than a bare 401.
        Credentials::None | Credentials::Malformed => admin(env, ""),
    }
}

fn for_app(key: keys::Key, app_id: &str) -> Result<Caller, ApiError> {
    if key.app_id == app_id {
        Ok(Caller::Key(key.id))
    } else {
        Err(other_app(&key.id))
    }
}

fn admin(env: &Env, given: &str) -> Result<Caller, ApiError> {
    let configured = admin_token(env)?;
    if !given.is_empty() && secrets_equal(given, &configured) {
        Ok(Caller::Admin)
    } else {
        Err(unauthorized())
    }
}

#[derive(Deserialize)]
struct Claims {
    scope: Option<String>,
    exp: Option<serde_json::Value>,
}

/// The key that signed `token`, once its signature, algorithm, scope and expiry hold
/// (`crate::jwt`: HS256 only, constant-time signature check).
fn verify_jwt(env: &Env, db: &Db, token: &str) -> Result<keys::Key, ApiError> {
    let parsed = jwt::parse(token).map_err(|e| match e {
        JwtError::Algorithm(alg) => ApiError::unauthorized(
            "unauthorized",
            format!("JWTs must be signed with HS256, not {alg:?}"),
        ),
        JwtError::NoKeyId => ApiError::unauthorized(
            "unauthorized",
            "The JWT header has no `kid` (the API key id)",
        ),
        JwtError::Malformed | JwtError::Signature => unauthorized(),
    })?;
    let key = keys::by_id(db, &parsed.kid)?.ok_or_else(unauthorized)?;
    let secret = keys::secret(env, &key)?;
    let claims: Claims = parsed
        .verify(secret.as_bytes())
        .map_err(|_| unauthorized())?;
    if claims.scope.as_deref() != Some("app") {
        return Err(ApiError::unauthorized(
            "unauthorized",
            "The JWT's `scope` must be \"app\"",
        ));
    }
    if let Some(exp) = claims.exp {
        let now_s = env.clock.now_ms() / 1000;
        match exp.as_i64() {
            Some(exp) if exp > now_s => {}
            _ => {
                return Err(ApiError::unauthorized(
                    "unauthorized",
                    "The JWT has expired (`exp`)",
                ))
            }
        }
    }
    Ok(key)
}

/// Key management is the admin's alone: a key cannot mint more keys.
pub fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    match caller {
        Caller::Admin => Ok(()),
        Caller::Key(_) => Err(ApiError::forbidden(
            "forbidden",
            "API keys are managed with the admin token",
        )),
    }
}
