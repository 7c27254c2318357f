use super::db::Db;
use super::migration::Migration;
use super::settings::{CONNECTION_SETTINGS, VERSION_READ};
use super::{
    schema_v1, schema_v10, schema_v11, schema_v12, schema_v13, schema_v14, schema_v15, schema_v16,
    schema_v17, schema_v18, schema_v19, schema_v2, schema_v20, schema_v21, schema_v22, schema_v23,
    schema_v24, schema_v25, schema_v26, schema_v27, schema_v28, schema_v29, schema_v3, schema_v30,
    schema_v31, schema_v32, schema_v4, schema_v5, schema_v6, schema_v7, schema_v8, schema_v9,
};
use crate::ports::{Millis, SqlError};

/// Every migration, oldest first: append only, versions 1, 2, 3... without gaps (a test checks),
/// because the runner applies the versions above the database's. A released migration never changes.
pub const MIGRATIONS: &[Migration] = &[
    schema_v1::MIGRATION,
    schema_v2::MIGRATION,
    schema_v3::MIGRATION,
    schema_v4::MIGRATION,
    schema_v5::MIGRATION,
    schema_v6::MIGRATION,
    schema_v7::MIGRATION,
    schema_v8::MIGRATION,
    schema_v9::MIGRATION,
    schema_v10::MIGRATION,
    schema_v11::MIGRATION,
    schema_v12::MIGRATION,
    schema_v13::MIGRATION,
    schema_v14::MIGRATION,
    schema_v15::MIGRATION,
    schema_v16::MIGRATION,
    schema_v17::MIGRATION,
    schema_v18::MIGRATION,
    schema_v19::MIGRATION,
    schema_v20::MIGRATION,
    schema_v21::MIGRATION,
    schema_v22::MIGRATION,
    schema_v23::MIGRATION,
    schema_v24::MIGRATION,
    schema_v25::MIGRATION,
    schema_v26::MIGRATION,
    schema_v27::MIGRATION,
    schema_v28::MIGRATION,
    schema_v29::MIGRATION,
    schema_v30::MIGRATION,
    schema_v31::MIGRATION,
    schema_v32::MIGRATION,
];

fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings the database up to the latest schema; called at the start of every request that
/// uses SQL, so whichever request comes first after a deploy migrates.
///
/// The fast path is one `PRAGMA user_version` read. The slow path takes the write lock with
/// `BEGIN IMMEDIATE`, re-reads the version (another instance may have just migrated), applies
/// what is missing and records each version in `schema_migrations` (its primary key refuses a
/// second application) — so racing instances apply each migration exactly once.
pub fn ensure_schema(db: &Db, now: Millis) -> Result<(), SqlError> {
    migrate_if_behind(db, now).map(|_| ())
}

/// [`ensure_schema`], saying whether the database was behind (and is now migrated).
pub fn migrate_if_behind(db: &Db, now: Millis) -> Result<bool, SqlError> {
    // The connection's settings; a request's connection (`SettingsOnFirstWrite`) makes them
    // only when it first writes, another (a benchmark's) here.
    for setting in CONNECTION_SETTINGS {
        db.execute(setting.statement, &[])?;
    }
    if user_version(db)? >= latest() {
        return Ok(false);
    }
    // WAL is persistent in the file and cannot be switched inside a transaction. Engines that
    // do not support it (a remote libSQL) refuse; that is fine, so the result is ignored.
    let _ = db.execute("PRAGMA journal_mode = WAL", &[]);
    db.transaction(|db| {
        let current = user_version(db)?;
        for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
            for statement in migration.statements {
                db.execute(statement, &[])?;
            }
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                &[migration.version.into(), migration.name.into(), now.into()],
            )?;
            // PRAGMA takes no bound parameters; the version is our own constant.
            db.execute(&format!("PRAGMA user_version = {}", migration.version), &[])?;
        }
        Ok(())
    })?;
    Ok(true)
}

/// Whether the database is at the latest schema already: one read, no setting changed, so it
/// may be asked inside a transaction (which `PRAGMA synchronous` refuses).
pub fn schema_is_current(db: &Db) -> Result<bool, SqlError> {
    Ok(user_version(db)? >= latest())
}

/// A database's schema version (`PRAGMA user_version`, 0 for a new file): the main database's,
/// and the help center's and the `live` one's, which keep their own.
pub fn user_version(db: &Db) -> Result<i64, SqlError> {
    Ok(db.query_i64(VERSION_READ, &[])?.unwrap_or(0))
}
