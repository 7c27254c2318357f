//! Tickets: list, show, comments, update (`/api/v2/tickets[/{id}[/comments]]`).

use super::zendesk::{
    base_url, comments_json, not_found, read_expecting, sideloaded_users, status_filter,
    status_names, ticket_json, ticket_order, wants_users,
};
use crate::api::commit;
use crate::attachments::{self, Uploader};
use crate::auth::{require_staff, Staff};
use crate::committed::Committed;
use crate::email::Email;
use crate::groups;
use crate::message::MAX_TEXT_CHARS;
use crate::ports::Env;
use crate::store::database;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::tickets::audit::{self, Event};
use crate::tickets::custom_fields::{self, CustomField};
use crate::tickets::{
    self, routing, CommentAuthor, StatusEvent, Ticket, TicketStatus, PRIORITIES, TYPES,
};
use crate::timestamp::iso8601;
use crate::users;
use crate::users::Role;
use crate::web::{json, paginate, query_pairs, ApiError};
use serde::Deserialize;
use serde_json::{json, Value};
/// Most upload tokens one comment carries.
pub const MAX_UPLOAD_TOKENS: usize = 10;

/// Largest ticket update body (a comment is at most 4,096 characters; tags and fields add some).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Most tags on a ticket, and longest tag.
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_CHARS: usize = 80;

pub fn list(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let page = paginate(&pairs)?;
    let order = ticket_order(&pairs)?;
    let statuses = status_filter(&pairs)?;
    let db = database(env)?;
    require_staff(env, &db, req)?;
    // Placeholders only; the statuses themselves are bound.
    let filter = if statuses.is_empty() {
        String::new()
    } else {
        format!("WHERE status IN ({})", vec!["?"; statuses.len()].join(", "))
    };
    let mut params: Vec<crate::ports::Value> = statuses.iter().map(|s| s.as_str().into()).collect();
    let count = db
        .query_i64(&format!("SELECT count(*) FROM tickets {filter}"), &params)?
        .unwrap_or(0);
    params.push(page.limit().into());
    params.push(page.offset().into());
    let list = db.query(
        &format!(
            "SELECT {} FROM tickets {filter} ORDER BY {order} LIMIT ? OFFSET ?",
            tickets::COLUMNS
        ),
        &params,
        tickets::from_row,
    )?;
    let base = base_url(req);
    let mut body = page.envelope(
        json!({"tickets": list.iter().map(|t| ticket_json(t, &base)).collect::<Vec<_>>()}),
        &format!("{base}/api/v2/tickets.json"),
        count,
        list.len(),
        &pairs,
    );
    if wants_users(&pairs) {
        let named = list.iter().flat_map(|t| {
            [Some(t.requester_id), t.submitter_id, t.assignee_id]
                .into_iter()
                .flatten()
        });
        body["users"] = sideloaded_users(&db, named, &base)?;
    }
    Ok(json(&body))
}

pub fn show(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let ticket = tickets::by_id(&db, id)?.ok_or_else(not_found)?;
    Ok(json(
        &json!({"ticket": ticket_json(&ticket, &base_url(req))}),
    ))
}

pub fn comments(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let page = paginate(&pairs)?;
    let db = database(env)?;
    require_staff(env, &db, req)?;
    tickets::by_id(&db, id)?.ok_or_else(not_found)?;
    let count = db
        .query_i64(
            "SELECT count(*) FROM ticket_comments WHERE ticket_id = ?",
            &[id.into()],
        )?
        .unwrap_or(0);
    let list = tickets::comments(&db, id, page.offset(), page.limit())?;
    let base = base_url(req);
    let mut body = page.envelope(
        json!({"comments": comments_json(env, &db, &list, &base)?}),
        &format!("{base}/api/v2/tickets/{id}/comments.json"),
        count,
        list.len(),
        &pairs,
    );
    if wants_users(&pairs) {
        body["users"] = sideloaded_users(&db, list.iter().map(|c| c.author_id), &base)?;
    }
    Ok(json(&body))
}

#[derive(Deserialize)]
struct TicketUpdate {
    ticket: TicketFields,
}

