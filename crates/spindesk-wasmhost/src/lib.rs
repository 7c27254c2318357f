//! Spindesk's Spin components on wasmtime, natively: what `spin up` does with `spin.toml`, done
//! far enough to run the built components as Spin runs them (a fresh instance per request,
//! Spin's SQLite, key-value and variables interfaces, outbound HTTP limited to each component's
//! grants, the bot's actions dependency). The Spin CLI cannot be installed on our machines; this
//! lets the tests send real requests through the real Wasm, and the load scripts measure a host
//! of Spin's shape (`scripts/wrk-paths.sh`). It is not Spin: the README's "The Wasm on a
//! Spin-shaped host" says where it differs.

mod actions;
pub mod app;
mod key_value;
pub mod server;
mod sqlite;
mod state;
mod variables;

pub mod bindings {
    //! Host-side bindings of the interfaces Spindesk's components import besides WASI.
    wasmtime::component::bindgen!({
        path: "wit",
        world: "spindesk-imports",
        imports: { default: async | trappable },
        with: {
            "fermyon:spin/sqlite/connection": crate::sqlite::Connection,
            "fermyon:spin/key-value/store": crate::key_value::Store,
        },
    });

    pub mod actions {
        wasmtime::component::bindgen!({
            path: "../../wit",
            world: "actions-host",
            imports: { default: async | trappable },
        });
    }
}
