//! Article attachments: `POST /api/v2/help_center/articles/{id}/attachments` with Zendesk's
//! multipart form (`file`, and `inline` which is accepted and ignored), read as a stream like
//! every upload. The answer's `content_url` is a link that never expires, to embed in the
//! article's body (`<img src="...">`): article files are public like the articles.

use super::request::not_found;
use crate::attachments::{self, limits, AttachmentError, Audience, NewUpload, Uploader};
use crate::auth::require_staff;
use crate::help_center;
use crate::ports::Env;
use crate::store::{database, Db};
use crate::surface::{BodyStream, Request, Response, Streamed};
use crate::timestamp::iso8601;
use crate::web::{header, json_status, ApiError, Family};
use http::StatusCode;
use serde_json::json;

/// Both spellings Zendesk clients use; the body is read as it arrives.
pub const ROUTES: &[Streamed] = &[
    Streamed {
        method: "POST",
        path: "/api/v2/help_center/articles/*/attachments",
        handle: upload,
    },
    Streamed {
        method: "POST",
        path: "/api/v2/help_center/articles/*/attachments.json",
        handle: upload,
    },
];

/// Longest part headers read (a part's `content-disposition` and `content-type`).
const MAX_PART_HEAD: usize = 8 * 1024;
/// Longest form value skipped before the file (`inline`, ...).
const MAX_FIELD: usize = 8 * 1024;
/// Bytes asked of the body per read.
const READ: usize = 64 * 1024;

fn upload(env: &Env, req: Request, body: &mut dyn BodyStream) -> Response {
    receive(env, &req, body).unwrap_or_else(|e| e.answer(env, Family::Zendesk))
}

fn invalid(message: &str) -> ApiError {
    ApiError::bad_request("InvalidParameter", message)
}

fn receive(env: &Env, req: &Request, body: &mut dyn BodyStream) -> Result<Response, ApiError> {
    let article_id = req
        .uri()
        .path()
        .split('/')
        .nth(5)
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or_else(|| not_found("articles", "?"))?;
    let limit = limits::max_bytes(env);
    let boundary = header(req, "content-type")
        .and_then(boundary_of)
        .ok_or_else(|| invalid("Send the file as multipart/form-data with a `file` field"))?;
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    // The article is in the help center's database, its files in the main one.
    let help_center = help_center::database::open(env)?;
    existing_article(&help_center, article_id)?;
    let mut form = Multipart::new(body, &boundary);
    let name = form
        .find_file()
        .map_err(|why| invalid(&why))?
        .unwrap_or_else(|| "file".to_owned());
    let uploader = match staff.user_id() {
        Some(id) => Uploader::Agent(id),
        None => Uploader::Api,
    };
    let upload = NewUpload {
        conversation_id: None,
        uploader,
        file_name: &name,
        upload_token: None,
    };
    let stored = attachments::store_stream(env, &db, upload, &mut form, limit).map_err(|e| {
        let mut api = ApiError::from(e);
        api.code = "RecordInvalid".into();
        api
    })?;
    let attached = match attachments::attach_to_article(&db, &stored.public_id, article_id) {
        Ok(a) => a,
        Err(e) => {
            let _ = env.files.delete(&stored.public_id);
            return Err(match e {
                AttachmentError::Sql(e) => e.into(),
                other => ApiError::internal(other),
            });
        }
    };
    // No foreign key spans the two databases: an article deleted while its file was being
    // received took the files it had, so this one goes too, and the caller learns why.
    if let Err(gone) = existing_article(&help_center, article_id) {
        attachments::remove_article_files(env, &db, &[article_id])?;
        return Err(gone);
    }
    let url = attachments::link::absolute(
        attachments::download_url(env, &attached, Audience::Public),
        &crate::web::origin(req),
    );
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"article_attachment": {
            "id": attached.id,
            "article_id": article_id,
            "file_name": attached.file_name,
            "content_url": url,
            "content_type": attached.content_type,
            "size": attached.size,
            "inline": attached.kind() == attachments::Kind::Image,
            "created_at": iso8601(attached.created_at),
        }}),
    ))
}

fn existing_article(db: &Db, id: i64) -> Result<(), ApiError> {
    db.query_i64("SELECT id FROM hc_articles WHERE id = ?", &[id.into()])?
        .map(|_| ())
        .ok_or_else(|| not_found("articles", id))
}

/// The `boundary` of a `multipart/form-data` content type.
fn boundary_of(content_type: &str) -> Option<String> {
    let mut parts = content_type.split(';');
    if !parts
        .next()?
        .trim()
        .eq_ignore_ascii_case("multipart/form-data")
    {
        return None;
    }
    parts
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim_matches('"').to_owned())
        .filter(|b| (1..=70).contains(&b.len()))
}

