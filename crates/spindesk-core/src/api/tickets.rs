//! The Zendesk Support API subset (`/api/v2/tickets`, `/api/v2/users`): agents read tickets and
//! answer customers by commenting, with Zendesk's paths, envelopes, fields and errors, so
//! Zendesk client libraries work against Spindesk.

use crate::api::commit;
use crate::api::database;
use crate::auth::{require_staff, Staff};
use crate::committed::Committed;
use crate::config;
use crate::email::Email;
use crate::message::MAX_TEXT_CHARS;
use crate::ports::Env;
use crate::store::Db;
use crate::surface::{Request, Response, Surface, Uses};
use crate::tickets::{
    self, Comment, CommentAuthor, StatusEvent, Ticket, TicketStatus, PRIORITIES, TYPES,
};
use crate::timestamp::iso8601;
use crate::users::Role;
use crate::users::{self, User};
use crate::web::{
    header, json, paginate_offset, query_pairs, read_json, segments, ApiError, Family,
};
use http::Method;
use serde::Deserialize;
use serde_json::{json, Value};

pub const SURFACE: Surface = Surface {
    component: "tickets",
    handle,
    uses: Uses {
        sqlite: true,
        key_value: true,
        // credentials_key: an agent's reply goes out through the customer's channel.
        variables: &[config::ADMIN_TOKEN, config::CREDENTIALS_KEY],
        outbound: true,
    },
};

/// Largest ticket update body (a comment is at most 4,096 characters; tags and fields add some).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Most tags on a ticket, and longest tag.
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_CHARS: usize = 80;

fn handle(env: &Env, req: Request) -> Response {
    route(env, &req).unwrap_or_else(|e| e.answer(env, Family::Zendesk))
}

fn invalid_endpoint(req: &Request) -> ApiError {
    ApiError::not_found(
        "InvalidEndpoint",
        format!("No route for {} {}", req.method(), req.uri().path()),
    )
}

fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let method = req.method();
    match segments(req.uri().path()).as_slice() {
        ["api", "v2", "tickets"] => match *method {
            Method::GET => list_tickets(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "v2", "tickets", id] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => show_ticket(env, req, id),
                Method::PUT => update_ticket(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "GET, PUT")),
            }
        }
        ["api", "v2", "tickets", id, "comments"] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => list_comments(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "GET")),
            }
        }
        ["api", "v2", "users", "me"] => match *method {
            Method::GET => show_me(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "v2", "users", id] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => show_user(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "GET")),
            }
        }
        _ => Err(invalid_endpoint(req)),
    }
}

fn parse_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

fn not_found() -> ApiError {
    ApiError::not_found("RecordNotFound", "Not found")
}

/// `https://host` of the request, for the `url` fields Zendesk returns.
fn base_url(req: &Request) -> String {
    if let Some(full) = header(req, "spin-full-url") {
        if let Ok(uri) = full.parse::<http::Uri>() {
            if let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) {
                return format!("{scheme}://{authority}");
            }
        }
    }
    header(req, "host")
        .map(|h| format!("http://{h}"))
        .unwrap_or_default()
}

fn via(channel: &str) -> Value {
    // Zendesk names the widget's channel "native_messaging"; others keep their own name.
    let name = if channel == "web" {
        "native_messaging"
    } else {
        channel
    };
    json!({"channel": name, "source": {"from": {}, "to": {}, "rel": null}})
}

fn ticket_json(t: &Ticket, base: &str) -> Value {
    json!({
        "id": t.id,
        "url": format!("{base}/api/v2/tickets/{}.json", t.id),
        "external_id": t.external_id,
        "type": t.kind,
        "subject": t.subject,
        "raw_subject": t.subject,
        "description": t.description,
        "priority": t.priority,
        "status": t.status.as_str(),
        "recipient": null,
        "requester_id": t.requester_id,
        "submitter_id": t.submitter_id,
        "assignee_id": t.assignee_id,
        "organization_id": null,
        "group_id": null,
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "has_incidents": false,
        "is_public": true,
        "due_at": null,
        "tags": t.tags,
        "custom_fields": [],
        "via": via(&t.via_channel),
        "created_at": iso8601(t.created_at),
        "updated_at": iso8601(t.updated_at),
    })
}

fn comment_json(c: &Comment) -> Value {
    json!({
        "id": c.id,
        "type": "Comment",
        "author_id": c.author_id,
        "body": c.body,
        "html_body": format!("<div class=\"zd-comment\"><p>{}</p></div>", crate::html::escape(&c.body)),
        "plain_body": c.body,
        "public": c.public,
        "attachments": [],
        "via": via(&c.via_channel),
        "created_at": iso8601(c.created_at),
    })
}

