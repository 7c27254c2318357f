//! Attachment rows in the main database: create, fill, link, read.

use super::error::AttachmentError;
use super::sniff::{self, FileType};
use crate::ids::new_public_id;
use crate::ports::{Env, Millis, SqlError, Value};
use crate::store::{Db, Row};
use std::collections::BTreeMap;

/// A file's description, its bytes still to come (an upload) or in hand.
#[derive(Debug, Clone, Copy)]
pub struct NewUpload<'a> {
    /// The conversation it belongs to, when known now (a channel's media); an upload gets
    /// its conversation when a message carries it ([`attach_to_message`]).
    pub conversation_id: Option<i64>,
    pub uploader: Uploader,
    pub file_name: &'a str,
    /// Zendesk's upload token: the files uploaded under one token go into one comment.
    pub upload_token: Option<&'a str>,
}

/// Who brought a file in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploader {
    /// A customer (the widget), by user id.
    Customer(i64),
    /// A staff member (the workspace, the Zendesk API), by user id.
    Agent(i64),
    /// A channel's media, fetched from the vendor.
    Channel,
    /// An API client without a user of its own (a Sunshine integration key).
    Api,
}

impl Uploader {
    fn columns(self) -> (&'static str, Option<i64>) {
        match self {
            Uploader::Customer(id) => ("user", Some(id)),
            Uploader::Agent(id) => ("agent", Some(id)),
            Uploader::Channel => ("channel", None),
            Uploader::Api => ("api", None),
        }
    }

    fn from_columns(kind: &str, id: Option<i64>) -> Result<Self, SqlError> {
        Ok(match (kind, id) {
            ("user", Some(id)) => Uploader::Customer(id),
            ("agent", Some(id)) => Uploader::Agent(id),
            ("channel", _) => Uploader::Channel,
            // A person's row erased leaves the file: it counts as the API's.
            _ => Uploader::Api,
        })
    }
}

/// Where a file is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A channel fetch is outstanding: no bytes yet.
    Pending,
    Stored,
    /// The fetch gave up; the message keeps the placeholder.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Stored => "stored",
            Status::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self, SqlError> {
        match s {
            "pending" => Ok(Status::Pending),
            "stored" => Ok(Status::Stored),
            "failed" => Ok(Status::Failed),
            other => Err(Row::invalid("status", format!("unknown status {other}"))),
        }
    }
}

/// One attachment's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    /// The opaque id callers use (24 hex characters); also the key of its bytes.
    pub public_id: String,
    pub conversation_id: Option<i64>,
    pub message_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub uploader: Uploader,
    pub file_name: String,
    /// From the bytes; `application/octet-stream` while pending.
    pub content_type: String,
    pub size: i64,
    pub status: Status,
    pub created_at: Millis,
}

impl Attachment {
    /// Image, audio, video or another file, by its (sniffed) content type.
    pub fn kind(&self) -> sniff::Kind {
        match self.content_type.split('/').next() {
            Some("image") => sniff::Kind::Image,
            Some("audio") => sniff::Kind::Audio,
            Some("video") => sniff::Kind::Video,
            _ => sniff::Kind::Document,
        }
    }

    pub(super) fn from_row(r: &Row) -> Result<Self, SqlError> {
        Ok(Attachment {
            id: r.i64("id")?,
            public_id: r.string("public_id")?,
            conversation_id: r.opt_i64("conversation_id")?,
            message_id: r.opt_i64("message_id")?,
            comment_id: r.opt_i64("comment_id")?,
            uploader: Uploader::from_columns(
                &r.string("uploader_type")?,
                r.opt_i64("uploader_id")?,
            )?,
            file_name: r.string("file_name")?,
            content_type: r.string("content_type")?,
            size: r.i64("size")?,
            status: Status::parse(&r.string("status")?)?,
            created_at: r.i64("created_at")?,
        })
    }
}

pub(super) const COLUMNS: &str =
    "id, public_id, conversation_id, message_id, comment_id, uploader_type, \
                       uploader_id, file_name, content_type, size, status, created_at";

