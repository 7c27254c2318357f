//! `fermyon:spin/sqlite@2.0.0` the way Spin 4's host serves it (spin-facts: "Spin's SQLite"):
//! each `open` makes the instance its own connection (rusqlite, bundled SQLite, memory
//! statistics on, rusqlite's 5 s busy wait), each `execute` runs one statement, compiled with
//! `prepare_cached`, as a blocking task of its own, and the connection closes with the instance.

use crate::bindings::fermyon::spin::sqlite::{self, Error, QueryResult, RowResult, Value};
use crate::state::Instance;
use std::sync::{Arc, Mutex};
use wasmtime::component::Resource;

/// An open connection (the `connection` resource).
pub struct Connection {
    conn: Arc<Mutex<rusqlite::Connection>>,
    label: String,
}

impl sqlite::Host for Instance {}

impl sqlite::HostConnection for Instance {
    async fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<Connection>, Error>> {
        if !self.grants.sqlite_databases.contains(&database) {
            return Ok(Err(Error::AccessDenied));
        }
        let Some(path) = self.app.databases.get(&database).cloned() else {
            return Ok(Err(Error::NoSuchDatabase));
        };
        let started = std::time::Instant::now();
        let opened = tokio::task::spawn_blocking(move || rusqlite::Connection::open(path)).await?;
        self.traced(&database, started, "(open)");
        match opened {
            Ok(conn) => Ok(Ok(self.table.push(Connection {
                conn: Arc::new(Mutex::new(conn)),
                label: database,
            })?)),
            Err(e) => Ok(Err(Error::Io(e.to_string()))),
        }
    }

    async fn execute(
        &mut self,
        connection: Resource<Connection>,
        statement: String,
        parameters: Vec<Value>,
    ) -> wasmtime::Result<Result<QueryResult, Error>> {
        let opened = self.table.get(&connection)?;
        let conn = Arc::clone(&opened.conn);
        // Copies for the trace only when there is one.
        let traced = self
            .trace
            .is_some()
            .then(|| (opened.label.clone(), statement.clone()));
        let started = std::time::Instant::now();
        let ran = tokio::task::spawn_blocking(move || {
            let conn = conn.lock().map_err(|_| Error::InvalidConnection)?;
            run(&conn, &statement, parameters).map_err(|e| Error::Io(e.to_string()))
        })
        .await?;
        if let Some((label, statement)) = traced {
            self.traced(&label, started, &statement);
        }
        Ok(ran)
    }

    async fn drop(&mut self, connection: Resource<Connection>) -> wasmtime::Result<()> {
        let closing = self.table.delete(connection)?;
        let (label, started) = (closing.label.clone(), std::time::Instant::now());
        // The close (the last one checkpoints a WAL database) is the instance's work too.
        tokio::task::spawn_blocking(move || drop(closing)).await?;
        self.traced(&label, started, "(close)");
        Ok(())
    }
}

impl Instance {
    /// One line of `--trace-sql`: microseconds, the database, the statement's first words.
    fn traced(&mut self, label: &str, started: std::time::Instant, what: &str) {
        if let Some(trace) = &mut self.trace {
            let what: String = what.split_whitespace().collect::<Vec<_>>().join(" ");
            let what: String = what.chars().take(110).collect();
            let micros = started.elapsed().as_micros();
            trace.push(format!("{micros:>7} us  {label:<12} {what}"));
        }
    }
}

fn run(
    conn: &rusqlite::Connection,
    statement: &str,
    parameters: Vec<Value>,
) -> rusqlite::Result<QueryResult> {
    let mut stmt = conn.prepare_cached(statement)?;
    let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let params: Vec<rusqlite::types::Value> = parameters.into_iter().map(to_sqlite).collect();
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let values = (0..columns.len())
            .map(|i| row.get_ref(i).map(from_sqlite))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        out.push(RowResult { values });
    }
    Ok(QueryResult { columns, rows: out })
}

fn to_sqlite(v: Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        Value::Integer(i) => V::Integer(i),
        Value::Real(f) => V::Real(f),
        Value::Text(t) => V::Text(t),
        Value::Blob(b) => V::Blob(b),
        Value::Null => V::Null,
    }
}

fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef as V;
    match v {
        V::Integer(i) => Value::Integer(i),
        V::Real(f) => Value::Real(f),
        V::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        V::Blob(b) => Value::Blob(b.to_vec()),
        V::Null => Value::Null,
    }
}
