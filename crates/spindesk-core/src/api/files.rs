//! Attachment downloads (`GET /attachments/{id}/{file name}?token=...`): a component of its
//! own, so that none of the large ones carries it, and the only one besides the uploaders that
//! reads the `attachments` database.
//!
//! The token ([`attachments::link`]) is the whole authorisation: it was made for this file,
//! for someone allowed to see its conversation, and it expires. What is served can never act
//! as a page of ours: the type is the one sniffed at upload, `nosniff` stops the browser from
//! guessing another, `content-security-policy: sandbox` disables scripts even if it did, and
//! only images, audio and video are shown `inline` (anything else downloads). Single byte
//! ranges are served (`206`), so audio and video can seek.

use crate::attachments::link::{self, Refusal};
use crate::attachments::{self, Attachment, Status};
use crate::config;
use crate::ports::Env;
use crate::store::database;
use crate::surface::{Handler, Request, Response, Surface, Uses};
use crate::web::{query_param, segments, ApiError, Family};
use http::{Method, StatusCode};

pub const SURFACE: Surface = Surface {
    component: "files",
    handle: Handler::Respond(handle),
    uses: Uses {
        sqlite: true,
        key_value: false,
        // The key download links are signed with.
        variables: &[config::ATTACHMENT_URL_KEY],
        outbound: false,
        actions: false,
        files: true,
        help_center: false,
        live: false,
    },
    streamed: &[],
};

fn handle(env: &Env, req: Request) -> Response {
    let mut response = route(env, &req).unwrap_or_else(|e| e.answer(env, Family::Spindesk));
    // Whatever answers (a file or an error), nothing here may run as a page.
    let headers = response.headers_mut();
    headers.insert(
        "x-content-type-options",
        http::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        "content-security-policy",
        http::HeaderValue::from_static("sandbox"),
    );
    if req.method() == Method::HEAD {
        response.body_mut().clear();
    }
    response
}

fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let method = req.method();
    match segments(req.uri().path()).as_slice() {
        ["attachments", id, _name] => match *method {
            Method::GET | Method::HEAD => download(env, req, id),
            _ => Err(ApiError::method_not_allowed(method, "GET, HEAD")),
        },
        _ => Err(ApiError::no_route(method, req.uri().path())),
    }
}

fn download(env: &Env, req: &Request, public_id: &str) -> Result<Response, ApiError> {
    let token = query_param(req, "token").unwrap_or_default();
    if token.is_empty() && link::key(env).is_some() {
        return Err(ApiError::forbidden(
            "token_missing",
            "This link has no token: ask for a fresh link",
        ));
    }
    match link::verify(env, public_id, &token, env.clock.now_ms()) {
        Ok(_) => {}
        Err(Refusal::NoKey) => {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "attachments_disabled",
                "Downloads are disabled until the operator sets attachment_url_key",
            ))
        }
        Err(Refusal::Invalid) => {
            return Err(ApiError::forbidden(
                "token_invalid",
                "This link's token is not valid for this file",
            ))
        }
        Err(Refusal::Expired) => {
            return Err(ApiError::forbidden(
                "link_expired",
                "This link has expired: ask for a fresh link",
            ))
        }
    }
    let db = database(env)?;
    let attachment = attachments::by_public_id(&db, public_id)?
        .filter(|a| a.status == Status::Stored)
        .ok_or_else(|| ApiError::not_found("attachment_not_found", "No such file"))?;
    let size = attachment.size.max(0) as u64;
    let range = match crate::web::header(req, "range") {
        Some(raw) => byte_range(raw, size).map_err(|()| unsatisfiable(size))?,
        None => None,
    };
    let (start, len) = range.unwrap_or((0, size));
    let bytes = env
        .files
        .read(&attachment.public_id, start, len)
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::internal(format!("attachment {public_id} has no bytes")))?;
    let mut response = http::Response::new(bytes);
    let status = if range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    *response.status_mut() = status;
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("content-type", attachment.content_type.clone());
    set("content-disposition", disposition(&attachment));
    set("accept-ranges", "bytes".into());
    // Links are personal and expire; shared caches must not keep them.
    set("cache-control", "private, max-age=300".into());
    // The widget shows images on the customer's own site, another origin.
    set("cross-origin-resource-policy", "cross-origin".into());
    if range.is_some() {
        set(
            "content-range",
            format!("bytes {start}-{}/{size}", start + len.saturating_sub(1)),
        );
    }
    Ok(response)
}

fn unsatisfiable(size: u64) -> ApiError {
    ApiError::new(
        StatusCode::RANGE_NOT_SATISFIABLE,
        "range_not_satisfiable",
        format!("The file has {size} bytes; ask for a range inside them"),
    )
}

/// One byte range (`bytes=0-99`, `bytes=100-`, `bytes=-50`) as (start, length) inside `size`.
/// `Ok(None)`: serve the whole file (several ranges, or a unit other than bytes: allowed by
/// RFC 9110 for a server that does not support them). `Err`: no byte of the range exists (416).
fn byte_range(raw: &str, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = raw.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let (first, last) = spec.split_once('-').ok_or(())?;
    let (first, last) = (first.trim(), last.trim());
    let (start, end) = if first.is_empty() {
        // The last `last` bytes.
        let n: u64 = last.parse().map_err(|_| ())?;
        if n == 0 {
            return Err(());
        }
        (size.saturating_sub(n), size.saturating_sub(1))
    } else {
        let start: u64 = first.parse().map_err(|_| ())?;
        let end = if last.is_empty() {
            size.saturating_sub(1)
        } else {
            let end: u64 = last.parse().map_err(|_| ())?;
            if end < start {
                return Err(());
            }
            end.min(size.saturating_sub(1))
        };
        (start, end)
    };
    if size == 0 || start >= size {
        return Err(());
    }
    Ok(Some((start, end - start + 1)))
}

/// `inline` only for what a browser shows without running anything (images, audio, video);
/// the name as ASCII for old clients and in full as RFC 5987 `filename*`.
fn disposition(a: &Attachment) -> String {
    let kind = if a.kind().inline() {
        "inline"
    } else {
        "attachment"
    };
    let ascii: String = a
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = a
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_ranges() {
        assert_eq!(byte_range("bytes=0-99", 1000), Ok(Some((0, 100))));
        assert_eq!(byte_range("bytes=900-", 1000), Ok(Some((900, 100))));
        assert_eq!(byte_range("bytes=-50", 1000), Ok(Some((950, 50))));
        assert_eq!(byte_range("bytes=990-2000", 1000), Ok(Some((990, 10))));
        assert_eq!(byte_range("bytes=0-1,5-6", 1000), Ok(None));
        assert_eq!(byte_range("items=0-1", 1000), Ok(None));
        assert_eq!(byte_range("bytes=1000-", 1000), Err(()));
        assert_eq!(byte_range("bytes=5-1", 1000), Err(()));
        assert_eq!(byte_range("bytes=x-1", 1000), Err(()));
    }
}
