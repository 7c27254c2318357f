//! The outbox: every vendor request is a row, attempted right away with a short timeout and,
//! when that fails, retried with backoff by the drain route a scheduler calls.
//!
//! A row is claimed (`pending`/`failed` -> `sending`) by one UPDATE before it is sent, so two
//! instances never send the same row; the result is recorded after. A row
//! left `sending` by an instance that died mid-send is not retried automatically — the vendor
//! may have it — but marked `dead` for an admin to look at and retry by hand.

use super::channel::{ChannelType, Outcome, Payload};
use super::file_links;
use super::integrations::{self, Integration};
use crate::error::{Error, Result};
use crate::ports::{Env, Millis, OutboundError, SqlError, Value};
use crate::store::{Db, Row};
use crate::vault::{Vault, VaultError};
use std::collections::VecDeque;
use std::time::Duration;

/// Attempts after which a row is given up (`dead`).
pub const MAX_ATTEMPTS: i64 = 8;
use crate::retry::DueRows;
pub use crate::retry::{backoff_ms, Budget, CLAIM_LEASE_MS, IMMEDIATE, STATUSES};
/// The drain route, called by a scheduler.
pub const DRAIN: Budget = crate::retry::FULL;

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub integration_id: i64,
    pub conversation_id: Option<i64>,
    pub message_id: Option<i64>,
    pub endpoint: String,
    pub body: String,
    pub idempotency_key: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Millis,
    pub last_error: Option<String>,
    pub vendor_message_id: Option<String>,
    pub sent_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

const COLUMNS: &str = "id, integration_id, conversation_id, message_id, endpoint, body, \
    idempotency_key, status, attempts, next_attempt_at, last_error, vendor_message_id, sent_at, \
    created_at, updated_at";

fn from_row(r: &Row) -> Result<Entry, SqlError> {
    Ok(Entry {
        id: r.i64("id")?,
        integration_id: r.i64("integration_id")?,
        conversation_id: r.opt_i64("conversation_id")?,
        message_id: r.opt_i64("message_id")?,
        endpoint: r.string("endpoint")?,
        body: r.string("body")?,
        idempotency_key: r.string("idempotency_key")?,
        status: r.string("status")?,
        attempts: r.i64("attempts")?,
        next_attempt_at: r.i64("next_attempt_at")?,
        last_error: r.opt_string("last_error")?,
        vendor_message_id: r.opt_string("vendor_message_id")?,
        sent_at: r.opt_i64("sent_at")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    })
}

/// A UUID (version 4 layout) for vendors that de-duplicate by a retry key (LINE).
fn new_uuid(env: &Env) -> String {
    let mut b = [0u8; 16];
    env.random.fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::ids::hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// What to enqueue.
pub struct NewEntry {
    pub integration_id: i64,
    pub conversation_id: Option<i64>,
    pub message_id: Option<i64>,
    /// Unique per send: enqueueing the same key twice adds nothing.
    pub dedup_key: String,
    pub payload: Payload,
}

/// A row a transaction added to the outbox, for its conversation's sends after the commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queued {
    pub conversation_id: i64,
    /// `None` when an equal row (same dedup key) was queued before: the conversation's sends
    /// are still attempted.
    pub id: Option<i64>,
}

/// Rows per INSERT of [`enqueue_all`]: 10 values each, far under SQLite's limit of bound
/// values, and more sends than one turn renders.
const ROWS_PER_INSERT: usize = 50;

/// Adds a row due now, inside the caller's transaction. `None` when the key was enqueued before.
pub fn enqueue(env: &Env, db: &Db, entry: NewEntry) -> Result<Option<i64>> {
    Ok(enqueue_all(env, db, vec![entry])?.first().map(|q| q.1))
}

