//! Spindesk without the Spin CLI: reads `spin.toml`, routes each request exactly as Spin would to
//! the surface of the component it names, and serves it with native ports — a SQLite file opened
//! per request (like a Spin instance), one shared in-memory key-value store, the system clock,
//! the OS random source, and variables from `SPIN_VARIABLE_<NAME>` or their defaults. Grants are
//! enforced as under Spin. Outbound HTTP goes only to this machine (a local Pushpin's publish
//! endpoint): hosts outside `allowed_outbound_hosts` are `Denied`, other hosts `Failed`.

mod app;
mod grants;
mod http_server;
mod loopback;

pub use app::{bare, App, Notes};
pub use grants::{DevKeyValue, DevOutbound, DevSql};
pub use http_server::{spawn_workers, MAX_BODY_BYTES};
