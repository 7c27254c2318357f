//! Who is calling: the admin (Spin variable `admin_token`), staff with Zendesk-style API tokens,
//! widget visitors with session tokens. Secrets are compared in constant time, stored only as
//! SHA-256 digests, and never logged or returned after creation.

use crate::config;
use crate::ids::hex;
use crate::ports::Env;
use crate::store::{ensure_schema, Db};
use crate::users::{presence, Role};
use crate::web::{ApiError, Credentials};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A staff member the request is authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staff {
    /// The holder of `admin_token`.
    Admin,
    /// An active user with role agent or admin, via an API token.
    Agent {
        user_id: i64,
        name: String,
        email: String,
        role: Role,
    },
}

impl Staff {
    /// The user id to record as author; the admin token acts as no particular user.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Staff::Admin => None,
            Staff::Agent { user_id, .. } => Some(*user_id),
        }
    }

    /// The admin token, or a person whose role is admin.
    pub fn is_admin(&self) -> bool {
        match self {
            Staff::Admin => true,
            Staff::Agent { role, .. } => *role == Role::Admin,
        }
    }

    /// Who acted, for the admin audit log: the admin token, or the person's email.
    pub fn actor(&self) -> String {
        match self {
            Staff::Admin => "admin_token".to_owned(),
            Staff::Agent { email, .. } => email.clone(),
        }
    }
}

/// Hex SHA-256, the stored form of every token.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Equal in constant time. Both sides are hashed first so lengths leak nothing either.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    let (da, db) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    da.as_slice().ct_eq(db.as_slice()).into()
}

/// Requires an admin: the shared admin token as `Authorization: Bearer <admin_token>` (the
/// bootstrap and break-glass key; 503 while `admin_token` is unset), or an active person with
/// role `admin` and their own API token as Basic `email/token:API_TOKEN` (which works whether
/// or not `admin_token` is set). An agent without the admin role gets 403.
pub fn require_admin(env: &Env, req: &http::Request<Vec<u8>>) -> Result<Staff, ApiError> {
    let credentials = Credentials::from_request(req);
    if let Credentials::Basic { user, password } = &credentials {
        let wrong = || {
            ApiError::unauthorized(
                "unauthorized",
                "The email and API token are not valid (use Basic `email/token:API_TOKEN`)",
            )
        };
        let email = user.strip_suffix("/token").ok_or_else(wrong)?;
        let db = Db::new(env.sql).with_waits(env.clock, env.random);
        ensure_schema(&db, env.clock.now_ms())?;
        let staff = agent_by_token(env, &db, email, password)?.ok_or_else(wrong)?;
        if !staff.is_admin() {
            return Err(ApiError::forbidden(
                "forbidden",
                "Only admins may use the admin API; ask an admin to give you the admin role",
            ));
        }
        touch(env, &db, &staff);
        return Ok(staff);
    }
    let configured = admin_token(env)?;
    match credentials {
        Credentials::Bearer(given) if secrets_equal(&given, &configured) => Ok(Staff::Admin),
        Credentials::None => Err(ApiError::unauthorized(
            "unauthorized",
            "Send the admin token as `Authorization: Bearer <admin_token>`, or an admin's \
             `email/token:API_TOKEN` as Basic auth",
        )),
        _ => Err(ApiError::unauthorized(
            "unauthorized",
            "The admin token is not valid",
        )),
    }
}

/// Staff authentication for routes that change the desk's set-up (groups, memberships): an
/// admin, by [`require_staff`]'s means. 403 for agents without the admin role.
pub fn require_staff_admin(
    env: &Env,
    db: &Db,
    req: &http::Request<Vec<u8>>,
) -> Result<Staff, ApiError> {
    let staff = require_staff(env, db, req)?;
    if staff.is_admin() {
        Ok(staff)
    } else {
        Err(ApiError::forbidden(
            "Forbidden",
            "You do not have access to this page. Only admins may change this.",
        ))
    }
}

/// The agent's workspace is alive: their requests move `last_seen_at` (automatic `away` is
/// computed from it). A failure here must not fail the request, so it is only logged.
fn touch(env: &Env, db: &Db, staff: &Staff) {
    if let Some(user_id) = staff.user_id() {
        if let Err(e) = presence::touch(db, env.clock.now_ms(), user_id) {
            env.warn("presence.touch", e);
        }
    }
}

/// The shortest `admin_token` accepted: it unlocks everything, so it must not be guessable.
pub const ADMIN_TOKEN_MIN_CHARS: usize = 32;