/// Adds rows due now, in order, inside the caller's transaction: one statement for a turn's
/// sends (under the write lock each statement is a host round trip on Spin). Returns the
/// `(conversation, id)` of the rows added, in order; a key enqueued before adds nothing.
pub fn enqueue_all(env: &Env, db: &Db, entries: Vec<NewEntry>) -> Result<Vec<(Option<i64>, i64)>> {
    let now = env.clock.now_ms();
    let mut added = Vec::with_capacity(entries.len());
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 10);
        for entry in chunk {
            values.extend([
                entry.integration_id.into(),
                entry.conversation_id.into(),
                entry.message_id.into(),
                entry.dedup_key.clone().into(),
                entry.payload.endpoint.clone().into(),
                entry.payload.body.clone().into(),
                new_uuid(env).into(),
                now.into(),
                now.into(),
                now.into(),
            ]);
        }
        let mut ids = db.query(
            &format!(
                "INSERT INTO outbox (integration_id, conversation_id, message_id, dedup_key,
                                     endpoint, body, idempotency_key, next_attempt_at,
                                     created_at, updated_at)
                 VALUES {rows}
                 ON CONFLICT (dedup_key) DO NOTHING RETURNING conversation_id, id"
            ),
            &values,
            |r| Ok((r.opt_i64("conversation_id")?, r.i64("id")?)),
        )?;
        // Rows are added in the order of their values; RETURNING's order is not promised.
        ids.sort_unstable_by_key(|&(_, id)| id);
        added.extend(ids);
    }
    Ok(added)
}

/// What a round of sends did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub attempted: i64,
    pub sent: i64,
    /// Failed and scheduled for another attempt.
    pub failed: i64,
    /// Given up: a permanent error, too many attempts, or interrupted mid-send.
    pub dead: i64,
}

/// That the outbox `row` (a table name or alias) is the first unsent one of its
/// conversation. A conversation's rows go out in the order they were queued: a row waits while
/// an earlier row of its conversation is still unsent (pending, failed and waiting for its
/// retry, or being sent), so part 2 of a split answer never reaches the customer before part 1.
/// A `dead` row no longer holds the rest back: it waits for an admin, the conversation goes on.
fn first_in_conversation(row: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM outbox AS earlier
                     WHERE earlier.conversation_id = {row}.conversation_id
                       AND earlier.id < {row}.id
                       AND earlier.status IN ('pending', 'failed', 'sending'))"
    )
}

/// What sending a claimed row needs of it: the rest of the row is the admin's ([`Entry`]). A
/// claim is an `UPDATE ... RETURNING`, which SQLite compiles as a trigger, each returned column
/// through the global allocator on Spin (whose host keeps a request's statements compiled, so
/// the connection's own allocator is spent by then): six columns, not fifteen.
struct Claimed {
    id: i64,
    integration_id: i64,
    endpoint: String,
    body: String,
    idempotency_key: String,
    attempts: i64,
}

impl Claimed {
    const COLUMNS: &str = "id, integration_id, endpoint, body, idempotency_key, attempts";

    fn from_row(r: &Row) -> Result<Self, SqlError> {
        Ok(Claimed {
            id: r.i64("id")?,
            integration_id: r.i64("integration_id")?,
            endpoint: r.string("endpoint")?,
            body: r.string("body")?,
            idempotency_key: r.string("idempotency_key")?,
            attempts: r.i64("attempts")?,
        })
    }
}

/// Claims the conversation's next row: its earliest unsent row, when that one is due. Found
/// through the conversation's own rows (`outbox_conversation`), never the queue's other due
/// rows: during a vendor's outage thousands wait there, and reading them in every channel
/// turn made each turn slower than the last (3.2 ms per claim with 6,800 queued, under the
/// write lock; 0.03 ms now).
fn claim_in_conversation(db: &Db, now: Millis, conversation_id: i64) -> Result<Option<Claimed>> {
    let next = db.query_i64(
        "SELECT id FROM outbox WHERE conversation_id = ? AND status IN ('pending', 'failed', 'sending')
         ORDER BY id LIMIT 1",
        &[conversation_id.into()],
    )?;
    match next {
        Some(id) => claim(db, now, id),
        None => Ok(None),
    }
}