/// Longest file name kept, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// A name safe to store and to put in a `content-disposition` header: its last path segment,
/// without control characters or quotes, at most [`MAX_NAME_CHARS`]; `file` if nothing is
/// left. With a type, the name gets the type's extension unless it has it already (a PNG
/// named `receipt.pdf` is kept as `receipt.png`); text keeps any name.
pub fn clean_name(raw: &str, file_type: Option<FileType>) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut name: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(MAX_NAME_CHARS)
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_owned();
    if name.is_empty() {
        name = "file".into();
    }
    let Some(file_type) = file_type else {
        return name;
    };
    if file_type == sniff::TEXT || file_type == sniff::CSV {
        return name;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem.to_owned(), ext.to_ascii_lowercase()),
        _ => (name.clone(), String::new()),
    };
    let fits = ext == file_type.extension
        || (file_type == sniff::JPEG && ext == "jpeg")
        || (file_type == sniff::HEIC && ext == "heif");
    if fits {
        name
    } else {
        format!("{stem}.{}", file_type.extension)
    }
}

/// Inserts a row; `content` is the type and size of bytes already written under `public_id`.
#[allow(clippy::too_many_arguments)]
pub(super) fn insert(
    env: &Env,
    db: &Db,
    public_id: &str,
    conversation_id: Option<i64>,
    uploader: Uploader,
    file_name: &str,
    content: Option<(FileType, u64)>,
    upload_token: Option<&str>,
) -> Result<Attachment, AttachmentError> {
    let (kind, uploader_id) = uploader.columns();
    let (content_type, size, status) = match content {
        Some((t, size)) => (t.content_type, size as i64, Status::Stored),
        None => ("application/octet-stream", 0, Status::Pending),
    };
    db.query_opt(
        &format!(
            "INSERT INTO attachments (public_id, conversation_id, uploader_type, uploader_id,
                 file_name, content_type, size, status, created_at, upload_token)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        ),
        &[
            public_id.into(),
            conversation_id.into(),
            kind.into(),
            uploader_id.into(),
            file_name.into(),
            content_type.into(),
            size.into(),
            status.as_str().into(),
            env.clock.now_ms().into(),
            upload_token.into(),
        ],
        Attachment::from_row,
    )?
    .ok_or_else(|| AttachmentError::Sql(Row::invalid("attachments", "insert returned no row")))
}

/// Records a file whose bytes are written (by [`super::intake`]); on failure, deletes them.
pub(super) fn record_stored(
    env: &Env,
    db: &Db,
    public_id: &str,
    upload: NewUpload,
    content: (FileType, u64),
) -> Result<Attachment, AttachmentError> {
    let name = clean_name(upload.file_name, Some(content.0));
    insert(
        env,
        db,
        public_id,
        upload.conversation_id,
        upload.uploader,
        &name,
        Some(content),
        upload.upload_token,
    )
    .inspect_err(|_| {
        let _ = env.files.delete(public_id);
    })
}

/// A placeholder for a file a channel fetches later: status `pending`, no bytes, shown to the
/// agent as "file on its way". Link it to its message with [`attach_to_message`] in the same
/// transaction as the message, then [`fill_pending`] or [`mark_failed`] it when the fetch ends.
pub fn create_pending(
    env: &Env,
    db: &Db,
    conversation_id: i64,
    uploader: Uploader,
    file_name: &str,
) -> Result<Attachment, AttachmentError> {
    let public_id = new_public_id(env.random);
    insert(
        env,
        db,
        &public_id,
        Some(conversation_id),
        uploader,
        &clean_name(file_name, None),
        None,
        None,
    )
}

/// Gives up on pending attachment `public_id`: status `failed`, and the message that carries
/// it stays. Idempotent; `NotFound` for an unknown id.
pub fn mark_failed(db: &Db, public_id: &str) -> Result<Attachment, AttachmentError> {
    db.execute(
        "UPDATE attachments SET status = 'failed' WHERE public_id = ? AND status = 'pending'",
        &[public_id.into()],
    )?;
    by_public_id(db, public_id)?.ok_or(AttachmentError::NotFound)
}

