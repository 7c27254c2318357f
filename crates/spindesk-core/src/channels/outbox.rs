//! The outbox: every vendor request is a row, attempted right away with a short timeout and,
//! when that fails, retried with backoff by the drain route a scheduler calls.
//!
//! A row is claimed (`pending`/`failed` -> `sending`) by one UPDATE before it is sent, so two
//! instances never send the same row; the result is recorded after. A row
//! left `sending` by an instance that died mid-send is not retried automatically — the vendor
//! may have it — but marked `dead` for an admin to look at and retry by hand.
//!
//! The exception is the reply a request sends right after its commit: it is queued
//! [reserved](RESERVED_MS) for that request, which sends it without claiming it and records
//! the sends together — one write after the commit for a reply of any length, where a claim and
//! a record each took the write lock per message (see [`enqueue_all`]).

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub conversation_id: i64,
    /// `None` when an equal row (same dedup key) was queued before: the conversation's sends
    /// are still attempted.
    pub id: Option<i64>,
    /// The row, when it was queued reserved for this request ([`enqueue_all`]).
    pub reserved: Option<Reserved>,
}

/// A row queued reserved for the request that queued it: what sending it needs, known without
/// reading it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reserved(Claimed);

/// How long the reply a request queues stays reserved for that request ([`enqueue_all`]): not
/// due for anyone else, the drain included, until then. The request sends it right after its
/// commit, within the push hub's publish and [`IMMEDIATE`]'s budget, so far inside this. When
/// the instance ends first (a crash, a deploy, the runtime ending it after the answer), the
/// drain sends the row once the reservation is over: late, not lost.
pub const RESERVED_MS: Millis = 30_000;

const _: () = assert!(
    RESERVED_MS as u128
        >= 5 * (IMMEDIATE.total.as_millis() + crate::grip::publish::TIMEOUT.as_millis()),
    "a reservation must outlast the sends after a commit by far"
);

/// Rows per INSERT of [`enqueue_all`]: 12 values each, far under SQLite's limit of bound
/// values, and more sends than one turn renders.
const ROWS_PER_INSERT: usize = 50;

/// Adds a row due now, inside the caller's transaction. `None` when the key was enqueued before.
pub fn enqueue(env: &Env, db: &Db, entry: NewEntry) -> Result<Option<i64>> {
    Ok(insert(env, db, vec![entry], false)?.first().map(|q| q.id))
}

/// Adds a turn's sends, in order, inside the caller's transaction, for the request to send
/// right after its commit ([`deliver_conversations`]): one statement for them all (under the
/// write lock each statement is a host round trip on Spin). Returns the rows added, in order;
/// a key enqueued before adds nothing. Rows without a conversation are added, not returned.
///
/// A conversation's rows are queued reserved for this request ([`RESERVED_MS`]) when nothing
/// of its conversation is unsent before them — the case of nearly every reply. The request
/// then sends them without claiming them, and records those sent by one UPDATE after the last
/// (`record_sent`): under load every write outside a transaction waits its turn for the write
/// lock (on the Spin-shaped host at 32 connections, ~11 ms per try and dozens of tries), and a
/// claim and a record per message were most of a webhook's time. The reservation, not a claim,
/// keeps every other instance off the rows, and a send is recorded only if its row is still
/// unattempted. The price: an instance that ends in the middle of its sends leaves those not
/// yet recorded to be sent again when the reservation is over (the vendor may show them
/// twice), where a claimed row would be given up as `dead`.
pub fn enqueue_all(env: &Env, db: &Db, entries: Vec<NewEntry>) -> Result<Vec<Queued>> {
    Ok(insert(env, db, entries, true)?
        .into_iter()
        .filter_map(|row| {
            row.conversation_id.map(|conversation_id| Queued {
                conversation_id,
                id: Some(row.id),
                reserved: row.reserved.map(Reserved),
            })
        })
        .collect())
}

/// A row [`insert`] added.
struct Inserted {
    conversation_id: Option<i64>,
    id: i64,
    reserved: Option<Claimed>,
}

/// A row's values in [`insert`]'s statement: due now.
const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// A row of a conversation in [`insert`]'s statement, reserved when nothing of its
/// conversation is unsent. SQLite evaluates the statement's values before it adds any row (an
/// INSERT whose values read its own table goes through a temporary table), so a
/// conversation's rows are all reserved or none; where an engine did otherwise, the later rows
/// would only be claimed instead.
const RESERVABLE_ROW: &str = "(?, ?, ?, ?, ?, ?, ?,
     CASE WHEN NOT EXISTS (SELECT 1 FROM outbox WHERE conversation_id = ?
                             AND status IN ('pending', 'failed', 'sending'))
          THEN ? ELSE ? END, ?, ?)";

