//! The `channels` surface: `/webhooks/{type}/{integration_id}` for every messaging channel.
//!
//! Order of checks, each before the next reads more: size (413), integration of that type
//! (404), the vendor's signature or token on the raw bytes (401 missing / 403 wrong), the body
//! (400), then every event in one transaction, each in a savepoint so one that fails is skipped
//! alone (one event alone needs none: its failure rolls the transaction back; a busy database
//! fails the request, for the vendor to retry). A retried delivery finds its messages already
//! stored and changes nothing. The vendor is acknowledged as soon as the events are committed
//! ([`Handler::AnswerFirst`]); then the sends they caused go out, within a short budget (what
//! does not make it waits in the outbox for the drain), and the API calls the bot reached are
//! made, and what the bot says then is sent the same way.

use crate::api::commit;
use crate::bot::Ahead;
use crate::channels::delivery::{self, Known};
use crate::channels::integrations::{self, Integration};
use crate::channels::media_fetch;
use crate::channels::{AuthError, ChannelType, Event, HandshakeReply, Webhook};
use crate::committed::Committed;
use crate::config;
use crate::error::Error;
use crate::ports::{Env, SqlError};
use crate::retry;
use crate::store::{database_with, Db};
use crate::surface::{Answer, FollowUp, Handler, Request, Response, Surface, Uses};
use crate::switchboard::{self, fallback::describe};
use crate::vault::Vault;
use crate::web::{query_pairs, ApiError, Family};
use http::{Method, StatusCode};

pub const SURFACE: Surface = Surface {
    component: "channels",
    // The vendor gets its acknowledgement before the bot's API calls and the sends to it.
    handle: Handler::AnswerFirst(answer),
    uses: Uses {
        sqlite: true,
        // Long-polls see a channel message through `conversations.last_seq`, not a signal.
        key_value: false,
        // grip_publish_url: new messages go to the push hub after the commit.
        variables: &[
            config::PUBLIC_BASE_URL,
            config::CREDENTIALS_KEY,
            config::GRIP_PUBLISH_URL,
            // Sends the webhook deliveries its writes record.
            config::WEBHOOK_DISABLE_AFTER_DAYS,
            // Customers' media (fetched from the vendors) and the links sent back out.
            config::ATTACHMENT_URL_KEY,
            config::ATTACHMENT_MAX_BYTES,
            config::ATTACHMENT_LINK_CUSTOMER_MINUTES,
            config::ATTACHMENT_LINK_VENDOR_MINUTES,
        ],
        outbound: true,
        actions: true,
        files: true,
        help_center: true,
        live: false,
    },
    streamed: &[],
};

fn answer(env: &Env, req: Request) -> Answer {
    let answer = route(env, &req).unwrap_or_else(|e| Answer::now(e.answer(env, Family::Spindesk)));
    crate::webhooks::delivery::after_answer(answer, req.method())
}

/// The body limit of webhook `path` (`/webhooks/{type}/{id}`), `None` for any other path: for
/// a server in front of the surface that must read a body whole before it runs (the dev
/// server), so it reads as much as the route takes and no more.
pub fn webhook_max_body(path: &str) -> Option<usize> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let ["webhooks", kind, _] = segs.as_slice() else {
        return None;
    };
    ChannelType::parse(kind).map(|kind| kind.receiver().max_body())
}

fn not_found(path: &str) -> ApiError {
    ApiError::not_found(
        "integration_not_found",
        format!("No integration answers at {path}"),
    )
}

