//! Zendesk's shapes and conventions, shared by the Support API's resources: ids in paths, the
//! `url` fields, tickets, comments and users as JSON, side-loading, errors.

use crate::attachments::{self, Attachment, Audience, Status};
use crate::ports::Env;
use crate::store::Db;
use crate::surface::Request;
use crate::tickets::{Comment, Ticket, TicketStatus};
use crate::tickets::{Score, Summary};
use crate::timestamp::iso8601;
use crate::users::{self, User};
use crate::web::{read_json, ApiError};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

pub fn invalid_endpoint(req: &Request) -> ApiError {
    ApiError::not_found(
        "InvalidEndpoint",
        format!("No route for {} {}", req.method(), req.uri().path()),
    )
}

pub fn parse_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

pub fn not_found() -> ApiError {
    ApiError::not_found("RecordNotFound", "Not found")
}

/// `https://host` of the request, for the `url` fields Zendesk returns.
pub fn base_url(req: &Request) -> String {
    crate::web::origin(req)
}

pub fn via(channel: &str) -> Value {
    // Zendesk names the widget's channel "native_messaging"; others keep their own name.
    let name = if channel == "web" {
        "native_messaging"
    } else {
        channel
    };
    json!({"channel": name, "source": {"from": {}, "to": {}, "rel": null}})
}

pub fn ticket_json(t: &Ticket, base: &str) -> Value {
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
        "group_id": t.group_id,
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "has_incidents": false,
        "is_public": true,
        "due_at": null,
        "tags": t.tags,
        // Zendesk returns both names for the same list.
        "custom_fields": t.custom_fields,
        "fields": t.custom_fields,
        "satisfaction_rating": satisfaction_json(t.satisfaction.as_ref()),
        "via": via(&t.via_channel),
        "created_at": iso8601(t.created_at),
        "updated_at": iso8601(t.updated_at),
    })
}

/// A ticket's `satisfaction_rating` as Zendesk shows it: `{"score": "unoffered"}` until the
/// customer is asked; then its id, score and comment.
pub fn satisfaction_json(rating: Option<&Summary>) -> Value {
    match rating {
        None => json!({"score": Score::Unoffered.as_str()}),
        Some(r) => json!({"id": r.id, "score": r.score.as_str(), "comment": r.comment}),
    }
}

/// An attachment as Zendesk shows one; `content_url` is a signed link for agents.
pub fn attachment_json(env: &Env, a: &Attachment, base: &str) -> Value {
    let url = (a.status == Status::Stored).then(|| {
        attachments::link::absolute(attachments::download_url(env, a, Audience::Agent), base)
    });
    json!({
        "id": a.id,
        "file_name": a.file_name,
        "content_url": url,
        "mapped_content_url": url,
        "content_type": a.content_type,
        "size": a.size,
        "inline": false,
        "deleted": false,
        "thumbnails": [],
    })
}

/// Comments as Zendesk shows them, each with its `attachments`: the comment's own (an
/// internal note's, an agent's) and those of the conversation message it mirrors.
pub fn comments_json(
    env: &Env,
    db: &Db,
    list: &[Comment],
    base: &str,
) -> Result<Vec<Value>, ApiError> {
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let messages: Vec<i64> = list.iter().filter_map(|c| c.message_id).collect();
    let mut by_comment = attachments::for_comments(db, &ids)?;
    let mut by_message = attachments::for_messages(db, &messages)?;
    Ok(list
        .iter()
        .map(|c| {
            let mut files = by_comment.remove(&c.id).unwrap_or_default();
            if let Some(more) = c.message_id.and_then(|m| by_message.remove(&m)) {
                files.extend(more.into_iter().filter(|a| a.comment_id != Some(c.id)));
            }
            let mut view = comment_json(c);
            view["attachments"] = files
                .iter()
                .map(|a| attachment_json(env, a, base))
                .collect();
            view
        })
        .collect())
}

pub fn comment_json(c: &Comment) -> Value {
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

/// A user as Zendesk shows one; `phone` the one an agent entered, else from their WhatsApp
/// or SMS account (see [`users::phones`]).
pub fn user_json(u: &User, phone: Option<&String>, base: &str) -> Value {
    json!({
        "id": u.id,
        "url": format!("{base}/api/v2/users/{}.json", u.id),
        "name": u.name,
        "email": u.email,
        "phone": u.phone.as_ref().or(phone),
        "role": u.role,
        "external_id": u.external_id,
        "locale": u.locale,
        "active": u.active,
        "notes": u.notes,
        "tags": u.tags,
        "created_at": iso8601(u.created_at),
        "updated_at": iso8601(u.updated_at),
    })
}

/// `sort_by` (id, created_at, updated_at, status, priority; default id) and `sort_order`.
pub fn ticket_order(pairs: &[(String, String)]) -> Result<String, ApiError> {
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
pub fn status_filter(pairs: &[(String, String)]) -> Result<Vec<TicketStatus>, ApiError> {
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

pub fn status_names() -> String {
    TicketStatus::ALL.map(TicketStatus::as_str).join(", ")
}

pub fn clip(s: &str, max_chars: usize) -> &str {
    s.char_indices().nth(max_chars).map_or(s, |(i, _)| &s[..i])
}

/// Zendesk's side-loading: `include=users` adds a `users` array with everyone the records name,
/// so a client shows names without a request per user. Other side-loads (groups,
/// organizations, ...) name things Spindesk doesn't have and are ignored, as Zendesk ignores
/// unknown ones.
pub fn wants_users(pairs: &[(String, String)]) -> bool {
    pairs
        .iter()
        .filter(|(k, _)| k == "include")
        .any(|(_, v)| v.split(',').any(|part| part.trim() == "users"))
}

pub fn sideloaded_users(
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

/// A Zendesk request body of at most `limit` bytes; a body that is not the JSON expected gets a
/// 400 that shows the envelope it should have been (`{"ticket": {...}}`).
pub fn read_expecting<T: DeserializeOwned>(
    req: &Request,
    limit: usize,
    shape: &str,
) -> Result<T, ApiError> {
    read_json(req, limit).map_err(|mut e| {
        if e.status == http::StatusCode::BAD_REQUEST {
            e.message = format!("{} (expected {shape})", e.message);
        }
        e
    })
}
