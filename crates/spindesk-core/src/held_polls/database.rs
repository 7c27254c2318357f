//! The `live` SQLite database (`sqlite_databases = [.., "live"]`): the long-polls being held
//! right now, and nothing else.
//!
//! Why a database of its own: a Spin instance opens a fresh connection per request, and SQLite
//! loads the whole schema of a database on a connection's first statement — the main
//! database's ~130 tables, indexes and triggers take ~4,700 calls of SQLite's allocator, each a
//! pass of its process-wide memory mutex under Spin. A poll refused because its session already
//! has one waiting needs only this table, so it is refused here before the main database is
//! opened (`api::widget::list_messages`): one session's flood of 1,200 polls costs a read of a
//! one-table database each. And the held polls' writes (one row in, one out, per poll) no
//! longer queue for the main database's write lock with the customers' messages.
//!
//! Versions, in `PRAGMA user_version`:
//! 1. `held_polls` (the main database kept it from its version 14 to 31; its rows live for a
//!    poll's wait, so nothing is moved: the polls waiting during an upgrade are briefly not
//!    counted).

use crate::ports::{Env, SqlError, SqlErrorKind};
use crate::store::{self, schema_v14, user_version, Db, Setting, BUSY_TIMEOUT};

/// The label `spin.toml` grants and runtime config files define.
pub const LABEL: &str = "live";

const HELD_POLLS: i64 = 1;
const LATEST: i64 = HELD_POLLS;

/// What a write needs of the connection: SQLite's own short wait for the lock before [`Db`]'s
/// retries. Made on the first write only ([`crate::store::SettingsOnFirstWrite`]): a refused
/// poll only reads.
pub const CONNECTION_SETTINGS: &[Setting] = &[BUSY_TIMEOUT];

/// Version 1: the table and its indexes exactly as the main database's version 14 made them
/// (that migration never changes; its file says what each column is for).
const SCHEMA: &[&str] = schema_v14::MIGRATION.statements;

/// The request's `live` database with what `first_read` read from it, the schema check riding
/// on that read as on the main database's (`store::database_with`, whose rules `first_read`
/// follows: it only reads, its first row ends with the connection's `Db::schema_check_columns`,
/// and it runs again when the database was behind or the read failed).
pub fn open_with<'a, T, E: From<SqlError>>(
    env: &Env<'a>,
    first_read: impl Fn(&Db<'a>) -> Result<T, E>,
) -> Result<(Db<'a>, T), E> {
    let live = Db::new(env.live).with_waits(env.clock, env.random);
    store::read_then_migrate(live, CONNECTION_SETTINGS, first_read, migrate_if_behind)
}

/// Brings the database to [`LATEST`]; whether it was behind. The version read is answered from
/// the first read's columns when they came.
fn migrate_if_behind(live: &Db) -> Result<bool, SqlError> {
    let version = user_version(live)?;
    if version == LATEST {
        return Ok(false);
    }
    if version > LATEST {
        return Err(SqlError {
            kind: SqlErrorKind::Other,
            message: format!(
                "the `{LABEL}` database is at version {version}, not one of this release's (1 to \
                 {LATEST}): it is another database (the main one?); define `{LABEL}` as a \
                 database of its own in the runtime config (see runtime-config/local.toml)"
            ),
        });
    }
    // Persistent in the file; engines without WAL refuse, which is fine.
    let _ = live.execute("PRAGMA journal_mode = WAL", &[]);
    live.transaction(|live| {
        // Another instance may have created it meanwhile.
        if user_version(live)? >= LATEST {
            return Ok(());
        }
        for statement in SCHEMA {
            live.execute(statement, &[])?;
        }
        live.execute(&format!("PRAGMA user_version = {LATEST}"), &[])?;
        Ok::<_, SqlError>(())
    })?;
    Ok(true)
}
