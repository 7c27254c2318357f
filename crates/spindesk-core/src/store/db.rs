//! The request's database connection: rows by column name, and transactions.

use super::settings::{schema_check_columns, Setting, BUSY_TIMEOUT_MS};
use crate::ports::{Clock, Random, Rows, Sql, SqlError, SqlErrorKind, Value};
use std::time::Duration;

/// How long a busy statement is retried in all: the 5 s SQLite waited before this retry existed
/// (rusqlite's and Spin's default), so nothing fails sooner than it did.
pub const BUSY_RETRY_BUDGET_MS: i64 = 5_000;
/// A bound on attempts whatever the clock says (a clock that does not advance).
const BUSY_MAX_ATTEMPTS: u32 = 1_000;

/// The request's database connection.
#[derive(Clone, Copy)]
pub struct Db<'a> {
    sql: &'a dyn Sql,
    /// Where busy retries sleep and draw their jitter; without it they only wait in SQLite.
    waits: Option<(&'a dyn Clock, &'a dyn Random)>,
    /// The settings of a schema check this read may bring along (`store::database_with`).
    schema_check: Option<&'static [Setting]>,
}

impl<'a> Db<'a> {
    pub fn new(sql: &'a dyn Sql) -> Self {
        Db {
            sql,
            waits: None,
            schema_check: None,
        }
    }

    /// This connection for a request's first read, which brings the schema check along (of a
    /// database whose connections need `settings`): see [`Db::schema_check_columns`].
    pub fn checking_schema(self, settings: &'static [Setting]) -> Self {
        Db {
            schema_check: Some(settings),
            ..self
        }
    }

    /// The schema check's columns (`, (SELECT * FROM pragma_user_version) AS ...`), for the
    /// end of a read's select list, when this connection was opened for a first read that
    /// brings it ([`Db::checking_schema`]); otherwise nothing, and the read costs nothing more.
    pub fn schema_check_columns(&self) -> String {
        self.schema_check
            .map(|settings| format!(", {}", schema_check_columns(settings)))
            .unwrap_or_default()
    }

    /// As many `, NULL`s as [`Db::schema_check_columns`] has columns: for the other branches
    /// of a `UNION ALL` whose first row brings them.
    pub fn schema_check_nulls(&self) -> String {
        self.schema_check
            .map(|settings| ", NULL".repeat(settings.len() + 1))
            .unwrap_or_default()
    }

    /// This connection, sleeping on `clock` between retries of a busy statement.
    pub fn with_waits(self, clock: &'a dyn Clock, random: &'a dyn Random) -> Self {
        Db {
            waits: Some((clock, random)),
            ..self
        }
    }

    /// Runs one statement; a statement refused busy (another connection holds the lock it
    /// needs) is run again, see [`Db::retry_busy`].
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, SqlError> {
        match self.sql.execute(sql, params) {
            Err(e) if e.kind == SqlErrorKind::Busy => self.retry_busy(sql, params, e),
            done => done,
        }
    }

    /// All rows, each turned into `T` by `f`.
    pub fn query<T>(
        &self,
        sql: &str,
        params: &[Value],
        f: impl Fn(&Row) -> Result<T, SqlError>,
    ) -> Result<Vec<T>, SqlError> {
        let rows = self.execute(sql, params)?;
        rows.rows
            .iter()
            .map(|values| {
                f(&Row {
                    columns: &rows.columns,
                    values,
                })
            })
            .collect()
    }