/// The fields an update may carry; Zendesk clients send more, which are ignored.
#[derive(Deserialize, Default)]
struct TicketFields {
    comment: Option<NewComment>,
    status: Option<String>,
    #[serde(default, deserialize_with = "present")]
    priority: Option<Option<String>>,
    #[serde(rename = "type", default, deserialize_with = "present")]
    kind: Option<Option<String>>,
    subject: Option<String>,
    tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    assignee_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    group_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    external_id: Option<Option<String>>,
    /// Merged by id into the ticket's fields (`fields` is Zendesk's other name for them).
    #[serde(alias = "fields")]
    custom_fields: Option<Value>,
}

/// A field that is present, even as `null` (`"assignee_id": null` unassigns), is `Some`; an
/// absent one stays `None` (serde's default reads `null` as absent).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
pub(super) struct NewComment {
    pub body: Option<String>,
    pub html_body: Option<String>,
    pub public: Option<bool>,
    /// Tokens from `POST /api/v2/uploads`: their files go with the comment.
    pub uploads: Option<Vec<String>>,
    /// Spindesk's own: the channel a public reply goes to (`web`, `whatsapp`, ...) instead of
    /// the one the customer last wrote from. Only on updates.
    #[serde(default)]
    pub channel: Option<String>,
    /// Ours, not Zendesk's: the approved WhatsApp template to send instead of the text when
    /// the customer's 24-hour window is closed (see `channels::windows`).
    pub whatsapp_template: Option<crate::channels::templates::Choice>,
}

pub(super) fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("RecordInvalid", format!("{field}: {}", message.into()))
}

pub(super) fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{value:?} is not one of {}", allowed.join(", ")),
        ))
    }
}

/// The comment's text: `body`, or `html_body` with its tags removed.
pub(super) fn comment_text(comment: &NewComment) -> Result<String, ApiError> {
    let text = match (&comment.body, &comment.html_body) {
        (Some(body), _) => body.clone(),
        (None, Some(html)) => crate::html::to_text(html),
        (None, None) => return Err(invalid("comment", "needs a body")),
    };
    if text.trim().is_empty() {
        return Err(invalid("comment", "body can't be blank"));
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(invalid(
            "comment",
            format!("body is {chars} characters; the limit is {MAX_TEXT_CHARS}"),
        ));
    }
    Ok(text)
}

/// A valid update: the comment's text and whether it is public, and the status asked for.
struct Checked {
    comment: Option<(String, bool, Option<String>)>,
    uploads: Vec<String>,
    template: Option<crate::channels::templates::Choice>,
    status: Option<TicketStatus>,
    custom_fields: Option<Vec<CustomField>>,
}

impl Checked {
    /// What the update does to the ticket's status, in order (see [`TicketStatus::after`]).
    fn status_events(&self) -> Vec<StatusEvent> {
        let mut events = vec![StatusEvent::Edit];
        if self.comment.is_some() {
            events.push(StatusEvent::AgentComment);
        }
        events.extend(self.status.map(StatusEvent::Set));
        events
    }
}

/// Checks everything before writing anything, so a rejected update changes nothing.
fn validate(fields: &TicketFields) -> Result<Checked, ApiError> {
    let status = match &fields.status {
        Some(raw) => Some(TicketStatus::parse(raw).ok_or_else(|| {
            invalid(
                "status",
                format!("{raw:?} is not one of {}", status_names()),
            )
        })?),
        None => None,
    };
    if let Some(Some(priority)) = &fields.priority {
        one_of("priority", priority, PRIORITIES)?;
    }
    if let Some(Some(kind)) = &fields.kind {
        one_of("type", kind, TYPES)?;
    }
    if let Some(subject) = &fields.subject {
        if subject.chars().count() > 255 {
            return Err(invalid("subject", "is longer than 255 characters"));
        }
    }
    if let Some(tags) = &fields.tags {
        check_tags(tags)?;
    }
    let custom_fields = fields
        .custom_fields
        .as_ref()
        .map(|raw| custom_fields::parse(raw).map_err(|why| invalid("custom_fields", why)))
        .transpose()?;
    if let Some(Some(external_id)) = &fields.external_id {
        if external_id.chars().count() > 255 {
            return Err(invalid("external_id", "is longer than 255 characters"));
        }
    }
    let comment = fields
        .comment
        .as_ref()
        .map(|c| {
            Ok::<_, ApiError>((
                comment_text(c)?,
                c.public.unwrap_or(true),
                c.channel.clone(),
            ))
        })
        .transpose()?;
    let uploads = fields
        .comment
        .as_ref()
        .and_then(|c| c.uploads.clone())
        .unwrap_or_default();
    if uploads.len() > MAX_UPLOAD_TOKENS || uploads.iter().any(|t| t.is_empty() || t.len() > 64) {
        return Err(invalid(
            "uploads",
            format!("at most {MAX_UPLOAD_TOKENS} tokens from POST /api/v2/uploads"),
        ));
    }
    let template = fields
        .comment
        .as_ref()
        .and_then(|c| c.whatsapp_template.clone());
    if let Some(choice) = &template {
        choice
            .check()
            .map_err(|why| invalid("comment.whatsapp_template", why))?;
    }
    Ok(Checked {
        comment,
        uploads,
        template,
        status,
        custom_fields,
    })
}

