//! The widget API (`/api/widget/...`): what the website chat widget talks to.
//!
//! A visitor starts a session and keeps its token (stored here only as a digest); the token
//! opens their one conversation. Routes and limits are documented in `docs/widget-api.md`.

mod fields;
mod login;
mod notice_links;
mod settings;
mod uploads;

use crate::activity::{self, Side};
use crate::api::activity as activity_routes;
use crate::api::commit;
use crate::attachments::{self, Uploader};
use crate::auth::digest;
use crate::change_feed;
use crate::config;
use crate::conversation::{self, Conversation, Inbound, Switchboard};
use crate::grip;
use crate::held_polls::{self, Limits};
use crate::ids::{new_public_id, new_token};
use crate::message::validate_text;
use crate::ports::{Env, Millis};
use crate::rate_limit;
use crate::store::{count_of, database, qualified, Db};
use crate::surface::{Answer, BodyStream, Handler, Request, Response, Streamed, Surface, Uses};
use crate::switchboard::{self, Receipt};
use crate::users::{self, Profile, User};
use crate::web::client_address::{self, client_key, TrustedProxies};
use crate::web::{
    json, json_status, no_content, query_param, read_json, segments, ApiError, Credentials, Family,
};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

pub const SURFACE: Surface = Surface {
    component: "widget",
    // Answers first so that the webhook deliveries a customer's message causes go out after
    // the customer has the answer; the response itself is `handle`'s.
    handle: Handler::AnswerFirst(answer),
    uses: Uses {
        sqlite: true,
        // Rate limits count in SQLite too (`rate_limit.rs`): nothing here touches the store.
        key_value: false,
        // The bot links help-center articles to their public pages under this URL; the
        // long-poll limits (`held_polls.rs`); who may say who the client is (`trusted_proxies`)
        // and how much one session and one address may send; the push hub (`grip.rs`):
        // Pushpin's signing key and publish endpoint.
        variables: &[
            config::PUBLIC_BASE_URL,
            config::TRUSTED_PROXIES,
            config::WIDGET_MESSAGES_PER_MINUTE,
            config::WIDGET_MESSAGES_PER_ADDRESS_PER_MINUTE,
            config::WIDGET_SESSION_IDLE_DAYS,
            config::WIDGET_SESSION_MAX_DAYS,
            config::LONG_POLL_PER_ADDRESS,
            config::LONG_POLL_MAX_HELD,
            config::GRIP_KEY,
            config::GRIP_PUBLISH_URL,
            // The bot's secret API-call headers are sealed with it; webhook secrets too.
            config::CREDENTIALS_KEY,
            // Sends the webhook deliveries its writes record.
            config::WEBHOOK_DISABLE_AFTER_DAYS,
            // Uploads (`uploads.rs`): their limits, and the links to the files.
            config::ATTACHMENT_URL_KEY,
            config::ATTACHMENT_MAX_BYTES,
            config::ATTACHMENT_LINK_CUSTOMER_MINUTES,
            config::WIDGET_UPLOADS_PER_WINDOW,
            config::WIDGET_UPLOAD_WINDOW_MINUTES,
            // Checks the signed links of notice e-mails (continue, unsubscribe).
            config::NOTICE_LINK_SECRET,
        ],
        outbound: true,
        actions: true,
        files: true,
        help_center: true,
    },
    // `POST /api/widget/uploads` reads its body as it arrives.
    streamed: &[UPLOADS],
};

/// The streamed route: the widget component's handler reads this one's body as it arrives.
const UPLOADS: Streamed = Streamed {
    method: "POST",
    path: "/api/widget/uploads",
    handle: upload,
};

