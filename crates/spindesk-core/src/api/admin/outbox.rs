//! `/api/admin/outbox`: what is waiting, failing or given up, the drain a scheduler calls, and
//! a manual retry. The drain also fetches the customers' files channels are still owed
//! (`channels::media_fetch`).

use crate::api::commit;
use crate::attachments;
use crate::channels::{integrations, media_fetch, notices, outbox};
use crate::help_center;
use crate::ports::{Env, SqlError};
use crate::store::{database, wal, Db, BUSY_TIMEOUT_MS};
use crate::surface::{Request, Response};
use crate::timestamp::iso8601;
use crate::web::{json, paginate_offset, query_pairs, status_filter, ApiError};
use crate::webhooks::delivery;
use http::Method;
use serde_json::{json, Value};

/// Most rows one drain call attempts.
pub const DRAIN_LIMIT_MAX: i64 = 500;

pub fn route(env: &Env, req: &Request, segs: &[&str]) -> Option<Result<Response, ApiError>> {
    let method = req.method();
    Some(match segs {
        ["api", "admin", "outbox"] => match *method {
            Method::GET => list(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "admin", "outbox", "drain"] => match *method {
            Method::POST => drain(env, req),
            _ => Err(ApiError::method_not_allowed(method, "POST")),
        },
        ["api", "admin", "outbox", id, "retry"] => match *method {
            Method::POST => retry(env, id),
            _ => Err(ApiError::method_not_allowed(method, "POST")),
        },
        _ => return None,
    })
}

fn view(entry: &outbox::Entry, integration: Option<&str>) -> Value {
    json!({
        "id": entry.id,
        "integration_id": integration,
        "conversation_id": entry.conversation_id,
        "message_id": entry.message_id,
        "endpoint": entry.endpoint,
        "status": entry.status,
        "attempts": entry.attempts,
        "next_attempt_at": matches!(entry.status.as_str(), "pending" | "failed").then(|| iso8601(entry.next_attempt_at)),
        "last_error": entry.last_error,
        "vendor_message_id": entry.vendor_message_id,
        "sent_at": entry.sent_at.map(iso8601),
        "created_at": iso8601(entry.created_at),
        "updated_at": iso8601(entry.updated_at),
    })
}

fn list(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let status = status_filter(&pairs, &outbox::STATUSES)?;
    let page = paginate_offset(&pairs)?;
    let db = database(env)?;
    let (entries, count) = outbox::list(&db, status, page.per_page, page.offset())?;
    let all = integrations::public_ids(&db)?;
    let public = |id: i64| {
        all.iter()
            .find(|(i, _)| *i == id)
            .map(|(_, public_id)| public_id.as_str())
    };
    let (next_page, previous_page) = page.links("/api/admin/outbox", count, &pairs);
    Ok(json(&json!({
        "outbox": entries.iter().map(|e| view(e, public(e.integration_id))).collect::<Vec<_>>(),
        "count": count,
        "next_page": next_page,
        "previous_page": previous_page,
    })))
}

fn drain(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let limit = match crate::web::query_param(req, "limit") {
        None => 100,
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if (1..=DRAIN_LIMIT_MAX).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_limit",
                    format!(
                        "`limit` must be a whole number from 1 to {DRAIN_LIMIT_MAX}, got {raw:?}"
                    ),
                ))
            }
        },
    };
    let db = database(env)?;
    // Bots whose API call was lost with its instance go on down their failure branch first,
    // so what they say then is sent by this drain too.
    let resumed = commit::recover_stalled_calls(env, &db, limit)?;
    // Unread widget replies that are due become notice e-mails, which this drain then sends.
    // Best effort: a notice that cannot be prepared (the e-mail integration's credentials
    // cannot be opened) must not stop the channels' sends; it stays due for the next drain.
    let notices = notices::queue_due(env, &db, limit).unwrap_or_else(|e| {
        env.warn("notices.queue", crate::switchboard::fallback::describe(&e));
        notices::Report::default()
    });
    let report = outbox::drain(env, &db, limit, outbox::DRAIN)?;
    let remaining = outbox::due(&db, env.clock.now_ms())?;
    let hooks = delivery::drain(env, &db, limit)?;
    let media = media_fetch::drain(env, &db, limit, outbox::DRAIN)?;
    let unsent_uploads_removed = attachments::sweep::sweep_unsent(env, &db, limit)?;
    // Last, outside every transaction: the write-ahead log emptied if steady load let it grow.
    // Best effort: the sends above are done whatever happens here.
    let database = wal::keep_small(&db, env.clock, wal::LIMIT_PAGES)
        .map_err(|e| env.warn("wal.checkpoint", e))
        .ok();
    // The two other databases the same way: articles saved, files uploaded and fetched.
    let help_center_database = help_center::database::open(env)
        .and_then(|hc| wal::keep_small(&hc, env.clock, wal::LIMIT_PAGES))
        .map_err(|e| env.warn("wal.checkpoint", format!("help center: {e}")))
        .ok();
    let attachments_database = attachments_log(env)
        .map_err(|e| env.warn("wal.checkpoint", format!("attachments: {e}")))
        .ok();
    Ok(json(&json!({"drain": {
        "stalled_calls_resumed": resumed,
        "notices": {
            "queued": notices.queued,
            "dropped": notices.dropped,
            "waiting": notices.waiting,
        },
        "attempted": report.attempted,
        "sent": report.sent,
        "failed": report.failed,
        "dead": report.dead,
        "remaining_due": remaining,
        "webhooks": {
            "attempted": hooks.attempted,
            "sent": hooks.sent,
            "failed": hooks.failed,
            "dead": hooks.dead,
            "remaining_due": delivery::due(&db, env.clock.now_ms())?,
        },
        "media": {
            "attempted": media.attempted,
            "stored": media.stored,
            "failed": media.failed,
            "dead": media.dead,
            "remaining_due": media_fetch::due(&db, env.clock.now_ms())?,
        },
        "unsent_uploads_removed": unsent_uploads_removed,
        "database": database,
        "help_center_database": help_center_database,
        "attachments_database": attachments_database,
    }})))
}

/// The attachments database's log: every uploaded or fetched byte goes through it, and
/// downloads overlap uploads as requests overlap on the main database. With the main
/// database's short busy timeout meanwhile: a `TRUNCATE` checkpoint holds new writers back
/// while it waits for old readers, for as long as that timeout, and the uploads' own (5 s,
/// `blobs`) is too long. Nothing uses the connection after it.
fn attachments_log(env: &Env) -> Result<wal::Report, SqlError> {
    let db = Db::new(env.attachments).with_waits(env.clock, env.random);
    db.execute(&format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}"), &[])?;
    wal::keep_small(&db, env.clock, wal::LIMIT_PAGES)
}

fn retry(env: &Env, id: &str) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found("not_found", format!("No outbox row with id {id:?}"));
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let db = database(env)?;
    let now = env.clock.now_ms();
    let entry = db.transaction(|db| {
        let Some(entry) = outbox::by_id(db, id)? else {
            return Err(not_found());
        };
        outbox::retry(db, now, id)?.ok_or_else(|| {
            ApiError::conflict(
                "not_retryable",
                format!(
                    "Only failed or dead rows can be retried; this one is {}",
                    entry.status
                ),
            )
        })
    })?;
    let public_id = database(env)
        .ok()
        .and_then(|db| integrations::public_ids(&db).ok())
        .and_then(|all| all.into_iter().find(|(id, _)| *id == entry.integration_id))
        .map(|(_, public_id)| public_id);
    Ok(json(&json!({"outbox": view(&entry, public_id.as_deref())})))
}
