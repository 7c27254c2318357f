//! A database's per-connection settings, and the connection that makes them only when the
//! request is about to write, and only those not in effect already.
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
//!
//! Some may be in effect from the start: the SQLite that Spin's host links (rusqlite's bundled
//! build) turns foreign keys on for every new connection. The schema check's version read
//! ([`VERSION_READ`]) therefore reads the settings in the same statement (`pragma_<name>`
//! table-valued functions), and the first write makes only those that differ: one round trip
//! fewer for every request that writes under Spin. On the hot paths that read is not a
//! statement of its own: the request's first read brings the same values as its last columns
//! ([`schema_check_columns`], `store::database_with`), which this connection takes off the
//! result and answers the version read with.

use crate::ports::{Rows, Sql, SqlError, Value};
use std::cell::Cell;

/// One per-connection setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The pragma's name: `PRAGMA <name>` and `pragma_<name>` read it.
    pub pragma: &'static str,
    /// What the pragma reads once the setting is made.
    pub value: i64,
    /// The statement that makes it.
    pub statement: &'static str,
}

/// How long SQLite itself waits for a lock before answering busy (`PRAGMA busy_timeout`, set
/// per connection before its first write: [`BUSY_TIMEOUT`]). Short on
/// purpose: SQLite's own wait sleeps 1, 2, 5, 10, 15, 20, 25 ... 100 ms between polls, so a
/// writer that has waited long polls rarely and newcomers polling every millisecond take the
/// lock first — second-long tails under 32 writers. 10 ms keeps its sleeps at 1, 2, 5 ms; then
/// `Db::execute` retries with its own short jittered sleeps.
pub const BUSY_TIMEOUT_MS: u64 = 10;

/// What every connection to the main database runs before it writes.
pub const CONNECTION_SETTINGS: &[Setting] = &[
    // Enforce foreign keys (off unless asked for, per connection; on by default in rusqlite's
    // bundled SQLite, which Spin's host links).
    Setting {
        pragma: "foreign_keys",
        value: 1,
        statement: "PRAGMA foreign_keys = ON",
    },
    // In WAL mode NORMAL sync is durable against crashes of the process (not of the machine)
    // and ~30% faster.
    Setting {
        pragma: "synchronous",
        value: 1,
        statement: "PRAGMA synchronous = NORMAL",
    },
    TEMP_STORE,
    // A short wait for locks inside SQLite; `Db::transaction` retries past it (see
    // `BUSY_TIMEOUT_MS` for why it is short). Spin's host opens with rusqlite's 5 s.
    BUSY_TIMEOUT,
];

/// A statement that can fail halfway inside a transaction (an upsert, a CHECK) keeps a
/// statement journal to undo just itself; in memory it is not a temporary file written for
/// every such statement (saving an article wrote ~200 index rows: 20% of its time).
pub const TEMP_STORE: Setting = Setting {
    pragma: "temp_store",
    value: 2,
    statement: "PRAGMA temp_store = MEMORY",
};

/// [`BUSY_TIMEOUT_MS`] as a setting, for every database a request writes.
pub const BUSY_TIMEOUT: Setting = Setting {
    pragma: "busy_timeout",
    value: BUSY_TIMEOUT_MS as i64,
    statement: "PRAGMA busy_timeout = 10",
};

const _: () = assert!(
    BUSY_TIMEOUT_MS == 10,
    "BUSY_TIMEOUT's statement names the busy timeout"
);

/// The schema check's read of a database's version ([`super::ensure_schema`], and the help
/// center's own), the first statement of every request on a database.
pub const VERSION_READ: &str = "PRAGMA user_version";

/// At most this many settings per database (the in-effect mask's bits).
const MAX_SETTINGS: usize = 32;

/// The name of the first of [`schema_check_columns`]' columns.
pub const SCHEMA_CHECK_COLUMN: &str = "spindesk_schema_version";

