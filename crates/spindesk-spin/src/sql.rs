use spin_sdk::sqlite::{self, Connection};
use spindesk_core::ports::{Rows, Sql, SqlError, SqlErrorKind, Value};
use std::cell::OnceCell;

/// One of the component's SQLite databases (`default` unless [`SpinSql::named`]), opened on
/// the first statement and then kept for the request, so `BEGIN IMMEDIATE` ... `COMMIT` span
/// calls on one connection.
pub struct SpinSql {
    database: &'static str,
    conn: OnceCell<Connection>,
}

impl Default for SpinSql {
    fn default() -> Self {
        SpinSql::named("default")
    }
}

impl SpinSql {
    /// The database `spin.toml` grants as `name` (`sqlite_databases = [.., "attachments"]`).
    pub fn named(database: &'static str) -> Self {
        SpinSql {
            database,
            conn: OnceCell::new(),
        }
    }

    fn connection(&self) -> Result<&Connection, SqlError> {
        if let Some(conn) = self.conn.get() {
            return Ok(conn);
        }
        let opened = Connection::open(self.database).map_err(|e| to_error_in(e, self.database))?;
        Ok(self.conn.get_or_init(|| opened))
    }
}

impl Sql for SpinSql {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, SqlError> {
        let conn = self.connection()?;
        let params: Vec<sqlite::Value> = params.iter().map(to_spin).collect();
        let result = conn
            .execute(sql, &params)
            .map_err(|e| to_error_in(e, self.database))?;
        Ok(Rows {
            columns: result.columns,
            rows: result
                .rows
                .into_iter()
                .map(|row| row.values.into_iter().map(from_spin).collect())
                .collect(),
        })
    }
}

pub(crate) fn to_spin(v: &Value) -> sqlite::Value {
    match v {
        Value::Null => sqlite::Value::Null,
        Value::Integer(i) => sqlite::Value::Integer(*i),
        Value::Real(f) => sqlite::Value::Real(*f),
        Value::Text(s) => sqlite::Value::Text(s.clone()),
        Value::Blob(b) => sqlite::Value::Blob(b.clone()),
    }
}

pub(crate) fn from_spin(v: sqlite::Value) -> Value {
    match v {
        sqlite::Value::Null => Value::Null,
        sqlite::Value::Integer(i) => Value::Integer(i),
        sqlite::Value::Real(f) => Value::Real(f),
        sqlite::Value::Text(s) => Value::Text(s),
        sqlite::Value::Blob(b) => Value::Blob(b),
    }
}

/// [`to_error_in`] for the `default` database.
#[cfg(test)]
pub(crate) fn to_error(e: sqlite::Error) -> SqlError {
    to_error_in(e, "default")
}

/// Spin reports engine errors as `Io` with SQLite's own message, which `from_message` classifies
/// exactly as it does rusqlite's; the other variants are about the grant or the host.
pub(crate) fn to_error_in(e: sqlite::Error, database: &str) -> SqlError {
    let (kind, message) = match e {
        sqlite::Error::Io(message) => return SqlError::from_message(message),
        sqlite::Error::AccessDenied => (
            SqlErrorKind::AccessDenied,
            format!(
                "access denied: the component has no `sqlite_databases = [\"{database}\"]` grant"
            ),
        ),
        sqlite::Error::NoSuchDatabase => {
            (SqlErrorKind::Other, format!("no such database: {database}"))
        }
        sqlite::Error::InvalidConnection => (SqlErrorKind::Other, "invalid connection".into()),
        sqlite::Error::DatabaseFull => (SqlErrorKind::Other, "database is full".into()),
    };
    SqlError { kind, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let values = [
            Value::Null,
            Value::Integer(-7),
            Value::Real(1.5),
            Value::Text("비밀번호".into()),
            Value::Blob(vec![0, 255]),
        ];
        for v in values {
            assert_eq!(from_spin(to_spin(&v)), v);
        }
    }

    #[test]
    fn engine_messages_are_classified() {
        let unique = to_error(sqlite::Error::Io("UNIQUE constraint failed: t.v".into()));
        assert_eq!(unique.kind, SqlErrorKind::Constraint);
        assert_eq!(unique.message, "UNIQUE constraint failed: t.v");
        let locked = to_error(sqlite::Error::Io("database is locked".into()));
        assert_eq!(locked.kind, SqlErrorKind::Busy);
        let syntax = to_error(sqlite::Error::Io("near \"SELEC\": syntax error".into()));
        assert_eq!(syntax.kind, SqlErrorKind::Other);
    }

    #[test]
    fn a_missing_grant_is_access_denied() {
        assert_eq!(
            to_error(sqlite::Error::AccessDenied).kind,
            SqlErrorKind::AccessDenied
        );
        assert_eq!(
            to_error(sqlite::Error::NoSuchDatabase).kind,
            SqlErrorKind::Other
        );
    }
}