/// The channel an agent chose for a reply (`comment.channel`), if the customer can be reached
/// there: the widget (`web`) when they have a web identity, or the channel whose route the
/// conversation keeps (where they last wrote from, outside the widget).
fn reply_channel(db: &Db, ticket: &Ticket, channel: &str) -> Result<String, ApiError> {
    let Some(conversation_id) = ticket.conversation_id else {
        return Err(invalid(
            "comment.channel",
            "this ticket has no conversation",
        ));
    };
    let reachable = db
        .query_i64(
            "SELECT 1 FROM conversation_routes WHERE conversation_id = ?1 AND channel = ?2
             UNION ALL
             SELECT 1 FROM identities i JOIN conversations c ON c.user_id = i.user_id
             WHERE c.id = ?1 AND i.channel = 'web' AND ?2 = 'web' AND i.verified = 1
             LIMIT 1",
            &[conversation_id.into(), channel.into()],
        )?
        .is_some();
    if !reachable {
        return Err(invalid(
            "comment.channel",
            format!("the customer cannot be reached on {channel:?}"),
        ));
    }
    Ok(channel.to_owned())
}

pub(super) fn check_tags(tags: &[String]) -> Result<(), ApiError> {
    if tags.len() > MAX_TAGS {
        return Err(invalid("tags", format!("at most {MAX_TAGS} tags")));
    }
    if let Some(bad) = tags.iter().find(|t| {
        t.is_empty() || t.chars().count() > MAX_TAG_CHARS || t.chars().any(char::is_whitespace)
    }) {
        return Err(invalid(
            "tags",
            format!("{bad:?} must be 1 to {MAX_TAG_CHARS} characters without spaces"),
        ));
    }
    Ok(())
}

