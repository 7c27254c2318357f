//! Bringing bytes in: whole (a channel's media fetch) or streamed (an upload), part by part
//! into the files port, so that no more than one part of a file is ever in memory.

use super::bytes::{write_bytes, PART_BYTES};
use super::error::AttachmentError;
use super::limits;
pub use super::record::NewUpload;
use super::record::{self, by_public_id, clean_name, record_stored, Attachment, Status, Uploader};
use super::sniff::{self, SNIFF_BYTES};
use crate::ids::new_public_id;
use crate::ports::Env;
use crate::store::Db;
pub use crate::surface::BodyStream;

/// A file brought in whole: from a channel's media fetch, or any caller with the bytes.
#[derive(Debug, Clone, Copy)]
pub struct NewAttachment<'a> {
    /// The conversation it belongs to, when known now (a channel's media); uploads get theirs
    /// when a message carries them ([`attach_to_message`]).
    pub conversation_id: Option<i64>,
    pub uploader: Uploader,
    /// The name it came with: cleaned ([`record::clean_name`]), and given the extension of its
    /// real type when the one it has says otherwise.
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

/// Stores a file whose bytes are all in memory (a channel's media fetch): sniffed, checked
/// against the size limit (`attachment_max_bytes`), written, recorded `stored`. Call it
/// outside the write transaction that links it, or accept that a rolled-back transaction
/// leaves bytes nothing refers to (they are never served).
pub fn store(env: &Env, db: &Db, new: NewAttachment) -> Result<Attachment, AttachmentError> {
    store_whole(env, db, new, limits::max_bytes(env))
}

/// Stores an upload as it streams in: reads `body` a part at a time (never more than
/// `limit + 1` bytes in all: past `limit` it stops reading, deletes what it wrote and answers
/// `TooLarge`), sniffs the first bytes before writing anything (a refused type writes nothing),
/// and records the file `stored` once its last part is in. Holds at most one part
/// ([`PART_BYTES`]) in memory.
pub fn store_stream(
    env: &Env,
    db: &Db,
    upload: NewUpload,
    body: &mut dyn BodyStream,
    limit: u64,
) -> Result<Attachment, AttachmentError> {
    let public_id = new_public_id(env.random);
    let written = stream_parts(env, &public_id, body, limit, upload.file_name);
    match written {
        Ok((file_type, size)) => record_stored(env, db, &public_id, upload, (file_type, size)),
        Err(e) => {
            let _ = env.files.delete(&public_id);
            Err(e)
        }
    }
}

fn stream_parts(
    env: &Env,
    key: &str,
    body: &mut dyn BodyStream,
    limit: u64,
    name: &str,
) -> Result<(sniff::FileType, u64), AttachmentError> {
    let mut part: Vec<u8> = Vec::with_capacity(PART_BYTES);
    let mut offset = 0u64;
    let mut file_type = None;
    loop {
        // Never ask for more than one byte past the limit: that byte is the proof of "too
        // large", and the rest of the body is left unread.
        let room = (PART_BYTES - part.len()) as u64;
        let left = (limit + 1).saturating_sub(offset + part.len() as u64);
        let want = room.min(left).max(1) as usize;
        let chunk = body.read(want).map_err(AttachmentError::Interrupted)?;
        let ended = chunk.is_empty();
        part.extend_from_slice(&chunk);
        drop(chunk);
        if offset + part.len() as u64 > limit {
            return Err(AttachmentError::TooLarge { limit });
        }
        let full = part.len() >= PART_BYTES;
        if !(full || ended) {
            continue;
        }
        if file_type.is_none() {
            // The first part holds at least SNIFF_BYTES unless the file is shorter.
            debug_assert!(part.len() >= SNIFF_BYTES.min(PART_BYTES) || ended);
            file_type = Some(sniff::sniff_named(&part, name)?);
        }
        if !part.is_empty() {
            env.files.write_part(key, offset, &part)?;
            offset += part.len() as u64;
            part.clear();
        }
        if ended {
            break;
        }
    }
    let file_type = file_type.ok_or(AttachmentError::Empty)?;
    env.files.finish(key, offset)?;
    Ok((file_type, offset))
}

/// Stores a file given whole: see [`super::store`].
fn store_whole(
    env: &Env,
    db: &Db,
    new: NewAttachment,
    limit: u64,
) -> Result<Attachment, AttachmentError> {
    if new.bytes.len() as u64 > limit {
        return Err(AttachmentError::TooLarge { limit });
    }
    let file_type = sniff::sniff_named(new.bytes, new.file_name)?;
    let public_id = new_public_id(env.random);
    let size = write_bytes(env, &public_id, new.bytes)?;
    let upload = NewUpload {
        conversation_id: new.conversation_id,
        uploader: new.uploader,
        file_name: new.file_name,
        upload_token: None,
    };
    record_stored(env, db, &public_id, upload, (file_type, size))
}

/// Stores the fetched bytes of pending attachment `public_id` (sniffed like any file; over the
/// size limit refused) and marks it `stored`. A refused file leaves the row pending: the caller
/// decides whether to [`mark_failed`] it. `NotFound` when no pending row has that id (filled
/// already by a retried fetch: nothing is written twice).
pub fn fill_pending(
    env: &Env,
    db: &Db,
    public_id: &str,
    bytes: &[u8],
) -> Result<Attachment, AttachmentError> {
    let current = by_public_id(db, public_id)?.ok_or(AttachmentError::NotFound)?;
    if current.status != Status::Pending {
        return Err(AttachmentError::NotFound);
    }
    let file_type = sniff::sniff_named(bytes, &current.file_name)?;
    let size = write_bytes(env, public_id, bytes)?;
    let name = clean_name(&current.file_name, Some(file_type));
    let filled = db
        .query_opt(
            &format!(
                "UPDATE attachments SET status = 'stored', content_type = ?, size = ?, file_name = ?
                 WHERE public_id = ? AND status = 'pending' RETURNING {}",
                record::COLUMNS
            ),
            &[
                file_type.content_type.into(),
                (size as i64).into(),
                name.into(),
                public_id.into(),
            ],
            Attachment::from_row,
        )
        .map_err(AttachmentError::from)
        .and_then(|row| row.ok_or(AttachmentError::NotFound));
    if filled.is_err() {
        // Another fetch filled it meanwhile, or the update failed: these bytes are nobody's.
        // (The same key: deleting removes the winner's bytes only if the row is not stored.)
        if !matches!(by_public_id(db, public_id), Ok(Some(a)) if a.status == Status::Stored) {
            let _ = env.files.delete(public_id);
        }
    }
    filled
}