    /// The first row, if any.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[Value],
        f: impl Fn(&Row) -> Result<T, SqlError>,
    ) -> Result<Option<T>, SqlError> {
        let rows = self.execute(sql, params)?;
        rows.rows
            .first()
            .map(|values| {
                f(&Row {
                    columns: &rows.columns,
                    values,
                })
            })
            .transpose()
    }

    /// The first column of the first row as an integer (counts, ids, `RETURNING id`).
    pub fn query_i64(&self, sql: &str, params: &[Value]) -> Result<Option<i64>, SqlError> {
        self.query_opt(sql, params, |r| r.i64_at(0))
    }

    /// Runs `f` inside `BEGIN IMMEDIATE` ... `COMMIT`; any error rolls everything back, so a
    /// failed request leaves nothing half-written. IMMEDIATE takes the write lock up front, so
    /// two instances racing for the same rows queue instead of failing mid-transaction. Callers
    /// do their reads and computing before, so the lock is held only for the writes.
    pub fn transaction<T, E: From<SqlError>>(
        &self,
        f: impl FnOnce(&Db) -> Result<T, E>,
    ) -> Result<T, E> {
        self.execute("BEGIN IMMEDIATE", &[])?;
        match f(self) {
            Ok(value) => match self.execute("COMMIT", &[]) {
                Ok(_) => Ok(value),
                Err(e) => {
                    let _ = self.execute("ROLLBACK", &[]);
                    Err(e.into())
                }
            },
            Err(e) => {
                let _ = self.execute("ROLLBACK", &[]);
                Err(e)
            }
        }
    }

    /// Runs `f` inside `SAVEPOINT name`, within the caller's transaction, so that a part that
    /// fails (the bot's turn, one event of a batch) takes back only its own writes and the
    /// caller decides what to do instead. The inner result is `f`'s: on its error the savepoint
    /// was rolled back and released, everything before it is kept. The outer error means the
    /// transaction itself is gone (some SQLite errors — a full disk, I/O — roll back the whole
    /// transaction, and then the savepoint cannot be rolled back to): the caller must give up,
    /// as later statements would run outside any transaction. Each statement is one call
    /// (Spin runs one statement per `execute`).
    pub fn savepoint<T, E>(
        &self,
        name: &'static str,
        f: impl FnOnce(&Db) -> Result<T, E>,
    ) -> Result<Result<T, E>, SqlError> {
        self.execute(&format!("SAVEPOINT {name}"), &[])?;
        match f(self) {
            Ok(value) => {
                self.execute(&format!("RELEASE {name}"), &[])?;
                Ok(Ok(value))
            }
            Err(e) => {
                self.execute(&format!("ROLLBACK TO {name}"), &[])?;
                self.execute(&format!("RELEASE {name}"), &[])?;
                Ok(Err(e))
            }
        }
    }
}

impl Db<'_> {
    /// A jittered 0-3 ms sleep between tries of something SQLite answered busy, so the waiters
    /// do not poll in step; nothing without a clock ([`Db::with_waits`]).
    pub fn pause(&self) {
        if let Some((clock, random)) = self.waits {
            let mut byte = [0u8];
            random.fill(&mut byte);
            clock.sleep(Duration::from_micros(u64::from(byte[0]) * 12));
        }
    }

    /// Runs a statement SQLite refused busy again, until it runs or [`BUSY_RETRY_BUDGET_MS`]
    /// passed. Each attempt waits [`BUSY_TIMEOUT_MS`] inside SQLite; with a clock, a jittered
    /// 0-3 ms sleep follows (so the waiters do not poll in step). Safe for any statement: one
    /// refused busy did nothing (SQLite keeps a transaction open across a busy `COMMIT`). In
    /// practice this is `BEGIN IMMEDIATE` and the odd write outside a transaction: inside one
    /// the write lock is already held, and WAL readers are never refused.
    fn retry_busy(&self, sql: &str, params: &[Value], first: SqlError) -> Result<Rows, SqlError> {
        let attempts = (BUSY_RETRY_BUDGET_MS as u64 / BUSY_TIMEOUT_MS) as u32;
        let started = self.waits.map(|(clock, _)| clock.now_ms());
        let mut err = first;
        for _ in 1..attempts.min(BUSY_MAX_ATTEMPTS) {
            if let (Some((clock, _)), Some(started)) = (self.waits, started) {
                if clock.now_ms() - started >= BUSY_RETRY_BUDGET_MS {
                    break;
                }
            }
            self.pause();
            match self.sql.execute(sql, params) {
                Err(e) if e.kind == SqlErrorKind::Busy => err = e,
                done => return done,
            }
        }
        Err(err)
    }
}

/// One result row, read by column name.
pub struct Row<'r> {
    columns: &'r [String],
    values: &'r [Value],
}

