//! The widget API (`/api/widget/...`): what the website chat widget talks to.
//!
//! A visitor starts a session and keeps its token (stored here only as a digest); the token
//! opens their one conversation. Routes and limits are documented in `docs/widget-api.md`.

use crate::api::commit;
use crate::auth::digest;
use crate::change_feed;
use crate::config;
use crate::conversation::{self, Conversation, Inbound, Switchboard};
use crate::held_polls::{self, Limits};
use crate::ids::{new_public_id, new_token};
use crate::message::validate_text;
use crate::ports::Env;
use crate::rate_limit;
use crate::store::database;
use crate::store::Db;
use crate::surface::{Request, Response, Surface, Uses};
use crate::switchboard::{self, Receipt};
use crate::users::{self, Profile, User};
use crate::web::{
    header, json, json_status, query_param, read_json, segments, ApiError, Credentials, Family,
};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

pub const SURFACE: Surface = Surface {
    component: "widget",
    handle,
    uses: Uses {
        sqlite: true,
        // Only the session rate limit (`rate_limit.rs`): once per visitor, never per message.
        key_value: true,
        // The bot links help-center articles to their public pages under this URL; the
        // long-poll limits (`held_polls.rs`).
        variables: &[
            config::PUBLIC_BASE_URL,
            config::LONG_POLL_PER_ADDRESS,
            config::LONG_POLL_MAX_HELD,
        ],
        outbound: true,
        actions: true,
    },
};

/// Largest request body the widget API reads.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Longest long-poll, in seconds (Spin holds at most 1,000 waiting instances per process).
pub const MAX_WAIT_SECONDS: u64 = 25;
/// Most messages one read returns.
pub const MAX_PAGE: i64 = 100;
/// Messages `GET /api/widget/conversation` returns by default.
pub const HISTORY_PAGE: i64 = 50;
/// New sessions one client address may start per window (a browser needs one; offices share
/// an address).
pub const SESSIONS_PER_WINDOW: u32 = 60;
pub const SESSION_WINDOW_SECS: i64 = 600;

fn handle(env: &Env, req: Request) -> Response {
    let mut response = if req.method() == Method::OPTIONS {
        preflight()
    } else {
        route(env, &req).unwrap_or_else(|e| e.answer(env, Family::Spindesk))
    };
    // The widget runs on the customer's own site, another origin. It authenticates with a
    // bearer token, never cookies, so any origin may call (an allow-list can narrow this later).
    let headers = response.headers_mut();
    headers.insert(
        "access-control-allow-origin",
        http::HeaderValue::from_static("*"),
    );
    headers.insert("vary", http::HeaderValue::from_static("origin"));
    response
}

/// The CORS preflight browsers send before a cross-origin call with `Authorization`.
fn preflight() -> Response {
    http::Response::builder()
        .status(StatusCode::NO_CONTENT)
        .header("access-control-allow-methods", "GET, POST")
        .header(
            "access-control-allow-headers",
            "authorization, content-type",
        )
        .header("access-control-max-age", "86400")
        .body(Vec::new())
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}

fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let method = req.method();
    match segments(req.uri().path()).as_slice() {
        ["api", "widget", "sessions"] => match *method {
            Method::POST => start_session(env, req),
            _ => Err(ApiError::method_not_allowed(method, "POST")),
        },
        ["api", "widget", "conversation"] => match *method {
            Method::GET => get_conversation(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "widget", "messages"] => match *method {
            Method::GET => list_messages(env, req),
            Method::POST => send_message(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET, POST")),
        },
        _ => Err(ApiError::no_route(method, req.uri().path())),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NewSession {
    locale: Option<String>,
    name: Option<String>,
}

/// The client's IP address: Spin puts the peer's `ip:port` in `spin-client-addr`, and the port
/// changes per connection.
fn client_ip(req: &Request) -> Option<&str> {
    let addr = header(req, "spin-client-addr")?;
    Some(addr.rsplit_once(':').map_or(addr, |(ip, _)| ip))
}

fn start_session(env: &Env, req: &Request) -> Result<Response, ApiError> {
    if let Some(ip) = client_ip(req) {
        rate_limit::check(
            env,
            "widget-session",
            ip,
            SESSIONS_PER_WINDOW,
            SESSION_WINDOW_SECS,
        )?;
    }
    // The body is optional: an empty POST starts an English session.
    let input: NewSession = if req.body().iter().all(u8::is_ascii_whitespace) {
        NewSession::default()
    } else {
        read_json(req, MAX_BODY_BYTES)?
    };
    let locale = input.locale.as_deref().map(parse_locale).transpose()?;
    let name = match input.name.as_deref().map(str::trim) {
        Some(n) if n.is_empty() || n.chars().count() > 255 => {
            return Err(ApiError::unprocessable(
                "invalid_name",
                "`name` must be 1 to 255 characters",
            ))
        }
        other => other.map(str::to_owned),
    };
    let db = database(env)?;
    let token = new_token(env.random, "wst_");
    let now = env.clock.now_ms();
    let (user, conversation) = db.transaction(|db| {
        let device = new_public_id(env.random);
        let profile = Profile {
            name,
            email: None,
            locale,
        };
        let user = users::create_customer(db, env.random, now, "web", &device, &profile)?;
        let conversation = conversation::of_user(env, db, &user, "web")?;
        db.execute(
            "INSERT INTO widget_sessions (token_hash, user_id, created_at) VALUES (?, ?, ?)",
            &[digest(&token).into(), user.id.into(), now.into()],
        )?;
        Ok::<_, ApiError>((user, conversation))
    })?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"session": {
            "token": token,
            "user_id": user.public_id,
            "conversation_id": conversation.public_id,
            "locale": user.locale,
        }}),
    ))
}

