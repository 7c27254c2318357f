//! The widget API (`/api/widget/...`): what the website chat widget talks to.
//!
//! A visitor starts a session and keeps its token (stored here only as a digest); the token
//! opens their one conversation. Routes and limits are documented in `docs/widget-api.md`.

mod fields;
mod limits;
mod login;
mod notice_links;
mod send;
mod settings;
mod uploads;
mod visitor;

use limits::{
    HISTORY_PAGE, MAX_BODY_BYTES, MAX_PAGE, MAX_WAIT_SECONDS, SESSIONS_PER_WINDOW,
    SESSION_WINDOW_SECS,
};
use visitor::{
    client, open_session, open_visit, session_digest, visitor, Alongside, SessionLifetime,
};

use crate::activity::{self, Side};
use crate::api::activity as activity_routes;
use crate::api::commit;
use crate::auth::digest;
use crate::change_feed;
use crate::config;
use crate::conversation::{self, Conversation, Switchboard};
use crate::grip;
use crate::held_polls::{self, Limit, Limits};
use crate::ids::{new_public_id, new_token};
use crate::ports::{Env, Millis};
use crate::rate_limit;
use crate::store::{database, Db};
use crate::surface::{Answer, BodyStream, Handler, Request, Response, Streamed, Surface, Uses};
use crate::users::{self, Profile};
use crate::web::{
    json, json_status, no_content, query_param, read_json, segments, ApiError, Family,
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
        // Long-polls wait within the limits of `held_polls`, whose rows are there.
        live: true,
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

const SESSIONS: rate_limit::Limit = rate_limit::Limit {
    name: "widget-sessions",
    per_window: SESSIONS_PER_WINDOW,
    window_ms: SESSION_WINDOW_SECS * 1000,
};

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
            Method::POST => send::send_message(env, req),
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
    let (db, conversation) = open_session(env, req)?;
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
/// one answers at once with `retry_after`. A poll whose session already has one waiting is
/// refused before the main database is opened (`held_polls::before`): a flood from one
/// session costs a read of the small `live` database per poll.
fn list_messages(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let after = int_param(req, "after", 0, 0, i64::MAX)?;
    let wait = int_param(req, "wait", 0, 0, MAX_WAIT_SECONDS as i64)?;
    let limit = int_param(req, "limit", MAX_PAGE, 1, MAX_PAGE)?;
    let pushed = wait > 0 && grip::sig::verified(env, req);
    // Where this poll would wait (the session and the `live` database), found before the main
    // database is opened; a poll that will not wait in this instance looks for no place.
    let mut place = Err(Limit::Unavailable);
    if wait > 0 && !pushed {
        let session = session_digest(req)?;
        match held_polls::before(env, &session) {
            // Nothing new is known without reading the conversation: the cursor stays.
            Err(Limit::Session) => {
                return Ok(limited(
                    json!({"messages": [], "last_seq": after}),
                    Limit::Session,
                ))
            }
            live => place = live.map(|live| (session, live)),
        }
    }
    // Read again only after a wait.
    let (db, conversation, mut agent) = open_with_agents_activity(env, req)?;
    let conversation = recover_stalled_call(env, &db, conversation)?;
    let mut messages = conversation::messages_after(&db, conversation.id, after, limit)?;
    let mut refused = None;
    if messages.is_empty() && wait > 0 {
        if pushed {
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
        let address = client(env, req);
        let held = place.and_then(|(session, live)| {
            held_polls::hold(env, &live, &session, Some(&address), wait, limits)
                .map(|held| (live, held))
        });
        match held {
            Ok((live, held)) => {
                change_feed::wait_past(env, &db, conversation.id, after, Side::Agent, wait);
                held_polls::release(env, &live, held);
                messages = conversation::messages_after(&db, conversation.id, after, limit)?;
                agent = activity::of(&db, conversation.id, Side::Agent, env.clock.now_ms())?;
            }
            Err(limit) => refused = Some(limit),
        }
    }
    let last_seq = messages
        .last()
        .map_or(after.min(conversation.last_seq), |m| m.seq);
    let body = json!({
        "messages": uploads::messages_json(env, &db, &messages)?,
        "last_seq": last_seq,
        "agent": agent.to_json(),
    });
    Ok(match refused {
        None => json(&body),
        Some(limit) => limited(body, limit),
    })
}

/// A poll's answer when `limit` refused to hold it. Not an error: nothing new, and the client
/// is told when to look again (`retry_after`, and the `Retry-After` header).
fn limited(mut body: serde_json::Value, limit: Limit) -> Response {
    let retry_after = limit.retry_after_secs();
    body["retry_after"] = json!(retry_after);
    body["limited"] = json!(limit.code());
    let mut response = json(&body);
    if let Ok(value) = http::HeaderValue::from_str(&retry_after.to_string()) {
        response.headers_mut().insert("retry-after", value);
    }
    response
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
    let (db, conversation, agent) = open_with_agents_activity(env, req)?;
    let conversation = recover_stalled_call(env, &db, conversation)?;
    let messages = conversation::messages_after(&db, conversation.id, after, MAX_PAGE)?;
    let last_seq = messages
        .last()
        .map_or(after.min(conversation.last_seq), |m| m.seq);
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

/// The request's database, the conversation behind its session, and the agents' typing and
/// read position, all in the session's read (`activity::column_sql`): what a poll and an
/// event stream answer with first.
fn open_with_agents_activity<'a>(
    env: &Env<'a>,
    req: &Request,
) -> Result<(Db<'a>, Conversation, activity::Activity), ApiError> {
    let activity = Alongside {
        sql: activity::column_sql(Side::Agent),
        params: Vec::new(),
    };
    let (db, visit) = open_visit(env, req, Some(activity), false)?;
    let agent = activity::from_column(visit.alongside.as_deref(), env.clock.now_ms())?;
    Ok((db, visit.conversation, agent))
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
    let (db, conversation) = open_session(env, req)?;
    activity_routes::typing(env, &db, at(&conversation), Side::Customer, typing)
}

/// The visitor has read the conversation up to `seq` (a read receipt for the agents).
fn read(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let seq = activity_routes::read_body(req)?;
    let (db, conversation) = open_session(env, req)?;
    activity_routes::read(env, &db, at(&conversation), Side::Customer, seq)
}

/// The page's values for the conversation (`fields.rs`).
fn conversation_fields(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let (db, conversation) = open_session(env, req)?;
    fields::put(&db, req, &conversation)
}
