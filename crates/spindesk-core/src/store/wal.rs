//! Keeping the main database's write-ahead log small under steady load.
//!
//! After commits SQLite copies the log's pages back into the database (a passive checkpoint),
//! but it can start the log over only at a moment when no connection still reads an older
//! snapshot. Every request is a connection of its own, and under steady load they overlap: that
//! moment never comes, and the log only grows — 428 MB after 45 s of widget messages through the
//! dev server (`scripts/wrk-paths.sh`), on the disk until the load stops, with every page a
//! request reads looked up in an index of the whole log. So the drain, which a scheduler calls
//! every minute, asks for a `TRUNCATE` checkpoint once the log is past [`LIMIT_PAGES`]: SQLite
//! holds new writers back while it waits (up to the connection's busy timeout) for the readers
//! of old snapshots to finish — requests are short — copies what is left and empties the file.
//! A try that runs out of time changes nothing but is tried again, at most [`TRIES`] times.

use super::Db;
use crate::ports::SqlError;
use serde::Serialize;

/// Pages in the log (4 KiB each: ~40 MB) past which the drain empties it.
pub const LIMIT_PAGES: i64 = 10_000;
/// `TRUNCATE` checkpoints tried, each waiting up to the busy timeout (10 ms) for the readers.
pub const TRIES: u32 = 20;

/// What the drain found and did, for its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Pages in the log when the drain looked (-1: the database is not in WAL mode).
    pub wal_pages: i64,
    /// Whether the log was emptied.
    pub wal_emptied: bool,
}

/// Empties the log when it holds more than `limit_pages` (the drain passes [`LIMIT_PAGES`]).
/// Run outside any transaction: SQLite refuses to checkpoint inside one.
pub fn keep_small(db: &Db, limit_pages: i64) -> Result<Report, SqlError> {
    let (_, wal_pages) = checkpoint(db, "PASSIVE")?;
    let mut report = Report {
        wal_pages,
        wal_emptied: false,
    };
    if wal_pages <= limit_pages {
        return Ok(report);
    }
    for _ in 0..TRIES {
        let (busy, _) = checkpoint(db, "TRUNCATE")?;
        if !busy {
            report.wal_emptied = true;
            break;
        }
    }
    Ok(report)
}

/// `PRAGMA wal_checkpoint(mode)`: whether readers or writers kept it from finishing, and the
/// pages in the log.
fn checkpoint(db: &Db, mode: &str) -> Result<(bool, i64), SqlError> {
    let row = db.query_opt(&format!("PRAGMA wal_checkpoint({mode})"), &[], |r| {
        Ok((r.i64_at(0)? != 0, r.i64_at(1)?))
    })?;
    Ok(row.unwrap_or((false, -1)))
}
