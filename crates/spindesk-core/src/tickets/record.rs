//! A ticket as stored, and reading one.

use super::custom_fields::CustomField;
use super::rating::Summary;
use super::status::TicketStatus;
use crate::error::Result;
use crate::ports::{Millis, SqlError};
use crate::store::{Db, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: i64,
    pub conversation_id: Option<i64>,
    pub requester_id: i64,
    pub submitter_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub group_id: Option<i64>,
    pub subject: String,
    pub description: String,
    pub status: TicketStatus,
    pub priority: Option<String>,
    pub kind: Option<String>,
    pub tags: Vec<String>,
    pub via_channel: String,
    pub external_id: Option<String>,
    /// Zendesk's custom ticket fields as stored, `[{"id", "value"}]` (see
    /// [`super::custom_fields`]).
    pub custom_fields: Vec<CustomField>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The customer's rating, if one was offered ([`super::satisfaction`]).
    pub satisfaction: Option<Summary>,
}

/// Selected `FROM tickets` (not aliased: the rating's subquery names the table).
pub const COLUMNS: &str =
    "id, conversation_id, requester_id, submitter_id, assignee_id, group_id, subject, description, \
     status, priority, type, tags, via_channel, external_id, custom_fields, created_at, updated_at, \
     (SELECT json_array(r.id, r.score, r.comment) FROM satisfaction_ratings r \
      WHERE r.ticket_id = tickets.id) AS satisfaction";

pub fn from_row(r: &Row) -> Result<Ticket, SqlError> {
    Ok(Ticket {
        id: r.i64("id")?,
        conversation_id: r.opt_i64("conversation_id")?,
        requester_id: r.i64("requester_id")?,
        submitter_id: r.opt_i64("submitter_id")?,
        assignee_id: r.opt_i64("assignee_id")?,
        group_id: r.opt_i64("group_id")?,
        subject: r.string("subject")?,
        description: r.string("description")?,
        status: {
            let raw = r.string("status")?;
            TicketStatus::parse(&raw)
                .ok_or_else(|| Row::invalid("status", format!("unknown ticket status {raw:?}")))?
        },
        priority: r.opt_string("priority")?,
        kind: r.opt_string("type")?,
        tags: serde_json::from_str(&r.string("tags")?).unwrap_or_default(),
        via_channel: r.string("via_channel")?,
        external_id: r.opt_string("external_id")?,
        custom_fields: serde_json::from_str(&r.string("custom_fields")?).unwrap_or_default(),
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
        satisfaction: Summary::from_json(r.opt_string("satisfaction")?.as_deref())?,
    })
}

pub fn by_id(db: &Db, id: i64) -> Result<Option<Ticket>> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM tickets WHERE id = ?"),
        &[id.into()],
        from_row,
    )?)
}