/// Links the attachments `public_ids` (in that order) to message `message_id` of
/// `conversation_id`. Each must be unsent, not failed, brought in by `uploader` (a customer
/// sends only their own uploads) and not belong to another conversation; otherwise nothing is
/// linked and the error names the id (422), so the caller's transaction rolls back the message
/// too. Run it inside the transaction that inserts the message.
pub fn attach_to_message(
    db: &Db,
    conversation_id: i64,
    message_id: i64,
    uploader: Uploader,
    public_ids: &[String],
) -> Result<Vec<Attachment>, AttachmentError> {
    let linked = link(
        db,
        "message_id",
        message_id,
        Some(conversation_id),
        uploader,
        public_ids,
    )?;
    if !linked.is_empty() {
        // What tells every view of the message to look its files up.
        db.execute(
            "UPDATE messages SET content_type = 'file' WHERE id = ?",
            &[message_id.into()],
        )?;
    }
    Ok(linked)
}

/// [`attach_to_message`] for a ticket comment (an internal note has no message; a public
/// comment is linked to both its message and its comment). A ticket without a conversation
/// (made through the API) has no `conversation_id`.
pub fn attach_to_comment(
    db: &Db,
    conversation_id: Option<i64>,
    comment_id: i64,
    uploader: Uploader,
    public_ids: &[String],
) -> Result<Vec<Attachment>, AttachmentError> {
    link(
        db,
        "comment_id",
        comment_id,
        conversation_id,
        uploader,
        public_ids,
    )
}

/// Makes stored, unattached file `public_id` an attachment of help-center article `article_id`.
pub fn attach_to_article(
    db: &Db,
    public_id: &str,
    article_id: i64,
) -> Result<Attachment, AttachmentError> {
    db.query_opt(
        &format!(
            "UPDATE attachments SET article_id = ? WHERE public_id = ? AND article_id IS NULL
               AND message_id IS NULL AND comment_id IS NULL RETURNING {COLUMNS}"
        ),
        &[article_id.into(), public_id.into()],
        Attachment::from_row,
    )?
    .ok_or(AttachmentError::NotFound)
}

/// The unsent files uploaded under each of Zendesk's upload `tokens` by `uploader`, in upload
/// order; 422 naming a token with none (unknown, someone else's, expired — see
/// [`super::sweep`] — or already used).
pub fn for_upload_tokens(
    db: &Db,
    tokens: &[String],
    uploader: Uploader,
    now: i64,
) -> Result<Vec<String>, AttachmentError> {
    let (kind, uploader_id) = uploader.columns();
    let oldest = now - super::sweep::UNSENT_TTL_MS;
    let mut ids = Vec::new();
    for token in tokens {
        let found = db.query(
            "SELECT public_id FROM attachments
             WHERE upload_token = ? AND uploader_type = ? AND uploader_id IS ?
               AND message_id IS NULL AND comment_id IS NULL AND status = 'stored'
               AND created_at >= ?
             ORDER BY id",
            &[
                token.as_str().into(),
                kind.into(),
                uploader_id.into(),
                oldest.into(),
            ],
            |r| r.string("public_id"),
        )?;
        if found.is_empty() {
            return Err(AttachmentError::Invalid(format!(
                "upload token {token:?} is unknown, not yours, expired, or already used"
            )));
        }
        ids.extend(found);
    }
    Ok(ids)
}

/// Removes the unsent files under upload `token` of `uploader` (rows and bytes); how many.
/// `NotFound` when there are none.
pub fn delete_upload(
    env: &Env,
    db: &Db,
    token: &str,
    uploader: Uploader,
) -> Result<usize, AttachmentError> {
    let (kind, uploader_id) = uploader.columns();
    let removed = db.query(
        "DELETE FROM attachments
         WHERE upload_token = ? AND uploader_type = ? AND uploader_id IS ?
           AND message_id IS NULL AND comment_id IS NULL
         RETURNING public_id",
        &[token.into(), kind.into(), uploader_id.into()],
        |r| r.string("public_id"),
    )?;
    if removed.is_empty() {
        return Err(AttachmentError::NotFound);
    }
    // The rows are gone, so nothing links to these bytes any more; a failure leaves unread
    // bytes behind, never a link to missing ones.
    for public_id in &removed {
        if let Err(e) = env.files.delete(public_id) {
            env.warn("attachments.delete", e);
        }
    }
    Ok(removed.len())
}

