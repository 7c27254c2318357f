//! A database's per-connection settings, and the connection that makes them only when the
//! request is about to write.
//!
//! SQLite keeps these per connection, and every Spin instance opens its own connection, so
//! [`super::ensure_schema`] asks for the main database's at the start of every request: four
//! statements, each a host round trip under Spin, before the request's first real one. None of
//! them matters to a request that only reads (a widget's poll, an agent's ticket page, the live
//! desk check): foreign keys and the sync level act on writes, the busy timeout on locks a WAL
//! reader does not take, and in-memory temporary storage on a writing statement's journal.
//! [`SettingsOnFirstWrite`] holds them back until the connection's first statement that may
//! write — `BEGIN`, an `INSERT`, a `SAVEPOINT`, a checkpoint, anything but a plain read — and
//! makes them then, before it, outside any transaction (SQLite refuses `PRAGMA synchronous`
//! inside one). The help center's database has settings of its own
//! ([`crate::help_center::database::CONNECTION_SETTINGS`]), made the same way.

use crate::ports::{Rows, Sql, SqlError, Value};
use std::cell::Cell;

/// What every connection to the main database runs before it writes.
pub const CONNECTION_SETTINGS: &[&str] = &[
    // Enforce foreign keys (off unless asked for, per connection).
    "PRAGMA foreign_keys = ON",
    // In WAL mode NORMAL sync is durable against crashes of the process (not of the machine)
    // and ~30% faster.
    "PRAGMA synchronous = NORMAL",
    // A statement that can fail halfway inside a transaction (an upsert, a CHECK) keeps a
    // statement journal to undo just itself; in memory it is not a temporary file written for
    // every such statement (saving an article wrote ~200 index rows: 20% of its time).
    "PRAGMA temp_store = MEMORY",
    // A short wait for locks inside SQLite; `Db::transaction` retries past it (see
    // `BUSY_TIMEOUT_MS` for why it is short).
    "PRAGMA busy_timeout = 10",
];

const _: () = assert!(
    super::db::BUSY_TIMEOUT_MS == 10,
    "CONNECTION_SETTINGS names the busy timeout"
);

/// A request's connection, making its database's settings just before its first statement
/// that may write, once; until then those statements, when asked for, are held back. The
/// adapters (Spin's, the dev server's, the tests') wrap the main database's connection and the
/// help center's in it; a connection used without it (a benchmark's) gets the settings at
/// once, as the schema checks ask for them.
pub struct SettingsOnFirstWrite<'a> {
    inner: &'a dyn Sql,
    settings: &'static [&'static str],
    made: Cell<bool>,
}

impl<'a> SettingsOnFirstWrite<'a> {
    /// The main database's connection ([`CONNECTION_SETTINGS`]).
    pub fn new(inner: &'a dyn Sql) -> Self {
        Self::with(inner, CONNECTION_SETTINGS)
    }

    /// A connection to a database whose connections need `settings`.
    pub fn with(inner: &'a dyn Sql, settings: &'static [&'static str]) -> Self {
        SettingsOnFirstWrite {
            inner,
            settings,
            made: Cell::new(false),
        }
    }
}

impl Sql for SettingsOnFirstWrite<'_> {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, SqlError> {
        if !self.made.get() {
            if self.settings.contains(&sql) {
                return Ok(Rows::default());
            }
            if may_write(sql) {
                for setting in self.settings {
                    self.inner.execute(setting, &[])?;
                }
                self.made.set(true);
            }
        }
        self.inner.execute(sql, params)
    }
}

/// Whether `sql` is anything but a plain read: a `SELECT` (or `VALUES`), an `EXPLAIN`, or a
/// `PRAGMA` that only reports (`PRAGMA user_version`, no `=`; not `wal_checkpoint`, which
/// writes the database file and waits for locks with the busy timeout). A `WITH` may lead an `INSERT`,
/// so it counts as a write: the settings too early cost a little, too late cost correctness.
fn may_write(sql: &str) -> bool {
    let trimmed = sql.trim_start();
    let first = trimmed
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    let reads = ["SELECT", "VALUES", "EXPLAIN"]
        .iter()
        .any(|read| first.eq_ignore_ascii_case(read))
        || (first.eq_ignore_ascii_case("PRAGMA")
            && !trimmed.contains('=')
            && !trimmed.to_ascii_lowercase().contains("wal_checkpoint"));
    !reads
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// Records what reaches the connection.
    #[derive(Default)]
    struct Recording(RefCell<Vec<String>>);

    impl Sql for Recording {
        fn execute(&self, sql: &str, _: &[Value]) -> Result<Rows, SqlError> {
            self.0.borrow_mut().push(sql.to_owned());
            Ok(Rows::default())
        }
    }

    #[test]
    fn reads_go_through_alone_and_the_first_write_brings_the_settings_once() {
        let inner = Recording::default();
        let sql = SettingsOnFirstWrite::new(&inner);
        for statement in CONNECTION_SETTINGS {
            sql.execute(statement, &[]).expect("held back");
        }
        for read in [
            "PRAGMA user_version",
            "SELECT 1",
            "  select id FROM users",
            "EXPLAIN QUERY PLAN SELECT 1",
        ] {
            sql.execute(read, &[]).expect("read");
        }
        assert_eq!(inner.0.borrow().len(), 4, "{:?}", inner.0.borrow());
        sql.execute("BEGIN IMMEDIATE", &[]).expect("begin");
        sql.execute("INSERT INTO t VALUES (1)", &[])
            .expect("insert");
        sql.execute("COMMIT", &[]).expect("commit");
        sql.execute("PRAGMA foreign_keys = ON", &[]).expect("again");
        let seen = inner.0.borrow();
        let begin = seen
            .iter()
            .position(|s| s == "BEGIN IMMEDIATE")
            .expect("begin");
        assert_eq!(&seen[4..begin], CONNECTION_SETTINGS);
        assert_eq!(
            seen.iter()
                .filter(|s| CONNECTION_SETTINGS.contains(&s.as_str()))
                .count(),
            CONNECTION_SETTINGS.len() + 1,
            "once, then as asked: {seen:?}"
        );
    }

    #[test]
    fn anything_but_a_plain_read_may_write() {
        for write in [
            "BEGIN IMMEDIATE",
            "INSERT INTO t VALUES (1)",
            "update t set a = 1",
            "DELETE FROM t",
            "REPLACE INTO t VALUES (1)",
            "SAVEPOINT bot_turn",
            "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
            "CREATE TABLE t (a)",
            "PRAGMA journal_mode = WAL",
            "PRAGMA user_version = 30",
            "PRAGMA wal_checkpoint(TRUNCATE)",
        ] {
            assert!(may_write(write), "{write}");
        }
        for read in ["SELECT 1", "select 1", "VALUES (1)", "PRAGMA user_version"] {
            assert!(!may_write(read), "{read}");
        }
    }
}
