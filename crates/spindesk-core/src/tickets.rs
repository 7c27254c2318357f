//! Tickets: what agents work on after a hand-off, in Zendesk's shape.
//!
//! Status moves through Zendesk's states by the rules in [`status`]: a customer message reopens
//! a solved (or pending) ticket; closing is final and hands the conversation back to the bot.

pub mod audit;
pub mod create;
pub mod custom_fields;
pub mod macros;
mod rating;
mod record;
pub mod resume;
pub mod routing;
pub mod satisfaction;
pub mod search;
pub mod search_index;
mod status;
pub mod term_pairs;
pub mod views;

pub use custom_fields::CustomField;
pub use rating::{Score, Summary};
pub use record::{by_id, from_row, Ticket, COLUMNS};
pub use status::{StatusError, StatusEvent, TicketStatus};

use crate::conversation::{self, Conversation, Outgoing};
use crate::error::{Error, Result};
use crate::message::{AuthorType, Message};
use crate::ports::{Env, Millis};
use crate::store::Db;
use crate::users::User;
use audit::Event;
use std::collections::BTreeMap;

pub const PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];
pub const TYPES: &[&str] = &["problem", "incident", "question", "task"];

/// Opens the ticket for a hand-off: the customer is requester and submitter, the transcript so
/// far is the description.
pub fn open_for_conversation(
    db: &Db,
    now: Millis,
    conversation: &Conversation,
    user: &User,
    transcript: &str,
) -> Result<i64> {
    let subject = format!("Conversation with {}", user.name);
    let id = db.query_i64(
        "INSERT INTO tickets (conversation_id, requester_id, submitter_id, subject, description,
                              status, tags, via_channel, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'new', '[]', ?, ?, ?) RETURNING id",
        &[
            conversation.id.into(),
            user.id.into(),
            user.id.into(),
            subject.into(),
            transcript.into(),
            conversation.last_channel.clone().into(),
            now.into(),
            now.into(),
        ],
    )?
    .ok_or_else(|| Error::corrupt("insert returned no ticket id"))?;
    search_index::index_ticket(db, id)?;
    Ok(id)
}

/// A customer message while agents are in control becomes a public comment, and may reopen the
/// ticket ([`StatusEvent::CustomerMessage`]).
pub fn mirror_customer_message(
    db: &Db,
    now: Millis,
    ticket_id: i64,
    message: &Message,
) -> Result<()> {
    let author_id = message
        .author_id
        .ok_or_else(|| Error::corrupt("customer message without author"))?;
    let comment_id = insert_comment(
        db,
        now,
        ticket_id,
        author_id,
        &message.text,
        true,
        Some(message.id),
        &message.channel,
    )?;
    let ticket = by_id(db, ticket_id)?.ok_or(Error::NotFound("ticket"))?;
    let mut events = vec![Event::comment(comment_id)];
    events.extend(customer_returns(db, now, &ticket, "customer_message")?);
    audit::record(
        db,
        now,
        ticket_id,
        Some(author_id),
        &message.channel,
        &events,
    )?;
    search_index::index_comment(db, ticket_id)?;
    Ok(())
}

/// The customer is back (a message, a new hand-off): a solved or pending ticket opens again
/// ([`StatusEvent::CustomerMessage`]) and the ticket counts as updated now. Returns the audit
/// event of a status change, `because` `reason`. A closed ticket no longer follows the
/// conversation, so the transition cannot refuse; if it did, the status stays.
fn customer_returns(db: &Db, now: Millis, ticket: &Ticket, reason: &str) -> Result<Option<Event>> {
    let status = ticket
        .status
        .transition(StatusEvent::CustomerMessage)
        .unwrap_or(ticket.status);
    db.execute(
        "UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?",
        &[status.as_str().into(), now.into(), ticket.id.into()],
    )?;
    Ok((status != ticket.status).then(|| {
        Event::change(
            "status",
            Some(ticket.status.as_str().to_owned()),
            Some(status.as_str().to_owned()),
        )
        .because(reason)
    }))
}

/// The audit of a ticket's creation: one `Create` event per field that has a value, authored
/// by `author_id` through `via`.
pub fn record_created(
    db: &Db,
    now: Millis,
    ticket: &Ticket,
    author_id: Option<i64>,
    via: &str,
) -> Result<()> {
    let mut events = vec![
        Event::create("subject", ticket.subject.clone()),
        Event::create("status", ticket.status.as_str()),
        Event::create("requester_id", ticket.requester_id.to_string()),
        Event::create("tags", tags_value(&ticket.tags)),
    ];
    let optional = [
        ("priority", ticket.priority.clone()),
        ("type", ticket.kind.clone()),
        ("group_id", ticket.group_id.map(|g| g.to_string())),
        ("assignee_id", ticket.assignee_id.map(|a| a.to_string())),
    ];
    for (field, value) in optional {
        if let Some(value) = value {
            events.push(Event::create(field, value));
        }
    }
    let custom = custom_fields_value(db, ticket.id)?;
    if custom != "[]" {
        events.push(Event::create("custom_fields", custom));
    }
    audit::record(db, now, ticket.id, author_id, via, &events)?;
    Ok(())
}

