//! Why a file was not taken or cannot be served, and what each means to a caller.

use crate::ports::{FilesError, SqlError};
use crate::web::ApiError;
use http::StatusCode;
use std::fmt;

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