fn upload(env: &Env, req: Request, body: &mut dyn BodyStream) -> Response {
    let visitor = |db: &Db| visitor(env, db, &req);
    let mut response = uploads::receive(env, &req, body, visitor)
        .unwrap_or_else(|e| e.answer(env, Family::Spindesk));
    // The widget runs on the customer's site, another origin (as every widget route).
    response.headers_mut().insert(
        "access-control-allow-origin",
        http::HeaderValue::from_static("*"),
    );
    response
}

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
pub const SESSIONS_PER_WINDOW: i64 = 60;
pub const SESSION_WINDOW_SECS: i64 = 600;
/// Messages one session may send per minute (`widget_messages_per_minute`): each runs a bot
/// turn, a help-center search, perhaps an API call or a new ticket. People type far slower.
pub const DEFAULT_MESSAGES_PER_MINUTE: i64 = 20;
/// Messages one client address may send per minute (`widget_messages_per_address_per_minute`):
/// an office or a mobile carrier's NAT puts many visitors behind one address.
pub const DEFAULT_MESSAGES_PER_ADDRESS_PER_MINUTE: i64 = 300;
/// A session ends after this many days without a message in its conversation
/// (`widget_session_idle_days`)...
pub const DEFAULT_SESSION_IDLE_DAYS: i64 = 90;
/// ...and this many days after it began at the latest (`widget_session_max_days`).
pub const DEFAULT_SESSION_MAX_DAYS: i64 = 365;
const DAY_MS: Millis = 86_400_000;

const SESSIONS: rate_limit::Limit = rate_limit::Limit {
    name: "widget-sessions",
    per_window: SESSIONS_PER_WINDOW,
    window_ms: SESSION_WINDOW_SECS * 1000,
};

/// The per-session and per-address message limits, as configured.
fn message_limits(env: &Env) -> [rate_limit::Limit; 2] {
    [
        rate_limit::Limit {
            name: "widget-messages",
            per_window: config::whole_number(
                env,
                config::WIDGET_MESSAGES_PER_MINUTE,
                DEFAULT_MESSAGES_PER_MINUTE,
            ),
            window_ms: 60_000,
        },
        rate_limit::Limit {
            name: "widget-messages-address",
            per_window: config::whole_number(
                env,
                config::WIDGET_MESSAGES_PER_ADDRESS_PER_MINUTE,
                DEFAULT_MESSAGES_PER_ADDRESS_PER_MINUTE,
            ),
            window_ms: 60_000,
        },
    ]
}

fn answer(env: &Env, req: Request) -> Answer {
    let method = req.method().clone();
    crate::webhooks::delivery::after_answer(Answer::now(handle(env, req)), &method)
}

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

