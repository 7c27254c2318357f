//! `POST /api/widget/login`: a visitor proves who they are with a token their site signed
//! (HS256 with one of the admin's signing keys, `kid` in the header; `docs/identity.md`).
//!
//! The session it starts belongs to the customer with the token's `external_id` — the same
//! customer on every device, so their history follows them. The browser's anonymous session,
//! sent as the bearer token, is ended and its conversation merged into that customer: only
//! that one, because only that browser held its token. Every refusal is a 401 with a code of
//! its own, decided before anything is written, so a refused token stores nothing.

use crate::auth::digest;
use crate::conversation;
use crate::email::Email;
use crate::ids::{new_public_id, new_token};
use crate::jwt::{self, JwtError};
use crate::ports::{Env, Millis};
use crate::rate_limit;
use crate::signing_keys;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::users::identities::{self, Link};
use crate::users::{self, merge, Profile, User};
use crate::web::{json_status, ApiError, Credentials};
use http::StatusCode;
use serde_json::{json, Map, Value};

/// Longest token read. Four claims fit in a few hundred bytes; a larger one is refused as
/// `token_too_large` (401, like every refusal of a token) before it is decoded.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// How far apart `iat` and `exp` may be: a day.
pub const MAX_LIFETIME_SECS: i64 = 86_400;
/// Clock difference tolerated between the site and us.
pub const SKEW_SECS: i64 = 300;
const MAX_TEXT_CHARS: usize = 255;

fn refused(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::unauthorized(code, message)
}

/// What a verified token says about the visitor.
#[derive(Debug)]
struct Identity {
    external_id: String,
    name: Option<String>,
    email: Option<Email>,
    email_verified: bool,
}

/// The token from the body (`{"jwt": "..."}`), within its size limit.
fn token_of(req: &Request) -> Result<String, ApiError> {
    let too_large = || {
        refused(
            "token_too_large",
            format!("The token is over {MAX_TOKEN_BYTES} bytes"),
        )
    };
    if req.body().len() > MAX_TOKEN_BYTES + 1024 {
        return Err(too_large());
    }
    let body: Value = serde_json::from_slice(req.body()).map_err(|_| {
        ApiError::bad_request(
            "invalid_json",
            "The body must be JSON: {\"jwt\": \"<token your site signed>\"}",
        )
    })?;
    let Some(object) = body.as_object().filter(|o| o.len() == 1) else {
        return Err(ApiError::unprocessable(
            "invalid_body",
            "The body must be {\"jwt\": \"<token your site signed>\"} and nothing else",
        ));
    };
    match object.get("jwt") {
        Some(Value::String(token)) if token.len() > MAX_TOKEN_BYTES => Err(too_large()),
        Some(Value::String(token)) => Ok(token.trim().to_owned()),
        _ => Err(ApiError::unprocessable(
            "invalid_body",
            "`jwt` must be the token your site signed, as a string",
        )),
    }
}

/// The key-checked identity in `token`, or the refusal saying why not.
fn verify(env: &Env, db: &Db, token: &str) -> Result<(Identity, String), ApiError> {
    let parsed = jwt::parse(token).map_err(|e| match e {
        JwtError::Algorithm(alg) => refused(
            "unsupported_algorithm",
            format!("Tokens must be signed with HS256, not {alg:?}"),
        ),
        JwtError::NoKeyId => refused(
            "missing_kid",
            "The token's header has no `kid` (the signing key's id)",
        ),
        JwtError::Malformed | JwtError::Signature => refused(
            "malformed_token",
            "The token is not a JWT (three base64url parts: header, claims, signature)",
        ),
    })?;
    let key = signing_keys::by_kid(db, &parsed.kid)?
        .ok_or_else(|| refused("unknown_key", format!("No signing key {:?}", parsed.kid)))?;
    if !key.active() {
        return Err(refused(
            "revoked_key",
            format!("The signing key {:?} has been revoked", key.kid),
        ));
    }
    let secret = signing_keys::secret(env, &key)?;
    let claims: Map<String, Value> = parsed.verify(secret.as_bytes()).map_err(|e| match e {
        JwtError::Signature => refused(
            "invalid_signature",
            "The token's signature does not match its signing key",
        ),
        _ => refused(
            "malformed_token",
            "The token's claims are not a JSON object",
        ),
    })?;
    let identity = check_claims(&claims, env.clock.now_ms() / 1000)?;
    Ok((identity, key.kid))
}