/// The schema check's read as result columns — the database's version, then the current value
/// of each of `settings` — for a request's first read to end its select list with. Its
/// connection ([`SettingsOnFirstWrite`]) takes them off the result and keeps them: the schema
/// check ([`VERSION_READ`]) that follows is then answered without a statement of its own (see
/// [`crate::store::database_with`]). Without that connection they are merely extra columns.
pub fn schema_check_columns(settings: &[Setting]) -> String {
    // `*`: a pragma's column is not always named after it (`pragma_busy_timeout`'s is
    // `timeout`); each has one, besides hidden ones.
    let mut columns = format!("(SELECT * FROM pragma_user_version) AS {SCHEMA_CHECK_COLUMN}");
    for setting in settings {
        columns.push_str(&format!(
            ", (SELECT * FROM pragma_{name}) AS spindesk_setting_{name}",
            name = setting.pragma
        ));
    }
    columns
}

/// A request's connection, making its database's settings just before its first statement
/// that may write, once, and only those the version read did not find in effect; until then
/// those statements, when asked for, are held back. The adapters (Spin's, the dev server's,
/// the tests') wrap the main database's connection and the help center's in it; a connection
/// used without it (a benchmark's) gets the settings at once, as the schema checks ask for
/// them.
pub struct SettingsOnFirstWrite<'a> {
    inner: &'a dyn Sql,
    settings: &'static [Setting],
    made: Cell<bool>,
    /// Bit i: `settings[i]` was read in effect (nothing is known before the version read).
    in_effect: Cell<u32>,
    /// The version a read brought along ([`schema_check_columns`]), for the next
    /// [`VERSION_READ`] to take instead of reading it.
    version: Cell<Option<i64>>,
}

impl<'a> SettingsOnFirstWrite<'a> {
    /// The main database's connection ([`CONNECTION_SETTINGS`]).
    pub fn new(inner: &'a dyn Sql) -> Self {
        Self::with(inner, CONNECTION_SETTINGS)
    }

    /// A connection to a database whose connections need `settings`.
    pub fn with(inner: &'a dyn Sql, settings: &'static [Setting]) -> Self {
        assert!(
            settings.len() <= MAX_SETTINGS,
            "at most {MAX_SETTINGS} settings"
        );
        SettingsOnFirstWrite {
            inner,
            settings,
            made: Cell::new(false),
            in_effect: Cell::new(0),
            version: Cell::new(None),
        }
    }

    /// [`VERSION_READ`] with the settings' current values in the same statement; answers as
    /// the version read alone would. An engine without the `pragma_` functions gets the plain
    /// read, and then every setting is made.
    fn read_version(&self, params: &[Value]) -> Result<Rows, SqlError> {
        let from: String = self
            .settings
            .iter()
            .map(|s| format!(", pragma_{}", s.pragma))
            .collect();
        let read = format!("SELECT * FROM pragma_user_version{from}");
        let mut rows = match self.inner.execute(&read, &[]) {
            Ok(rows) if !rows.rows.is_empty() => rows,
            _ => return self.inner.execute(VERSION_READ, params),
        };
        let row = &mut rows.rows[0];
        let mut in_effect = 0;
        for (i, setting) in self.settings.iter().enumerate() {
            if row.get(i + 1) == Some(&Value::Integer(setting.value)) {
                in_effect |= 1 << i;
            }
        }
        self.in_effect.set(in_effect);
        row.truncate(1);
        rows.columns.truncate(1);
        Ok(rows)
    }

    /// Takes [`schema_check_columns`]' columns off a result, keeping what they say: the
    /// version for the next [`VERSION_READ`], and (before the settings are made) which
    /// settings are in effect. A result without rows tells nothing, and the check reads.
    fn take_schema_check(&self, rows: &mut Rows) {
        let Some(at) = rows.columns.iter().position(|c| c == SCHEMA_CHECK_COLUMN) else {
            return;
        };
        if let Some(row) = rows.rows.first() {
            if let Some(Value::Integer(version)) = row.get(at) {
                self.version.set(Some(*version));
                if !self.made.get() {
                    let mut in_effect = 0;
                    for (i, setting) in self.settings.iter().enumerate() {
                        let name = format!("spindesk_setting_{}", setting.pragma);
                        let read = rows.columns.iter().position(|c| *c == name);
                        if read.and_then(|k| row.get(k)) == Some(&Value::Integer(setting.value)) {
                            in_effect |= 1 << i;
                        }
                    }
                    self.in_effect.set(in_effect);
                }
            }
        }
        rows.columns.truncate(at);
        for row in &mut rows.rows {
            row.truncate(at);
        }
    }
}