/// Claims row `id` if it is still due and first in its conversation, by one UPDATE (atomic
/// on its own, no `BEGIN` needed) that checks again what the row was chosen for, so of two
/// racing instances one wins and a row held back meanwhile (an earlier one of its conversation
/// was retried) stays.
fn claim(db: &Db, now: Millis, id: i64) -> Result<Option<Claimed>> {
    Ok(db.query_opt(
        &format!(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_at = ?1,
                               updated_at = ?1
             WHERE id = ?2 AND status IN ('pending', 'failed') AND next_attempt_at <= ?1
               AND {}
             RETURNING {}",
            first_in_conversation("outbox"),
            Claimed::COLUMNS
        ),
        &[now.into(), id.into()],
        Claimed::from_row,
    )?)
}

/// Up to `limit` rows the drain may send now, most overdue first: due, and first in their
/// conversations. A plain read (see [`DueRows`]); [`claim`] checks each again.
fn due_rows(db: &Db, now: Millis, limit: i64) -> Result<Vec<i64>> {
    Ok(db.query(
        &format!(
            "SELECT id FROM outbox AS o
             WHERE status IN ('pending', 'failed') AND next_attempt_at <= ?1 AND {}
             ORDER BY next_attempt_at, id LIMIT ?2",
            first_in_conversation("o")
        ),
        &[now.into(), limit.into()],
        |r| r.i64("id"),
    )?)
}

/// Where a round takes its rows from.
enum Rows {
    /// The conversation's next row, each time: first the rows the transaction just added
    /// (`known`, in order: claimed by id, no read to find them), then whatever else of the
    /// conversation's is unsent — another request's rows, or those held back behind them.
    Conversation { id: i64, known: VecDeque<i64> },
    /// The drain's: the most overdue rows that may go.
    Due(DueRows),
}

impl Rows {
    /// The next row claimed, at most `left` more wanted.
    fn next(&mut self, db: &Db, now: Millis, left: i64) -> Result<Option<Claimed>> {
        match self {
            Rows::Conversation { id, known } => {
                if let Some(row) = known.pop_front() {
                    if let Some(entry) = claim(db, now, row)? {
                        return Ok(Some(entry));
                    }
                    // Held back behind an earlier unsent row, or taken by another instance:
                    // the conversation's order decides from here.
                    known.clear();
                }
                claim_in_conversation(db, now, *id)
            }
            Rows::Due(rows) => rows.next(left, |n| due_rows(db, now, n), |id| claim(db, now, id)),
        }
    }
}

/// Sends a claimed row and records how it went.
fn send(
    env: &Env,
    db: &Db,
    entry: &Claimed,
    integration: Result<Option<&Integration>, &VaultError>,
    budget: Budget,
) -> Result<Outcome> {
    let outcome = match integration {
        // The operator can fix the key; the row waits for the next attempt.
        Err(e) => Outcome::Retry(e.to_string()),
        Ok(None) => Outcome::Permanent("the integration was deleted".into()),
        Ok(Some(integration)) => {
            let channel = integration.channel();
            // Links to an agent's files are signed now, fresh for this attempt.
            let form = integration.kind == ChannelType::Twilio;
            let body = match file_links::fill(env, db, &entry.body, form)? {
                Ok(body) => body,
                Err(why) => {
                    let outcome = Outcome::Permanent(why);
                    record(env, db, entry, &outcome)?;
                    return Ok(outcome);
                }
            };
            let payload = Payload {
                endpoint: entry.endpoint.clone(),
                body,
            };
            match channel.request(
                &integration.credentials,
                integration.api_base(),
                &payload,
                &entry.idempotency_key,
            ) {
                Err(why) => Outcome::Permanent(why),
                Ok(request) => match env.outbound.send(request, budget.request) {
                    Ok(response) => channel.outcome(&response),
                    Err(OutboundError::Denied(host)) => Outcome::Retry(format!(
                        "outbound requests to {host} are not allowed: add the host to the component's allowed_outbound_hosts in spin.toml"
                    )),
                    Err(e) => Outcome::Retry(e.to_string()),
                },
            }
        }
    };
    // Vendors' answers and URLs can quote a token (Telegram's is in the path).
    let outcome = match (integration, outcome) {
        (Ok(Some(i)), Outcome::Retry(why)) => Outcome::Retry(i.credentials.redact(&why)),
        (Ok(Some(i)), Outcome::Permanent(why)) => Outcome::Permanent(i.credentials.redact(&why)),
        (_, other) => other,
    };
    record(env, db, entry, &outcome)?;
    Ok(outcome)
}