fn invalid(message: impl Into<String>) -> ApiError {
    refused("invalid_claims", message)
}

/// A whole number of seconds (JSON numbers with a fraction are cut).
fn seconds(claims: &Map<String, Value>, name: &str) -> Result<i64, ApiError> {
    match claims.get(name).and_then(Value::as_f64) {
        Some(n) if n.is_finite() => Ok(n as i64),
        _ => Err(invalid(format!(
            "`{name}` is required: seconds since 1970 (the token's lifetime is at most a day)"
        ))),
    }
}

fn text(claims: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) if s.chars().count() > MAX_TEXT_CHARS => Err(invalid(format!(
            "`{name}` must be at most {MAX_TEXT_CHARS} characters"
        ))),
        Some(Value::String(s)) if s.chars().any(char::is_control) => Err(invalid(format!(
            "`{name}` must not hold control characters"
        ))),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(invalid(format!("`{name}` must be a string"))),
    }
}

fn check_claims(claims: &Map<String, Value>, now: i64) -> Result<Identity, ApiError> {
    let exp = seconds(claims, "exp")?;
    let iat = seconds(claims, "iat")?;
    if exp.saturating_add(SKEW_SECS) < now {
        return Err(refused(
            "expired",
            "The token has expired (`exp`); ask your site for a fresh one",
        ));
    }
    if iat > now.saturating_add(SKEW_SECS) {
        return Err(refused(
            "future_iat",
            "The token was issued in the future (`iat`): check the site's clock",
        ));
    }
    if exp.saturating_sub(iat) > MAX_LIFETIME_SECS {
        return Err(refused(
            "lifetime_too_long",
            format!("`exp` may be at most {MAX_LIFETIME_SECS} seconds after `iat`"),
        ));
    }
    let external_id = text(claims, "external_id")?.ok_or_else(|| {
        refused(
            "missing_external_id",
            "The token has no `external_id`: the customer's id in your own system",
        )
    })?;
    let name = text(claims, "name")?;
    let email = match text(claims, "email")? {
        None => None,
        Some(raw) => Some(
            Email::parse(&raw)
                .ok_or_else(|| invalid(format!("`email` is not an e-mail address: {raw:?}")))?,
        ),
    };
    let email_verified = match claims.get("email_verified") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("`email_verified` must be true or false")),
    };
    Ok(Identity {
        external_id,
        name,
        email,
        email_verified,
    })
}

/// Ends the session whose token the request carries (the browser replaces it with the
/// signed-in one), and returns its visitor if they were anonymous: only a customer nobody has
/// signed in as (no external id) is merged at sign-in.
fn replace_session(db: &Db, req: &Request) -> Result<Option<User>, ApiError> {
    let Credentials::Bearer(token) = Credentials::from_request(req) else {
        return Ok(None);
    };
    let user_id = db.query_i64(
        "DELETE FROM widget_sessions WHERE token_hash = ? RETURNING user_id",
        &[digest(&token).into()],
    )?;
    let Some(user) = user_id
        .map(|id| users::by_id(db, id))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    let anonymous = user.role == users::Role::EndUser && user.active && user.external_id.is_none();
    Ok(anonymous.then_some(user))
}

/// The customer with this external id, if one is known.
fn by_external_id(db: &Db, external_id: &str) -> Result<Option<User>, ApiError> {
    let id = db.query_i64(
        "SELECT id FROM users WHERE external_id = ?",
        &[external_id.into()],
    )?;
    Ok(id.map(|id| users::by_id(db, id)).transpose()?.flatten())
}

