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
mod schema_v14;
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
mod schema_v4;
mod schema_v5;
mod schema_v6;
mod schema_v7;
mod schema_v8;
mod schema_v9;
mod settings;
pub mod wal;

pub use db::{count_of, qualified, Db, Row, BUSY_RETRY_BUDGET_MS, BUSY_TIMEOUT_MS};
pub use migration::Migration;
pub use migrations::{ensure_schema, schema_is_current, MIGRATIONS};
pub use settings::{
    Setting, SettingsOnFirstWrite, BUSY_TIMEOUT, CONNECTION_SETTINGS, TEMP_STORE, VERSION_READ,
};

use crate::ports::{Env, SqlError};

/// The request's database, migrated to the latest schema.
pub fn database<'a>(env: &Env<'a>) -> Result<Db<'a>, SqlError> {
    let db = Db::new(env.sql).with_waits(env.clock, env.random);
    ensure_schema(&db, env.clock.now_ms())?;
    Ok(db)
}