/// A multipart body read as it arrives; once [`Multipart::find_file`] has found the `file`
/// part, reading it yields that part's bytes only, up to the next delimiter.
struct Multipart<'a> {
    body: &'a mut dyn BodyStream,
    /// `\r\n--boundary`: what ends a part.
    delimiter: Vec<u8>,
    buf: Vec<u8>,
    ended: bool,
    /// The file part's end has been reached.
    done: bool,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl<'a> Multipart<'a> {
    fn new(body: &'a mut dyn BodyStream, boundary: &str) -> Self {
        Multipart {
            body,
            delimiter: format!("\r\n--{boundary}").into_bytes(),
            // The first delimiter has no line break before it: one is supplied.
            buf: b"\r\n".to_vec(),
            ended: false,
            done: false,
        }
    }

    /// Reads more of the body; false at its end.
    fn fill(&mut self) -> Result<bool, String> {
        if self.ended {
            return Ok(false);
        }
        let more = self.body.read(READ)?;
        if more.is_empty() {
            self.ended = true;
            return Ok(false);
        }
        self.buf.extend_from_slice(&more);
        Ok(true)
    }

    /// Reads until `needle` is in the buffer within `max` bytes; its position.
    fn until(&mut self, needle: &[u8], max: usize, what: &str) -> Result<usize, String> {
        loop {
            if let Some(at) = find(&self.buf, needle) {
                return Ok(at);
            }
            if self.buf.len() > max + needle.len() || !self.fill()? {
                return Err(format!("the form's {what} is cut short or too long"));
            }
        }
    }

    /// Skips to the `file` part's content; its file name, if it gave one. `Ok(None)`... never:
    /// a form without a `file` part is an error.
    fn find_file(&mut self) -> Result<Option<String>, String> {
        let delimiter = self.delimiter.clone();
        let mut skip = MAX_FIELD;
        loop {
            let at = self.until(&delimiter, skip, "parts")?;
            self.buf.drain(..at + delimiter.len());
            skip = MAX_FIELD;
            let end = self.until(b"\r\n\r\n", MAX_PART_HEAD, "part headers")?;
            if self.buf.starts_with(b"--") {
                return Err("the form has no `file` part".into());
            }
            let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
            self.buf.drain(..end + 4);
            let disposition = head
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
                .unwrap_or_default()
                .to_owned();
            if param(&disposition, "name").as_deref() == Some("file") {
                return Ok(param(&disposition, "filename"));
            }
        }
    }
}

/// A `name="value"` parameter of a `content-disposition` header line.
fn param(line: &str, name: &str) -> Option<String> {
    line.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k.trim().eq_ignore_ascii_case(name)).then(|| v.trim().trim_matches('"').to_owned())
    })
}

impl BodyStream for Multipart<'_> {
    fn read(&mut self, max: usize) -> Result<Vec<u8>, String> {
        loop {
            if self.done {
                return Ok(Vec::new());
            }
            if let Some(at) = find(&self.buf, &self.delimiter) {
                if at == 0 {
                    self.done = true;
                    continue;
                }
                let n = at.min(max);
                return Ok(self.buf.drain(..n).collect());
            }
            // Everything but a tail that may be the start of the delimiter is file content.
            let safe = self.buf.len().saturating_sub(self.delimiter.len());
            if safe > 0 {
                let n = safe.min(max);
                return Ok(self.buf.drain(..n).collect());
            }
            if !self.fill()? {
                return Err("the form ends inside the file".into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surface::BufferedBody;

    #[test]
    fn the_file_part_is_read_whatever_comes_around_it() {
        let form = b"--XyZ\r\ncontent-disposition: form-data; name=\"inline\"\r\n\r\ntrue\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"file\"; filename=\"a b.png\"\r\nContent-Type: image/png\r\n\r\n\
\x89PNG\r\n--X not yet\r\n--XyZ--\r\n";
        for piece in [1, 3, 7, 64] {
            let mut body = BufferedBody::new(form.to_vec());
            // One byte at a time, and in other sizes: the delimiter may be split anywhere.
            struct Pieces<'a>(&'a mut BufferedBody, usize);
            impl BodyStream for Pieces<'_> {
                fn read(&mut self, max: usize) -> Result<Vec<u8>, String> {
                    self.0.read(max.min(self.1))
                }
            }
            let mut pieces = Pieces(&mut body, piece);
            let mut m = Multipart::new(&mut pieces, "XyZ");
            assert_eq!(m.find_file().unwrap().as_deref(), Some("a b.png"));
            let mut got = Vec::new();
            loop {
                let chunk = m.read(5).unwrap();
                if chunk.is_empty() {
                    break;
                }
                got.extend(chunk);
            }
            assert_eq!(got, b"\x89PNG\r\n--X not yet", "pieces of {piece}");
        }
        assert_eq!(
            boundary_of("multipart/form-data; boundary=\"ab\"").as_deref(),
            Some("ab")
        );
        assert_eq!(boundary_of("application/json"), None);
    }
}