/// A record's column list (`"id, name"`) as read from the table aliased `alias` in a join
/// (`"u.id AS id, u.name AS name"`: named as in the table, whatever an engine names a
/// qualified column), so that one statement can read several records whose columns share
/// names; each is read back from its own [`Row::part`].
pub fn qualified(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{c} AS {c}", c = c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many columns a column list (`"id, name"`) names.
pub fn count_of(columns: &str) -> usize {
    columns.split(',').count()
}

impl<'r> Row<'r> {
    /// The row from column `start` on: names are looked up there only (the first of a name
    /// wins), so a record listed after another ([`qualified`]) is read as if alone.
    pub fn part(&self, start: usize) -> Row<'r> {
        let start = start.min(self.columns.len());
        Row {
            columns: &self.columns[start..],
            values: &self.values[start..],
        }
    }

    /// The record a `LEFT JOIN` found, read by `read`; `None` when it found none (its `id` is
    /// NULL).
    pub fn joined<T>(
        &self,
        read: impl Fn(&Row) -> Result<T, SqlError>,
    ) -> Result<Option<T>, SqlError> {
        match self.opt_i64("id")? {
            Some(_) => read(self).map(Some),
            None => Ok(None),
        }
    }
}

impl Row<'_> {
    fn value(&self, column: &str) -> Result<&Value, SqlError> {
        self.columns
            .iter()
            .position(|c| c == column)
            .map(|i| &self.values[i])
            .ok_or_else(|| SqlError::from_message(format!("no column {column} in result")))
    }

    /// A stored value its reader cannot make sense of (an unknown enum name, ...).
    pub fn invalid(column: &str, detail: impl std::fmt::Display) -> SqlError {
        SqlError::from_message(format!("column {column}: {detail}"))
    }

    fn mismatch(column: &str, want: &str, got: &Value) -> SqlError {
        SqlError::from_message(format!("column {column}: expected {want}, got {got:?}"))
    }

    pub fn i64_at(&self, index: usize) -> Result<i64, SqlError> {
        match self.values.get(index) {
            Some(Value::Integer(i)) => Ok(*i),
            other => Err(SqlError::from_message(format!(
                "column {index}: expected integer, got {other:?}"
            ))),
        }
    }

    pub fn i64(&self, column: &str) -> Result<i64, SqlError> {
        match self.value(column)? {
            Value::Integer(i) => Ok(*i),
            other => Err(Self::mismatch(column, "integer", other)),
        }
    }

    pub fn opt_i64(&self, column: &str) -> Result<Option<i64>, SqlError> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::Integer(i) => Ok(Some(*i)),
            other => Err(Self::mismatch(column, "integer or null", other)),
        }
    }

    pub fn f64(&self, column: &str) -> Result<f64, SqlError> {
        match self.value(column)? {
            Value::Real(f) => Ok(*f),
            Value::Integer(i) => Ok(*i as f64),
            other => Err(Self::mismatch(column, "real", other)),
        }
    }

    pub fn bool(&self, column: &str) -> Result<bool, SqlError> {
        Ok(self.i64(column)? != 0)
    }

    pub fn string(&self, column: &str) -> Result<String, SqlError> {
        match self.value(column)? {
            Value::Text(s) => Ok(s.clone()),
            other => Err(Self::mismatch(column, "text", other)),
        }
    }

    pub fn opt_string(&self, column: &str) -> Result<Option<String>, SqlError> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            other => Err(Self::mismatch(column, "text or null", other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_listed_one_after_another_are_read_from_their_own_parts() {
        let listed = format!("{}, {}", qualified("u", "id, name"), qualified("c", "id"));
        assert_eq!(listed, "u.id AS id, u.name AS name, c.id AS id");
        assert_eq!(count_of("id, name"), 2);
        // SQLite names `u.id` and `c.id` both `id`.
        let columns = ["seen", "id", "name", "id"].map(String::from);
        let values = [
            Value::Integer(1),
            Value::Integer(7),
            Value::Text("Ana".into()),
            Value::Integer(9),
        ];
        let row = Row {
            columns: &columns,
            values: &values,
        };
        assert_eq!(row.i64("id").ok(), Some(7), "the first of a name wins");
        let user = row.part(1);
        assert_eq!(user.i64("id").ok(), Some(7));
        assert!(user.i64("seen").is_err(), "a part sees only its columns");
        let conversation = row.part(1 + count_of("id, name"));
        assert_eq!(conversation.i64("id").ok(), Some(9));
        assert!(conversation.string("name").is_err());
        assert!(row.part(9).i64("id").is_err(), "past the end: no columns");
    }
}