fn route(env: &Env, req: &Request) -> Result<Answer, ApiError> {
    let path = req.uri().path();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let ["webhooks", kind, id] = segs.as_slice() else {
        return Err(ApiError::no_route(req.method(), path));
    };
    let kind = ChannelType::parse(kind).ok_or_else(|| not_found(path))?;
    let channel = kind.receiver();
    if !matches!(*req.method(), Method::GET | Method::POST) {
        return Err(ApiError::method_not_allowed(req.method(), "GET, POST"));
    }
    if req.body().len() > channel.max_body() {
        return Err(ApiError::payload_too_large(channel.max_body()));
    }
    // The type in the path must match: a wrong type is as unknown as a wrong id.
    let vault = Vault::from_config(env.config)?;
    let (db, integration) = database_with(env, |db| integrations::delivered_to(db, &vault, id))?;
    let integration = integration
        .filter(|i| i.kind == kind)
        .ok_or_else(|| not_found(path))?;

    let query = query_pairs(req);
    let public_url = env.config.get(config::PUBLIC_BASE_URL).map(|base| {
        let base = base.trim_end_matches('/');
        match req.uri().query() {
            Some(q) => format!("{base}{path}?{q}"),
            None => format!("{base}{path}"),
        }
    });
    let hook = Webhook {
        headers: req.headers(),
        query: &query,
        body: req.body(),
        url: public_url.as_deref(),
        now_ms: env.clock.now_ms(),
    };

    if *req.method() == Method::GET {
        return match channel.verify_subscription(&integration.credentials, &hook) {
            Some(Ok(challenge)) => Ok(Answer::now(text(
                StatusCode::OK,
                "text/plain; charset=utf-8",
                challenge.into_bytes(),
            ))),
            Some(Err(e)) => Err(auth_error(e)),
            None => Err(ApiError::method_not_allowed(req.method(), "POST")),
        };
    }

    channel
        .authenticate(&integration.credentials, &hook)
        .map_err(auth_error)?;
    let parsed = channel
        .parse(&integration.credentials, req.body())
        .map_err(|e| ApiError::bad_request("invalid_body", e.0))?;
    if let Some(HandshakeReply::Text(challenge)) = parsed.reply {
        return Ok(Answer::now(text(
            StatusCode::OK,
            "text/plain; charset=utf-8",
            challenge.into_bytes(),
        )));
    }

    let (content_type, acknowledgement) = channel.acknowledgement();
    // Nothing to store (delivery and read receipts, WhatsApp's several for every message sent;
    // LINE's verification): acknowledged without taking the write lock.
    if parsed.events.is_empty() {
        return Ok(Answer::now(text(
            StatusCode::OK,
            content_type,
            acknowledgement.to_vec(),
        )));
    }
    // Every event in one transaction, then the acknowledgement; after it has been sent, the
    // sends the events caused (what fails waits in the outbox for the drain), then the API
    // calls bots wait for (a later event of the same sender may have made an earlier one
    // stale: it is skipped), and what the bots say with their results. The vendor never
    // waits for any of it (Slack retries after 3 s).
    // The bot's turns first, outside the write transaction (reads only); each is written only
    // if it still holds when its event is stored (a later event of the same sender in this
    // batch finds the state changed and is answered afresh inside).
    // A turn that cannot be prepared is only a turn not prepared: it is worked out again inside.
    let prepared = parsed
        .events
        .iter()
        .map(|event| {
            delivery::prepare(env, &db, &integration, event).unwrap_or_else(|e| {
                warn_of(env, "channels.prepare", &integration, event, &e);
                (None, None)
            })
        })
        .collect::<Vec<_>>();
    let (fetches, follow_up) = match parsed.events.as_slice() {
        [event] => {
            let (ahead, known) = prepared.into_iter().next().unwrap_or((None, None));
            write_one(env, &db, &integration, event, ahead, known.as_ref())?
        }
        events => write_each(env, &db, &integration, events, prepared)?,
    };
    // The customers' files last, after the answer and the sends: the slowest of the vendor
    // requests, and the one nobody waits on (the agent sees a placeholder meanwhile).
    let follow_up = if fetches.is_empty() {
        follow_up
    } else {
        follow_up.then(move |env: &Env| {
            let db = Db::new(env.sql).with_waits(env.clock, env.random);
            if let Err(e) = media_fetch::fetch_queued(env, &db, &fetches, retry::FULL) {
                env.warn("media.fetch", e);
            }
        })
    };
    Ok(Answer {
        response: text(StatusCode::OK, content_type, acknowledgement.to_vec()),
        follow_up,
    })
}

/// What a webhook's write stored: the customers' files to fetch, and the sends and calls to
/// make after the answer.
type Written = (Vec<i64>, FollowUp);

