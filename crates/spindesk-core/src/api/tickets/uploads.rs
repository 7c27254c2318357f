//! Zendesk's uploads: `POST /api/v2/uploads.json?filename=[&token=]` (the body is the file,
//! read as a stream) answers a `token`; a comment's `uploads: [token]` attaches every file
//! uploaded under it (`ticket.rs`); `DELETE /api/v2/uploads/{token}` removes the ones not yet
//! attached. This is what `zenpy`'s `zen.attachments.upload` and `Comment(uploads=[...])` do.

use super::ticket::comment_author;
use super::zendesk::{attachment_json, base_url};
use crate::attachments::{self, limits, AttachmentError, NewUpload, Uploader};
use crate::auth::require_staff;
use crate::ids::new_public_id;
use crate::ports::Env;
use crate::store::database;
use crate::surface::{BodyStream, Request, Response, Streamed};
use crate::timestamp::iso8601;
use crate::web::{json_status, no_content, query_param, ApiError, Family};
use http::StatusCode;
use serde_json::json;

/// Both spellings Zendesk clients use; the body is read as it arrives.
pub const ROUTES: &[Streamed] = &[
    Streamed {
        method: "POST",
        path: "/api/v2/uploads.json",
        handle: upload,
    },
    Streamed {
        method: "POST",
        path: "/api/v2/uploads",
        handle: upload,
    },
];

fn upload(env: &Env, req: Request, body: &mut dyn BodyStream) -> Response {
    receive(env, &req, body).unwrap_or_else(|e| e.answer(env, Family::Zendesk))
}

fn zendesk_error(e: AttachmentError) -> ApiError {
    let mut api = ApiError::from(e);
    // Zendesk's own codes for its clients' error handling.
    api.code = match api.status {
        StatusCode::PAYLOAD_TOO_LARGE => "RecordInvalid".into(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "RecordInvalid".into(),
        StatusCode::BAD_REQUEST => "RecordInvalid".into(),
        _ => api.code,
    };
    api
}

fn receive(env: &Env, req: &Request, body: &mut dyn BodyStream) -> Result<Response, ApiError> {
    let limit = limits::max_bytes(env);
    let announced = crate::web::header(req, "content-length").and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit) {
        return Err(zendesk_error(AttachmentError::TooLarge { limit }));
    }
    let name = query_param(req, "filename").unwrap_or_default();
    if name.trim().is_empty() || name.chars().count() > 255 {
        return Err(ApiError::bad_request(
            "InvalidParameter",
            "`filename` is required: 1 to 255 characters",
        ));
    }
    let token = match query_param(req, "token") {
        Some(t) if !valid_token(&t) => {
            return Err(ApiError::bad_request(
                "InvalidParameter",
                "`token` must be a token an earlier upload answered",
            ))
        }
        Some(t) => t,
        None => new_public_id(env.random),
    };
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let author = comment_author(&db, env, &staff)?;
    let stored = attachments::store_stream(
        env,
        &db,
        NewUpload {
            conversation_id: None,
            uploader: Uploader::Agent(author.user_id),
            file_name: &name,
            upload_token: Some(&token),
        },
        body,
        limit,
    )
    .map_err(zendesk_error)?;
    attachments::sweep::after_upload(env, &db);
    let attachment = attachment_json(env, &stored, &base_url(req));
    let expires = attachments::sweep::expires_at(stored.created_at);
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"upload": {
            "token": token,
            "expires_at": iso8601(expires),
            "attachment": attachment,
            "attachments": [attachment],
        }}),
    ))
}

fn valid_token(t: &str) -> bool {
    (1..=64).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `DELETE /api/v2/uploads/{token}`: the token's files not yet in a comment are removed.
pub fn delete(env: &Env, req: &Request, token: &str) -> Result<Response, ApiError> {
    if !valid_token(token) {
        return Err(ApiError::not_found("RecordNotFound", "Not found"));
    }
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let author = comment_author(&db, env, &staff)?;
    match attachments::delete_upload(env, &db, token, Uploader::Agent(author.user_id)) {
        Ok(_) => Ok(no_content()),
        Err(AttachmentError::NotFound) => Err(ApiError::not_found("RecordNotFound", "Not found")),
        Err(e) => Err(e.into()),
    }
}
