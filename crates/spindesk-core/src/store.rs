//! Typed access to the SQL port: rows by column name, transactions, and the schema.

mod migrations;
mod schema_v1;
mod schema_v2;
mod schema_v3;
mod schema_v4;
mod schema_v5;
mod schema_v6;
mod schema_v7;
mod schema_v8;
mod schema_v12;

pub use migrations::{ensure_schema, Migration, MIGRATIONS};

use crate::ports::{Rows, Sql, SqlError, Value};

/// The request's database connection.
#[derive(Clone, Copy)]
pub struct Db<'a> {
    sql: &'a dyn Sql,
}

impl<'a> Db<'a> {
    pub fn new(sql: &'a dyn Sql) -> Self {
        Db { sql }
    }

    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, SqlError> {
        self.sql.execute(sql, params)
    }

    /// All rows, each turned into `T` by `f`.
    pub fn query<T>(
        &self,
        sql: &str,
        params: &[Value],
        f: impl Fn(&Row) -> Result<T, SqlError>,
    ) -> Result<Vec<T>, SqlError> {
        let rows = self.sql.execute(sql, params)?;
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
        let rows = self.sql.execute(sql, params)?;
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
    /// two instances racing for the same rows queue instead of failing mid-transaction.
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
}

/// One result row, read by column name.
pub struct Row<'r> {
    columns: &'r [String],
    values: &'r [Value],
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
