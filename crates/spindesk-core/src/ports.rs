//! Ports: everything the runtime provides, as traits.
//!
//! The core never names Spin. `spindesk-spin` implements these traits on the Spin SDK and
//! `spindesk-native` implements them on rusqlite, an in-memory map and a recording HTTP client
//! for tests. Handlers receive them bundled in an [`Env`].

pub mod actions;
pub mod files;

pub use actions::{Actions, NoActions};
pub use files::{Files, FilesError, NoFiles};
use std::fmt;
use std::time::Duration;

/// A SQLite value, the same shape as Spin's `sqlite::Value`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Integer(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Integer(i64::from(v))
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// The rows a statement returned (empty for statements without `RETURNING`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlErrorKind {
    /// A UNIQUE, CHECK, FOREIGN KEY or NOT NULL constraint refused the write.
    Constraint,
    /// The component was not granted the database.
    AccessDenied,
    /// Another connection holds the lock this statement needs (`SQLITE_BUSY`, "database is
    /// locked"): worth retrying, unlike the others.
    Busy,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    pub kind: SqlErrorKind,
    pub message: String,
}

impl SqlError {
    /// Classifies an engine message the way both Spin (`Error::Io(String)`) and rusqlite word it.
    pub fn from_message(message: impl Into<String>) -> Self {
        let message = message.into();
        let kind = if message.contains("constraint failed") {
            SqlErrorKind::Constraint
        } else if message.contains("database is locked") || message.contains("database is busy") {
            SqlErrorKind::Busy
        } else {
            SqlErrorKind::Other
        };
        SqlError { kind, message }
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sqlite: {}", self.message)
    }
}
impl std::error::Error for SqlError {}

/// SQL: one statement per call, like Spin's `Connection::execute`. Transactions span calls
/// (`BEGIN IMMEDIATE` ... `COMMIT`) on the one connection an `Env` holds for a request.
pub trait Sql {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, SqlError>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvError(pub String);

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key-value: {}", self.0)
    }
}
impl std::error::Error for KvError {}

/// Key-value: shared, eventually-visible state that is not worth a SQL row (rate-limit counts).
pub trait KeyValue {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError>;
    fn delete(&self, key: &str) -> Result<(), KvError>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboundError {
    /// The host is not in the component's `allowed_outbound_hosts`; nothing was sent.
    Denied(String),
    Timeout,
    Failed(String),
}

impl fmt::Display for OutboundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutboundError::Denied(host) => write!(f, "outbound request to {host} is not allowed"),
            OutboundError::Timeout => write!(f, "outbound request timed out"),
            OutboundError::Failed(why) => write!(f, "outbound request failed: {why}"),
        }
    }
}
impl std::error::Error for OutboundError {}

/// Outbound HTTP with a deadline for the whole exchange.
pub trait Outbound {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, OutboundError>;

    /// [`Outbound::send`] for a caller that needs little of the answer (a webhook receiver's
    /// status): at most `max_body` bytes of the response body are read and the rest is left
    /// unread (the connection is dropped), so a huge answer is neither buffered nor an error.
    /// The default cuts what `send` returned; adapters that read from a socket stop reading.
    fn send_capped(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
        max_body: usize,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        self.send(request, timeout).map(|mut response| {
            response.body_mut().truncate(max_body);
            response
        })
    }
}

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// Wall clock, and the one way to wait (Spin yields the instance while a component sleeps).
pub trait Clock {
    fn now_ms(&self) -> Millis;
    fn sleep(&self, duration: Duration);
}

/// Cryptographically secure random bytes (tokens, ids).
pub trait Random {
    fn fill(&self, buf: &mut [u8]);
}

/// Configuration and secrets (Spin variables). An unset or empty value is `None`.
pub trait Config {
    fn get(&self, name: &str) -> Option<String>;
}

/// How much an event matters to the operator reading the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// The log: one line per event (`event` is a stable dotted name such as `outbox.deliver`),
/// which the adapter tags with the request it belongs to. Never given a secret.
pub trait Log {
    fn log(&self, level: Level, event: &str, detail: &str);
}

/// The one line an adapter writes for an event: `warn outbox.deliver request=3f2a9c01: ...`,
/// with line breaks in the detail folded so one event stays one line.
pub fn log_line(request_id: &str, level: Level, event: &str, detail: &str) -> String {
    let detail: String = detail
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("{} {event} request={request_id}: {detail}", level.as_str())
}

/// The ports one request may use.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// The main database (`default`).
    pub sql: &'a dyn Sql,
    /// The help center's own database (`help_center/database.rs`), for the components
    /// `spin.toml` grants it; opened on its first statement, so a request that does not read
    /// the help center never opens it.
    pub help_center: &'a dyn Sql,
    /// The `live` database (`held_polls/database.rs`): the long-polls being held, for the
    /// components `spin.toml` grants it; opened on its first statement.
    pub live: &'a dyn Sql,
    pub kv: &'a dyn KeyValue,
    pub outbound: &'a dyn Outbound,
    pub clock: &'a dyn Clock,
    pub random: &'a dyn Random,
    pub config: &'a dyn Config,
    pub log: &'a dyn Log,
    /// The bot's actions: the components that run the bot get the `spindesk:bot/actions`
    /// dependency `spin.toml` names; every other one [`NoActions`].
    pub actions: &'a dyn Actions,
    /// Attachment bytes (`ports/files.rs`): the `attachments` database for the components
    /// `spin.toml` grants it, [`NoFiles`] for the others.
    pub files: &'a dyn Files,
    /// The `attachments` database itself, which the default `files` keeps the bytes in: only
    /// for its upkeep (the drain keeps its write-ahead log small); files are read and written
    /// through `files`. Opened on its first statement; refused where `spin.toml` does not grant it.
    pub attachments: &'a dyn Sql,
}

impl Env<'_> {
    /// Something failed that the request survives (a best-effort step after commit).
    pub fn warn(&self, event: &str, detail: impl fmt::Display) {
        self.log.log(Level::Warn, event, &detail.to_string());
    }

    /// Something failed that the caller was told about as our fault (a 500).
    pub fn error(&self, event: &str, detail: impl fmt::Display) {
        self.log.log(Level::Error, event, &detail.to_string());
    }
}