pub fn update(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let update: TicketUpdate = read_expecting(req, MAX_BODY_BYTES, r#"{"ticket": {...}}"#)?;
    let fields = update.ticket;
    let checked = validate(&fields)?;
    let now = env.clock.now_ms();
    let ((ticket, comment_id, changes), _) = commit::write(env, &db, |db| {
        let ticket = tickets::by_id(db, id)?.ok_or_else(not_found)?;
        let events = checked.status_events();
        ticket
            .status
            .after(&events)
            .map_err(|e| invalid("status", e.to_string()))?;
        check_assignment(db, &ticket, &fields)?;
        let custom = checked
            .custom_fields
            .as_ref()
            .map(|updates| custom_fields::merge(&ticket.custom_fields, updates))
            .transpose()
            .map_err(|why| invalid("custom_fields", why))?;
        apply_fields(db, now, &ticket, &fields, custom.as_deref())?;
        if fields.subject.is_some() {
            tickets::search_index::index_ticket(db, ticket.id)?;
        }
        let mut committed = Committed {
            tickets: vec![ticket.id],
            ..Committed::default()
        };
        let mut comment_id = None;
        if let Some((body, public, via)) = &checked.comment {
            let author = comment_author(db, env, &staff)?;
            let via = match via {
                Some(channel) => Some(reply_channel(db, &ticket, channel)?),
                None => None,
            };
            let (id, mut message) = tickets::add_agent_comment(
                env,
                db,
                &ticket,
                &author,
                body,
                *public,
                via.as_deref(),
            )?;
            if !checked.uploads.is_empty() {
                let owner = Uploader::Agent(author.user_id);
                let now = env.clock.now_ms();
                let files = attachments::for_upload_tokens(db, &checked.uploads, owner, now)
                    .map_err(|e| invalid("uploads", e.to_string()))?;
                if let (Some(m), Some(conversation)) = (message.as_mut(), ticket.conversation_id) {
                    attachments::attach_to_message(db, conversation, m.id, owner, &files)?;
                    m.has_attachments = true;
                }
                attachments::attach_to_comment(db, ticket.conversation_id, id, owner, &files)?;
            }
            if let (Some(choice), Some(message)) = (&checked.template, &message) {
                crate::channels::templates::choose(db, message.id, choice)?;
            }
            comment_id = Some(id);
            committed.messages.extend(message);
        }
        let change = tickets::change_status(env, db, &ticket, &events)?;
        committed.messages.extend(change.posted);
        let updated = tickets::by_id(db, id)?.ok_or_else(not_found)?;
        let changes = tickets::changes(&ticket, &updated);
        let mut recorded: Vec<Event> = comment_id.map(Event::comment).into_iter().collect();
        recorded.extend(changes.iter().cloned());
        recorded.extend(change.events);
        let author = comment_author(db, env, &staff)?;
        audit::record(db, now, id, Some(author.user_id), "api", &recorded)?;
        let assigned = reroute(db, now, &ticket, &updated)?;
        committed
            .tickets
            .extend(assigned.iter().map(|a| a.ticket_id));
        // The answer shows the ticket as routing left it (a requeued ticket may be reassigned).
        let updated = tickets::by_id(db, id)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>(((updated, comment_id, changes), committed))
    })?;
    let mut events: Vec<Value> = match (comment_id, &checked.comment) {
        (Some(cid), Some((body, public, _))) => {
            vec![json!({"id": cid, "type": "Comment", "body": body, "public": public})]
        }
        _ => Vec::new(),
    };
    events.extend(changes.iter().map(|e| {
        json!({"type": "Change", "field_name": e.field_name, "value": e.value,
               "previous_value": e.previous_value, "reason": e.reason})
    }));
    Ok(json(&json!({
        "ticket": ticket_json(&ticket, &base_url(req)),
        "audit": {
            "ticket_id": ticket.id,
            "author_id": staff.user_id(),
            "created_at": iso8601(now),
            "events": events,
        },
    })))
}

fn apply_fields(
    db: &Db,
    now: i64,
    ticket: &Ticket,
    f: &TicketFields,
    custom: Option<&[CustomField]>,
) -> Result<(), ApiError> {
    let mut sets: Vec<&str> = Vec::new();
    let mut params: Vec<crate::ports::Value> = Vec::new();
    if let Some(p) = &f.priority {
        sets.push("priority = ?");
        params.push(p.clone().into());
    }
    if let Some(k) = &f.kind {
        sets.push("type = ?");
        params.push(k.clone().into());
    }
    if let Some(s) = &f.subject {
        sets.push("subject = ?");
        params.push(s.clone().into());
    }
    if let Some(tags) = &f.tags {
        let mut unique: Vec<String> = Vec::new();
        for t in tags {
            if !unique.contains(t) {
                unique.push(t.clone());
            }
        }
        sets.push("tags = ?");
        params.push(
            serde_json::to_string(&unique)
                .unwrap_or_else(|_| "[]".into())
                .into(),
        );
    }
    if let Some(a) = f.assignee_id {
        sets.push("assignee_id = ?");
        params.push(a.into());
        // A person's choice takes the ticket out of the queue; an unassigned ticket in a
        // group waits in its queue ([`reroute`]).
        if a.is_some() {
            sets.push("queued_at = NULL");
        }
    }
    if let Some(g) = f.group_id {
        sets.push("group_id = ?");
        params.push(g.into());
    }
    if let Some(e) = &f.external_id {
        sets.push("external_id = ?");
        params.push(e.clone().into());
    }
    if let Some(fields) = custom {
        sets.push("custom_fields = ?");
        params.push(custom_fields::to_json_text(fields).into());
    }
    if sets.is_empty() {
        return Ok(());
    }
    sets.push("updated_at = ?");
    params.push(now.into());
    params.push(ticket.id.into());
    db.execute(
        &format!("UPDATE tickets SET {} WHERE id = ?", sets.join(", ")),
        &params,
    )?;
    Ok(())
}

/// Zendesk's rules for who may hold the ticket: the group must exist; the assignee must be an
/// active agent and, when the ticket (after this update) is in a group, one of its members.
/// Tickets without a group keep the old rule (any agent).
fn check_assignment(db: &Db, ticket: &Ticket, f: &TicketFields) -> Result<(), ApiError> {
    if let Some(Some(group)) = f.group_id {
        if groups::by_id(db, group)?.is_none() {
            return Err(invalid("group_id", format!("there is no group {group}")));
        }
    }
    if let Some(Some(assignee)) = f.assignee_id {
        let ok = users::by_id(db, assignee)?.is_some_and(|u| u.role.is_staff() && u.active);
        if !ok {
            return Err(invalid(
                "assignee_id",
                format!("{assignee} is not an active agent"),
            ));
        }
    }
    if f.group_id.is_none() && f.assignee_id.is_none() {
        return Ok(());
    }
    let group = f.group_id.unwrap_or(ticket.group_id);
    let assignee = f.assignee_id.unwrap_or(ticket.assignee_id);
    if let (Some(group), Some(assignee)) = (group, assignee) {
        if !groups::is_member(db, assignee, group)? {
            return Err(invalid(
                "assignee_id",
                format!("{assignee} is not a member of group {group}"),
            ));
        }
    }
    Ok(())
}

/// Routing after an update (same transaction): a ticket left unassigned in a group joins its
/// queue, and an agent who let go of a ticket (solved, closed, handed to someone else) frees
/// capacity, so the queues of their groups drain.
fn reroute(
    db: &Db,
    now: i64,
    before: &Ticket,
    after: &Ticket,
) -> Result<Vec<routing::Assignment>, ApiError> {
    let mut assigned = Vec::new();
    if let (None, Some(group)) = (after.assignee_id, after.group_id) {
        let moved = before.assignee_id.is_some() || before.group_id != after.group_id;
        if moved && after.status.is_unsolved() {
            db.execute(
                "UPDATE tickets SET queued_at = coalesce(queued_at, ?) WHERE id = ?",
                &[now.into(), after.id.into()],
            )?;
            assigned.extend(routing::drain_group(db, now, group)?);
        }
    }
    if let Some(previous) = before.assignee_id {
        let let_go = after.assignee_id != Some(previous)
            || (before.status.is_unsolved() && !after.status.is_unsolved());
        if let_go {
            assigned.extend(routing::drain_groups_of(db, now, previous)?);
        }
    }
    Ok(assigned)
}

/// The email of the staff user who authors what the admin token writes.
const ADMIN_AUTHOR_EMAIL: &str = "admin@spindesk.invalid";

/// The author of a comment made with the admin token is the "Spindesk Admin" staff user,
/// created on first use (Zendesk requires an author on every comment).
pub(super) fn comment_author(db: &Db, env: &Env, staff: &Staff) -> Result<CommentAuthor, ApiError> {
    match staff {
        Staff::Agent { user_id, name, .. } => Ok(CommentAuthor {
            user_id: *user_id,
            name: name.clone(),
        }),
        Staff::Admin => {
            let existing = db.query_i64(
                // `role <> 'end-user'` lets the staff's e-mail index serve it.
                "SELECT id FROM users WHERE email = ? AND role <> 'end-user' AND role = 'admin'",
                &[ADMIN_AUTHOR_EMAIL.into()],
            )?;
            let user_id = match existing {
                Some(id) => id,
                None => {
                    let email = Email::parse(ADMIN_AUTHOR_EMAIL)
                        .ok_or_else(|| ApiError::internal("the admin author's email"))?;
                    users::create_staff(
                        db,
                        env.random,
                        env.clock.now_ms(),
                        Role::Admin,
                        "Support",
                        &email,
                    )?
                    .id
                }
            };
            Ok(CommentAuthor {
                user_id,
                name: "Support".into(),
            })
        }
    }
}