fn link(
    db: &Db,
    column: &str,
    owner: i64,
    conversation_id: Option<i64>,
    uploader: Uploader,
    public_ids: &[String],
) -> Result<Vec<Attachment>, AttachmentError> {
    let (kind, uploader_id) = uploader.columns();
    let mut linked = Vec::with_capacity(public_ids.len());
    for (position, public_id) in public_ids.iter().enumerate() {
        let row = db.query_opt(
            &format!(
                "UPDATE attachments
                 SET {column} = ?1, conversation_id = coalesce(?2, conversation_id), position = ?3
                 WHERE public_id = ?4 AND {column} IS NULL AND status != 'failed'
                   AND uploader_type = ?5 AND uploader_id IS ?6
                   AND (?2 IS NULL OR conversation_id IS NULL OR conversation_id = ?2)
                 RETURNING {COLUMNS}"
            ),
            &[
                owner.into(),
                conversation_id.into(),
                (position as i64).into(),
                public_id.as_str().into(),
                kind.into(),
                uploader_id.into(),
            ],
            Attachment::from_row,
        )?;
        match row {
            Some(a) => linked.push(a),
            None => {
                return Err(AttachmentError::Invalid(format!(
                    "attachment {public_id} is unknown, not yours, failed or already sent"
                )))
            }
        }
    }
    Ok(linked)
}

/// The attachment with public id `public_id`.
pub fn by_public_id(db: &Db, public_id: &str) -> Result<Option<Attachment>, SqlError> {
    db.query_opt(
        &format!("SELECT {COLUMNS} FROM attachments WHERE public_id = ?"),
        &[public_id.into()],
        Attachment::from_row,
    )
}

/// The attachments of each of `message_ids`, in the order they were sent.
pub fn for_messages(
    db: &Db,
    message_ids: &[i64],
) -> Result<BTreeMap<i64, Vec<Attachment>>, SqlError> {
    owned_by(db, "message_id", message_ids)
}

/// The attachments of each of `comment_ids`: a public comment's are its message's.
pub fn for_comments(
    db: &Db,
    comment_ids: &[i64],
) -> Result<BTreeMap<i64, Vec<Attachment>>, SqlError> {
    owned_by(db, "comment_id", comment_ids)
}

fn owned_by(
    db: &Db,
    column: &str,
    ids: &[i64],
) -> Result<BTreeMap<i64, Vec<Attachment>>, SqlError> {
    let mut out: BTreeMap<i64, Vec<Attachment>> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    // One statement for a page of messages; SQLite's json_each takes the list as one value.
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let rows = db.query(
        &format!(
            "SELECT {COLUMNS} FROM attachments
             WHERE {column} IN (SELECT value FROM json_each(?)) ORDER BY {column}, position, id"
        ),
        &[Value::Text(list)],
        |r| Ok((r.i64(column)?, Attachment::from_row(r)?)),
    )?;
    for (owner, attachment) in rows {
        out.entry(owner).or_default().push(attachment);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_typed() {
        assert_eq!(clean_name("../../etc/passwd", None), "passwd");
        assert_eq!(
            clean_name("C:\\Users\\me\\photo.JPEG", Some(sniff::JPEG)),
            "photo.JPEG"
        );
        assert_eq!(clean_name("receipt.pdf", Some(sniff::PNG)), "receipt.png");
        assert_eq!(clean_name("scan", Some(sniff::PDF)), "scan.pdf");
        assert_eq!(clean_name("a\"b;\r\n.txt", Some(sniff::TEXT)), "ab.txt");
        assert_eq!(clean_name(".hidden", None), "hidden");
        assert_eq!(clean_name("", Some(sniff::GIF)), "file.gif");
    }
}