/// What changed between two versions of a ticket, as audit `Change` events (an assignee set
/// by a person carries the reason `manual`).
pub fn changes(before: &Ticket, after: &Ticket) -> Vec<Event> {
    let mut events = Vec::new();
    let mut field = |name: &str, old: Option<String>, new: Option<String>| {
        if old != new {
            let event = Event::change(name, old, new);
            events.push(if name == "assignee_id" {
                event.because(routing::MANUAL)
            } else {
                event
            });
        }
    };
    let id = |v: Option<i64>| v.map(|v| v.to_string());
    field(
        "status",
        Some(before.status.as_str().into()),
        Some(after.status.as_str().into()),
    );
    field("priority", before.priority.clone(), after.priority.clone());
    field("type", before.kind.clone(), after.kind.clone());
    field(
        "subject",
        Some(before.subject.clone()),
        Some(after.subject.clone()),
    );
    field("assignee_id", id(before.assignee_id), id(after.assignee_id));
    field("group_id", id(before.group_id), id(after.group_id));
    field(
        "tags",
        Some(tags_value(&before.tags)),
        Some(tags_value(&after.tags)),
    );
    field(
        "external_id",
        before.external_id.clone(),
        after.external_id.clone(),
    );
    events
}

/// Tags in an audit event: their JSON array, as Zendesk shows them.
pub fn tags_value(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned())
}

/// The ticket's stored custom fields (JSON array text), for audits.
pub fn custom_fields_value(db: &Db, ticket_id: i64) -> Result<String> {
    Ok(db
        .query_opt(
            "SELECT custom_fields FROM tickets WHERE id = ?",
            &[ticket_id.into()],
            |r| r.opt_string("custom_fields"),
        )?
        .flatten()
        .unwrap_or_else(|| "[]".to_owned()))
}

#[allow(clippy::too_many_arguments)]
fn insert_comment(
    db: &Db,
    now: Millis,
    ticket_id: i64,
    author_id: i64,
    body: &str,
    public: bool,
    message_id: Option<i64>,
    via_channel: &str,
) -> Result<i64> {
    db.query_i64(
        "INSERT INTO ticket_comments (ticket_id, author_id, body, public, message_id, via_channel, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        &[
            ticket_id.into(),
            author_id.into(),
            body.into(),
            public.into(),
            message_id.into(),
            via_channel.into(),
            now.into(),
        ],
    )?
    .ok_or_else(|| Error::corrupt("insert returned no comment id"))
}

/// Who writes an agent comment: the agent's user, or for the admin token, a staff user named
/// after the admin (Zendesk requires every comment to have an author).
#[derive(Debug, Clone)]
pub struct CommentAuthor {
    pub user_id: i64,
    pub name: String,
}

/// An agent's comment. A public one also reaches the customer's conversation as an agent
/// message; a private one (an internal note) never does. Returns the comment id and the
/// conversation message, if one was posted.
pub fn add_agent_comment(
    env: &Env,
    db: &Db,
    ticket: &Ticket,
    author: &CommentAuthor,
    body: &str,
    public: bool,
    via: Option<&str>,
) -> Result<(i64, Option<Message>)> {
    let now = env.clock.now_ms();
    let mut message = match (public, ticket.conversation_id) {
        (true, Some(conversation_id)) => Some(conversation::post(
            env,
            db,
            conversation_id,
            &Outgoing {
                author_type: AuthorType::Agent,
                author_id: Some(author.user_id),
                author_name: author.name.clone(),
                text: body.to_owned(),
                actions: Vec::new(),
            },
        )?),
        _ => None,
    };
    // The agent chose where this reply goes (checked by the caller); otherwise it goes where
    // the customer last wrote from.
    if let (Some(via), Some(message)) = (via, message.as_mut()) {
        db.execute(
            "UPDATE messages SET channel = ? WHERE id = ?",
            &[via.into(), message.id.into()],
        )?;
        message.channel = via.to_owned();
    }
    let comment_id = insert_comment(
        db,
        now,
        ticket.id,
        author.user_id,
        body,
        public,
        message.as_ref().map(|m| m.id),
        "api",
    )?;
    search_index::index_comment(db, ticket.id)?;
    Ok((comment_id, message))
}

/// What [`change_status`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub status: TicketStatus,
    /// Messages it posted to the customer (the satisfaction question when it solved).
    pub posted: Vec<Message>,
    /// Audit events beyond the status itself (the rating offered), for the caller's audit.
    pub events: Vec<Event>,
}

