use rusqlite::types::ValueRef;
use spindesk_core::ports::{Rows, Sql, SqlError, SqlErrorKind, Value};
use std::path::Path;

/// One rusqlite connection, like the one connection a Spin instance gets for a request.
pub struct NativeSql {
    conn: rusqlite::Connection,
}

impl NativeSql {
    /// Opens (creating) a database file as Spin's host does: rusqlite's defaults (a 5 s busy
    /// wait, foreign keys on in its bundled SQLite). What a request needs of the connection —
    /// the short busy wait ([`spindesk_core::store::BUSY_TIMEOUT_MS`]) under which `spindesk_core::store::Db` retries
    /// with jittered sleeps, the sync level — is made by the request before its first write
    /// (`spindesk_core::store::SettingsOnFirstWrite`), only where not already in effect, as
    /// under Spin; a connection used without it gets them from the schema check.
    pub fn try_open(path: &Path) -> Result<Self, SqlError> {
        let conn = rusqlite::Connection::open(path).map_err(to_error)?;
        Ok(NativeSql { conn })
    }

    /// [`NativeSql::try_open`] for tests and benchmarks, where a missing file is a setup bug.
    pub fn open(path: &Path) -> Self {
        Self::try_open(path).expect("open sqlite database file")
    }

    pub fn open_in_memory() -> Self {
        let conn = rusqlite::Connection::open_in_memory().expect("open in-memory sqlite");
        NativeSql { conn }
    }
}

/// Turns SQLite's memory statistics off for this process; must run before the first connection
/// opens (returns false if SQLite was already initialised). Only for measuring: Spin's host
/// leaves them on (SQLite's default, `rusqlite` bundled), and then every allocation SQLite makes
/// takes one process-wide mutex. That is what makes a fresh connection per request costly under
/// concurrency: loading the schema allocates for every table, index and trigger (see
/// `tests/benches/write_contention.rs`, `PATH_UNDER_TEST=open`). [`NativeSql`] keeps Spin's
/// setting; a benchmark calls this to see what the mutex costs.
pub fn turn_off_memory_statistics() -> bool {
    // SAFETY: `sqlite3_config` is safe to call before `sqlite3_initialize`; after it, SQLite
    // refuses with SQLITE_MISUSE and nothing changes.
    unsafe {
        rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0i32)
            == rusqlite::ffi::SQLITE_OK
    }
}

/// SQLite's own allocator's three calls, kept when [`count_memory_calls`] wraps them.
struct Allocator {
    malloc: unsafe extern "C" fn(std::ffi::c_int) -> *mut std::ffi::c_void,
    free: unsafe extern "C" fn(*mut std::ffi::c_void),
    realloc: unsafe extern "C" fn(*mut std::ffi::c_void, std::ffi::c_int) -> *mut std::ffi::c_void,
}

static ALLOCATOR: std::sync::OnceLock<Allocator> = std::sync::OnceLock::new();
static MEMORY_CALLS: [std::sync::atomic::AtomicU64; 3] =
    [const { std::sync::atomic::AtomicU64::new(0) }; 3];

fn count_call(which: usize) -> &'static Allocator {
    MEMORY_CALLS[which].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ALLOCATOR
        .get()
        .expect("the wrapped allocator is set before it is installed")
}

unsafe extern "C" fn counted_malloc(n: std::ffi::c_int) -> *mut std::ffi::c_void {
    // SAFETY: SQLite's own xMalloc, called as SQLite would.
    unsafe { (count_call(0).malloc)(n) }
}

unsafe extern "C" fn counted_free(p: *mut std::ffi::c_void) {
    // SAFETY: SQLite's own xFree, on a pointer SQLite's allocator gave.
    unsafe { (count_call(1).free)(p) }
}

unsafe extern "C" fn counted_realloc(
    p: *mut std::ffi::c_void,
    n: std::ffi::c_int,
) -> *mut std::ffi::c_void {
    // SAFETY: SQLite's own xRealloc, on a pointer SQLite's allocator gave.
    unsafe { (count_call(2).realloc)(p, n) }
}

