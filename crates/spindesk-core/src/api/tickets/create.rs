//! `POST /api/v2/tickets`: a ticket filed by a web form, an email gateway or an integration,
//! in Zendesk's shape. The requester is named by `requester_id`, or by `requester: {name,
//! email}` (found among customers by email, without regard to case, or created); without
//! either, the signed-in agent requests it, as in Zendesk. The first comment (or
//! `description`) is the description and the first comment, written by the requester. No
//! conversation is created: replies to it are internal until the customer writes on a channel.
//! Everything is checked before anything is written; a refusal is `422 RecordInvalid` naming
//! the field.

use super::ticket::{
    check_tags, comment_author, comment_text, invalid, one_of, NewComment, MAX_BODY_BYTES,
};
use super::zendesk::{
    base_url, clip, comment_json, not_found, read_expecting, status_names, ticket_json,
};
use crate::api::commit;
use crate::auth::require_staff;
use crate::committed::Committed;
use crate::email::Email;
use crate::ports::Env;
use crate::store::database;
use crate::surface::{Request, Response};
use crate::tickets::audit::EventType;
use crate::tickets::create::{create, NewTicket};
use crate::tickets::custom_fields::{self, CustomField};
use crate::tickets::{self, TicketStatus, PRIORITIES, TYPES};
use crate::timestamp::iso8601;
use crate::users;
use crate::web::{json_status, ApiError};
use serde::Deserialize;
use serde_json::{json, Value};

/// Longest subject and requester name; a subject taken from the comment is cut at this.
const MAX_SUBJECT_CHARS: usize = 255;
const DERIVED_SUBJECT_CHARS: usize = 100;

#[derive(Deserialize)]
struct Body {
    ticket: Fields,
}

/// What a creation may carry; Zendesk clients send more, which is ignored.
#[derive(Deserialize)]
struct Fields {
    subject: Option<String>,
    comment: Option<NewComment>,
    description: Option<String>,
    requester: Option<Requester>,
    requester_id: Option<i64>,
    status: Option<String>,
    priority: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    tags: Option<Vec<String>>,
    group_id: Option<i64>,
    assignee_id: Option<i64>,
    #[serde(alias = "fields")]
    custom_fields: Option<Value>,
    external_id: Option<String>,
}

#[derive(Deserialize)]
struct Requester {
    name: Option<String>,
    email: Option<String>,
}

/// Who requests the ticket, once checked.
enum Who {
    Id(i64),
    ByEmail { name: String, email: Email },
    SignedIn,
}

/// The request, checked: everything but what needs the database.
struct Checked {
    who: Who,
    subject: String,
    comment: String,
    public: bool,
    status: TicketStatus,
    tags: Vec<String>,
    custom_fields: Vec<CustomField>,
}

fn check(f: &Fields) -> Result<Checked, ApiError> {
    let (comment, public) = match (&f.comment, &f.description) {
        // Files go with a ticket's later comments (`PUT /api/v2/tickets/{id}`), not its first.
        (Some(c), _) if c.uploads.as_ref().is_some_and(|u| !u.is_empty()) => {
            return Err(invalid(
                "uploads",
                "attach uploads to a comment of an existing ticket (PUT /api/v2/tickets/{id})",
            ))
        }
        (Some(c), _) if c.channel.is_some() => {
            return Err(invalid(
                "comment.channel",
                "only a reply on an existing ticket chooses its channel",
            ))
        }
        (Some(c), _) => (comment_text(c)?, c.public.unwrap_or(true)),
        (None, Some(d)) => {
            let c = NewComment {
                body: Some(d.clone()),
                html_body: None,
                public: Some(true),
                uploads: None,
                whatsapp_template: None,
                channel: None,
            };
            (
                comment_text(&c).map_err(|_| invalid("description", "can't be blank"))?,
                true,
            )
        }
        (None, None) => {
            return Err(invalid(
                "comment",
                "is required: {\"comment\": {\"body\": \"...\"}} or \"description\"",
            ))
        }
    };
    let subject = match &f.subject {
        Some(s) if s.chars().count() > MAX_SUBJECT_CHARS => {
            return Err(invalid("subject", "is longer than 255 characters"))
        }
        Some(s) if !s.trim().is_empty() => s.trim().to_owned(),
        // Zendesk leaves it empty; an inbox row needs something to show.
        _ => clip(
            comment.lines().next().unwrap_or("").trim(),
            DERIVED_SUBJECT_CHARS,
        )
        .to_owned(),
    };
    let status = match f.status.as_deref() {
        None => TicketStatus::New,
        Some(raw) => match TicketStatus::parse(raw) {
            Some(TicketStatus::Closed) => {
                return Err(invalid("status", "a ticket can't be created closed"))
            }
            Some(s) => s,
            None => {
                return Err(invalid(
                    "status",
                    format!("{raw:?} is not one of {}", status_names()),
                ))
            }
        },
    };
    if let Some(p) = &f.priority {
        one_of("priority", p, PRIORITIES)?;
    }
    if let Some(k) = &f.kind {
        one_of("type", k, TYPES)?;
    }
    let mut tags: Vec<String> = Vec::new();
    if let Some(given) = &f.tags {
        check_tags(given)?;
        for t in given {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
    }
    let custom_fields = match &f.custom_fields {
        Some(raw) => custom_fields::parse(raw).map_err(|why| invalid("custom_fields", why))?,
        None => Vec::new(),
    };
    if f.external_id
        .as_ref()
        .is_some_and(|e| e.chars().count() > 255)
    {
        return Err(invalid("external_id", "is longer than 255 characters"));
    }
    let who = match (&f.requester, f.requester_id) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "requester",
                "give requester or requester_id, not both",
            ))
        }
        (None, Some(id)) => Who::Id(id),
        (None, None) => Who::SignedIn,
        (Some(r), None) => {
            let raw = r.email.as_deref().unwrap_or("").trim();
            let email = Email::parse(raw).ok_or_else(|| {
                invalid(
                    "requester",
                    format!("email {:?} is not a valid email address", clip(raw, 100)),
                )
            })?;
            let name = match r.name.as_deref().map(str::trim) {
                Some(n) if n.chars().count() > MAX_SUBJECT_CHARS => {
                    return Err(invalid("requester", "name is longer than 255 characters"))
                }
                Some(n) if !n.is_empty() => n.to_owned(),
                // Zendesk names a new user after their address when no name is given.
                _ => email.as_str().split('@').next().unwrap_or("").to_owned(),
            };
            Who::ByEmail { name, email }
        }
    };
    Ok(Checked {
        who,
        subject,
        comment,
        public,
        status,
        tags,
        custom_fields,
    })
}

