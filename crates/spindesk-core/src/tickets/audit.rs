//! The audit trail: every change to a ticket as one audit (who, when, through what) with its
//! events, in Zendesk's shape (`GET /api/v2/tickets/{id}/audits`). Events are rows of their
//! own so reports count them in SQL (reopens are `Change` events of `status` from `solved`).

use crate::error::{Error, Result};
use crate::ports::{Millis, SqlError};
use crate::store::{Db, Row};

/// What an event records. Zendesk's event types, the subset Spindesk writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// A field's first value, when the ticket is created.
    Create,
    /// A field moved from `previous_value` to `value`.
    Change,
    /// A comment was added (`value` is its id).
    Comment,
    /// The customer rated the ticket (`value` is the score).
    SatisfactionRating,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Create => "Create",
            EventType::Change => "Change",
            EventType::Comment => "Comment",
            EventType::SatisfactionRating => "SatisfactionRating",
        }
    }

    fn parse(raw: &str) -> Option<EventType> {
        [
            EventType::Create,
            EventType::Change,
            EventType::Comment,
            EventType::SatisfactionRating,
        ]
        .into_iter()
        .find(|t| t.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: EventType,
    /// `status`, `priority`, `assignee_id`, `group_id`, `tags`, `custom_fields`, ...
    pub field_name: Option<String>,
    pub value: Option<String>,
    pub previous_value: Option<String>,
    /// Why, when it was not a person's direct choice (`round_robin`, `queue`, `agent_offline`,
    /// `customer_message`, ...).
    pub reason: Option<String>,
}

impl Event {
    pub fn create(field: &str, value: impl Into<String>) -> Self {
        Event {
            kind: EventType::Create,
            field_name: Some(field.to_owned()),
            value: Some(value.into()),
            previous_value: None,
            reason: None,
        }
    }

    pub fn change(field: &str, previous: Option<String>, value: Option<String>) -> Self {
        Event {
            kind: EventType::Change,
            field_name: Some(field.to_owned()),
            value,
            previous_value: previous,
            reason: None,
        }
    }

    pub fn comment(comment_id: i64) -> Self {
        Event {
            kind: EventType::Comment,
            field_name: None,
            value: Some(comment_id.to_string()),
            previous_value: None,
            reason: None,
        }
    }

    pub fn because(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_owned());
        self
    }
}

/// One audit as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Audit {
    pub id: i64,
    pub ticket_id: i64,
    /// `None`: Spindesk itself (the bot, automatic assignment).
    pub author_id: Option<i64>,
    /// `api`, `web` (the workspace), a channel name, `system`.
    pub via: String,
    pub created_at: Millis,
    pub events: Vec<(i64, Event)>,
}

/// Records one audit with its events (caller's transaction). Nothing for no events.
pub fn record(
    db: &Db,
    now: Millis,
    ticket_id: i64,
    author_id: Option<i64>,
    via: &str,
    events: &[Event],
) -> Result<Option<i64>> {
    if events.is_empty() {
        return Ok(None);
    }
    let audit_id = db
        .query_i64(
            "INSERT INTO ticket_audits (ticket_id, author_id, via, created_at)
             VALUES (?, ?, ?, ?) RETURNING id",
            &[ticket_id.into(), author_id.into(), via.into(), now.into()],
        )?
        .ok_or_else(|| Error::corrupt("insert returned no audit id"))?;
    for event in events {
        db.execute(
            "INSERT INTO ticket_audit_events (audit_id, ticket_id, type, field_name, value,
                                              previous_value, reason, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                audit_id.into(),
                ticket_id.into(),
                event.kind.as_str().into(),
                event.field_name.clone().into(),
                event.value.clone().into(),
                event.previous_value.clone().into(),
                event.reason.clone().into(),
                now.into(),
            ],
        )?;
    }
    let kinds: Vec<_> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.field_name.as_deref(), e.value.as_deref()))
        .collect();
    crate::webhooks::events::ticket_audit(db, now, ticket_id, &kinds)?;
    Ok(Some(audit_id))
}

/// The ticket's audits, oldest first, with their events; `limit` audits from `offset`.
pub fn list(db: &Db, ticket_id: i64, offset: i64, limit: i64) -> Result<Vec<Audit>> {
    let mut audits = db.query(
        "SELECT id, ticket_id, author_id, via, created_at FROM ticket_audits
         WHERE ticket_id = ? ORDER BY id LIMIT ? OFFSET ?",
        &[ticket_id.into(), limit.into(), offset.into()],
        |r| {
            Ok(Audit {
                id: r.i64("id")?,
                ticket_id: r.i64("ticket_id")?,
                author_id: r.opt_i64("author_id")?,
                via: r.string("via")?,
                created_at: r.i64("created_at")?,
                events: Vec::new(),
            })
        },
    )?;
    let (Some(first), Some(last)) = (audits.first(), audits.last()) else {
        return Ok(audits);
    };
    let events = db.query(
        "SELECT id, audit_id, type, field_name, value, previous_value, reason
         FROM ticket_audit_events WHERE ticket_id = ? AND audit_id BETWEEN ? AND ? ORDER BY id",
        &[ticket_id.into(), first.id.into(), last.id.into()],
        |r| Ok((r.i64("audit_id")?, r.i64("id")?, event_from_row(r)?)),
    )?;
    for (audit_id, id, event) in events {
        if let Some(audit) = audits.iter_mut().find(|a| a.id == audit_id) {
            audit.events.push((id, event));
        }
    }
    Ok(audits)
}

pub fn count(db: &Db, ticket_id: i64) -> Result<i64> {
    Ok(db
        .query_i64(
            "SELECT count(*) FROM ticket_audits WHERE ticket_id = ?",
            &[ticket_id.into()],
        )?
        .unwrap_or(0))
}

fn event_from_row(r: &Row) -> Result<Event, SqlError> {
    let raw = r.string("type")?;
    Ok(Event {
        kind: EventType::parse(&raw)
            .ok_or_else(|| Row::invalid("type", format!("unknown audit event {raw:?}")))?,
        field_name: r.opt_string("field_name")?,
        value: r.opt_string("value")?,
        previous_value: r.opt_string("previous_value")?,
        reason: r.opt_string("reason")?,
    })
}