/// One event (most deliveries) in the transaction alone: when it fails, the transaction is
/// rolled back and the event skipped (logged) — what a savepoint of its own would do, without
/// the two statements under the write lock. Only an error a retry may cure fails the request
/// (the vendor delivers again); so does a failure of the write around the event.
fn write_one(
    env: &Env,
    db: &Db,
    integration: &Integration,
    event: &Event,
    ahead: Option<Ahead>,
    known: Option<&Known>,
) -> Result<Written, ApiError> {
    // The whole transaction is what `write_turn` may do again.
    let written = switchboard::write_turn(ahead, |turn| {
        commit::write_then(env, db, |db| {
            let committed = delivery::receive(env, db, integration, event, known, turn)
                .map_err(Failed::Event)?;
            Ok::<_, Failed>((committed.media_fetches.clone(), committed))
        })
    });
    match written {
        Ok(written) => Ok(written),
        Err(Failed::Event(e)) if !e.worth_retrying() => {
            warn_of(env, "channels.event_skipped", integration, event, &e);
            Ok((Vec::new(), FollowUp::none()))
        }
        Err(Failed::Event(e)) => Err(e.into()),
        Err(Failed::Write(e)) => Err(e),
    }
}

/// Why [`write_one`]'s transaction failed: its event, or the write around it.
enum Failed {
    Event(Error),
    Write(ApiError),
}

impl From<Error> for Failed {
    fn from(e: Error) -> Self {
        Failed::Write(e.into())
    }
}

impl From<SqlError> for Failed {
    fn from(e: SqlError) -> Self {
        Failed::Write(e.into())
    }
}

/// Several events in one transaction, each in a savepoint of its own: one that fails is
/// rolled back alone and skipped (logged), and the others are stored and acknowledged — a
/// failure that would fail again must not make the vendor retry, and in the end drop, the
/// whole batch. Only errors that a retry may cure (a busy database) fail the batch, with
/// nothing written, for the vendor to deliver it again; the events stored by then are
/// recognised and not stored twice.
fn write_each(
    env: &Env,
    db: &Db,
    integration: &Integration,
    events: &[Event],
    prepared: Vec<(Option<Ahead>, Option<Known>)>,
) -> Result<Written, ApiError> {
    commit::write_then(env, db, |db| {
        let mut committed = Committed::default();
        for (event, (ahead, known)) in events.iter().zip(prepared) {
            // The event's savepoint is what `write_turn` may do again; a failed savepoint
            // statement (the transaction itself gone) is not, and fails the batch.
            let received = switchboard::write_turn(ahead, |turn| {
                match db.savepoint("inbound_event", |db| {
                    delivery::receive(env, db, integration, event, known.as_ref(), turn)
                }) {
                    Ok(event) => event.map(Ok),
                    Err(gone) => Ok(Err(gone)),
                }
            });
            match received {
                Ok(Ok(event_committed)) => committed.merge(event_committed),
                Ok(Err(gone)) => return Err(gone.into()),
                Err(e) if e.worth_retrying() => return Err(e.into()),
                Err(e) => warn_of(env, "channels.event_skipped", integration, event, &e),
            }
        }
        Ok::<_, ApiError>((committed.media_fetches.clone(), committed))
    })
}

/// Logs what went wrong with one event (never its content: the error is described).
fn warn_of(env: &Env, code: &str, integration: &Integration, event: &Event, e: &Error) {
    let what = format!(
        "{}: event {}: {}",
        integration.public_id,
        event.id,
        describe(e)
    );
    env.warn(code, what);
}

fn auth_error(e: AuthError) -> ApiError {
    match e {
        AuthError::Missing(what) => ApiError::unauthorized(
            "signature_missing",
            format!("The request carries no {what}"),
        ),
        AuthError::Invalid(what) => ApiError::forbidden(
            "signature_invalid",
            format!("{what} does not match this integration"),
        ),
        AuthError::Rejected(what) => ApiError::unauthorized(
            "credentials_invalid",
            format!("The {what} do not match this integration"),
        ),
        AuthError::Expired => ApiError::forbidden(
            "signature_expired",
            "The request timestamp is more than five minutes from now",
        ),
        AuthError::Unconfigured(variable) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            format!("Set the `{variable}` variable so this channel's signatures can be checked"),
        ),
    }
}

fn text(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response {
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body)
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}