fn insert(env: &Env, db: &Db, entries: Vec<NewEntry>, reserve: bool) -> Result<Vec<Inserted>> {
    let now = env.clock.now_ms();
    let mut added = Vec::with_capacity(entries.len());
    let mut entries = entries.into_iter().peekable();
    while entries.peek().is_some() {
        let chunk: Vec<NewEntry> = entries.by_ref().take(ROWS_PER_INSERT).collect();
        let mut rows = Vec::with_capacity(chunk.len());
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 12);
        // What sending each row needs, should it come back reserved, by its dedup key (the
        // entry's own strings, moved: a body is copied once, into the statement).
        let mut reservable: Vec<(String, Claimed)> = Vec::new();
        for entry in chunk {
            let NewEntry {
                integration_id,
                conversation_id,
                message_id,
                dedup_key,
                payload,
            } = entry;
            let idempotency_key = new_uuid(env);
            values.extend([
                integration_id.into(),
                conversation_id.into(),
                message_id.into(),
                dedup_key.clone().into(),
                payload.endpoint.clone().into(),
                payload.body.clone().into(),
                idempotency_key.clone().into(),
            ]);
            match conversation_id {
                Some(conversation) if reserve => {
                    rows.push(RESERVABLE_ROW);
                    values.extend([conversation.into(), (now + RESERVED_MS).into()]);
                    reservable.push((
                        dedup_key,
                        Claimed {
                            id: 0,
                            integration_id,
                            endpoint: payload.endpoint,
                            body: payload.body,
                            idempotency_key,
                            attempts: 1,
                            reserved: Some(now + RESERVED_MS),
                        },
                    ));
                }
                _ => rows.push(ROW),
            }
            values.extend([now.into(), now.into(), now.into()]);
        }
        let mut inserted = db.query(
            &format!(
                "INSERT INTO outbox (integration_id, conversation_id, message_id, dedup_key,
                                     endpoint, body, idempotency_key, next_attempt_at,
                                     created_at, updated_at)
                 VALUES {}
                 ON CONFLICT (dedup_key) DO NOTHING
                 RETURNING conversation_id, id,
                           CASE WHEN next_attempt_at > created_at THEN dedup_key END AS reserved",
                rows.join(", ")
            ),
            &values,
            |r| {
                Ok((
                    r.opt_i64("conversation_id")?,
                    r.i64("id")?,
                    r.opt_string("reserved")?,
                ))
            },
        )?;
        // Rows are added in the order of their values; RETURNING's order is not promised.
        inserted.sort_unstable_by_key(|&(_, id, _)| id);
        for (conversation_id, id, reserved) in inserted {
            let reserved = reserved.and_then(|key| {
                let i = reservable.iter().position(|(of, _)| *of == key)?;
                Some(Claimed {
                    id,
                    ..reservable.swap_remove(i).1
                })
            });
            added.push(Inserted {
                conversation_id,
                id,
                reserved,
            });
        }
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

/// What sending a claimed (or [reserved](Reserved)) row needs of it: the rest of the row is the
/// admin's ([`Entry`]). A claim is an `UPDATE ... RETURNING`, which SQLite compiles as a
/// trigger, each returned column through the global allocator on Spin (whose host keeps a
/// request's statements compiled, so the connection's own allocator is spent by then): six
/// columns, not fifteen.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Claimed {
    id: i64,
    integration_id: i64,
    endpoint: String,
    body: String,
    idempotency_key: String,
    /// With this attempt.
    attempts: i64,
    /// Reserved until then, not claimed: the row still reads `pending` with no attempt.
    reserved: Option<Millis>,
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
            reserved: None,
        })
    }

    /// The attempts the row reads while this attempt is under way: a claim counted it, a
    /// reservation did not.
    fn attempts_stored(&self) -> i64 {
        self.attempts - i64::from(self.reserved.is_some())
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
    /// The conversation's next row, each time: first the rows reserved for this request, then
    /// the others the transaction just added (`known`, in order: claimed by id, no read to
    /// find them), then whatever else of the conversation's is unsent — another request's
    /// rows, or those held back behind them.
    Conversation {
        id: i64,
        reserved: VecDeque<Claimed>,
        known: VecDeque<i64>,
    },
    /// The drain's: the most overdue rows that may go.
    Due(DueRows),
}