/// Moves the ticket's status through `events` ([`TicketStatus::after`]) and stores it when it
/// moved or was set explicitly; the caller audits the change with the rest of its update (and
/// the returned `events`). Reaching a status that hands back gives the conversation to the bot; reaching `solved` asks the
/// customer to rate the support ([`satisfaction::offer`]) — here, so every path that solves
/// a ticket asks.
pub fn change_status(
    env: &Env,
    db: &Db,
    ticket: &Ticket,
    events: &[StatusEvent],
) -> Result<StatusChange> {
    let now = env.clock.now_ms();
    let status = ticket
        .status
        .after(events)
        .map_err(|e| Error::Invalid(format!("status: {e}")))?;
    let mut change = StatusChange {
        status,
        posted: Vec::new(),
        events: Vec::new(),
    };
    let set = events.iter().any(|e| matches!(e, StatusEvent::Set(_)));
    if status == ticket.status && !set {
        return Ok(change);
    }
    db.execute(
        "UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?",
        &[status.as_str().into(), now.into(), ticket.id.into()],
    )?;
    if status == TicketStatus::Solved && ticket.status != TicketStatus::Solved {
        if let Some((question, offered)) = satisfaction::offer(env, db, ticket)? {
            change.posted.push(question);
            change.events.push(offered);
        }
    }
    if status.hands_back() {
        if let Some(conversation_id) = ticket.conversation_id {
            let current = conversation::by_id(db, conversation_id)?;
            if current.is_some_and(|c| c.ticket_id == Some(ticket.id)) {
                conversation::hand_back(db, now, conversation_id)?;
            }
        }
    }
    Ok(change)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub id: i64,
    pub ticket_id: i64,
    pub author_id: i64,
    pub body: String,
    pub public: bool,
    /// The conversation message a public comment mirrors (its files are the message's).
    pub message_id: Option<i64>,
    pub via_channel: String,
    pub created_at: Millis,
}

pub fn comments(db: &Db, ticket_id: i64, offset: i64, limit: i64) -> Result<Vec<Comment>> {
    Ok(db.query(
        "SELECT id, ticket_id, author_id, body, public, message_id, via_channel, created_at
         FROM ticket_comments WHERE ticket_id = ? ORDER BY id LIMIT ? OFFSET ?",
        &[ticket_id.into(), limit.into(), offset.into()],
        |r| {
            Ok(Comment {
                id: r.i64("id")?,
                ticket_id: r.i64("ticket_id")?,
                author_id: r.i64("author_id")?,
                body: r.string("body")?,
                public: r.bool("public")?,
                message_id: r.opt_i64("message_id")?,
                via_channel: r.string("via_channel")?,
                created_at: r.i64("created_at")?,
            })
        },
    )?)
}

/// What the bot collected for the hand-off ticket: tags, and fields by name (`subject`,
/// `priority`, `requester.name`, `requester.email`, `custom_fields.<id>`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HandOffFields {
    pub tags: Vec<String>,
    pub fields: BTreeMap<String, String>,
    /// The group the bot's transfer step named (else the default group takes the ticket).
    pub group: Option<String>,
}

/// Writes what the bot collected onto the hand-off ticket (its requester's name and email go
/// to [`crate::users::complete_profile`]).
pub fn apply_hand_off_fields(
    db: &Db,
    now: Millis,
    ticket_id: i64,
    collected: &HandOffFields,
) -> Result<()> {
    let fields = &collected.fields;
    let subject = fields.get("subject").cloned().or_else(|| {
        fields
            .get("requester.name")
            .map(|n| format!("Conversation with {n}"))
    });
    let priority = fields
        .get("priority")
        .map(|p| p.to_lowercase())
        .filter(|p| PRIORITIES.contains(&p.as_str()));
    let custom: Vec<serde_json::Value> = fields
        .iter()
        .filter_map(|(k, v)| {
            let id: i64 = k.strip_prefix("custom_fields.")?.parse().ok()?;
            Some(serde_json::json!({"id": id, "value": v}))
        })
        .collect();
    let tags = serde_json::to_string(&collected.tags).map_err(Error::corrupt)?;
    let custom = serde_json::Value::Array(custom).to_string();
    db.execute(
        "UPDATE tickets SET subject = coalesce(?, subject), priority = coalesce(?, priority),
                            tags = ?, custom_fields = ?, updated_at = ?
         WHERE id = ?",
        &[
            subject.into(),
            priority.into(),
            tags.into(),
            custom.into(),
            now.into(),
            ticket_id.into(),
        ],
    )?;
    // The subject may have changed.
    search_index::index_ticket(db, ticket_id)?;
    Ok(())
}
