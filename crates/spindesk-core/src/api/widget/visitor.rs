//! Who a widget request is: the visitor and conversation behind its session token (one read,
//! which may bring what the route needs besides), how long a session lives, and the client
//! address its limits count.

use super::limits::{DEFAULT_SESSION_IDLE_DAYS, DEFAULT_SESSION_MAX_DAYS};
use crate::auth::digest;
use crate::bot::versions::{self, LiveRow};
use crate::config;
use crate::conversation::{self, Conversation};
use crate::grip;
use crate::ports::{Env, Millis, Value};
use crate::store::{self, count_of, qualified, Db};
use crate::surface::Request;
use crate::users::{self, User};
use crate::web::client_address::{self, client_key, TrustedProxies};
use crate::web::{ApiError, Credentials};

const DAY_MS: Millis = 86_400_000;

/// The key the client's address is counted under (see `web::client_address`). Behind Pushpin
/// every peer is Pushpin, which appends the real peer to `X-Forwarded-For`
/// (`x_forwarded_for=truncate:0,append` in `pushpin/start.sh`, so a client's own header is
/// dropped): on a request Pushpin signed, that last entry is the client.
pub(super) fn client(env: &Env, req: &Request) -> String {
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

/// The visitor and their conversation behind the request's session token, in one read (a
/// message's bot turn needs both). A session ends after [`config::WIDGET_SESSION_IDLE_DAYS`]
/// without a message in its conversation, and at the latest [`config::WIDGET_SESSION_MAX_DAYS`]
/// after it began; it ends at once by logging out.
pub(super) fn visitor(env: &Env, db: &Db, req: &Request) -> Result<(User, Conversation), ApiError> {
    visitor_with(env, db, req, None, false).map(|v| (v.user, v.conversation))
}

/// One more column for [`visitor_with`]'s read: an SQL expression that may use the
/// conversation's columns (`c.`; NULL before the visitor's first message) and its parameters,
/// numbered from `?2`.
pub(super) struct Alongside {
    pub sql: String,
    pub params: Vec<Value>,
}

/// What [`visitor_with`] read.
pub(super) struct Visit {
    pub user: User,
    pub conversation: Conversation,
    /// What the [`Alongside`] column read, as text.
    pub alongside: Option<String>,
    /// The live bot, when asked for.
    pub live: Option<LiveRow>,
}

/// [`visitor`], with what `alongside` reads (as text) from the same row, and the live bot if
/// `live_bot` (a message's bot turn is worked out from it): what the request needs besides, in
/// the same host round trip.
pub(super) fn visitor_with(
    env: &Env,
    db: &Db,
    req: &Request,
    alongside: Option<Alongside>,
    live_bot: bool,
) -> Result<Visit, ApiError> {
    let found = read_visit(db, req, alongside.as_ref(), live_bot)?;
    finish_visit(env, db, found)
}

/// The request's database and [`visitor_with`]'s read, the schema check riding on that read
/// ([`store::database_with`]): the first statement of most widget requests is the session's.
pub(super) fn open_visit<'a>(
    env: &Env<'a>,
    req: &Request,
    alongside: Option<Alongside>,
    live_bot: bool,
) -> Result<(Db<'a>, Visit), ApiError> {
    let (db, found) =
        store::database_with(env, |db| read_visit(db, req, alongside.as_ref(), live_bot))?;
    let visit = finish_visit(env, &db, found)?;
    Ok((db, visit))
}

/// The request's database and the conversation behind its session token ([`open_visit`]).
pub(super) fn open_session<'a>(
    env: &Env<'a>,
    req: &Request,
) -> Result<(Db<'a>, Conversation), ApiError> {
    open_visit(env, req, None, false).map(|(db, visit)| (db, visit.conversation))
}

/// What the session's read found: when it began, the conversation's last activity, the
/// visitor, their conversation (none before their first message), what was read alongside,
/// and the live bot.
type Found = (
    Millis,
    Option<Millis>,
    User,
    Option<Conversation>,
    Option<String>,
    Option<LiveRow>,
);

/// The session's one read (it only reads: [`open_visit`] runs it before the schema check);
/// `None` for a token no session has.
fn read_visit(
    db: &Db,
    req: &Request,
    alongside: Option<&Alongside>,
    live_bot: bool,
) -> Result<Option<Found>, ApiError> {
    // The session's own columns, then the visitor's, then the conversation's (each record's
    // columns read from its own part of the row: they share names), what the route reads
    // alongside, the live bot, and last the schema check's columns.
    const SESSION: usize = 2;
    let (mut extra, extra_params) = alongside.map_or_else(
        || (String::new(), Vec::new()),
        |a| (format!(", {} AS alongside", a.sql), a.params.clone()),
    );
    let with_alongside = !extra.is_empty();
    let bot_join = if live_bot {
        extra.push_str(", ");
        extra.push_str(versions::LIVE_COLUMNS);
        versions::LIVE_JOIN
    } else {
        ""
    };
    let mut params: Vec<Value> = vec![session_digest(req)?.into()];
    params.extend(extra_params);
    Ok(db.query_opt(
        &format!(
            "SELECT s.created_at AS session_started, c.updated_at AS active_at, {}, {}{extra}{}
             FROM widget_sessions s JOIN users u ON u.id = s.user_id
             LEFT JOIN conversations c ON c.user_id = s.user_id
             {bot_join}
             WHERE s.token_hash = ?1",
            qualified("u", users::COLUMNS),
            qualified("c", conversation::COLUMNS),
            db.schema_check_columns()
        ),
        &params,
        |r| {
            Ok((
                r.i64("session_started")?,
                // The conversation's, the visitor's last activity (one per customer).
                r.opt_i64("active_at")?,
                users::from_row(&r.part(SESSION))?,
                conversation::joined(&r.part(SESSION + count_of(users::COLUMNS)))?,
                if with_alongside {
                    r.opt_string("alongside")?
                } else {
                    None
                },
                if live_bot {
                    Some(LiveRow::from_row(r)?)
                } else {
                    None
                },
            ))
        },
    )?)
}

/// The visit [`read_visit`] found, if its session is still on: its conversation created on
/// the visitor's first need.
fn finish_visit(env: &Env, db: &Db, found: Option<Found>) -> Result<Visit, ApiError> {
    let Some((created_at, active_at, user, conversation, alongside, live)) = found else {
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
    Ok(Visit {
        user,
        conversation,
        alongside,
        live,
    })
}

/// `e`, unless the conversation is gone — its visitor's data erased since the session was
/// read, so the message's insert was refused by its foreign key: the session is over.
pub(super) fn erased_or(db: &Db, conversation_id: i64, e: crate::Error) -> ApiError {
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
pub(super) struct SessionLifetime {
    pub idle_ms: Millis,
    pub max_ms: Millis,
}

impl SessionLifetime {
    pub fn from_config(env: &Env) -> Self {
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

/// The digest of the request's session token (what `widget_sessions` stores), or the 401 for
/// a request without one.
pub(super) fn session_digest(req: &Request) -> Result<String, ApiError> {
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
