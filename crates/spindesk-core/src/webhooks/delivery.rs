//! Sending what [`super::events`] recorded: one event per POST (Sunshine's `app`, `webhook`,
//! `events[]` envelope), signed, at least once, in order per conversation and webhook.
//!
//! The channel outbox's pattern (`channels/outbox.rs`): the due rows are read without a lock,
//! then each is claimed by one UPDATE that checks again before it is sent, so two instances
//! never send the same row; the result is recorded after. A row waits while an earlier row of its conversation for the same webhook
//! is unsent. Failures are retried with backoff (30 s doubling to an hour) for
//! [`RETRY_WINDOW_MS`] after the event, then the row is `dead`: listed in the admin API and
//! replayable by hand. A webhook that has not had one success for `webhook_disable_after_days`
//! is disabled, with an entry in the admin audit log.
//!
//! Deliveries go out after the request that recorded them: after the response where the
//! surface answers first, otherwise within [`IMMEDIATE`]'s short budget; the rest by the
//! drain a scheduler calls (`POST /api/admin/outbox/drain`).

use super::events::event_id;
use super::signature;
use super::subscriptions::{self, Webhook};
use crate::config;
use crate::error::{Error, Result};
use crate::ports::{Env, Millis, OutboundError, SqlError, Value};
use crate::store::{Db, Row};
use crate::surface::Answer;
use crate::timestamp::iso8601_ms;
use crate::vault::Vault;
use std::time::Duration;

/// Response bodies are read this far and no further: a receiver's answer only needs a status.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// How long a delivery keeps being retried after its event.
pub const RETRY_WINDOW_MS: Millis = 24 * 3_600_000;
/// Sent deliveries (and events left without deliveries) are kept this long for the admin's
/// list, then removed by the drain.
pub const KEEP_SENT_MS: Millis = 7 * 86_400_000;
/// Default for `webhook_disable_after_days`.
pub const DEFAULT_DISABLE_AFTER_DAYS: i64 = 3;
const DAY_MS: Millis = 86_400_000;

use crate::retry::DueRows;
pub use crate::retry::{backoff_ms, Budget, CLAIM_LEASE_MS, FULL, IMMEDIATE, STATUSES};

#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: i64,
    pub event_type: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Millis,
    pub last_error: Option<String>,
    pub last_status: Option<i64>,
    pub sent_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

const COLUMNS: &str = "d.id, d.webhook_id, d.event_id, e.type AS event_type, d.status, \
    d.attempts, d.next_attempt_at, d.last_error, d.last_status, d.sent_at, d.created_at, \
    d.updated_at";

fn from_row(r: &Row) -> Result<Delivery, SqlError> {
    Ok(Delivery {
        id: r.i64("id")?,
        webhook_id: r.i64("webhook_id")?,
        event_id: r.i64("event_id")?,
        event_type: r.string("event_type")?,
        status: r.string("status")?,
        attempts: r.i64("attempts")?,
        next_attempt_at: r.i64("next_attempt_at")?,
        last_error: r.opt_string("last_error")?,
        last_status: r.opt_i64("last_status")?,
        sent_at: r.opt_i64("sent_at")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    })
}

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub attempted: i64,
    pub sent: i64,
    pub failed: i64,
    pub dead: i64,
}

/// How one attempt went.
enum Outcome {
    Sent(u16),
    /// Worth another try (a 5xx, 429, a timeout, no connection).
    Retry(Option<u16>, String),
    /// This component may not reach the target (no grant): not an attempt; the drain, whose
    /// component has the grant, sends it.
    NotHere(String),
}

/// A row claimed for sending.
struct Claimed {
    id: i64,
    webhook_id: i64,
    event_id: i64,
    attempts: i64,
    created_at: Millis,
}

/// Which due rows a round looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Those due for at most [`RECENT_MS`]: what a request just recorded, and retries whose
    /// time came meanwhile. A request never goes through the backlog a receiver's outage
    /// leaves (rows held back behind a failed one, by the thousand): that is the drain's.
    Recent,
    /// Every due row: the drain.
    All,
}

/// How far back [`Reach::Recent`] looks.
pub const RECENT_MS: Millis = 60_000;

