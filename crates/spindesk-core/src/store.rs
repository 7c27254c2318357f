//! Typed access to the SQL port ([`Db`], [`Row`]), and the schema: append-only migrations that
//! every request brings the database up to ([`database`]).

mod db;
mod migration;
mod migrations;
mod schema_v1;
mod schema_v10;
mod schema_v11;
mod schema_v12;
mod schema_v13;
pub(crate) mod schema_v14;
mod schema_v15;
mod schema_v16;
mod schema_v17;
mod schema_v18;
mod schema_v19;
mod schema_v2;
mod schema_v20;
mod schema_v21;
mod schema_v22;
mod schema_v23;
mod schema_v24;
mod schema_v25;
mod schema_v26;
mod schema_v27;
mod schema_v28;
mod schema_v29;
mod schema_v3;
mod schema_v30;
mod schema_v31;
mod schema_v32;
mod schema_v4;
mod schema_v5;
mod schema_v6;
mod schema_v7;
mod schema_v8;
mod schema_v9;
mod settings;
pub mod wal;

pub use db::{count_of, qualified, Db, Row, BUSY_RETRY_BUDGET_MS};
pub use migration::Migration;
pub use migrations::{
    ensure_schema, migrate_if_behind, schema_is_current, user_version, MIGRATIONS,
};
pub use settings::{
    schema_check_columns, Setting, SettingsOnFirstWrite, BUSY_TIMEOUT, BUSY_TIMEOUT_MS,
    CONNECTION_SETTINGS, SCHEMA_CHECK_COLUMN, TEMP_STORE, VERSION_READ,
};

use crate::ports::{Env, SqlError};

/// The request's database, migrated to the latest schema.
pub fn database<'a>(env: &Env<'a>) -> Result<Db<'a>, SqlError> {
    let db = Db::new(env.sql).with_waits(env.clock, env.random);
    ensure_schema(&db, env.clock.now_ms())?;
    Ok(db)
}

/// The request's database, migrated to the latest schema, with what `first_read` read from it.
/// The schema check rides on that read: its select list ends with the connection's
/// [`Db::schema_check_columns`], and the check that follows takes the version from it instead
/// of reading it (on Spin every statement is a host round trip, and this one began every
/// request). `first_read` runs before the schema is known to be current, so it must only
/// read; it runs again when the schema was behind (a read of the old schema may have failed,
/// or read what a migration changes) or when it failed (the version may not have come).
pub fn database_with<'a, T, E: From<SqlError>>(
    env: &Env<'a>,
    first_read: impl Fn(&Db<'a>) -> Result<T, E>,
) -> Result<(Db<'a>, T), E> {
    let db = Db::new(env.sql).with_waits(env.clock, env.random);
    let now = env.clock.now_ms();
    read_then_migrate(db, CONNECTION_SETTINGS, first_read, |db| {
        migrate_if_behind(db, now)
    })
}

/// The rule of [`database_with`] (and of the help center's `open_with`) for any database:
/// `first_read` on `db` with the schema check's columns of `settings`, then `migrate_if_behind`
/// (whose version read the connection answers from them), then `first_read` again if the
/// database was behind or the first read failed.
pub fn read_then_migrate<'a, T, E: From<SqlError>>(
    db: Db<'a>,
    settings: &'static [Setting],
    first_read: impl Fn(&Db<'a>) -> Result<T, E>,
    migrate_if_behind: impl FnOnce(&Db<'a>) -> Result<bool, SqlError>,
) -> Result<(Db<'a>, T), E> {
    let first = first_read(&db.checking_schema(settings));
    let behind = migrate_if_behind(&db)?;
    let read = match first {
        Ok(read) if !behind => read,
        _ => first_read(&db)?,
    };
    Ok((db, read))
}