/// The CORS preflight browsers send before a cross-origin call with `Authorization`. Every
/// method a widget route answers: `DELETE` is the logout (`/api/widget/sessions/current`).
fn preflight() -> Response {
    http::Response::builder()
        .status(StatusCode::NO_CONTENT)
        .header("access-control-allow-methods", "GET, POST, PUT, DELETE")
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
        ["api", "widget", "settings"] => match *method {
            Method::GET => settings::get(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "widget", "proactive", rule, what] => match *method {
            Method::POST => settings::count(env, req, rule, what, &client(env, req)),
            _ => Err(ApiError::method_not_allowed(method, "POST")),
        },
        ["api", "widget", "sessions", "current"] => match *method {
            Method::DELETE => end_session(env, req),
            _ => Err(ApiError::method_not_allowed(method, "DELETE")),
        },
        ["api", "widget", "login"] => match *method {
            Method::POST => {
                // Only pages the widget may be embedded on sign visitors in.
                let db = database(env)?;
                embedding_allowed(&db, req)?;
                login::login(env, &db, req, &client(env, req), SESSIONS)
            }
            _ => Err(ApiError::method_not_allowed(method, "POST")),
        },
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
        // POST is a streamed route (`UPLOADS`): the adapters never bring it here.
        ["api", "widget", "uploads"] => Err(ApiError::method_not_allowed(method, "POST")),
        ["api", "widget", "events"] => match *method {
            Method::GET => events(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "widget", "typing"] => match *method {
            Method::POST => typing(env, req),
            _ => Err(ApiError::method_not_allowed(method, "POST")),
        },
        ["api", "widget", "fields"] => match *method {
            Method::PUT => conversation_fields(env, req),
            _ => Err(ApiError::method_not_allowed(method, "PUT")),
        },
        ["api", "widget", "read"] => match *method {
            Method::POST => read(env, req),
            _ => Err(ApiError::method_not_allowed(method, "POST")),
        },
        ["api", "widget", "continue"] => match *method {
            Method::GET => notice_links::continue_conversation(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "widget", "unsubscribe"] => match *method {
            Method::GET => notice_links::confirm_unsubscribe(env, req),
            Method::POST => notice_links::unsubscribe(env, req),
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

/// The key the client's address is counted under (see `web::client_address`). Behind Pushpin
/// every peer is Pushpin, which appends the real peer to `X-Forwarded-For`
/// (`x_forwarded_for=truncate:0,append` in `pushpin/start.sh`, so a client's own header is
/// dropped): on a request Pushpin signed, that last entry is the client.
fn client(env: &Env, req: &Request) -> String {
    if grip::sig::verified(env, req) {
        if let Some(ip) = client_address::last_forwarded(req) {
            return client_address::key_of(ip);
        }
    }
    let raw = env.config.get(config::TRUSTED_PROXIES).unwrap_or_default();
    let trusted = TrustedProxies::parse(&raw).unwrap_or_else(|e| {
        // A typo must not let every visitor name their own address: trust no proxy.
        env.warn(
            "config.invalid",
            format!("trusted_proxies: {e}; trusting no proxy"),
        );
        TrustedProxies::default()
    });
    client_key(req, &trusted)
}

fn start_session(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let address = client(env, req);
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
    embedding_allowed(&db, req)?;
    let token = new_token(env.random, "wst_");
    let now = env.clock.now_ms();
    rate_limit::check(&db, SESSIONS, &address, now)?;
    let (user, conversation) = db.transaction(|db| {
        rate_limit::count(env, db, SESSIONS, &address)?;
        sweep_sessions(env, db, now)?;
        let device = new_public_id(env.random);
        let profile = Profile {
            name,
            email: None,
            locale,
        };
        let user = users::create_customer(db, env.random, now, "web", &device, &profile)?;
        let conversation = conversation::start(env, db, user.id, "web")?;
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

/// A page on a site outside the admin's allow-list gets no session. Browsers send `Origin` on
/// every cross-origin call (and on same-origin POSTs); a request without one is not from a
/// page (an app, a script), which the allow-list is not about.
fn embedding_allowed(db: &Db, req: &Request) -> Result<(), ApiError> {
    let Some(origin) = crate::web::header(req, "origin") else {
        return Ok(());
    };
    let allowed = crate::widget_settings::load(db)?.allowed_origins;
    if crate::widget_settings::origins::allows(&allowed, origin) {
        return Ok(());
    }
    Err(ApiError::forbidden(
        "origin_not_allowed",
        format!("The widget is not allowed on {origin:?}: add it to the allowed origins in the widget settings"),
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

/// The visitor and their conversation behind the request's session token, in one read (a
/// message's bot turn needs both). A session ends after [`config::WIDGET_SESSION_IDLE_DAYS`]
/// without a message in its conversation, and at the latest [`config::WIDGET_SESSION_MAX_DAYS`]
/// after it began; it ends at once by logging out.
fn visitor(env: &Env, db: &Db, req: &Request) -> Result<(User, Conversation), ApiError> {
    // The session's own columns, then the visitor's, then the conversation's (each record's
    // columns read from its own part of the row: they share names).
    const SESSION: usize = 2;
    let found = db.query_opt(
        &format!(
            "SELECT s.created_at AS session_started, c.updated_at AS active_at, {}, {}
             FROM widget_sessions s JOIN users u ON u.id = s.user_id
             LEFT JOIN conversations c ON c.user_id = s.user_id
             WHERE s.token_hash = ?",
            qualified("u", users::COLUMNS),
            qualified("c", conversation::COLUMNS)
        ),
        &[session_digest(req)?.into()],
        |r| {
            Ok((
                r.i64("session_started")?,
                // The conversation's, the visitor's last activity (one per customer).
                r.opt_i64("active_at")?,
                users::from_row(&r.part(SESSION))?,
                conversation::joined(&r.part(SESSION + count_of(users::COLUMNS)))?,
            ))
        },
    )?;
    let Some((created_at, active_at, user, conversation)) = found else {
        return Err(ApiError::unauthorized(
            "invalid_session",
            "The session token is not valid; start a new session",
        ));
    };
    let lifetime = SessionLifetime::from_config(env);
    let now = env.clock.now_ms();
    let last_active = active_at.unwrap_or(created_at).max(created_at);
    if now.saturating_sub(created_at) > lifetime.max_ms
        || now.saturating_sub(last_active) > lifetime.idle_ms
    {
        return Err(ApiError::unauthorized(
            "session_expired",
            "The session has expired; start a new session",
        ));
    }
    let conversation = match conversation {
        Some(conversation) => conversation,
        None => conversation::of_user(env, db, user.id, "web")?,
    };
    Ok((user, conversation))
}

/// The conversation behind the request's session token: what the routes that need only the
/// conversation (a poll, the history, typing) read, through [`visitor`]'s one read.
fn session(env: &Env, db: &Db, req: &Request) -> Result<Conversation, ApiError> {
    visitor(env, db, req).map(|(_, conversation)| conversation)
}

/// `e`, unless the conversation is gone — its visitor's data erased since the session was
/// read, so the message's insert was refused by its foreign key: the session is over.
fn erased_or(db: &Db, conversation_id: i64, e: crate::Error) -> ApiError {
    match &e {
        crate::Error::Sql(sql) if sql.kind == crate::ports::SqlErrorKind::Constraint => {
            match conversation::by_id(db, conversation_id) {
                Ok(None) => ApiError::unauthorized(
                    "invalid_session",
                    "The session's conversation no longer exists",
                ),
                _ => e.into(),
            }
        }
        _ => e.into(),
    }
}

/// How long widget sessions live, from the variables.
struct SessionLifetime {
    idle_ms: Millis,
    max_ms: Millis,
}

impl SessionLifetime {
    fn from_config(env: &Env) -> Self {
        let days = |name, default| {
            config::whole_number(env, name, default)
                .clamp(1, 3650)
                .saturating_mul(DAY_MS)
        };
        Self {
            idle_ms: days(config::WIDGET_SESSION_IDLE_DAYS, DEFAULT_SESSION_IDLE_DAYS),
            max_ms: days(config::WIDGET_SESSION_MAX_DAYS, DEFAULT_SESSION_MAX_DAYS),
        }
    }
}

/// `DELETE /api/widget/sessions/current`: the token stops working at once (the visitor's
/// conversation stays for the agents; a new session starts a new visitor).
fn end_session(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let db = database(env)?;
    let digest = session_digest(req)?;
    let ended = db.transaction(|db| {
        db.query_i64(
            "DELETE FROM widget_sessions WHERE token_hash = ? RETURNING 1",
            &[digest.clone().into()],
        )
    })?;
    if ended.is_none() {
        return Err(ApiError::unauthorized(
            "invalid_session",
            "The session token is not valid (or the session has already ended)",
        ));
    }
    Ok(no_content())
}

/// Sessions past their absolute lifetime are deleted a few at a time as new ones start.
fn sweep_sessions(env: &Env, db: &Db, now: Millis) -> Result<(), ApiError> {
    let lifetime = SessionLifetime::from_config(env);
    db.execute(
        "DELETE FROM widget_sessions WHERE token_hash IN
             (SELECT token_hash FROM widget_sessions WHERE created_at < ? LIMIT 50)",
        &[(now - lifetime.max_ms).into()],
    )?;
    Ok(())
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
    let conversation = session(env, &db, req)?;
    let conversation = recover_stalled_call(env, &db, conversation)?;
    // The visitor's own read position: the unread badge counts from it, so every tab and
    // device of the visitor shows the same number.
    let mine = activity::of(&db, conversation.id, Side::Customer, env.clock.now_ms())?;
    let before = int_param(req, "before", conversation.last_seq + 1, 1, i64::MAX)?;
    let messages = conversation::messages_before(&db, conversation.id, before, limit)?;
    let has_more = messages.first().is_some_and(|m| m.seq > 1);
    Ok(json(&json!({
        "conversation": conversation_json(&conversation),
        "messages": uploads::messages_json(env, &db, &messages)?,
        "has_more": has_more,
        "read_seq": mine.read_seq,
        // Whether `GET /api/widget/events` will stream: only through the push hub, which
        // signed this request too. The widget long-polls otherwise.
        "stream": grip::sig::verified(env, req),
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

/// Messages after a cursor, holding the request up to `wait` seconds until there are some (or
/// the agent types or reads). Through Pushpin (a valid `Grip-Sig`) the hold is Pushpin's: the
/// answer is at once, with instructions, and the next publish on the conversation's channel
/// releases it. Otherwise the instance waits, within the limits of `held_polls`; a poll over
/// one answers at once with `retry_after`.
fn list_messages(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let after = int_param(req, "after", 0, 0, i64::MAX)?;
    let wait = int_param(req, "wait", 0, 0, MAX_WAIT_SECONDS as i64)?;
    let limit = int_param(req, "limit", MAX_PAGE, 1, MAX_PAGE)?;
    let db = database(env)?;
    let conversation = session(env, &db, req)?;
    let conversation = recover_stalled_call(env, &db, conversation)?;
    let mut messages = conversation::messages_after(&db, conversation.id, after, limit)?;
    let mut limited = None;
    if messages.is_empty() && wait > 0 {
        if grip::sig::verified(env, req) {
            let agent = activity::of(&db, conversation.id, Side::Agent, env.clock.now_ms())?;
            let last_seq = after.min(conversation.last_seq);
            let body = json!({"messages": [], "last_seq": last_seq, "agent": agent.to_json()});
            let channels = [grip::widget_channel(conversation.id)];
            return Ok(grip::hold::long_poll(
                &channels,
                wait as u64,
                body.to_string().into_bytes(),
            ));
        }
        let wait = Duration::from_secs(wait as u64);
        let limits = Limits::from_config(env);
        let session = session_digest(req)?;
        let address = client(env, req);
        match held_polls::hold(env, &db, &session, Some(&address), wait, limits) {
            Ok(held) => {
                change_feed::wait_past(env, &db, conversation.id, after, Side::Agent, wait);
                held_polls::release(env, &db, held);
                messages = conversation::messages_after(&db, conversation.id, after, limit)?;
            }
            Err(limit) => limited = Some(limit),
        }
    }
    let last_seq = messages
        .last()
        .map_or(after.min(conversation.last_seq), |m| m.seq);
    let agent = activity::of(&db, conversation.id, Side::Agent, env.clock.now_ms())?;
    let mut body = json!({
        "messages": uploads::messages_json(env, &db, &messages)?,
        "last_seq": last_seq,
        "agent": agent.to_json(),
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

/// The conversation as server-sent events, held by Pushpin: an `update` with the messages
/// after the cursor and the agent's activity, then every update published to the
/// conversation's channel. Only through Pushpin: Spin cannot hold thousands of streams, so a
/// request without a valid `Grip-Sig` is told to long-poll instead.
fn events(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let after = int_param(req, "after", 0, 0, i64::MAX)?;
    if !grip::sig::verified(env, req) {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "stream_unavailable",
            "Event streams need the push hub (Pushpin) in front; long-poll GET /api/widget/messages?after=&wait= instead",
        ));
    }
    let db = database(env)?;
    let conversation = session(env, &db, req)?;
    let conversation = recover_stalled_call(env, &db, conversation)?;
    let messages = conversation::messages_after(&db, conversation.id, after, MAX_PAGE)?;
    let last_seq = messages
        .last()
        .map_or(after.min(conversation.last_seq), |m| m.seq);
    let agent = activity::of(&db, conversation.id, Side::Agent, env.clock.now_ms())?;
    let first = json!({
        "messages": uploads::messages_json(env, &db, &messages)?,
        "last_seq": last_seq,
        "agent": agent.to_json(),
    });
    let channels = [grip::widget_channel(conversation.id)];
    Ok(grip::hold::stream(
        &channels,
        grip::hold::sse_event("update", &first).into_bytes(),
    ))
}

fn at(conversation: &Conversation) -> activity_routes::At {
    activity_routes::At {
        conversation_id: conversation.id,
        last_seq: conversation.last_seq,
    }
}

/// The visitor is typing (`{"typing": true}`, repeated while they type) or stopped. Shown to
/// the agents on the conversation's ticket.
fn typing(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let typing = activity_routes::typing_body(req)?;
    let db = database(env)?;
    let conversation = session(env, &db, req)?;
    activity_routes::typing(env, &db, at(&conversation), Side::Customer, typing)
}

/// The visitor has read the conversation up to `seq` (a read receipt for the agents).
fn read(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let seq = activity_routes::read_body(req)?;
    let db = database(env)?;
    let conversation = session(env, &db, req)?;
    activity_routes::read(env, &db, at(&conversation), Side::Customer, seq)
}

/// The page's values for the conversation (`fields.rs`).
fn conversation_fields(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let db = database(env)?;
    let conversation = session(env, &db, req)?;
    fields::put(&db, req, &conversation)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMessage {
    /// May be empty when the message carries files.
    #[serde(default)]
    text: String,
    payload: Option<String>,
    client_id: Option<String>,
    /// Ids of the session's uploads (`POST /api/widget/uploads`) the message carries.
    attachments: Option<Vec<String>>,
}

fn send_message(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let input: NewMessage = read_json(req, MAX_BODY_BYTES)?;
    let files = uploads::parse_ids(input.attachments.clone())?;
    if files.is_empty() || !input.text.is_empty() {
        validate_text(&input.text).map_err(|m| ApiError::unprocessable("invalid_text", m))?;
    }
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
    // A flood is refused before its bot turns run; the counts inside the transaction are exact.
    let [per_session, per_address] = message_limits(env);
    let session = conversation.public_id.clone();
    let address = client(env, req);
    let now = env.clock.now_ms();
    let limits = [
        (per_session, session.as_str()),
        (per_address, address.as_str()),
    ];
    rate_limit::check_all(&db, &limits, now)?;
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
    let (duplicate, messages) = switchboard::write_turn(ahead, |turn| {
        commit::write(env, &db, |db| {
            rate_limit::count_all(env, db, &limits)?;
            // Who answers is read again as the message is stored (agents may have taken the
            // conversation since it was read).
            let received = switchboard::receive(env, db, &conversation, &user, &inbound, turn)
                .map_err(|e| erased_or(db, conversation.id, e))?;
            Ok::<_, ApiError>(match received {
                Receipt::Stored(mut committed) => {
                    // The customer's message is the first posted: its files go with it, or
                    // nothing is written.
                    if let (Some(message), false) =
                        (committed.messages.first_mut(), files.is_empty())
                    {
                        let owner = Uploader::Customer(user.id);
                        attachments::attach_to_message(
                            db,
                            conversation.id,
                            message.id,
                            owner,
                            &files,
                        )?;
                        message.has_attachments = true;
                    }
                    (None, committed)
                }
                Receipt::Duplicate(original) => (Some(original), Default::default()),
            })
        })
    })?;
    if let Some(original) = duplicate {
        let views = uploads::messages_json(env, &db, std::slice::from_ref(&original))?;
        return Ok(json(&json!({"message": views.first(), "messages": []})));
    }
    let views = uploads::messages_json(env, &db, &messages)?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"message": views.first(), "messages": views}),
    ))
}