/// `POST /api/widget/login` from the client `address`, whose new sessions `sessions` limits
/// (the caller has checked the page may embed the widget).
pub fn login(
    env: &Env,
    db: &Db,
    req: &Request,
    address: &str,
    sessions: rate_limit::Limit,
) -> Result<Response, ApiError> {
    let token = token_of(req)?;
    let (identity, kid) = verify(env, db, &token)?;
    let now = env.clock.now_ms();
    rate_limit::check(db, sessions, address, now)?;
    let session = new_token(env.random, "wst_");
    let (user, conversation) = db.transaction(|db| {
        // A sign-in starts a session: it counts against the address's sessions like
        // `POST /api/widget/sessions` (a refused token, refused above, counts nothing).
        rate_limit::count(env, db, sessions, address)?;
        let anonymous = replace_session(db, req)?;
        let user = signed_in_customer(env, db, now, &identity, anonymous)?;
        signing_keys::touch(db, now, &kid)?;
        let conversation = conversation::of_user(env, db, user.id, "web")?;
        db.execute(
            "INSERT INTO widget_sessions (token_hash, user_id, created_at) VALUES (?, ?, ?)",
            &[digest(&session).into(), user.id.into(), now.into()],
        )?;
        Ok::<_, ApiError>((user, conversation))
    })?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"session": {
            "token": session,
            "user_id": user.public_id,
            "external_id": user.external_id,
            "name": user.name,
            "conversation_id": conversation.public_id,
            "locale": user.locale,
            "verified": true,
        }}),
    ))
}

/// The customer the token names, made from the anonymous visitor when the token's customer
/// is new, or with the anonymous visitor merged in when known; then named, and given the
/// token's e-mail (verified or not, as the token says). Caller's transaction.
fn signed_in_customer(
    env: &Env,
    db: &Db,
    now: Millis,
    identity: &Identity,
    anonymous: Option<User>,
) -> Result<User, ApiError> {
    let user = match (by_external_id(db, &identity.external_id)?, anonymous) {
        (Some(known), _) if known.role != users::Role::EndUser || !known.active => {
            return Err(refused(
                "invalid_claims",
                "This `external_id` cannot sign in to the widget (it is not an active customer)",
            ))
        }
        (Some(known), Some(visitor)) => {
            merge::merge_customers(db, now, visitor.id, known.id)?;
            known
        }
        (Some(known), None) => known,
        (None, visitor) => {
            let user = match visitor {
                Some(visitor) => visitor,
                None => {
                    let device = new_public_id(env.random);
                    let profile = Profile::default();
                    users::create_customer(db, env.random, now, "web", &device, &profile)?
                }
            };
            db.execute(
                "UPDATE users SET external_id = ?, updated_at = ? WHERE id = ?",
                &[
                    identity.external_id.clone().into(),
                    now.into(),
                    user.id.into(),
                ],
            )?;
            user
        }
    };
    if let Some(name) = &identity.name {
        db.execute(
            "UPDATE users SET name = ?, updated_at = ? WHERE id = ?",
            &[name.clone().into(), now.into(), user.id.into()],
        )?;
    }
    match (&identity.email, identity.email_verified) {
        (Some(email), true) => {
            // A verified address another customer holds (mail from it reached us) is the
            // same person: one customer from now on.
            if let Link::HeldBy(other) = identities::link_verified_email(db, now, user.id, email)? {
                if merge::refusal(db, other, user.id)?.is_none() {
                    merge::merge_customers(db, now, other, user.id)?;
                    identities::link_verified_email(db, now, user.id, email)?;
                }
            }
        }
        (Some(email), false) => {
            identities::add_unverified(db, now, user.id, "email", email.as_str())?;
        }
        (None, _) => {}
    }
    Ok(users::by_id(db, user.id)?.unwrap_or(user))
}