/// Up to `limit` rows that may go now, most overdue first: due, of an active webhook, and
/// first of their webhook's `order_key`. A plain read outside any write lock (see
/// [`DueRows`]).
fn due_rows(db: &Db, now: Millis, reach: Reach, limit: i64) -> Result<Vec<i64>> {
    let mut params: Vec<Value> = vec![now.into(), limit.into()];
    let recent = match reach {
        Reach::Recent => {
            params.push((now - RECENT_MS).into());
            "AND d.next_attempt_at > ?3"
        }
        Reach::All => "",
    };
    Ok(db.query(
        &format!(
            "SELECT d.id FROM webhook_deliveries AS d
             JOIN webhooks AS w ON w.id = d.webhook_id AND w.status = 'active'
             WHERE d.status IN ('pending', 'failed') AND d.next_attempt_at <= ?1 {recent}
               AND {}
             ORDER BY d.next_attempt_at, d.id LIMIT ?2",
            first_in_order("d")
        ),
        &params,
        |r| r.i64("id"),
    )?)
}

/// That the delivery `row` (a table name or alias) is the first unsent one of its webhook's
/// `order_key`: a conversation's events reach a receiver in order.
fn first_in_order(row: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM webhook_deliveries AS earlier
                     WHERE earlier.webhook_id = {row}.webhook_id
                       AND earlier.order_key = {row}.order_key
                       AND earlier.id < {row}.id
                       AND earlier.status IN ('pending', 'failed', 'sending'))"
    )
}

/// Claims row `id` if it may still go, by one UPDATE (atomic on its own) that checks again
/// what [`due_rows`] chose it for, so of two racing instances one wins.
fn claim(db: &Db, now: Millis, id: i64) -> Result<Option<Claimed>> {
    Ok(db.query_opt(
        &format!(
            "UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1,
                                           claimed_at = ?1, updated_at = ?1
             WHERE id = ?2 AND status IN ('pending', 'failed') AND next_attempt_at <= ?1
               AND EXISTS (SELECT 1 FROM webhooks AS w
                           WHERE w.id = webhook_deliveries.webhook_id AND w.status = 'active')
               AND {}
             RETURNING id, webhook_id, event_id, attempts, created_at",
            first_in_order("webhook_deliveries")
        ),
        &[now.into(), id.into()],
        |r| {
            Ok(Claimed {
                id: r.i64("id")?,
                webhook_id: r.i64("webhook_id")?,
                event_id: r.i64("event_id")?,
                attempts: r.i64("attempts")?,
                created_at: r.i64("created_at")?,
            })
        },
    )?)
}

/// The body of one delivery: Sunshine's envelope with the one event. A webhook without
/// `includeFullUser` gets the user's id only, not their profile.
fn body(db: &Db, webhook: &Webhook, event: i64) -> Result<Vec<u8>> {
    let (kind, payload, created_at) = db
        .query_opt(
            "SELECT type, payload, created_at FROM webhook_events WHERE id = ?",
            &[event.into()],
            |r| {
                Ok((
                    r.string("type")?,
                    r.string("payload")?,
                    r.i64("created_at")?,
                ))
            },
        )?
        .ok_or(Error::NotFound("webhook event"))?;
    let mut payload: serde_json::Value = serde_json::from_str(&payload).map_err(Error::corrupt)?;
    if !webhook.include_full_user {
        for holder in ["message", "activity"] {
            if let Some(author) = payload
                .get_mut(holder)
                .and_then(|h| h.get_mut("author"))
                .and_then(|a| a.as_object_mut())
            {
                author.remove("user");
            }
        }
    }
    let envelope = serde_json::json!({
        "app": {"id": webhook.app_id},
        "webhook": {"id": webhook.public_id, "version": "v2"},
        "events": [{
            "id": event_id(event),
            "type": kind,
            "createdAt": iso8601_ms(created_at),
            "payload": payload,
        }],
    });
    Ok(envelope.to_string().into_bytes())
}

