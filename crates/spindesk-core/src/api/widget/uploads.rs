//! The widget's files: `POST /api/widget/uploads?filename=` (the body is the file, read as a
//! stream), and the `attachments` of the messages the widget reads, with links the customer
//! may open.
//!
//! An upload is refused before a byte is read when its `content-length` is over the limit, and
//! otherwise read a part at a time: past the limit it stops at limit + 1 byte (413) and keeps
//! nothing. Each session may start `widget_uploads_per_window` uploads per window (refused
//! ones count: the quota is on attempts, so a client cannot probe the limit for free).

use crate::attachments::{self, limits, Attachment, Audience, NewUpload, Uploader};
use crate::conversation::Conversation;
use crate::message::Message;
use crate::ports::Env;
use crate::rate_limit;
use crate::store::{database, Db};
use crate::surface::{BodyStream, Request, Response};
use crate::users::User;
use crate::web::{json_status, query_param, ApiError};
use http::StatusCode;
use serde_json::{json, Value};

/// Most files one message carries.
pub const MAX_PER_MESSAGE: usize = 10;

/// Stores the upload in `body` for the visitor `user` (whose conversation is `conversation`).
pub fn receive(
    env: &Env,
    req: &Request,
    body: &mut dyn BodyStream,
    visitor: impl FnOnce(&Db) -> Result<(User, Conversation), ApiError>,
) -> Result<Response, ApiError> {
    let limit = limits::max_bytes(env);
    let announced = crate::web::header(req, "content-length").and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit) {
        return Err(attachments::AttachmentError::TooLarge { limit }.into());
    }
    let name = query_param(req, "filename").unwrap_or_default();
    if name.chars().count() > 255 {
        return Err(ApiError::unprocessable(
            "invalid_filename",
            "`filename` must be at most 255 characters",
        ));
    }
    let db = database(env)?;
    let (user, conversation) = visitor(&db)?;
    let quota = limits::widget_uploads(env);
    let session = conversation.public_id.clone();
    rate_limit::check(&db, quota, &session, env.clock.now_ms())?;
    db.transaction(|db| rate_limit::count(env, db, quota, &session))?;
    let stored = attachments::store_stream(
        env,
        &db,
        NewUpload {
            // Not yet: a message that carries it links it to the conversation.
            conversation_id: None,
            uploader: Uploader::Customer(user.id),
            file_name: if name.is_empty() { "file" } else { &name },
            upload_token: None,
        },
        body,
        limit,
    )?;
    attachments::sweep::after_upload(env, &db);
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"attachment": view(env, &stored)}),
    ))
}

/// An attachment as the widget shows it, with a link for the customer.
pub fn view(env: &Env, a: &Attachment) -> Value {
    json!({
        "id": a.public_id,
        "file_name": a.file_name,
        "content_type": a.content_type,
        "size": a.size,
        "kind": a.kind().as_str(),
        "status": a.status.as_str(),
        "url": (a.status == attachments::Status::Stored)
            .then(|| attachments::download_url(env, a, Audience::Customer)),
    })
}

/// The `attachments` ids of a new message: at most [`MAX_PER_MESSAGE`], no repeats.
pub fn parse_ids(ids: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
    let ids = ids.unwrap_or_default();
    if ids.len() > MAX_PER_MESSAGE {
        return Err(ApiError::unprocessable(
            "too_many_attachments",
            format!("A message carries at most {MAX_PER_MESSAGE} attachments"),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for id in &ids {
        if id.len() != 24 || !id.bytes().all(|b| b.is_ascii_hexdigit()) || !seen.insert(id) {
            return Err(ApiError::unprocessable(
                "invalid_attachment",
                format!("`attachments` must hold distinct upload ids, got {id:?}"),
            ));
        }
    }
    Ok(ids)
}

/// The widget views of `messages`, each with its `attachments` (links for the customer).
pub fn messages_json(env: &Env, db: &Db, messages: &[Message]) -> Result<Vec<Value>, ApiError> {
    let with_files: Vec<i64> = messages
        .iter()
        .filter(|m| m.has_attachments)
        .map(|m| m.id)
        .collect();
    let mut files = attachments::for_messages(db, &with_files)?;
    Ok(messages
        .iter()
        .map(|m| {
            let mut view = m.to_widget_json();
            if let Some(list) = files.remove(&m.id) {
                view["attachments"] = list.iter().map(|a| self::view(env, a)).collect();
            }
            view
        })
        .collect())
}