pub fn create_ticket(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let body: Body = read_expecting(req, MAX_BODY_BYTES, r#"{"ticket": {...}}"#)?;
    let f = body.ticket;
    let checked = check(&f)?;
    let now = env.clock.now_ms();
    let ((ticket, created), _) = commit::write(env, &db, |db| {
        let submitter = comment_author(db, env, &staff)?.user_id;
        let requester_id = match &checked.who {
            Who::SignedIn => submitter,
            Who::Id(id) => {
                users::by_id(db, *id)?
                    .ok_or_else(|| invalid("requester_id", format!("there is no user {id}")))?
                    .id
            }
            Who::ByEmail { name, email } => match users::end_user_by_email(db, email)? {
                Some(user) => user.id,
                None => users::create_end_user(db, env.random, now, name, email)?.id,
            },
        };
        if let Some(group_id) = f.group_id {
            let known = db.query_i64("SELECT id FROM groups WHERE id = ?", &[group_id.into()])?;
            if known.is_none() {
                return Err(invalid("group_id", format!("there is no group {group_id}")));
            }
        }
        if let Some(assignee) = f.assignee_id {
            let agent = users::by_id(db, assignee)?.filter(|u| u.role.is_staff() && u.active);
            if agent.is_none() {
                return Err(invalid(
                    "assignee_id",
                    format!("{assignee} is not an active agent"),
                ));
            }
            if let Some(group_id) = f.group_id {
                let member = db.query_i64(
                    "SELECT id FROM group_memberships WHERE user_id = ? AND group_id = ?",
                    &[assignee.into(), group_id.into()],
                )?;
                if member.is_none() {
                    return Err(invalid(
                        "assignee_id",
                        format!("{assignee} is not a member of group {group_id}"),
                    ));
                }
            }
        }
        let new = NewTicket {
            requester_id,
            submitter_id: submitter,
            assignee_id: f.assignee_id,
            group_id: f.group_id,
            subject: checked.subject.clone(),
            status: checked.status,
            priority: f.priority.clone(),
            kind: f.kind.clone(),
            tags: checked.tags.clone(),
            custom_fields: checked.custom_fields.clone(),
            external_id: f.external_id.clone(),
            comment: checked.comment.clone(),
            comment_author_id: requester_id,
            comment_public: checked.public,
        };
        let created = create(db, now, &new)?;
        let ticket = tickets::by_id(db, created.ticket_id)?.ok_or_else(not_found)?;
        let committed = Committed {
            tickets: vec![ticket.id],
            ..Committed::default()
        };
        Ok::<_, ApiError>(((ticket, created), committed))
    })?;
    let comment = tickets::comments(&db, ticket.id, 0, 1)?;
    let events: Vec<Value> = created
        .events
        .iter()
        .map(|(id, e)| match e.kind {
            // Zendesk shows the comment itself as the audit's Comment event.
            EventType::Comment => comment.first().map(comment_json).unwrap_or(Value::Null),
            _ => json!({"id": id, "type": e.kind.as_str(), "field_name": e.field_name,
                        "value": e.value}),
        })
        .collect();
    let base = base_url(req);
    let mut response = json_status(
        http::StatusCode::CREATED,
        &json!({
            "ticket": ticket_json(&ticket, &base),
            "audit": {
                "id": created.audit_id,
                "ticket_id": ticket.id,
                "author_id": ticket.submitter_id,
                "created_at": iso8601(now),
                "via": {"channel": "api"},
                "events": events,
            },
        }),
    );
    if let Ok(location) = format!("{base}/api/v2/tickets/{}.json", ticket.id).parse() {
        response.headers_mut().insert("location", location);
    }
    Ok(response)
}