fn attempt(
    env: &Env,
    webhook: &Webhook,
    secret: &str,
    body: Vec<u8>,
    timeout: Duration,
) -> Outcome {
    let now_s = env.clock.now_ms().div_euclid(1000);
    let request = http::Request::builder()
        .method("POST")
        .uri(&webhook.target)
        .header("content-type", "application/json")
        .header("user-agent", "Spindesk-Webhooks/1")
        .header(signature::API_KEY_HEADER, secret)
        .header(
            signature::HEADER,
            signature::header_value(secret, now_s, &body),
        )
        .body(body);
    let Ok(request) = request else {
        return Outcome::Retry(None, "the target is not a valid request URL".into());
    };
    match env
        .outbound
        .send_capped(request, timeout, MAX_RESPONSE_BYTES)
    {
        Ok(response) if response.status().is_success() => Outcome::Sent(response.status().as_u16()),
        Ok(response) => {
            let status = response.status().as_u16();
            let snippet: String = String::from_utf8_lossy(response.body())
                .chars()
                .take(200)
                .collect();
            Outcome::Retry(
                Some(status),
                format!("the target answered {status}: {snippet}"),
            )
        }
        Err(OutboundError::Denied(host)) => Outcome::NotHere(format!(
            "outbound requests to {host} are not allowed from this component"
        )),
        Err(e) => Outcome::Retry(None, e.to_string()),
    }
}

/// Records how a claimed row went; returns whether it is now `dead`.
fn record(
    env: &Env,
    db: &Db,
    claimed: &Claimed,
    webhook: &Webhook,
    outcome: &Outcome,
) -> Result<bool> {
    let now = env.clock.now_ms();
    let Claimed {
        id,
        attempts,
        created_at,
        ..
    } = *claimed;
    db.transaction(|db| match outcome {
        Outcome::Sent(status) => {
            db.execute(
                "UPDATE webhook_deliveries SET status = 'sent', sent_at = ?1, last_status = ?2,
                                               last_error = NULL, updated_at = ?1 WHERE id = ?3",
                &[now.into(), i64::from(*status).into(), id.into()],
            )?;
            db.execute(
                "UPDATE webhooks SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL",
                &[webhook.id.into()],
            )?;
            Ok(false)
        }
        Outcome::NotHere(why) => {
            // Not an attempt: back as it was, for a component with the grant.
            db.execute(
                "UPDATE webhook_deliveries SET status = CASE WHEN attempts > 1 THEN 'failed' ELSE 'pending' END,
                                               attempts = attempts - 1, last_error = ?1,
                                               updated_at = ?2 WHERE id = ?3",
                &[why.clone().into(), now.into(), id.into()],
            )?;
            Ok(false)
        }
        Outcome::Retry(status, why) => {
            let next = now + backoff_ms(attempts);
            let dead = next > created_at + RETRY_WINDOW_MS;
            db.execute(
                "UPDATE webhook_deliveries SET status = ?1, last_status = ?2, last_error = ?3,
                                               next_attempt_at = ?4, updated_at = ?5 WHERE id = ?6",
                &[
                    (if dead { "dead" } else { "failed" }).into(),
                    status.map(i64::from).into(),
                    why.clone().into(),
                    next.into(),
                    now.into(),
                    id.into(),
                ],
            )?;
            let since = db
                .query_i64(
                    "UPDATE webhooks SET failing_since = COALESCE(failing_since, ?1) WHERE id = ?2
                     RETURNING failing_since",
                    &[now.into(), webhook.id.into()],
                )?
                .unwrap_or(now);
            let days = config::whole_number(
                env,
                config::WEBHOOK_DISABLE_AFTER_DAYS,
                DEFAULT_DISABLE_AFTER_DAYS,
            )
            .max(1);
            if now - since >= days * DAY_MS {
                disable(db, now, webhook, days)?;
            }
            Ok::<_, Error>(dead)
        }
    })
}