impl Rows {
    /// The next row reserved for this request, while the reservation holds. Held up past it
    /// (the rows may be another instance's by now), the rows are claimed like any other.
    fn next_reserved(&mut self, now: Millis) -> Option<Claimed> {
        let Rows::Conversation {
            reserved, known, ..
        } = self
        else {
            return None;
        };
        let row = reserved.pop_front()?;
        if row.reserved.is_some_and(|until| now < until) {
            return Some(row);
        }
        for row in reserved.drain(..).rev().chain([row]) {
            known.push_front(row.id);
        }
        None
    }

    /// The rows still reserved for this request, which it will not send: `id`s out.
    fn unsent_reservations(&mut self) -> Vec<i64> {
        match self {
            Rows::Conversation { reserved, .. } => reserved.drain(..).map(|r| r.id).collect(),
            Rows::Due(_) => Vec::new(),
        }
    }

    /// The next row claimed, at most `left` more wanted.
    fn next(&mut self, db: &Db, now: Millis, left: i64) -> Result<Option<Claimed>> {
        match self {
            Rows::Conversation { id, known, .. } => {
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

/// Sends a claimed or reserved row: how it went, for the caller to record.
fn attempt(
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
                Err(why) => return Ok(Outcome::Permanent(why)),
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
    Ok(outcome)
}

/// Records how an attempt went, and the attempt itself (a reserved row's first) — unless the
/// row is not as this attempt left it: another instance took a reservation that had run out.
fn record(env: &Env, db: &Db, entry: &Claimed, outcome: &Outcome) -> Result<()> {
    let now = env.clock.now_ms();
    let row = [
        entry.id.into(),
        entry.attempts_stored().into(),
        entry.attempts.into(),
        now.into(),
    ];
    match outcome {
        Outcome::Sent(vendor_id) => db.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?4, vendor_message_id = ?5,
                               last_error = NULL, attempts = ?3, updated_at = ?4
             WHERE id = ?1 AND attempts = ?2",
            &[&row[..], &[vendor_id.clone().into()]].concat(),
        )?,
        Outcome::Retry(why) if entry.attempts < MAX_ATTEMPTS => db.execute(
            "UPDATE outbox SET status = 'failed', last_error = ?5, next_attempt_at = ?6,
                               attempts = ?3, updated_at = ?4
             WHERE id = ?1 AND attempts = ?2",
            &[
                &row[..],
                &[
                    why.clone().into(),
                    (now + backoff_ms(entry.attempts)).into(),
                ],
            ]
            .concat(),
        )?,
        Outcome::Retry(why) | Outcome::Permanent(why) => db.execute(
            "UPDATE outbox SET status = 'dead', last_error = ?5, attempts = ?3, updated_at = ?4
             WHERE id = ?1 AND attempts = ?2",
            &[&row[..], &[why.clone().into()]].concat(),
        )?,
    };
    Ok(())
}

/// Records reserved rows sent (`(id, vendor's message id)`), by one statement, and empties
/// `sent`. A row is left as it is if it is no longer unattempted: another instance took its
/// reservation once it had run out, and recorded its own attempt.
fn record_sent(env: &Env, db: &Db, sent: &mut Vec<(i64, Option<String>)>) -> Result<()> {
    if sent.is_empty() {
        return Ok(());
    }
    let mut values: Vec<Value> = vec![env.clock.now_ms().into()];
    for (id, vendor_id) in sent.drain(..) {
        values.extend([id.into(), vendor_id.into()]);
    }
    let rows = vec!["(?, ?)"; (values.len() - 1) / 2].join(", ");
    db.execute(
        &format!(
            "UPDATE outbox SET status = 'sent', sent_at = ?1, vendor_message_id = sent.column2,
                               last_error = NULL, attempts = 1, updated_at = ?1
             FROM (VALUES {rows}) AS sent
             WHERE outbox.id = sent.column1 AND outbox.status = 'pending' AND outbox.attempts = 0"
        ),
        &values,
    )?;
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

/// Sends rows from `rows` until `limit` were attempted, the budget is spent or none is left.
/// Reserved rows sent are recorded together, before any row is claimed (a claim checks that
/// no earlier row of its conversation is unsent) and at the end; every other attempt is
/// recorded as it ends.
fn round(env: &Env, db: &Db, rows: &mut Rows, limit: i64, budget: Budget) -> Result<Report> {
    let mut report = Report::default();
    let mut sent = Vec::new();
    let sending = sends(env, db, rows, limit, budget, &mut report, &mut sent);
    // Even when the round failed: the sends made are recorded, not made again.
    let recorded = record_sent(env, db, &mut sent);
    sending.and(recorded).map(|()| report)
}

fn sends(
    env: &Env,
    db: &Db,
    rows: &mut Rows,
    limit: i64,
    budget: Budget,
    report: &mut Report,
    sent: &mut Vec<(i64, Option<String>)>,
) -> Result<()> {
    let started = env.clock.now_ms();
    let deadline = started + budget.total.as_millis() as Millis;
    // Opened at the first row to send: components with nothing queued never read the key.
    let mut vault: Option<Result<Vault, VaultError>> = None;
    let mut cache: Vec<(i64, Result<Option<Integration>, VaultError>)> = Vec::new();
    while report.attempted < limit && env.clock.now_ms() < deadline {
        let entry = match rows.next_reserved(env.clock.now_ms()) {
            Some(entry) => entry,
            None => {
                record_sent(env, db, sent)?;
                match rows.next(db, env.clock.now_ms(), limit - report.attempted)? {
                    Some(entry) => entry,
                    None => break,
                }
            }
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
        let outcome = attempt(env, db, &entry, integration, budget)?;
        tally(report, &outcome, entry.attempts);
        match outcome {
            Outcome::Sent(vendor_id) if entry.reserved.is_some() => {
                sent.push((entry.id, vendor_id))
            }
            outcome => {
                record(env, db, &entry, &outcome)?;
                if entry.reserved.is_some() {
                    // The conversation's later rows wait behind this one (the drain's order).
                    give_up_reservations(env, db, &rows.unsent_reservations())?;
                }
            }
        }
    }
    Ok(())
}

/// Sends what is due for the conversations that got rows (`queued`), right after the
/// transaction that enqueued them, within one shared [`IMMEDIATE`] budget (a batch webhook from
/// many senders must still answer in time); what is not reached waits for the drain, due at
/// once (a reservation not reached is given up).
pub fn deliver_conversations(env: &Env, db: &Db, queued: &[Queued]) -> Result<Report> {
    let mut conversations: Vec<i64> = queued.iter().map(|q| q.conversation_id).collect();
    conversations.sort_unstable();
    conversations.dedup();
    let deadline = env.clock.now_ms() + IMMEDIATE.total.as_millis() as Millis;
    let mut report = Report::default();
    let mut unreached: Vec<i64> = Vec::new();
    let mut failed = None;
    for id in conversations {
        let mut reserved: Vec<Claimed> = queued
            .iter()
            .filter(|q| q.conversation_id == id)
            .filter_map(|q| q.reserved.as_ref())
            .map(|r| r.0.clone())
            .collect();
        reserved.sort_unstable_by_key(|r| r.id);
        let left = deadline - env.clock.now_ms();
        if left <= 0 || failed.is_some() {
            unreached.extend(reserved.iter().map(|r| r.id));
            continue;
        }
        let left = Duration::from_millis(left as u64);
        let budget = Budget {
            request: IMMEDIATE.request.min(left),
            total: left,
        };
        let mut known: Vec<i64> = queued
            .iter()
            .filter(|q| q.conversation_id == id && q.reserved.is_none())
            .filter_map(|q| q.id)
            .collect();
        known.sort_unstable();
        let mut rows = Rows::Conversation {
            id,
            reserved: reserved.into(),
            known: known.into(),
        };
        match round(env, db, &mut rows, 50, budget) {
            Ok(r) => {
                report.attempted += r.attempted;
                report.sent += r.sent;
                report.failed += r.failed;
                report.dead += r.dead;
            }
            Err(e) => failed = Some(e),
        }
        unreached.extend(rows.unsent_reservations());
    }
    give_up_reservations(env, db, &unreached)?;
    match failed {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

/// Makes rows reserved for this request, which it will not send after all, due now, for the
/// drain — not when their reservation would have ended.
fn give_up_reservations(env: &Env, db: &Db, ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let now = env.clock.now_ms();
    let mut values: Vec<Value> = vec![now.into()];
    values.extend(ids.iter().map(|&id| id.into()));
    db.execute(
        &format!(
            "UPDATE outbox SET next_attempt_at = ?1, updated_at = ?1
             WHERE status = 'pending' AND attempts = 0 AND id IN ({})",
            vec!["?"; ids.len()].join(", ")
        ),
        &values,
    )?;
    Ok(())
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
    let mut report = round(env, db, &mut Rows::Due(DueRows::default()), limit, budget)?;
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