fn parse_locale(raw: &str) -> Result<String, ApiError> {
    crate::locale::Locale::parse(raw)
        .map(|l| l.tag().to_owned())
        .ok_or_else(|| {
            ApiError::unprocessable(
                "invalid_locale",
                format!("`locale` must be a language tag such as \"en\" or \"ko-KR\", got {raw:?}"),
            )
        })
}

/// The visitor and conversation behind the request's session token.
fn visitor(env: &Env, db: &Db, req: &Request) -> Result<(User, Conversation), ApiError> {
    let user_id = db
        .query_i64(
            "SELECT user_id FROM widget_sessions WHERE token_hash = ?",
            &[session_digest(req)?.into()],
        )?
        .ok_or_else(|| {
            ApiError::unauthorized(
                "invalid_session",
                "The session token is not valid; start a new session",
            )
        })?;
    let user = users::by_id(db, user_id)?.ok_or_else(|| {
        ApiError::unauthorized("invalid_session", "The session's visitor no longer exists")
    })?;
    let conversation = conversation::of_user(env, db, &user, "web")?;
    Ok((user, conversation))
}

/// The digest of the request's session token (what `widget_sessions` stores), or the 401 for
/// a request without one.
fn session_digest(req: &Request) -> Result<String, ApiError> {
    let token = match Credentials::from_request(req) {
        Credentials::Bearer(token) => token,
        Credentials::None => {
            return Err(ApiError::unauthorized(
                "session_required",
                "Start a session with POST /api/widget/sessions and send its token as `Authorization: Bearer <token>`",
            ))
        }
        _ => return Err(ApiError::unauthorized("invalid_session", "The session token is not valid")),
    };
    Ok(digest(&token))
}

fn conversation_json(c: &Conversation) -> serde_json::Value {
    json!({"id": c.public_id, "switchboard": c.switchboard.as_str(), "last_seq": c.last_seq})
}

/// A whole number query parameter within bounds, with a 400 that says which.
fn int_param(req: &Request, name: &str, default: i64, min: i64, max: i64) -> Result<i64, ApiError> {
    match query_param(req, name) {
        None => Ok(default),
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::bad_request(
                "invalid_parameter",
                format!("`{name}` must be a whole number from {min} to {max}, got {raw:?}"),
            )),
        },
    }
}

fn get_conversation(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let limit = int_param(req, "limit", HISTORY_PAGE, 1, MAX_PAGE)?;
    let db = database(env)?;
    let (_, conversation) = visitor(env, &db, req)?;
    let conversation = recover_stalled_call(env, &db, conversation)?;
    let before = int_param(req, "before", conversation.last_seq + 1, 1, i64::MAX)?;
    let messages = conversation::messages_before(&db, conversation.id, before, limit)?;
    let has_more = messages.first().is_some_and(|m| m.seq > 1);
    Ok(json(&json!({
        "conversation": conversation_json(&conversation),
        "messages": messages.iter().map(|m| m.to_widget_json()).collect::<Vec<_>>(),
        "has_more": has_more,
    })))
}

/// A conversation whose bot lost its API call (the instance making it died) continues on the
/// visitor's next read instead of waiting for them to write again; the conversation as it is
/// after that.
fn recover_stalled_call(
    env: &Env,
    db: &Db,
    conversation: Conversation,
) -> Result<Conversation, ApiError> {
    // Only a bot in control awaits calls: agents' conversations cost no extra read.
    if conversation.switchboard != Switchboard::Bot
        || commit::recover_stalled_call(env, db, conversation.id).is_empty()
    {
        return Ok(conversation);
    }
    Ok(conversation::by_id(db, conversation.id)?.unwrap_or(conversation))
}

