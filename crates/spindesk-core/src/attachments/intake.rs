//! Bringing bytes in: whole (a channel's media fetch) or streamed (an upload), part by part
//! into the files port, so that no more than one part of a file is ever in memory.

use super::limits;
use super::record::{self, record_stored, Attachment, Uploader};
use super::sniff::{self, SNIFF_BYTES};
use super::{AttachmentError, NewAttachment};
use crate::ids::new_public_id;
use crate::ports::Env;
use crate::store::Db;
pub use crate::surface::BodyStream;

/// Bytes per stored part: one row of the `attachments` database, and the most of an upload a
/// component holds at once. 256 KiB: 80 rows for a 20 MiB file (each insert is a host round
/// trip under Spin), while an instance's memory stays small.
pub const PART_BYTES: usize = 256 * 1024;

/// An upload's description, its bytes still to come.
#[derive(Debug, Clone, Copy)]
pub struct NewUpload<'a> {
    pub conversation_id: Option<i64>,
    pub uploader: Uploader,
    pub file_name: &'a str,
}

/// Writes `bytes` under `key` in parts; deletes what it wrote if a part fails.
pub(super) fn write_bytes(env: &Env, key: &str, bytes: &[u8]) -> Result<u64, AttachmentError> {
    let mut offset = 0u64;
    for part in bytes.chunks(PART_BYTES) {
        if let Err(e) = env.files.write_part(key, offset, part) {
            let _ = env.files.delete(key);
            return Err(e.into());
        }
        offset += part.len() as u64;
    }
    if let Err(e) = env.files.finish(key, offset) {
        let _ = env.files.delete(key);
        return Err(e.into());
    }
    Ok(offset)
}

/// Stores a file whose bytes are all in memory (a channel's media fetch): sniffed, checked
/// against the size limit (`attachment_max_bytes`), written, recorded `stored`. Call it
/// outside the write transaction that links it, or accept that a rolled-back transaction
/// leaves bytes nothing refers to (they are never served).
pub fn store(env: &Env, db: &Db, new: NewAttachment) -> Result<Attachment, AttachmentError> {
    record::store_whole(env, db, new, limits::max_bytes(env))
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
        Ok((file_type, size)) => record_stored(
            env,
            db,
            &public_id,
            upload.conversation_id,
            upload.uploader,
            upload.file_name,
            (file_type, size),
        ),
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
