//! The core's one error type. Domain functions say *what* went wrong in the product's terms;
//! [`crate::web::ApiError`]'s `From<Error>` is the one place that decides what each means to a
//! caller (a 404, a 422, the operator's 503, or our own 500).

use crate::ports::{KvError, SqlError};
use crate::vault::VaultError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database refused or failed a statement.
    #[error(transparent)]
    Sql(#[from] SqlError),
    /// The key-value store failed.
    #[error(transparent)]
    KeyValue(#[from] KvError),
    /// Sealed channel credentials cannot be opened with this deployment's `credentials_key`:
    /// the operator's to fix.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// A record the operation needs does not exist (any more).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request asks for something the domain's rules forbid (a ticket status change that
    /// is not allowed, ...): the caller's to fix.
    #[error("{0}")]
    Invalid(String),
    /// Stored data that should be impossible: an insert that returned no row, JSON that does
    /// not parse. Ours to fix.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

impl Error {
    pub fn corrupt(detail: impl std::fmt::Display) -> Self {
        Error::Corrupt(detail.to_string())
    }

    /// Whether the same request may succeed if tried again unchanged: the database was busy
    /// (locked past the retries) or the key-value store failed. A caller that would otherwise
    /// swallow an error (the bot's failed turn handed off, one bad event of a webhook batch
    /// skipped) lets these through instead, so the whole request fails with nothing written
    /// and the client or vendor retries it; anything else would fail the same way again.
    pub fn worth_retrying(&self) -> bool {
        match self {
            Error::Sql(e) => e.kind == crate::ports::SqlErrorKind::Busy,
            Error::KeyValue(_) => true,
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
