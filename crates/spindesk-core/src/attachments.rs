//! Attachments: files in conversations (widget uploads, channel media, agents' files), ticket
//! comments and help-center articles.
//!
//! What is known about a file lives in the main database (`attachments`, schema v22); its
//! bytes live behind the files port (`Env::files`, by default the `attachments` SQLite
//! database). The bytes are written first and the row last, so a row always has its bytes; a
//! write that fails halfway deletes what it wrote. A file's type comes from its bytes
//! ([`sniff`]), never from its name or the client's word.
//!
//! The calls, for whoever brings a file in:
//! - bytes already in memory (a channel's media fetch): [`store`];
//! - a request body, as it streams in (an upload): [`store_stream`];
//! - a file a channel fetches later: [`create_pending`] now (the message shows a placeholder),
//!   then [`fill_pending`] with the bytes, or [`mark_failed`] when the fetch gives up;
//! - a message that carries files: [`attach_to_message`] inside the message's transaction;
//! - a link to it: [`download_url`] (signed, expiring; checked by [`link::verify`]).

mod intake;
pub mod limits;
pub mod link;
mod record;
pub mod sniff;

pub use intake::{store, store_stream, BodyStream, NewUpload, PART_BYTES};
pub use link::{download_url, Audience};
pub use record::{
    attach_to_comment, attach_to_message, by_public_id, create_pending, fill_pending, for_comments,
    for_messages, mark_failed, Attachment, Status, Uploader,
};
pub use sniff::{sniff, FileType, Kind};

use crate::ports::{FilesError, SqlError};
use crate::web::ApiError;
use http::StatusCode;
use std::fmt;

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

/// Why a file was not taken or cannot be served.
#[derive(Debug)]
pub enum AttachmentError {
    /// No bytes at all (400).
    Empty,
    /// A type not accepted, or one a browser or a computer could run (415); says which.
    Unsupported(String),
    /// Larger than `limit` bytes (413); nothing was kept.
    TooLarge {
        limit: u64,
    },
    /// The request is wrong in another way (422): an unknown attachment id, one already sent.
    Invalid(String),
    /// No such attachment (404).
    NotFound,
    /// The body stopped before its end (the client went away): 400.
    Interrupted(String),
    Sql(SqlError),
    Files(FilesError),
}

impl fmt::Display for AttachmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttachmentError::Empty => write!(f, "the file is empty"),
            AttachmentError::Unsupported(why) => write!(f, "{why}"),
            AttachmentError::TooLarge { limit } => {
                write!(f, "the file is larger than the {limit} bytes allowed")
            }
            AttachmentError::Invalid(why) => write!(f, "{why}"),
            AttachmentError::NotFound => write!(f, "no such attachment"),
            AttachmentError::Interrupted(why) => write!(f, "the upload was interrupted: {why}"),
            AttachmentError::Sql(e) => write!(f, "{e}"),
            AttachmentError::Files(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AttachmentError {}

impl From<SqlError> for AttachmentError {
    fn from(e: SqlError) -> Self {
        AttachmentError::Sql(e)
    }
}

impl From<FilesError> for AttachmentError {
    fn from(e: FilesError) -> Self {
        AttachmentError::Files(e)
    }
}

impl From<AttachmentError> for ApiError {
    fn from(e: AttachmentError) -> Self {
        let message = e.to_string();
        match e {
            AttachmentError::Empty => ApiError::bad_request("empty_file", message),
            AttachmentError::Unsupported(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_file_type",
                message,
            ),
            AttachmentError::TooLarge { .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "file_too_large", message)
            }
            AttachmentError::Invalid(_) => ApiError::unprocessable("invalid_attachment", message),
            AttachmentError::NotFound => ApiError::not_found("attachment_not_found", message),
            AttachmentError::Interrupted(_) => ApiError::bad_request("upload_interrupted", message),
            AttachmentError::Sql(e) => e.into(),
            AttachmentError::Files(e) => ApiError::internal(e),
        }
    }
}