/// The configured admin token: 503 while it is unset, and while it is too short to be a
/// secret (the admin stays disabled rather than guarded by a weak key).
pub fn admin_token(env: &Env) -> Result<String, ApiError> {
    let token = env.config.get(config::ADMIN_TOKEN).ok_or_else(|| {
        ApiError::new(
            http::StatusCode::SERVICE_UNAVAILABLE,
            "admin_disabled",
            "The admin is disabled until the `admin_token` variable is set: run \
             `spin up --variable admin_token=<a long random secret>` or set \
             SPIN_VARIABLE_ADMIN_TOKEN",
        )
    })?;
    let chars = token.chars().count();
    if chars < ADMIN_TOKEN_MIN_CHARS {
        return Err(ApiError::new(
            http::StatusCode::SERVICE_UNAVAILABLE,
            "admin_token_too_short",
            format!(
                "The admin is disabled: the `admin_token` variable is {chars} characters, it \
                 must be at least {ADMIN_TOKEN_MIN_CHARS} (e.g. `openssl rand -hex 24`)"
            ),
        ));
    }
    Ok(token)
}

/// Staff authentication the Zendesk way: Basic `email/token:API_TOKEN`, or the admin token as
/// Bearer. Unknown emails and wrong tokens get the same answer.
pub fn require_staff(env: &Env, db: &Db, req: &http::Request<Vec<u8>>) -> Result<Staff, ApiError> {
    let fail = || {
        ApiError::unauthorized(
            "Couldn't authenticate you",
            "Use Basic auth with `email/token:API_TOKEN`",
        )
    };
    match Credentials::from_request(req) {
        Credentials::Bearer(given) => match admin_token(env) {
            Ok(configured) if secrets_equal(&given, &configured) => Ok(Staff::Admin),
            _ => Err(fail()),
        },
        Credentials::Basic { user, password } => {
            let Some(email) = user.strip_suffix("/token") else {
                return Err(ApiError::unauthorized(
                    "Couldn't authenticate you",
                    "Password authentication is not supported; use `email/token:API_TOKEN`",
                ));
            };
            let staff = agent_by_token(env, db, email, &password)?.ok_or_else(fail)?;
            touch(env, db, &staff);
            Ok(staff)
        }
        _ => Err(fail()),
    }
}

/// The active staff user whose email and token match. The token digest is the lookup key
/// (unique), and the email is then compared in constant time, so timing says nothing about
/// which was wrong. A deactivated person's tokens stop working at once (they are kept, so
/// reactivating restores them).
fn agent_by_token(env: &Env, db: &Db, email: &str, token: &str) -> Result<Option<Staff>, ApiError> {
    let found = db.query_opt(
        "SELECT t.id AS token_id, t.expires_at, t.last_used_at, u.id, u.name, u.email, u.role
         FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = ? AND u.role IN ('agent', 'admin') AND u.active = 1",
        &[digest(token).into()],
        |r| {
            Ok((
                (
                    r.i64("token_id")?,
                    r.opt_i64("expires_at")?,
                    r.opt_i64("last_used_at")?,
                ),
                r.i64("id")?,
                r.string("name")?,
                r.opt_string("email")?.unwrap_or_default(),
                r.string("role")?,
            ))
        },
    )?;
    let Some(((token_id, expires_at, last_used_at), user_id, name, stored_email, role)) = found
    else {
        return Ok(None);
    };
    let Some(role) = Role::parse(&role).filter(|r| r.is_staff()) else {
        return Ok(None);
    };
    if !secrets_equal(&stored_email.to_lowercase(), &email.to_lowercase()) {
        return Ok(None);
    }
    let now = env.clock.now_ms();
    if expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::unauthorized(
            "token_expired",
            "This API token has expired; ask an admin for a new one",
        ));
    }
    // When each token was last used, for admins deciding what to revoke; written at most once
    // a minute per token so a busy workspace does not write on every read. Never fails auth.
    if last_used_at.is_none_or(|at| at < now - TOKEN_USE_EVERY_MS) {
        if let Err(e) = db.execute(
            "UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
            &[now.into(), token_id.into()],
        ) {
            env.warn("auth.token_use", e);
        }
    }
    Ok(Some(Staff::Agent {
        user_id,
        name,
        email: stored_email,
        role,
    }))
}

/// How often a token's `last_used_at` moves.
const TOKEN_USE_EVERY_MS: i64 = 60_000;
