//! Native port implementations. The same SQL runs here (rusqlite, bundled SQLite with FTS5, like
//! Spin's own) as under Spin.

mod clock;
mod config;
mod http_client;
mod key_value;
mod log;
mod outbound;
mod random;
mod redis_kv;
pub mod spin_routes;
mod sqlite;
mod wal_anchor;

pub use clock::{ManualClock, SystemClock};
pub use config::MapConfig;
pub use http_client::PlainHttp;
pub use key_value::MemoryKeyValue;
pub use log::{RecordingLog, StderrLog};
pub use outbound::{Recorded, RecordingOutbound, Reply};
pub use random::{OsRandom, SeqRandom};
pub use redis_kv::RedisKeyValue;
pub use sqlite::{
    count_memory_calls, heap_in_use, memory_calls, turn_off_memory_statistics, NativeSql,
};
pub use wal_anchor::WalAnchor;