impl Sql for SettingsOnFirstWrite<'_> {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, SqlError> {
        if sql == VERSION_READ {
            // Once: the schema check's read inside its migration transaction must see what
            // another instance may have migrated meanwhile.
            if let Some(version) = self.version.take() {
                return Ok(Rows {
                    columns: vec!["user_version".into()],
                    rows: vec![vec![Value::Integer(version)]],
                });
            }
        }
        if !self.made.get() {
            if self.settings.iter().any(|s| s.statement == sql) {
                return Ok(Rows::default());
            }
            if sql == VERSION_READ {
                return self.read_version(params);
            }
            if may_write(sql) {
                let in_effect = self.in_effect.get();
                for (i, setting) in self.settings.iter().enumerate() {
                    if in_effect & (1 << i) == 0 {
                        self.inner.execute(setting.statement, &[])?;
                    }
                }
                self.made.set(true);
            }
        }
        let mut rows = self.inner.execute(sql, params)?;
        self.take_schema_check(&mut rows);
        Ok(rows)
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

    /// Records what reaches the connection; answers the settings read (`SELECT * FROM
    /// pragma_user_version, ...`) with `pragmas` (the version first), or refuses it when
    /// `pragmas` is `None`, as an engine without the `pragma_` functions would.
    #[derive(Default)]
    struct Recording {
        seen: RefCell<Vec<String>>,
        pragmas: Option<Vec<i64>>,
    }

    impl Sql for Recording {
        fn execute(&self, sql: &str, _: &[Value]) -> Result<Rows, SqlError> {
            self.seen.borrow_mut().push(sql.to_owned());
            if !sql.starts_with("SELECT * FROM pragma_user_version") {
                return Ok(Rows::default());
            }
            let Some(values) = &self.pragmas else {
                return Err(SqlError {
                    kind: crate::ports::SqlErrorKind::Other,
                    message: "no such table: pragma_user_version".into(),
                });
            };
            Ok(Rows {
                columns: (0..values.len()).map(|i| format!("c{i}")).collect(),
                rows: vec![values.iter().map(|v| Value::Integer(*v)).collect()],
            })
        }
    }

    fn statements(settings: &[Setting]) -> Vec<&'static str> {
        settings.iter().map(|s| s.statement).collect()
    }

    /// Asks for every setting, reads the version if `read_version`, reads a row, writes in a
    /// transaction and asks for the foreign keys again: what reached the connection.
    fn a_request(inner: &Recording, read_version: bool) -> (Option<Rows>, Vec<String>) {
        let sql = SettingsOnFirstWrite::new(inner);
        for setting in CONNECTION_SETTINGS {
            sql.execute(setting.statement, &[]).expect("held back");
        }
        let version = read_version.then(|| sql.execute(VERSION_READ, &[]).expect("version"));
        for read in [
            "SELECT 1",
            "  select id FROM users",
            "EXPLAIN QUERY PLAN SELECT 1",
        ] {
            sql.execute(read, &[]).expect("read");
        }
        assert!(
            inner
                .seen
                .borrow()
                .iter()
                .all(|s| !s.starts_with("PRAGMA foreign")),
            "nothing made before the first write: {:?}",
            inner.seen.borrow()
        );
        sql.execute("BEGIN IMMEDIATE", &[]).expect("begin");
        sql.execute("INSERT INTO t VALUES (1)", &[])
            .expect("insert");
        sql.execute("COMMIT", &[]).expect("commit");
        sql.execute("PRAGMA foreign_keys = ON", &[]).expect("again");
        (version, inner.seen.borrow().clone())
    }

    /// The statements between the last read and `BEGIN IMMEDIATE`.
    fn made_before_begin(seen: &[String]) -> Vec<&str> {
        let begin = seen
            .iter()
            .position(|s| s == "BEGIN IMMEDIATE")
            .expect("begin");
        let first = seen
            .iter()
            .position(|s| s.starts_with("EXPLAIN"))
            .expect("the last read")
            + 1;
        seen[first..begin].iter().map(String::as_str).collect()
    }

    #[test]
    fn without_a_version_read_the_first_write_brings_every_setting_once() {
        let inner = Recording::default();
        let (_, seen) = a_request(&inner, false);
        assert_eq!(made_before_begin(&seen), statements(CONNECTION_SETTINGS));
        assert_eq!(
            seen.iter()
                .filter(|s| s.as_str() == "PRAGMA foreign_keys = ON")
                .count(),
            2,
            "once, then as asked: {seen:?}"
        );
    }

    #[test]
    fn the_version_read_finds_the_settings_in_effect_and_the_first_write_makes_only_the_others() {
        // Version 31; foreign keys on (1) and the busy timeout 10 already, as a connection of
        // rusqlite's bundled SQLite opened with that timeout; sync FULL (2), temp store FILE (0).
        let inner = Recording {
            pragmas: Some(vec![31, 1, 2, 0, 10]),
            ..Recording::default()
        };
        let (version, seen) = a_request(&inner, true);
        let version = version.expect("read");
        assert_eq!(
            version.rows,
            vec![vec![Value::Integer(31)]],
            "the version alone"
        );
        assert_eq!(version.columns.len(), 1);
        assert_eq!(
            seen[0],
            "SELECT * FROM pragma_user_version, pragma_foreign_keys, pragma_synchronous, \
             pragma_temp_store, pragma_busy_timeout"
        );
        assert_eq!(
            made_before_begin(&seen),
            vec!["PRAGMA synchronous = NORMAL", "PRAGMA temp_store = MEMORY"]
        );
    }

    #[test]
    fn an_engine_without_the_pragma_functions_reads_the_version_alone_and_makes_every_setting() {
        let inner = Recording::default();
        let (_, seen) = a_request(&inner, true);
        assert!(
            seen[0].starts_with("SELECT * FROM pragma_user_version"),
            "{seen:?}"
        );
        assert_eq!(seen[1], VERSION_READ, "{seen:?}");
        assert_eq!(made_before_begin(&seen), statements(CONNECTION_SETTINGS));
    }

    /// Answers every statement with one row: `id` 7, then [`schema_check_columns`]' columns
    /// when the statement asks for them (version 31; foreign keys on, sync FULL, temp store
    /// FILE, busy timeout 10), and records what reached it.
    #[derive(Default)]
    struct Checked {
        seen: RefCell<Vec<String>>,
    }

    impl Sql for Checked {
        fn execute(&self, sql: &str, _: &[Value]) -> Result<Rows, SqlError> {
            self.seen.borrow_mut().push(sql.to_owned());
            let mut rows = Rows {
                columns: vec!["id".into()],
                rows: vec![vec![Value::Integer(7)]],
            };
            if sql.contains(SCHEMA_CHECK_COLUMN) {
                rows.columns.push(SCHEMA_CHECK_COLUMN.into());
                rows.columns.extend(
                    CONNECTION_SETTINGS
                        .iter()
                        .map(|s| format!("spindesk_setting_{}", s.pragma)),
                );
                rows.rows[0].extend([31, 1, 2, 0, 10].map(Value::Integer));
            }
            Ok(rows)
        }
    }

    #[test]
    fn a_read_with_the_schema_checks_columns_answers_the_next_version_read_and_the_settings() {
        let inner = Checked::default();
        let sql = SettingsOnFirstWrite::new(&inner);
        let read = format!(
            "SELECT id, {} FROM t",
            schema_check_columns(CONNECTION_SETTINGS)
        );
        let rows = sql.execute(&read, &[]).expect("read");
        assert_eq!(
            rows.columns,
            vec!["id".to_owned()],
            "the columns are taken off"
        );
        assert_eq!(rows.rows, vec![vec![Value::Integer(7)]]);
        let version = sql.execute(VERSION_READ, &[]).expect("version");
        assert_eq!(version.rows, vec![vec![Value::Integer(31)]]);
        assert_eq!(inner.seen.borrow().len(), 1, "answered from the read");
        sql.execute("BEGIN IMMEDIATE", &[]).expect("begin");
        assert_eq!(
            inner.seen.borrow()[1..],
            [
                "PRAGMA synchronous = NORMAL",
                "PRAGMA temp_store = MEMORY",
                "BEGIN IMMEDIATE"
            ],
            "only the settings the read found missing: {:?}",
            inner.seen.borrow()
        );
        // Once: a second version read (inside a migration's transaction) reads.
        sql.execute(VERSION_READ, &[]).expect("version again");
        assert_eq!(
            inner.seen.borrow().last().map(String::as_str),
            Some(VERSION_READ)
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
