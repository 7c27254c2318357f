//! Files: where attachment bytes live, apart from the main database.
//!
//! A port so that an object store can replace the default later. The default
//! ([`crate::blobs::SqlFiles`]) keeps each file as chunked rows in a second SQLite database
//! (`attachments` in `spin.toml`), which operators can map to a database of its own in Spin's
//! runtime config. Spin 4 has no blob-store interface, and file bytes never go into the
//! key-value store.
//!
//! A file is written part by part (never whole in memory), then [`Files::finish`]ed; only a
//! finished file can be read. A write that fails halfway is [`Files::delete`]d by the caller.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesError(pub String);

impl fmt::Display for FilesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "files: {}", self.0)
    }
}
impl std::error::Error for FilesError {}

/// Bytes by key (an attachment's public id).
pub trait Files {
    /// Writes the part of file `key` that begins at byte `offset`. Parts come in order, each
    /// after the previous one; rewriting a part (a retried request) replaces it.
    fn write_part(&self, key: &str, offset: u64, bytes: &[u8]) -> Result<(), FilesError>;
    /// Marks file `key` complete at `size` bytes: from now on it can be read.
    fn finish(&self, key: &str, size: u64) -> Result<(), FilesError>;
    /// Up to `len` bytes of finished file `key` from byte `offset` (fewer at its end; none past
    /// it). `None`: no finished file has that key.
    fn read(&self, key: &str, offset: u64, len: u64) -> Result<Option<Vec<u8>>, FilesError>;
    /// Removes file `key`, finished or not; removing a missing file is no error.
    fn delete(&self, key: &str) -> Result<(), FilesError>;
}

/// The files port of a component not granted the `attachments` database: refuses everything,
/// as Spin refuses a database a component was not granted.
pub struct NoFiles;

impl NoFiles {
    fn refused() -> FilesError {
        FilesError(
            "access denied: the component has no `sqlite_databases = [.., \"attachments\"]` grant"
                .into(),
        )
    }
}

impl Files for NoFiles {
    fn write_part(&self, _: &str, _: u64, _: &[u8]) -> Result<(), FilesError> {
        Err(Self::refused())
    }
    fn finish(&self, _: &str, _: u64) -> Result<(), FilesError> {
        Err(Self::refused())
    }
    fn read(&self, _: &str, _: u64, _: u64) -> Result<Option<Vec<u8>>, FilesError> {
        Err(Self::refused())
    }
    fn delete(&self, _: &str) -> Result<(), FilesError> {
        Err(Self::refused())
    }
}