/// A user as Zendesk shows one; `phone` from their WhatsApp or SMS account (see
/// [`users::phones`]).
fn user_json(u: &User, phone: Option<&String>, base: &str) -> Value {
    json!({
        "id": u.id,
        "url": format!("{base}/api/v2/users/{}.json", u.id),
        "name": u.name,
        "email": u.email,
        "phone": phone,
        "role": u.role,
        "external_id": u.external_id,
        "locale": u.locale,
        "active": true,
        "created_at": iso8601(u.created_at),
        "updated_at": iso8601(u.updated_at),
    })
}

/// `sort_by` (id, created_at, updated_at, status, priority; default id) and `sort_order`.
fn ticket_order(pairs: &[(String, String)]) -> Result<String, ApiError> {
    let find = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let column = match find("sort_by").unwrap_or("id") {
        c @ ("id" | "created_at" | "updated_at" | "status" | "priority") => c,
        other => {
            return Err(ApiError::bad_request(
                "InvalidParameter",
                format!("sort_by must be one of id, created_at, updated_at, status, priority; got {other:?}"),
            ))
        }
    };
    let direction = match find("sort_order").unwrap_or("asc") {
        "asc" => "ASC",
        "desc" => "DESC",
        other => {
            return Err(ApiError::bad_request(
                "InvalidParameter",
                format!("sort_order must be asc or desc; got {other:?}"),
            ))
        }
    };
    // Both parts come from the fixed lists above, never from the request.
    Ok(format!("{column} {direction}, id {direction}"))
}

/// `status=new,open`: only tickets in these statuses. Our extension — Zendesk's list endpoint has
/// no filter (Zendesk filters through search and views) — so an inbox view is one request.
fn status_filter(pairs: &[(String, String)]) -> Result<Vec<TicketStatus>, ApiError> {
    let Some((_, raw)) = pairs.iter().find(|(k, _)| k == "status") else {
        return Ok(Vec::new());
    };
    let mut wanted: Vec<TicketStatus> = Vec::new();
    for part in raw.split(',') {
        let Some(status) = TicketStatus::parse(part.trim()) else {
            return Err(ApiError::bad_request(
                "InvalidParameter",
                format!(
                    "status must be a comma-separated list of {}; got {:?}",
                    status_names(),
                    clip(raw, 100)
                ),
            ));
        };
        if !wanted.contains(&status) {
            wanted.push(status);
        }
    }
    Ok(wanted)
}

fn status_names() -> String {
    TicketStatus::ALL.map(TicketStatus::as_str).join(", ")
}

fn clip(s: &str, max_chars: usize) -> &str {
    s.char_indices().nth(max_chars).map_or(s, |(i, _)| &s[..i])
}

/// Zendesk's side-loading: `include=users` adds a `users` array with everyone the records name,
/// so a client shows names without a request per user. Other side-loads (groups,
/// organizations, ...) name things Spindesk doesn't have and are ignored, as Zendesk ignores
/// unknown ones.
fn wants_users(pairs: &[(String, String)]) -> bool {
    pairs
        .iter()
        .filter(|(k, _)| k == "include")
        .any(|(_, v)| v.split(',').any(|part| part.trim() == "users"))
}

fn sideloaded_users(
    db: &Db,
    ids: impl IntoIterator<Item = i64>,
    base: &str,
) -> Result<Value, ApiError> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let users = users::by_ids(db, &ids)?;
    let phones = users::phones(db, &ids)?;
    Ok(Value::Array(
        users
            .iter()
            .map(|u| user_json(u, phones.get(&u.id), base))
            .collect(),
    ))
}

