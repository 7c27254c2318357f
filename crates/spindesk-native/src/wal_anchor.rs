//! One idle connection per database file, held for the life of a long-running process, so that
//! a request's connection is never the last one to close.
//!
//! Why: when the last connection to a WAL database closes, SQLite checkpoints the log into the
//! database (syncing both files) and deletes the log and its shared-memory index; the next
//! connection creates them again and syncs the new log's header on its first commit. A desk
//! with one request at a time — a quiet site — pays that on every request: on this project's
//! 2-core development machine's disk, 4.3 syncs per request instead of 0.4, and a widget
//! message the bot answers took p50 4.8-5.1 ms with a fresh connection per request and no
//! other, 2.2-2.5 ms with one more connection open (`tests/benches/write_contention.rs`,
//! `KEEP_OPEN`). A connection that has read a WAL
//! database keeps a shared lock on it while open, which is what stops the closing one from
//! checkpointing; an idle one holds no snapshot, so it never holds a checkpoint back.
//!
//! A Spin instance cannot hold anything between requests; the dev server, a process of its
//! own, can (see README, "A busy desk on one machine", for Spin).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The held connections, opened once each file exists and is in WAL mode (its first request
/// makes it so).
pub struct WalAnchor {
    files: Mutex<Vec<Held>>,
    /// Every file held in WAL mode: nothing left to do.
    holding: AtomicBool,
}

struct Held {
    path: PathBuf,
    conn: Option<rusqlite::Connection>,
    in_wal: bool,
}

impl WalAnchor {
    pub fn new(paths: impl IntoIterator<Item = PathBuf>) -> Self {
        WalAnchor {
            files: Mutex::new(
                paths
                    .into_iter()
                    .map(|path| Held {
                        path,
                        conn: None,
                        in_wal: false,
                    })
                    .collect(),
            ),
            holding: AtomicBool::new(false),
        }
    }

    /// Opens what is not held yet; called after each request until every file is held (then
    /// one atomic read). A file that does not exist yet is left for later: opening it would
    /// create it. Errors are not the request's: a file not held now is tried again next time.
    pub fn hold(&self) {
        if self.holding.load(Ordering::Relaxed) {
            return;
        }
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        for held in files.iter_mut().filter(|h| !h.in_wal && h.path.exists()) {
            if held.conn.is_none() {
                held.conn = rusqlite::Connection::open(&held.path).ok();
            }
            if let Some(conn) = &held.conn {
                held.in_wal = in_wal(conn);
            }
        }
        if files.iter().all(|h| h.in_wal) {
            self.holding.store(true, Ordering::Relaxed);
        }
    }

    /// How many files are held open in WAL mode.
    pub fn held(&self) -> usize {
        let files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        files.iter().filter(|h| h.in_wal).count()
    }
}

/// Whether the database is in WAL mode, after a read that opens its log if it is (and leaves
/// the connection holding its shared lock, but no snapshot).
fn in_wal(conn: &rusqlite::Connection) -> bool {
    let read = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        .and_then(|()| conn.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0)));
    read.is_ok_and(|mode| mode.eq_ignore_ascii_case("wal"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wal_file(db: &std::path::Path) -> PathBuf {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        wal.into()
    }

    /// Writes one row on a connection of its own and closes it: the last connection, unless
    /// another holds the file.
    fn one_request(db: &std::path::Path) {
        let conn = rusqlite::Connection::open(db).expect("open");
        conn.execute("INSERT INTO t (a) VALUES (1)", [])
            .expect("insert");
    }

    #[test]
    fn a_held_file_keeps_its_log_when_a_requests_connection_closes() {
        let dir = std::env::temp_dir().join(format!("wal-anchor-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let db = dir.join("a.db");
        let missing = dir.join("not-yet.db");
        let anchor = WalAnchor::new([db.clone(), missing.clone()]);

        anchor.hold();
        assert!(!db.exists() && !missing.exists(), "holding creates no file");

        let setup = rusqlite::Connection::open(&db).expect("open");
        setup
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .expect("wal");
        setup.execute("CREATE TABLE t (a)", []).expect("table");
        drop(setup);
        one_request(&db);
        assert!(!wal_file(&db).exists(), "the last close deletes the log");

        anchor.hold();
        assert_eq!(anchor.held(), 1);
        one_request(&db);
        assert!(
            wal_file(&db).exists(),
            "held: the request's close leaves the log"
        );
        let rows: i64 = rusqlite::Connection::open(&db)
            .expect("open")
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .expect("count");
        assert_eq!(rows, 2);

        // A checkpoint is not held back by the idle connection.
        let conn = rusqlite::Connection::open(&db).expect("open");
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .expect("checkpoint");
        assert_eq!(busy, 0);
        drop(conn);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
