//! Recording what happened, inside the write transaction that made it happen: nothing is
//! sent for a write that rolls back, nothing is lost for one that commits.
//!
//! One `webhook_events` row per event (its payload stored once; its row id is the event id
//! receivers de-duplicate on, the same on every retry) and one `webhook_deliveries` row per
//! active webhook subscribed to its trigger. Fanning out here rather than at delivery gives
//! every webhook its own retry state, order and dead letters, and a webhook created later does
//! not receive what happened before it. When no webhook hears a trigger — the usual case —
//! recording is one read and writes nothing.
//!
//! Payloads are built by SQLite (`json_object`) from the rows just written, in Sunshine's
//! shapes: the components that record events (the tickets component among them, at its wasm
//! size budget) carry no JSON-building code for it, and the functions take only ids, so the
//! records layer (conversation, ticket audit) calls them in one line without an import circle.

use super::triggers;
use crate::error::Result;
use crate::message::Message;
use crate::ports::{Millis, Value};
use crate::store::Db;

/// The stable id receivers see: the event row's id as 24 hex digits (Sunshine's id shape).
pub fn event_id(row_id: i64) -> String {
    format!("{row_id:024x}")
}

/// Sunshine's `conversationTruncated` of conversation `c`.
const CONVERSATION: &str = "json_object('id', c.public_id, 'type', 'personal',
    'activeSwitchboardIntegration', json_object('name', c.switchboard,
        'integrationType', CASE c.switchboard WHEN 'agent' THEN 'zd:agentWorkspace'
                                              ELSE 'spindesk:bot' END))";

/// The customer `u` (Sunshine's `user`; `externalId` only when there is one).
const USER: &str = "json_patch(json_object('id', u.public_id,
        'authenticated', json(CASE WHEN u.external_id IS NULL THEN 'false' ELSE 'true' END),
        'profile', json_patch(json_object('givenName', u.name), json_object('email', u.email))),
    json_object('externalId', u.external_id))";

/// A time in milliseconds as Sunshine writes it (`2026-12-05T14:00:00.000Z`).
fn iso(column: &str) -> String {
    format!("strftime('%Y-%m-%dT%H:%M:%fZ', {column} / 1000.0, 'unixepoch')")
}

/// Records one event of `trigger` for every webhook that hears it (caller's transaction).
/// `payload` is a query returning the payload JSON as its one column (run only when someone
/// listens); `dedup_key` makes a repeat of the same happening record nothing (a retried
/// message); `order_key` keeps one conversation's (or ticket's) events in order per webhook.
pub fn record(
    db: &Db,
    now: Millis,
    trigger: &str,
    keys: (Option<String>, Option<String>),
    payload: &str,
    params: &[Value],
) -> Result<()> {
    if !heard(db, trigger)? {
        return Ok(());
    }
    record_heard(db, now, trigger, keys, payload, params)
}

/// [`record`] once an active webhook is known to hear `trigger`.
fn record_heard(
    db: &Db,
    now: Millis,
    trigger: &str,
    keys: (Option<String>, Option<String>),
    payload: &str,
    params: &[Value],
) -> Result<()> {
    let (order_key, dedup_key) = keys;
    let payload = db.query_opt(&format!("SELECT ({payload}) AS payload"), params, |r| {
        r.opt_string("payload")
    })?;
    let Some(payload) = payload.flatten() else {
        return Ok(());
    };
    let Some(event) = db.query_i64(
        "INSERT INTO webhook_events (dedup_key, type, order_key, payload, created_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
        &[
            dedup_key.into(),
            trigger.into(),
            order_key.clone().into(),
            payload.into(),
            now.into(),
        ],
    )?
    else {
        return Ok(());
    };
    db.execute(
        "INSERT INTO webhook_deliveries (webhook_id, event_id, order_key, next_attempt_at,
                                         created_at, updated_at)
         SELECT id, ?1, ?2, ?3, ?3, ?3 FROM webhooks
         WHERE status = 'active' AND instr(triggers, json_quote(?4)) > 0",
        &[event.into(), order_key.into(), now.into(), trigger.into()],
    )?;
    Ok(())
}

/// Whether an active webhook hears the trigger `value` (a placeholder or a quoted constant),
/// as one SQL expression. `triggers` is a JSON array of known trigger names (none has a quote
/// in it), so the name in quotes is found in it exactly when it is one of them; `instr` rather
/// than a `json_each` subquery, because this rides on every customer message's insert, and on
/// Spin each subquery of a `RETURNING` is ~50 allocations through SQLite's memory mutex.
fn heard_sql(value: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM webhooks WHERE status = 'active'
           AND instr(triggers, json_quote({value})) > 0)"
    )
}