fn list_tickets(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let page = paginate_offset(&pairs)?;
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
    params.push(page.per_page.into());
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
    let (next, previous) = page.links(&format!("{base}/api/v2/tickets.json"), count, &pairs);
    let mut body = json!({
        "tickets": list.iter().map(|t| ticket_json(t, &base)).collect::<Vec<_>>(),
        "next_page": next,
        "previous_page": previous,
        "count": count,
    });
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

fn show_ticket(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let ticket = tickets::by_id(&db, id)?.ok_or_else(not_found)?;
    Ok(json(
        &json!({"ticket": ticket_json(&ticket, &base_url(req))}),
    ))
}

fn list_comments(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let page = paginate_offset(&pairs)?;
    let db = database(env)?;
    require_staff(env, &db, req)?;
    tickets::by_id(&db, id)?.ok_or_else(not_found)?;
    let count = db
        .query_i64(
            "SELECT count(*) FROM ticket_comments WHERE ticket_id = ?",
            &[id.into()],
        )?
        .unwrap_or(0);
    let list = tickets::comments(&db, id, page.offset(), page.per_page)?;
    let base = base_url(req);
    let (next, previous) = page.links(
        &format!("{base}/api/v2/tickets/{id}/comments.json"),
        count,
        &pairs,
    );
    let mut body = json!({
        "comments": list.iter().map(comment_json).collect::<Vec<_>>(),
        "next_page": next,
        "previous_page": previous,
        "count": count,
    });
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
    priority: Option<Option<String>>,
    #[serde(rename = "type")]
    kind: Option<Option<String>>,
    subject: Option<String>,
    tags: Option<Vec<String>>,
    assignee_id: Option<Option<i64>>,
    external_id: Option<Option<String>>,
}

#[derive(Deserialize)]
struct NewComment {
    body: Option<String>,
    html_body: Option<String>,
    public: Option<bool>,
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("RecordInvalid", format!("{field}: {}", message.into()))
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), ApiError> {
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
fn comment_text(comment: &NewComment) -> Result<String, ApiError> {
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
    comment: Option<(String, bool)>,
    status: Option<TicketStatus>,
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
    }
    if let Some(Some(external_id)) = &fields.external_id {
        if external_id.chars().count() > 255 {
            return Err(invalid("external_id", "is longer than 255 characters"));
        }
    }
    let comment = fields
        .comment
        .as_ref()
        .map(|c| Ok::<_, ApiError>((comment_text(c)?, c.public.unwrap_or(true))))
        .transpose()?;
    Ok(Checked { comment, status })
}

fn update_ticket(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let update: TicketUpdate = read_json(req, MAX_BODY_BYTES).map_err(|mut e| {
        if e.status == http::StatusCode::BAD_REQUEST {
            e.message = format!("{} (expected {{\"ticket\": {{...}}}})", e.message);
        }
        e
    })?;
    let fields = update.ticket;
    let checked = validate(&fields)?;
    let now = env.clock.now_ms();
    let ((ticket, comment_id), _) = commit::write(env, &db, |db| {
        let ticket = tickets::by_id(db, id)?.ok_or_else(not_found)?;
        let events = checked.status_events();
        ticket
            .status
            .after(&events)
            .map_err(|e| invalid("status", e.to_string()))?;
        if let Some(Some(assignee)) = fields.assignee_id {
            let ok = users::by_id(db, assignee)?.is_some_and(|u| u.role.is_staff());
            if !ok {
                return Err(invalid(
                    "assignee_id",
                    format!("{assignee} is not an agent"),
                ));
            }
        }
        apply_fields(db, now, &ticket, &fields)?;
        let mut committed = Committed {
            tickets: vec![ticket.id],
            ..Committed::default()
        };
        let mut comment_id = None;
        if let Some((body, public)) = &checked.comment {
            let author = comment_author(db, env, &staff)?;
            let (id, message) =
                tickets::add_agent_comment(env, db, &ticket, &author, body, *public)?;
            comment_id = Some(id);
            committed.messages.extend(message);
        }
        tickets::change_status(db, now, &ticket, &events)?;
        let updated = tickets::by_id(db, id)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>(((updated, comment_id), committed))
    })?;
    let events: Vec<Value> = match (comment_id, &checked.comment) {
        (Some(cid), Some((body, public))) => {
            vec![json!({"id": cid, "type": "Comment", "body": body, "public": public})]
        }
        _ => Vec::new(),
    };
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

fn apply_fields(db: &Db, now: i64, ticket: &Ticket, f: &TicketFields) -> Result<(), ApiError> {
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
    }
    if let Some(e) = &f.external_id {
        sets.push("external_id = ?");
        params.push(e.clone().into());
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

/// The email of the staff user who authors what the admin token writes.
const ADMIN_AUTHOR_EMAIL: &str = "admin@spindesk.invalid";

/// The author of a comment made with the admin token is the "Spindesk Admin" staff user,
/// created on first use (Zendesk requires an author on every comment).
fn comment_author(db: &Db, env: &Env, staff: &Staff) -> Result<CommentAuthor, ApiError> {
    match staff {
        Staff::Agent { user_id, name, .. } => Ok(CommentAuthor {
            user_id: *user_id,
            name: name.clone(),
        }),
        Staff::Admin => {
            let existing = db.query_i64(
                "SELECT id FROM users WHERE role = 'admin' AND email = ?",
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

fn show_me(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let base = base_url(req);
    match staff.user_id() {
        Some(id) => {
            let user = users::by_id(&db, id)?.ok_or_else(not_found)?;
            Ok(json(&json!({"user": user_json(&user, None, &base)})))
        }
        None => Ok(json(
            &json!({"user": {"id": null, "name": "Admin token", "role": "admin"}}),
        )),
    }
}

fn show_user(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let user = users::by_id(&db, id)?.ok_or_else(not_found)?;
    let phones = users::phones(&db, &[id])?;
    Ok(json(
        &json!({"user": user_json(&user, phones.get(&id), &base_url(req))}),
    ))
}