/// Messages after a cursor, holding the request up to `wait` seconds until there are some —
/// within the limits of `held_polls`; a poll over one answers at once with `retry_after`.
fn list_messages(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let after = int_param(req, "after", 0, 0, i64::MAX)?;
    let wait = int_param(req, "wait", 0, 0, MAX_WAIT_SECONDS as i64)?;
    let limit = int_param(req, "limit", MAX_PAGE, 1, MAX_PAGE)?;
    let db = database(env)?;
    let (_, conversation) = visitor(env, &db, req)?;
    let conversation = recover_stalled_call(env, &db, conversation)?;
    let mut messages = conversation::messages_after(&db, conversation.id, after, limit)?;
    let mut limited = None;
    if messages.is_empty() && wait > 0 {
        let wait = Duration::from_secs(wait as u64);
        let limits = Limits::from_config(env);
        let session = session_digest(req)?;
        match held_polls::hold(env, &db, &session, client_ip(req), wait, limits) {
            Ok(held) => {
                change_feed::wait_past(env, &db, conversation.id, after, wait);
                held_polls::release(env, &db, held);
                messages = conversation::messages_after(&db, conversation.id, after, limit)?;
            }
            Err(limit) => limited = Some(limit),
        }
    }
    let last_seq = messages
        .last()
        .map_or(after.min(conversation.last_seq), |m| m.seq);
    let mut body = json!({
        "messages": messages.iter().map(|m| m.to_widget_json()).collect::<Vec<_>>(),
        "last_seq": last_seq,
    });
    let Some(limit) = limited else {
        return Ok(json(&body));
    };
    // Not an error: nothing new, and the client is told when to look again.
    let retry_after = limit.retry_after_secs();
    body["retry_after"] = json!(retry_after);
    body["limited"] = json!(limit.code());
    let mut response = json(&body);
    if let Ok(value) = http::HeaderValue::from_str(&retry_after.to_string()) {
        response.headers_mut().insert("retry-after", value);
    }
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMessage {
    text: String,
    payload: Option<String>,
    client_id: Option<String>,
}

fn send_message(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let input: NewMessage = read_json(req, MAX_BODY_BYTES)?;
    validate_text(&input.text).map_err(|m| ApiError::unprocessable("invalid_text", m))?;
    if input.payload.as_ref().is_some_and(|p| p.len() > 256) {
        return Err(ApiError::unprocessable(
            "invalid_payload",
            "`payload` must be at most 256 bytes",
        ));
    }
    if let Some(id) = &input.client_id {
        let ok = (1..=64).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(ApiError::unprocessable(
                "invalid_client_id",
                "`client_id` must be 1 to 64 letters, digits, '-' or '_'",
            ));
        }
    }
    let db = database(env)?;
    // Reads and the bot's turn before the write transaction, so the write lock is held only
    // for the writes; `receive` writes the turn only if nothing it depends on changed.
    let (user, conversation) = visitor(env, &db, req)?;
    let inbound = Inbound {
        channel: "web".into(),
        source: input
            .client_id
            .as_ref()
            .map(|_| format!("web:{}", conversation.id)),
        source_message_id: input.client_id.clone(),
        text: input.text.clone(),
        payload: input.payload.clone(),
    };
    let ahead = switchboard::prepare(env, &db, &conversation, &user, &inbound)?;
    let (duplicate, messages) = commit::write(env, &db, |db| {
        // Again inside: agents may have taken the conversation since it was read.
        let conversation = conversation::by_id(db, conversation.id)?.ok_or_else(|| {
            ApiError::unauthorized(
                "invalid_session",
                "The session's conversation no longer exists",
            )
        })?;
        Ok::<_, ApiError>(
            match switchboard::receive(env, db, &conversation, &user, &inbound, ahead)? {
                Receipt::Stored(committed) => (None, committed),
                Receipt::Duplicate(original) => (Some(original), Default::default()),
            },
        )
    })?;
    if let Some(original) = duplicate {
        return Ok(json(
            &json!({"message": original.to_widget_json(), "messages": []}),
        ));
    }
    let first = messages.first().map(|m| m.to_widget_json());
    Ok(json_status(
        StatusCode::CREATED,
        &json!({
            "message": first,
            "messages": messages.iter().map(|m| m.to_widget_json()).collect::<Vec<_>>(),
        }),
    ))
}