fn record(env: &Env, db: &Db, entry: &Claimed, outcome: &Outcome) -> Result<()> {
    let now = env.clock.now_ms();
    match outcome {
        Outcome::Sent(vendor_id) => db.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, vendor_message_id = ?, last_error = NULL,
                               updated_at = ? WHERE id = ?",
            &[now.into(), vendor_id.clone().into(), now.into(), entry.id.into()],
        )?,
        Outcome::Retry(why) if entry.attempts < MAX_ATTEMPTS => db.execute(
            "UPDATE outbox SET status = 'failed', last_error = ?, next_attempt_at = ?, updated_at = ?
             WHERE id = ?",
            &[
                why.clone().into(),
                (now + backoff_ms(entry.attempts)).into(),
                now.into(),
                entry.id.into(),
            ],
        )?,
        Outcome::Retry(why) | Outcome::Permanent(why) => db.execute(
            "UPDATE outbox SET status = 'dead', last_error = ?, updated_at = ? WHERE id = ?",
            &[why.clone().into(), now.into(), entry.id.into()],
        )?,
    };
    Ok(())
}

fn tally(report: &mut Report, outcome: &Outcome, attempts: i64) {
    report.attempted += 1;
    match outcome {
        Outcome::Sent(_) => report.sent += 1,
        Outcome::Retry(_) if attempts < MAX_ATTEMPTS => report.failed += 1,
        _ => report.dead += 1,
    }
}

fn round(env: &Env, db: &Db, mut rows: Rows, limit: i64, budget: Budget) -> Result<Report> {
    let started = env.clock.now_ms();
    let deadline = started + budget.total.as_millis() as Millis;
    let mut report = Report::default();
    // Opened at the first row to send: components with nothing queued never read the key.
    let mut vault: Option<Result<Vault, VaultError>> = None;
    let mut cache: Vec<(i64, Result<Option<Integration>, VaultError>)> = Vec::new();
    while report.attempted < limit && env.clock.now_ms() < deadline {
        let Some(entry) = rows.next(db, env.clock.now_ms(), limit - report.attempted)? else {
            break;
        };
        if !cache.iter().any(|(id, _)| *id == entry.integration_id) {
            let loaded = match vault.get_or_insert_with(|| Vault::from_config(env.config)) {
                Ok(vault) => match integrations::by_id(db, vault, entry.integration_id) {
                    Ok(found) => Ok(found),
                    Err(Error::Vault(e)) => Err(e),
                    Err(e) => return Err(e),
                },
                Err(e) => Err(e.clone()),
            };
            cache.push((entry.integration_id, loaded));
        }
        let integration = match cache.iter().find(|(id, _)| *id == entry.integration_id) {
            Some((_, Ok(found))) => Ok(found.as_ref()),
            Some((_, Err(e))) => Err(e),
            None => Ok(None),
        };
        let outcome = send(env, db, &entry, integration, budget)?;
        tally(&mut report, &outcome, entry.attempts);
    }
    Ok(report)
}

