//! Spin implementations of Spindesk's ports, on spin-sdk 5.2, and [`serve`]: the one call every
//! component makes.
//!
//! Nothing here is opened before it is used: a request that never touches SQL never opens the
//! database, so a component without a `sqlite_databases` grant works as long as its surface
//! keeps to its `Uses`.

mod actions;
mod config;
mod key_value;
mod log;
mod outbound;
mod sql;
mod system;

pub use actions::SpinActions;
pub use config::SpinConfig;
pub use key_value::SpinKeyValue;
pub use log::SpinLog;
pub use outbound::SpinOutbound;
pub use sql::SpinSql;
pub use system::{SpinClock, SpinRandom};

use spindesk_core::ports::{Actions, NoActions};
use spindesk_core::surface::{Request, Response};
use spindesk_core::{Env, Surface};

/// Handles one request with Spin's ports: what a component's `#[http_component]` calls.
/// Components that run the bot call [`serve_with_actions`] instead.
pub fn serve(surface: &Surface, req: Request) -> Response {
    serve_with(surface, req, &NoActions)
}

/// [`serve`] for the components that run the bot (`Uses::actions`): the bot's actions come
/// from the `spindesk:bot/actions` import, which `spin.toml` satisfies with a dependency.
pub fn serve_with_actions(surface: &Surface, req: Request) -> Response {
    serve_with(surface, req, &SpinActions)
}

fn serve_with(surface: &Surface, req: Request, actions: &dyn Actions) -> Response {
    let sql = SpinSql::default();
    let kv = SpinKeyValue::default();
    let log = SpinLog::for_request(&req, &SpinRandom);
    let env = Env {
        sql: &sql,
        kv: &kv,
        outbound: &SpinOutbound,
        clock: &SpinClock,
        random: &SpinRandom,
        config: &SpinConfig,
        log: &log,
        actions,
    };
    (surface.handle)(&env, req)
}

/// Whether `surface` is the one of component `id`; `const`, so each component crate checks at
/// compile time that it serves its own surface.
pub const fn is_component(surface: &Surface, id: &str) -> bool {
    let (a, b) = (surface.component.as_bytes(), id.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_component_compares_ids() {
        let widget = spindesk_core::surface("widget").unwrap();
        assert!(is_component(widget, "widget"));
        assert!(!is_component(widget, "widgets"));
        assert!(!is_component(widget, "admin"));
    }
}
