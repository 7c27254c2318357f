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
//!
//! Under that load the requests' own commits checkpoint all the time (each one past 1,000 pages
//! in the log), and a checkpoint asked for while another runs is refused at once: both steps
//! are tried again after a short pause, for at most [`BUDGET_MS`] (a refused try holds nobody
//! up; one that waits for readers holds writers back for up to 10 ms). A log still in use then
//! is left for the next drain.

use super::Db;
use crate::ports::{Clock, Millis, SqlError};
use serde::Serialize;

/// Pages in the log (4 KiB each: ~40 MB) past which the drain empties it.
pub const LIMIT_PAGES: i64 = 10_000;
/// How long each step is tried. Measured through the dev server under 32 writers, 20 tries
/// (~30 ms) were not always enough: autocheckpoints held the lock at every one.
pub const BUDGET_MS: Millis = 2_000;
/// Tries of each step at most, whatever the clock says.
const MAX_TRIES: u32 = 1_000;

/// What the drain found and did, for its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Pages in the log when the drain looked; -1 when it could not tell (the database is not
    /// in WAL mode, or other checkpoints kept it out every time).
    pub wal_pages: i64,
    /// Whether the log was emptied.
    pub wal_emptied: bool,
}

/// Empties the log when it holds more than `limit_pages` (the drain passes [`LIMIT_PAGES`]).
/// Run outside any transaction: SQLite refuses to checkpoint inside one.
pub fn keep_small(db: &Db, clock: &dyn Clock, limit_pages: i64) -> Result<Report, SqlError> {
    let mut report = Report {
        wal_pages: -1,
        wal_emptied: false,
    };
    let tries =
        |started: Millis| (0..MAX_TRIES).take_while(move |_| clock.now_ms() - started < BUDGET_MS);
    for _ in tries(clock.now_ms()) {
        match checkpoint(db, "PASSIVE")? {
            Checkpoint::Busy => db.pause(),
            Checkpoint::NotWal => return Ok(report),
            Checkpoint::Done { wal_pages } => {
                report.wal_pages = wal_pages;
                break;
            }
        }
    }
    if report.wal_pages <= limit_pages {
        return Ok(report);
    }
    for _ in tries(clock.now_ms()) {
        if let Checkpoint::Done { .. } = checkpoint(db, "TRUNCATE")? {
            report.wal_emptied = true;
            break;
        }
        db.pause();
    }
    Ok(report)
}

/// How a checkpoint went.
enum Checkpoint {
    /// Another connection was checkpointing, or (`TRUNCATE`) readers or a writer were still
    /// there when the busy timeout ran out.
    Busy,
    /// The database is not in WAL mode.
    NotWal,
    /// Done: the log's pages (after `TRUNCATE`, 0).
    Done { wal_pages: i64 },
}

/// `PRAGMA wal_checkpoint(mode)`: its row is (busy, pages in the log, pages copied back), with
/// -1 pages when it could not look (busy, or no log).
fn checkpoint(db: &Db, mode: &str) -> Result<Checkpoint, SqlError> {
    let row = db.query_opt(&format!("PRAGMA wal_checkpoint({mode})"), &[], |r| {
        Ok((r.i64_at(0)? != 0, r.i64_at(1)?))
    })?;
    Ok(match row {
        Some((true, _)) => Checkpoint::Busy,
        Some((false, pages)) if pages >= 0 => Checkpoint::Done { wal_pages: pages },
        _ => Checkpoint::NotWal,
    })
}