/// Disables a webhook that has failed for `days` without a success, and says so in the admin
/// audit log (the notice admins read).
fn disable(db: &Db, now: Millis, webhook: &Webhook, days: i64) -> Result<()> {
    let reason = format!(
        "no delivery succeeded for {days} days; fix the receiver, then save the webhook again to enable it"
    );
    let changed = db.query_i64(
        "UPDATE webhooks SET status = 'disabled', disabled_reason = ?1, updated_at = ?2
         WHERE id = ?3 AND status = 'active' RETURNING id",
        &[reason.clone().into(), now.into(), webhook.id.into()],
    )?;
    if changed.is_some() {
        let detail = serde_json::json!({"target": webhook.target, "reason": reason});
        db.execute(
            "INSERT INTO admin_audit_log (actor_id, actor, action, target, detail, created_at)
             VALUES (NULL, 'system', 'webhook.disable', ?, ?, ?)",
            &[
                format!("webhook:{}", webhook.public_id).into(),
                detail.to_string().into(),
                now.into(),
            ],
        )?;
    }
    Ok(())
}

/// Sends due rows within `reach`, oldest first, up to `limit` or the budget.
pub fn round(env: &Env, db: &Db, reach: Reach, limit: i64, budget: Budget) -> Result<Report> {
    let deadline = env.clock.now_ms() + budget.total.as_millis() as Millis;
    let mut report = Report::default();
    let mut webhooks: Vec<(Webhook, Result<String, String>)> = Vec::new();
    let mut rows = DueRows::default();
    while report.attempted < limit {
        let left = deadline - env.clock.now_ms();
        if left <= 0 {
            break;
        }
        let now = env.clock.now_ms();
        let Some(claimed) = rows.next(
            limit - report.attempted,
            |n| due_rows(db, now, reach, n),
            |id| claim(db, now, id),
        )?
        else {
            break;
        };
        let webhook_id = claimed.webhook_id;
        if !webhooks.iter().any(|(w, _)| w.id == webhook_id) {
            let Some(webhook) = subscriptions::by_id(db, webhook_id)? else {
                continue;
            };
            let secret = match Vault::from_config(env.config) {
                Ok(vault) => subscriptions::secret(db, &vault, &webhook).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            webhooks.push((webhook, secret));
        }
        let Some((webhook, secret)) = webhooks.iter().find(|(w, _)| w.id == webhook_id) else {
            continue;
        };
        let timeout = budget.request.min(Duration::from_millis(left as u64));
        let outcome = match secret {
            Err(why) => Outcome::Retry(None, why.clone()),
            Ok(secret) => {
                let body = body(db, webhook, claimed.event_id)?;
                attempt(env, webhook, secret, body, timeout)
            }
        };
        if let Outcome::NotHere(why) = &outcome {
            record(env, db, &claimed, webhook, &outcome)?;
            env.warn("webhooks.deliver", why);
            break;
        }
        report.attempted += 1;
        match (&outcome, record(env, db, &claimed, webhook, &outcome)?) {
            (Outcome::Sent(_), _) => report.sent += 1,
            (_, true) => report.dead += 1,
            _ => report.failed += 1,
        }
    }
    Ok(report)
}

/// Whether a request of this method may have recorded events: any but GET and HEAD.
fn writes(method: &http::Method) -> bool {
    !matches!(*method, http::Method::GET | http::Method::HEAD)
}

/// `answer` with the deliveries its write recorded after it: for a surface that answers first
/// (a slow receiver never delays the customer or the vendor), with the full timeout.
pub fn after_answer(answer: Answer, method: &http::Method) -> Answer {
    if !writes(method) {
        return answer;
    }
    Answer {
        response: answer.response,
        follow_up: answer.follow_up.then(|env: &Env| after_request(env, FULL)),
    }
}

/// For a surface that answers when its work is done: the deliveries a write recorded, now,
/// within [`IMMEDIATE`]'s short budget; the drain sends what is left.
pub fn before_response(env: &Env, method: &http::Method) {
    if writes(method) {
        after_request(env, IMMEDIATE);
    }
}

/// After a write request of a component that delivers webhooks: sends what became due lately
/// ([`Reach::Recent`]: what it recorded, retries whose time came), within `budget`. A plain
/// read first, so requests that recorded nothing take no write lock. Failures are logged:
/// the rows stay for the drain.
pub fn after_request(env: &Env, budget: Budget) {
    let db = Db::new(env.sql).with_waits(env.clock, env.random);
    let now = env.clock.now_ms();
    // No table yet (the request failed before the schema was brought up to date): nothing due.
    let Ok(Some(_)) = db.query_i64(
        "SELECT 1 FROM webhook_deliveries
         WHERE status = 'pending' AND next_attempt_at > ?1 AND next_attempt_at <= ?2 LIMIT 1",
        &[(now - RECENT_MS).into(), now.into()],
    ) else {
        return;
    };
    if let Err(e) = round(env, &db, Reach::Recent, 50, budget) {
        env.warn("webhooks.deliver", e);
    }
}

/// The drain: rows left `sending` past the lease are failed (the receiver may or may not have
/// them; de-duplication by event id makes another try safe), then due rows are sent. Sent rows
/// older than [`KEEP_SENT_MS`] go, with the events no row needs any more.
pub fn drain(env: &Env, db: &Db, limit: i64) -> Result<Report> {
    let now = env.clock.now_ms();
    db.execute(
        "DELETE FROM webhook_deliveries WHERE status = 'sent' AND sent_at < ?",
        &[(now - KEEP_SENT_MS).into()],
    )?;
    db.execute(
        "DELETE FROM webhook_events WHERE created_at < ?
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)",
        &[(now - KEEP_SENT_MS).into()],
    )?;
    db.execute(
        "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = ?1, updated_at = ?1,
             last_error = 'interrupted while sending; sent again (receivers de-duplicate by event id)'
         WHERE status = 'sending' AND claimed_at < ?2",
        &[now.into(), (now - CLAIM_LEASE_MS).into()],
    )?;
    round(env, db, Reach::All, limit, FULL)
}