/// Whether an active webhook hears `trigger`: the one read recording costs when none does.
fn heard(db: &Db, trigger: &str) -> Result<bool> {
    Ok(db.query_i64(&format!("SELECT {}", heard_sql("?")), &[trigger.into()])? == Some(1))
}

/// Whether an active webhook hears `conversation:message`, as one SQL expression without
/// parameters (the trigger is our own constant), for a write that asks it with its other checks
/// in one read before [`messages`].
pub fn messages_heard_sql() -> String {
    heard_sql(&format!("'{}'", triggers::CONVERSATION_MESSAGE))
}

fn conversation_key(conversation_id: i64) -> Option<String> {
    Some(format!("conversation:{conversation_id}"))
}

/// Whether an active webhook hears `conversation:create`, as one SQL expression without
/// parameters: asked by the statement that creates the conversation, before
/// [`conversation_created`].
pub fn conversation_created_heard_sql() -> String {
    heard_sql(&format!("'{}'", triggers::CONVERSATION_CREATE))
}

/// `conversation:create`, when a customer's conversation is first stored. Called once
/// [`conversation_created_heard_sql`] has said an active webhook hears it: nothing here asks
/// again (under the write lock every statement is a host round trip on Spin).
pub fn conversation_created(db: &Db, now: Millis, conversation_id: i64) -> Result<()> {
    record_heard(
        db,
        now,
        triggers::CONVERSATION_CREATE,
        (
            conversation_key(conversation_id),
            Some(format!("conversation:create:{conversation_id}")),
        ),
        &format!(
            "SELECT json_object('conversation', {CONVERSATION}, 'creationReason', 'message',
                    'source', json_object('type', c.last_channel),
                    'user', json_patch(json_object('id', u.public_id),
                                       json_object('externalId', u.external_id)))
             FROM conversations c JOIN users u ON u.id = c.user_id WHERE c.id = ?"
        ),
        &[conversation_id.into()],
    )
}

/// `conversation:message`, for each message a write posted (the customer's, the bot's, an
/// agent's). A message seen again (a channel's retried delivery) records nothing. Called once
/// [`messages_heard_sql`] has said an active webhook hears it (`api::commit` asks that with its
/// other checks in one read, under the write lock): nothing here asks again.
pub fn messages(db: &Db, now: Millis, messages: &[Message]) -> Result<()> {
    let payload = format!(
        "SELECT json_object('conversation', {CONVERSATION},
                'message', json_object(
                    'id', CAST(m.id AS TEXT),
                    'received', {received},
                    'author', json(CASE m.author_type
                        WHEN 'user' THEN json_object('type', 'user', 'userId', u.public_id,
                                                     'displayName', m.author_name, 'user', {USER})
                        ELSE json_object('type', 'business', 'displayName', m.author_name) END),
                    'content', json_patch(json_object('type', 'text', 'text', m.text),
                        json_object('actions', json_extract(m.content, '$.actions'),
                                    'payload', m.payload)),
                    'source', json_object('type', m.channel)))
         FROM messages m JOIN conversations c ON c.id = m.conversation_id
         JOIN users u ON u.id = c.user_id WHERE m.id = ?",
        received = iso("m.created_at"),
    );
    for m in messages {
        record_heard(
            db,
            now,
            triggers::CONVERSATION_MESSAGE,
            (
                conversation_key(m.conversation_id),
                Some(format!("message:{}", m.id)),
            ),
            &payload,
            &[m.id.into()],
        )?;
    }
    Ok(())
}

/// An activity (`typing:start`, `typing:stop`, `conversation:read`) by the customer or an
/// agent (the business).
fn activity(
    db: &Db,
    now: Millis,
    trigger: &str,
    conversation_id: i64,
    customer: bool,
    kind: &str,
    seq: Option<i64>,
) -> Result<()> {
    record(
        db,
        now,
        trigger,
        (conversation_key(conversation_id), None),
        &format!(
            "SELECT json_object('conversation', {CONVERSATION},
                    'activity', json_patch(json_object('type', ?2,
                        'author', json(CASE WHEN ?3 THEN json_object('type', 'user',
                                                         'userId', u.public_id, 'user', {USER})
                                       ELSE json_object('type', 'business') END)),
                      json_object('data', json(CASE WHEN ?4 IS NULL THEN NULL
                                                    ELSE json_object('seq', ?4) END))))
             FROM conversations c JOIN users u ON u.id = c.user_id WHERE c.id = ?1"
        ),
        &[
            conversation_id.into(),
            kind.into(),
            customer.into(),
            seq.into(),
        ],
    )
}