/// Sends what is due for the conversations that got rows (`queued`), right after the
/// transaction that enqueued them, within one shared [`IMMEDIATE`] budget (a batch webhook from
/// many senders must still answer in time); what is not reached waits for the drain.
pub fn deliver_conversations(env: &Env, db: &Db, queued: &[Queued]) -> Result<Report> {
    let mut conversations: Vec<i64> = queued.iter().map(|q| q.conversation_id).collect();
    conversations.sort_unstable();
    conversations.dedup();
    let deadline = env.clock.now_ms() + IMMEDIATE.total.as_millis() as Millis;
    let mut report = Report::default();
    for id in conversations {
        let left = deadline - env.clock.now_ms();
        if left <= 0 {
            break;
        }
        let left = Duration::from_millis(left as u64);
        let budget = Budget {
            request: IMMEDIATE.request.min(left),
            total: left,
        };
        let mut known: Vec<i64> = queued
            .iter()
            .filter(|q| q.conversation_id == id)
            .filter_map(|q| q.id)
            .collect();
        known.sort_unstable();
        let rows = Rows::Conversation {
            id,
            known: known.into(),
        };
        let r = round(env, db, rows, 50, budget)?;
        report.attempted += r.attempted;
        report.sent += r.sent;
        report.failed += r.failed;
        report.dead += r.dead;
    }
    Ok(report)
}

/// Sends every due row, oldest first, up to `limit` or the budget. Rows left `sending` past the
/// lease are marked `dead` first.
pub fn drain(env: &Env, db: &Db, limit: i64, budget: Budget) -> Result<Report> {
    let now = env.clock.now_ms();
    let interrupted = db.query(
        "UPDATE outbox SET status = 'dead', updated_at = ?1,
             last_error = 'interrupted while sending; the vendor may have received it, so it is not retried automatically (POST /api/admin/outbox/{id}/retry sends it again)'
         WHERE status = 'sending' AND claimed_at < ?2 RETURNING id",
        &[now.into(), (now - CLAIM_LEASE_MS).into()],
        |r| r.i64("id"),
    )?;
    let mut report = round(env, db, Rows::Due(DueRows::default()), limit, budget)?;
    report.dead += interrupted.len() as i64;
    Ok(report)
}

/// Rows due now or overdue, for the drain's answer.
pub fn due(db: &Db, now: Millis) -> Result<i64> {
    Ok(db
        .query_i64(
            "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'failed') AND next_attempt_at <= ?",
            &[now.into()],
        )?
        .unwrap_or(0))
}

/// One page of rows, newest first, optionally of one status.
pub fn list(db: &Db, status: Option<&str>, limit: i64, offset: i64) -> Result<(Vec<Entry>, i64)> {
    let status: Value = status.map(str::to_owned).into();
    let rows = db.query(
        &format!(
            "SELECT {COLUMNS} FROM outbox WHERE (?1 IS NULL OR status = ?1)
             ORDER BY id DESC LIMIT ?2 OFFSET ?3"
        ),
        &[status.clone(), limit.into(), offset.into()],
        from_row,
    )?;
    let count = db
        .query_i64(
            "SELECT COUNT(*) FROM outbox WHERE (?1 IS NULL OR status = ?1)",
            &[status],
        )?
        .unwrap_or(0);
    Ok((rows, count))
}

pub fn by_id(db: &Db, id: i64) -> Result<Option<Entry>> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?"),
        &[id.into()],
        from_row,
    )?)
}

/// Makes a `failed` or `dead` row due now again (an admin decided to resend it).
pub fn retry(db: &Db, now: Millis, id: i64) -> Result<Option<Entry>> {
    Ok(db.query_opt(
        &format!(
            "UPDATE outbox SET status = 'pending', next_attempt_at = ?1, updated_at = ?1
             WHERE id = ?2 AND status IN ('failed', 'dead') RETURNING {COLUMNS}"
        ),
        &[now.into(), id.into()],
        from_row,
    )?)
}
