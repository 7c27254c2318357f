//! The default [`Files`]: chunked rows in a SQLite database of their own (`attachments` in
//! `spin.toml`), beside the main one rather than in it, so that operators can map it to its own
//! database in Spin's runtime config (`[sqlite_database.attachments]`) and back it up, size it
//! or move it without touching conversations.
//!
//! Each part is one row (`file_parts`, a rowid table: SQLite keeps large values out of its
//! b-tree pages best that way); a file becomes readable only when [`Files::finish`] has checked
//! that its parts add up to its size and written its `files` row. Every write is one
//! autocommitted statement, so a slow upload never holds the database's write lock between
//! parts. The schema has its own migrations ([`schema`]), applied on first use.

mod schema;

use crate::ports::{Files, FilesError, Rows, Sql, SqlError, Value};
use std::cell::Cell;

/// [`Files`] on a SQL connection to the `attachments` database.
pub struct SqlFiles<'a> {
    sql: &'a dyn Sql,
    /// Whether this connection's schema has been checked (once per request: the adapters open
    /// a connection per request, like Spin's instances).
    ready: Cell<bool>,
}

impl<'a> SqlFiles<'a> {
    /// Nothing is opened or run until the first call.
    pub fn new(sql: &'a dyn Sql) -> Self {
        SqlFiles {
            sql,
            ready: Cell::new(false),
        }
    }

    fn run(&self, statement: &str, params: &[Value]) -> Result<Rows, FilesError> {
        if !self.ready.get() {
            schema::ensure(self.sql).map_err(to_error)?;
            self.ready.set(true);
        }
        self.sql.execute(statement, params).map_err(to_error)
    }
}

fn to_error(e: SqlError) -> FilesError {
    FilesError(e.message)
}

fn offset_value(offset: u64) -> Result<Value, FilesError> {
    i64::try_from(offset)
        .map(Value::Integer)
        .map_err(|_| FilesError(format!("offset {offset} is out of range")))
}

impl Files for SqlFiles<'_> {
    fn write_part(&self, key: &str, offset: u64, bytes: &[u8]) -> Result<(), FilesError> {
        self.run(
            "INSERT INTO file_parts (key, offset, data) VALUES (?1, ?2, ?3)
             ON CONFLICT (key, offset) DO UPDATE SET data = excluded.data",
            &[
                key.into(),
                offset_value(offset)?,
                Value::Blob(bytes.to_vec()),
            ],
        )?;
        Ok(())
    }

    fn finish(&self, key: &str, size: u64) -> Result<(), FilesError> {
        let size = offset_value(size)?;
        let rows = self.run(
            "SELECT coalesce(sum(length(data)), 0) FROM file_parts WHERE key = ?",
            &[key.into()],
        )?;
        let stored = rows.rows.first().and_then(|r| r.first()).cloned();
        if stored != Some(size.clone()) {
            return Err(FilesError(format!(
                "file {key}: its parts hold {stored:?} bytes, not {size:?}"
            )));
        }
        self.run(
            "INSERT INTO files (key, size) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET size = excluded.size",
            &[key.into(), size],
        )?;
        Ok(())
    }

    fn read(&self, key: &str, offset: u64, len: u64) -> Result<Option<Vec<u8>>, FilesError> {
        let found = self.run("SELECT size FROM files WHERE key = ?", &[key.into()])?;
        if found.rows.is_empty() {
            return Ok(None);
        }
        let end = offset.saturating_add(len);
        let parts = self.run(
            "SELECT offset, data FROM file_parts
             WHERE key = ?1 AND offset < ?3 AND offset + length(data) > ?2 ORDER BY offset",
            &[key.into(), offset_value(offset)?, offset_value(end)?],
        )?;
        let mut out = Vec::new();
        for row in &parts.rows {
            let (Some(Value::Integer(start)), Some(Value::Blob(data))) = (row.first(), row.get(1))
            else {
                return Err(FilesError(format!(
                    "file {key}: a part is not (offset, data)"
                )));
            };
            let start = u64::try_from(*start).unwrap_or(0);
            // The slice of this part inside [offset, end).
            let from = offset.saturating_sub(start).min(data.len() as u64) as usize;
            let to = (end - start).min(data.len() as u64) as usize;
            if from < to {
                out.extend_from_slice(&data[from..to]);
            }
        }
        Ok(Some(out))
    }

    fn delete(&self, key: &str) -> Result<(), FilesError> {
        // The `files` row first: from then on no reader sees a file missing parts.
        self.run("DELETE FROM files WHERE key = ?", &[key.into()])?;
        self.run("DELETE FROM file_parts WHERE key = ?", &[key.into()])?;
        Ok(())
    }
}
