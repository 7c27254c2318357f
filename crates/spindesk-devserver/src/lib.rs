//! Spindesk without the Spin CLI: reads `spin.toml`, routes each request exactly as Spin would to
//! the surface of the component it names, and serves it with native ports — a SQLite file opened
//! per request (like a Spin instance), one shared in-memory key-value store, the system clock,
//! the OS random source, and variables from `SPIN_VARIABLE_<NAME>` or their defaults. Grants are
//! enforced as under Spin. Outbound HTTP goes only to this machine (a local Pushpin's publish
//! endpoint, or with `--send-outbound` local stand-ins): hosts outside `allowed_outbound_hosts`
//! are `Denied`, other hosts `Failed`. A component's `"spindesk:bot/actions"` dependency is
//! loaded with wasmtime and called in-process, as Spin composes it.

mod actions;
mod app;
mod grants;
mod http_server;
mod loopback;

pub use actions::{DevActions, ACTIONS_IMPORT};
pub use app::{bare, App, Notes};
pub use grants::{DevKeyValue, DevOutbound, DevSql};
pub use http_server::{spawn_workers, MAX_BODY_BYTES};