/// Rows due now or overdue.
pub fn due(db: &Db, now: Millis) -> Result<i64> {
    Ok(db
        .query_i64(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE status IN ('pending', 'failed')
               AND next_attempt_at <= ?",
            &[now.into()],
        )?
        .unwrap_or(0))
}

/// One page of a webhook's deliveries, newest first, optionally of one status; and the total.
pub fn list(
    db: &Db,
    webhook_id: i64,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Delivery>, i64)> {
    let status: Value = status.map(str::to_owned).into();
    let rows = db.query(
        &format!(
            "SELECT {COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
             WHERE d.webhook_id = ?1 AND (?2 IS NULL OR d.status = ?2)
             ORDER BY d.id DESC LIMIT ?3 OFFSET ?4"
        ),
        &[
            webhook_id.into(),
            status.clone(),
            limit.into(),
            offset.into(),
        ],
        from_row,
    )?;
    let count = db
        .query_i64(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = ?1
               AND (?2 IS NULL OR status = ?2)",
            &[webhook_id.into(), status],
        )?
        .unwrap_or(0);
    Ok((rows, count))
}

/// Makes a `failed` or `dead` delivery due now again, with a fresh retry window (an admin
/// decided to send it again). The event keeps its id.
pub fn replay(db: &Db, now: Millis, webhook_id: i64, id: i64) -> Result<Option<Delivery>> {
    let replayed = db.query_i64(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?1, created_at = ?1,
                                       attempts = 0, updated_at = ?1
         WHERE id = ?2 AND webhook_id = ?3 AND status IN ('failed', 'dead') RETURNING id",
        &[now.into(), id.into(), webhook_id.into()],
    )?;
    let Some(id) = replayed else {
        return Ok(None);
    };
    Ok(db.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
             WHERE d.id = ?"
        ),
        &[id.into()],
        from_row,
    )?)
}

/// The admin API's view of a delivery.
pub fn to_json(d: &Delivery) -> serde_json::Value {
    serde_json::json!({
        "id": d.id,
        "eventId": event_id(d.event_id),
        "eventType": d.event_type,
        "status": d.status,
        "attempts": d.attempts,
        "nextAttemptAt": matches!(d.status.as_str(), "pending" | "failed").then(|| iso8601_ms(d.next_attempt_at)),
        "lastStatus": d.last_status,
        "lastError": d.last_error,
        "sentAt": d.sent_at.map(iso8601_ms),
        "createdAt": iso8601_ms(d.created_at),
        "updatedAt": iso8601_ms(d.updated_at),
    })
}
