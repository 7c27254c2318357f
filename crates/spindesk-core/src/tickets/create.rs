//! A ticket created through the API (`POST /api/v2/tickets`): web forms, email gateways and
//! integrations file tickets that no conversation started. The first comment is the
//! description; the creation is recorded as one audit of `Create` events and a `Comment`.

use super::audit::{self, Event};
use super::custom_fields::{self, CustomField};
use super::{insert_comment, TicketStatus};
use crate::error::{Error, Result};
use crate::ports::Millis;
use crate::store::Db;

/// A checked request to create a ticket (the API validated every field and every id).
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub requester_id: i64,
    /// Who filed it: the signed-in staff member.
    pub submitter_id: i64,
    pub assignee_id: Option<i64>,
    pub group_id: Option<i64>,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: Option<String>,
    pub kind: Option<String>,
    pub tags: Vec<String>,
    pub custom_fields: Vec<CustomField>,
    pub external_id: Option<String>,
    /// The first comment, which is also the description.
    pub comment: String,
    pub comment_author_id: i64,
    pub comment_public: bool,
}

/// What the creation wrote.
#[derive(Debug, Clone)]
pub struct Created {
    pub ticket_id: i64,
    pub comment_id: i64,
    pub audit_id: i64,
    pub events: Vec<(i64, Event)>,
}

/// Inserts the ticket, its first comment and its audit, in the caller's transaction.
pub fn create(db: &Db, now: Millis, t: &NewTicket) -> Result<Created> {
    let tags = serde_json::to_string(&t.tags).map_err(Error::corrupt)?;
    let ticket_id = db
        .query_i64(
            "INSERT INTO tickets (requester_id, submitter_id, assignee_id, group_id, subject,
                                  description, status, priority, type, tags, custom_fields,
                                  via_channel, external_id, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'api', ?, ?, ?) RETURNING id",
            &[
                t.requester_id.into(),
                t.submitter_id.into(),
                t.assignee_id.into(),
                t.group_id.into(),
                t.subject.clone().into(),
                t.comment.clone().into(),
                t.status.as_str().into(),
                t.priority.clone().into(),
                t.kind.clone().into(),
                tags.clone().into(),
                custom_fields::to_json_text(&t.custom_fields).into(),
                t.external_id.clone().into(),
                now.into(),
                now.into(),
            ],
        )?
        .ok_or_else(|| Error::corrupt("insert returned no ticket id"))?;
    let comment_id = insert_comment(
        db,
        now,
        ticket_id,
        t.comment_author_id,
        &t.comment,
        t.comment_public,
        None,
        "api",
    )?;
    let mut events = vec![
        Event::create("subject", t.subject.clone()),
        Event::create("status", t.status.as_str()),
        Event::create("requester_id", t.requester_id.to_string()),
    ];
    let optional = [
        ("priority", t.priority.clone()),
        ("type", t.kind.clone()),
        ("assignee_id", t.assignee_id.map(|id| id.to_string())),
        ("group_id", t.group_id.map(|id| id.to_string())),
    ];
    events.extend(
        optional
            .into_iter()
            .filter_map(|(field, value)| Some(Event::create(field, value?))),
    );
    if !t.tags.is_empty() {
        events.push(Event::create("tags", tags));
    }
    if !t.custom_fields.is_empty() {
        events.push(Event::create(
            "custom_fields",
            custom_fields::to_json_text(&t.custom_fields),
        ));
    }
    events.push(Event::comment(comment_id));
    let audit_id = audit::record(db, now, ticket_id, Some(t.submitter_id), "api", &events)?
        .ok_or_else(|| Error::corrupt("the creation audit was not recorded"))?;
    let stored = audit::list(db, ticket_id, 0, 1)?;
    let events = stored
        .into_iter()
        .next()
        .map(|a| a.events)
        .unwrap_or_default();
    Ok(Created {
        ticket_id,
        comment_id,
        audit_id,
        events,
    })
}
