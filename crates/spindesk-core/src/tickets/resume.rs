//! A hand-off while the conversation still has a ticket that is not closed (an integration
//! released control to the bot — Sunshine's `releaseControl` — and the customer asked for a
//! person again) continues that ticket instead of opening a second one. So a conversation has
//! at most one unclosed ticket, and a customer cannot open tickets in a loop: a new one needs
//! agents to close the last (closing is final and hands the conversation back to the bot).

use super::audit::{self, Event};
use super::{by_id, customer_returns, insert_comment, search_index, HandOffFields, Ticket};
use crate::error::Result;
use crate::ports::Millis;
use crate::store::Db;

/// The conversation's most recent ticket that is not closed, if any.
pub fn unclosed_of_conversation(db: &Db, conversation_id: i64) -> Result<Option<Ticket>> {
    let id = db.query_i64(
        "SELECT id FROM tickets WHERE conversation_id = ? AND status <> 'closed'
         ORDER BY id DESC LIMIT 1",
        &[conversation_id.into()],
    )?;
    match id {
        Some(id) => by_id(db, id),
        None => Ok(None),
    }
}

/// Continues `ticket` for a new hand-off: what the customer and the bot said since the ticket
/// last saw the conversation, and what the bot collected this time, become one public comment
/// of the customer's (the ticket's own fields and tags, which agents may have set, are left as
/// they are), and a solved or pending ticket is open again (as a customer message would make
/// it). Audited; the caller's transaction.
pub fn continue_for_hand_off(
    db: &Db,
    now: Millis,
    ticket: &Ticket,
    customer_id: i64,
    via: &str,
    collected: &HandOffFields,
) -> Result<()> {
    // What the ticket has not seen: messages after the last one mirrored into it, or, when
    // none was, after its creation (its description holds the transcript up to then). A
    // second continuation with nothing mirrored in between repeats the first one's lines:
    // these comments name no message, so that reports count them as no customer message.
    let mut lines = db.query(
        "SELECT author_name, text FROM messages
         WHERE conversation_id = ?1 AND CASE
             WHEN (SELECT max(message_id) FROM ticket_comments WHERE ticket_id = ?2) IS NULL
             THEN created_at > ?3
             ELSE id > (SELECT max(message_id) FROM ticket_comments WHERE ticket_id = ?2) END
         ORDER BY seq LIMIT 100",
        &[
            ticket.conversation_id.into(),
            ticket.id.into(),
            ticket.created_at.into(),
        ],
        |r| {
            Ok(format!(
                "{}: {}",
                r.string("author_name")?,
                r.string("text")?
            ))
        },
    )?;
    lines.extend(
        collected
            .fields
            .iter()
            .map(|(name, value)| format!("{name}: {value}")),
    );
    let mut events = Vec::new();
    if !lines.is_empty() {
        let comment_id = insert_comment(
            db,
            now,
            ticket.id,
            customer_id,
            &lines.join("\n"),
            true,
            None,
            via,
        )?;
        events.push(Event::comment(comment_id));
    }
    events.extend(customer_returns(db, now, ticket, "hand_off")?);
    if !events.is_empty() {
        audit::record(db, now, ticket.id, Some(customer_id), via, &events)?;
        search_index::index_comment(db, ticket.id)?;
    }
    Ok(())
}