/// `conversation:typing` (`typing:start` / `typing:stop`) by the customer or an agent.
pub fn typing(
    db: &Db,
    now: Millis,
    conversation_id: i64,
    customer: bool,
    typing: bool,
) -> Result<()> {
    let kind = if typing {
        "typing:start"
    } else {
        "typing:stop"
    };
    let trigger = triggers::CONVERSATION_TYPING;
    activity(db, now, trigger, conversation_id, customer, kind, None)
}

/// `conversation:read` by the customer or an agent, up to message `seq`.
pub fn read(db: &Db, now: Millis, conversation_id: i64, customer: bool, seq: i64) -> Result<()> {
    let (trigger, kind) = (triggers::CONVERSATION_READ, "conversation:read");
    activity(db, now, trigger, conversation_id, customer, kind, Some(seq))
}

/// `switchboard:passControl` when agents take the conversation (its ticket opened), and
/// `switchboard:releaseControl` when it goes back to the bot (Sunshine: without
/// `activeSwitchboardIntegration`).
pub fn switchboard(
    db: &Db,
    now: Millis,
    conversation_id: i64,
    to_agents: bool,
    ticket_id: Option<i64>,
) -> Result<()> {
    let trigger = if to_agents {
        triggers::PASS_CONTROL
    } else {
        triggers::RELEASE_CONTROL
    };
    record(
        db,
        now,
        trigger,
        (conversation_key(conversation_id), None),
        &format!(
            "SELECT json_object('conversation', json(CASE WHEN ?2 THEN {CONVERSATION}
                        ELSE json_object('id', c.public_id, 'type', 'personal') END),
                    'metadata', json_object('ticketId', ?3))
             FROM conversations c WHERE c.id = ?1"
        ),
        &[conversation_id.into(), to_agents.into(), ticket_id.into()],
    )
}

/// A ticket audit's events as `(type, field, value)`: `Create`, `Change`, `Comment`,
/// `SatisfactionRating` (the audit's own names, so its file need not be imported here).
pub type AuditEvent<'a> = (&'a str, Option<&'a str>, Option<&'a str>);

/// What a ticket audit means to webhooks: `ticket:created` for a new ticket;
/// `satisfaction:rated` for a rating; `ticket:solved` for a change to solved, or else
/// `ticket:updated` for any other change or comment. One audit is one event of each kind.
pub fn ticket_audit(db: &Db, now: Millis, ticket_id: i64, events: &[AuditEvent]) -> Result<()> {
    let any = |f: &dyn Fn(&AuditEvent) -> bool| events.iter().any(f);
    let mut fired = Vec::new();
    if any(&|(k, _, _)| *k == "Create") {
        fired.push(triggers::TICKET_CREATED);
    } else {
        if any(&|(k, f, v)| {
            *k == "SatisfactionRating"
                && *f == Some("satisfaction_score")
                && matches!(*v, Some("good" | "bad"))
        }) {
            fired.push(triggers::SATISFACTION_RATED);
        }
        if any(&|(k, f, v)| *k == "Change" && *f == Some("status") && *v == Some("solved")) {
            fired.push(triggers::TICKET_SOLVED);
        } else if any(&|(k, _, _)| *k == "Change" || *k == "Comment") {
            fired.push(triggers::TICKET_UPDATED);
        }
    }
    if fired.is_empty() {
        return Ok(());
    }
    // A ticket's events follow its conversation's, if it has one.
    let order_key = db.query_opt(
        "SELECT COALESCE('conversation:' || conversation_id, 'ticket:' || id) AS k
             FROM tickets WHERE id = ?",
        &[ticket_id.into()],
        |r| r.string("k"),
    )?;
    // The ticket as it is now (Zendesk's field names), its conversation, its rating.
    let payload = format!(
        "SELECT json_patch(json_object('ticket', json_object(
                    'id', t.id, 'subject', t.subject, 'status', t.status,
                    'priority', t.priority, 'type', t.type, 'requester_id', t.requester_id,
                    'assignee_id', t.assignee_id, 'group_id', t.group_id,
                    'via', json_object('channel', t.via_channel),
                    'created_at', {created}, 'updated_at', {updated})),
                json_object(
                    'conversation', json(CASE WHEN c.id IS NULL THEN NULL
                        ELSE json_object('id', c.public_id, 'type', 'personal') END),
                    'satisfaction_rating', json(CASE WHEN s.id IS NULL THEN NULL
                        ELSE json_object('score', s.score, 'comment', s.comment) END)))
         FROM tickets t
         LEFT JOIN conversations c ON c.id = t.conversation_id
         LEFT JOIN satisfaction_ratings s ON s.ticket_id = t.id
         WHERE t.id = ?",
        created = iso("t.created_at"),
        updated = iso("t.updated_at"),
    );
    for trigger in fired {
        record(
            db,
            now,
            trigger,
            (order_key.clone(), None),
            &payload,
            &[ticket_id.into()],
        )?;
    }
    Ok(())
}
