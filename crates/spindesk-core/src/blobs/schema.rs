//! The `attachments` database's own schema, versioned by `PRAGMA user_version` exactly as the
//! main database is (`store/migrations.rs`), but with its own list: the two databases may live
//! on different engines and are migrated independently.

use crate::ports::{Sql, SqlError, Value};

/// Statements per version, oldest first; append only.
const VERSIONS: &[&[&str]] = &[&[
    "CREATE TABLE files (
        key TEXT PRIMARY KEY,
        size INTEGER NOT NULL CHECK (size >= 0)
    )",
    "CREATE TABLE file_parts (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        offset INTEGER NOT NULL CHECK (offset >= 0),
        data BLOB NOT NULL,
        UNIQUE (key, offset)
    )",
]];

/// How long this connection waits for the write lock: parts are large writes, each its own
/// short transaction, so waiting (rather than failing the upload) is right.
const BUSY_TIMEOUT_MS: u32 = 5_000;

fn user_version(sql: &dyn Sql) -> Result<i64, SqlError> {
    let rows = sql.execute("PRAGMA user_version", &[])?;
    Ok(match rows.rows.first().and_then(|r| r.first()) {
        Some(Value::Integer(v)) => *v,
        _ => 0,
    })
}

/// Brings the database up to date: one `user_version` read when it is, otherwise the missing
/// versions in one `BEGIN IMMEDIATE` transaction that re-reads the version first (another
/// instance may have just migrated).
pub fn ensure(sql: &dyn Sql) -> Result<(), SqlError> {
    sql.execute(&format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}"), &[])?;
    let latest = VERSIONS.len() as i64;
    if user_version(sql)? >= latest {
        return Ok(());
    }
    // Persistent in the file; engines without WAL refuse, which is fine.
    let _ = sql.execute("PRAGMA journal_mode = WAL", &[]);
    sql.execute("BEGIN IMMEDIATE", &[])?;
    let applied = (|| {
        let current = user_version(sql)?;
        for (i, statements) in VERSIONS.iter().enumerate() {
            let version = i as i64 + 1;
            if version <= current {
                continue;
            }
            for statement in *statements {
                sql.execute(statement, &[])?;
            }
            sql.execute(&format!("PRAGMA user_version = {version}"), &[])?;
        }
        Ok(())
    })();
    match applied {
        Ok(()) => sql.execute("COMMIT", &[]).map(|_| ()),
        Err(e) => {
            let _ = sql.execute("ROLLBACK", &[]);
            Err(e)
        }
    }
}