/// Counts every `malloc`, `free` and `realloc` SQLite makes in this process from now on (read
/// with [`memory_calls`]); must run before the first connection opens (returns false if SQLite
/// was already initialised). Only for measuring: with memory statistics on (Spin's host) each
/// of these takes SQLite's process-wide memory mutex, so their number per request is what a
/// request costs the others under concurrency, and, unlike a time, it is the same on every run.
pub fn count_memory_calls() -> bool {
    let mut own = rusqlite::ffi::sqlite3_mem_methods {
        xMalloc: None,
        xFree: None,
        xRealloc: None,
        xSize: None,
        xRoundup: None,
        xInit: None,
        xShutdown: None,
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: `sqlite3_config` before `sqlite3_initialize`; GETMALLOC fills `own` with SQLite's
    // default allocator, which stays in `ALLOCATOR` for the process's life, and MALLOC copies
    // the wrapped methods. After initialisation SQLite refuses with SQLITE_MISUSE.
    unsafe {
        if rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_GETMALLOC, &raw mut own)
            != rusqlite::ffi::SQLITE_OK
        {
            return false;
        }
        let (Some(malloc), Some(free), Some(realloc)) = (own.xMalloc, own.xFree, own.xRealloc)
        else {
            return false;
        };
        let _ = ALLOCATOR.set(Allocator {
            malloc,
            free,
            realloc,
        });
        let wrapped = rusqlite::ffi::sqlite3_mem_methods {
            xMalloc: Some(counted_malloc),
            xFree: Some(counted_free),
            xRealloc: Some(counted_realloc),
            ..own
        };
        rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MALLOC, &raw const wrapped)
            == rusqlite::ffi::SQLITE_OK
    }
}

/// `malloc`, `free` and `realloc` calls SQLite has made since [`count_memory_calls`] (zeros
/// without it).
pub fn memory_calls() -> [u64; 3] {
    MEMORY_CALLS
        .each_ref()
        .map(|c| c.load(std::sync::atomic::Ordering::Relaxed))
}

/// What SQLite's heap holds in this process right now: live allocations and bytes (both 0 when
/// memory statistics are off).
pub fn heap_in_use() -> (i64, i64) {
    let (mut count, mut bytes, mut high) = (0i64, 0i64, 0i64);
    // SAFETY: plain reads of SQLite's counters into locals.
    unsafe {
        rusqlite::ffi::sqlite3_status64(
            rusqlite::ffi::SQLITE_STATUS_MALLOC_COUNT,
            &mut count,
            &mut high,
            0,
        );
        rusqlite::ffi::sqlite3_status64(
            rusqlite::ffi::SQLITE_STATUS_MEMORY_USED,
            &mut bytes,
            &mut high,
            0,
        );
    }
    (count, bytes)
}

impl Sql for NativeSql {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, SqlError> {
        // rusqlite refuses a second statement in one call; Spin silently drops it. Refusing is
        // the safer of the two for tests. Cached as Spin's host caches them (`prepare_cached`,
        // rusqlite's 16 per connection): a statement a request runs twice is compiled once, and
        // the statements a request ran keep their memory until the connection closes, which
        // leaves less of the connection's lookaside (SQLite's per-connection allocator, no
        // mutex) for the next statement to compile in.
        let mut stmt = self.conn.prepare_cached(sql).map_err(to_error)?;
        let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let bound = params.iter().map(to_sql).collect::<Vec<_>>();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(bound.iter()))
            .map_err(to_error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(to_error)? {
            let mut values = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                values.push(from_sql(row.get_ref(i).map_err(to_error)?));
            }
            out.push(values);
        }
        Ok(Rows { columns, rows: out })
    }
}

fn to_sql(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Integer(i) => rusqlite::types::Value::Integer(*i),
        Value::Real(f) => rusqlite::types::Value::Real(*f),
        Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
        Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
    }
}

fn from_sql(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

fn to_error(e: rusqlite::Error) -> SqlError {
    let kind = match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => Some(SqlErrorKind::Constraint),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            Some(SqlErrorKind::Busy)
        }
        _ => None,
    };
    let mut err = SqlError::from_message(e.to_string());
    if let Some(kind) = kind {
        err.kind = kind;
    }
    err
}
