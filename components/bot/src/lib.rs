//! The `bot` component. Only adapts Spin to the core: every behaviour lives in
//! `spindesk_core`'s `bot` surface, which answers every error itself.

use anyhow::Context;
use spin_sdk::http_component;

const COMPONENT: &str = "bot";

#[http_component]
fn handle(req: http::Request<Vec<u8>>) -> anyhow::Result<http::Response<Vec<u8>>> {
    // Cannot fail in a tested build: tests/e2e/spin_manifest.rs checks every component id.
    let surface = spindesk_core::surface(COMPONENT).context("no such surface in spindesk-core")?;
    Ok(spindesk_spin::serve(surface, req))
}
