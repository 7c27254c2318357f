//! The `conversations` component. It only adapts Spin to the core: every behaviour lives in
//! `spindesk_core`'s `conversations` surface, which answers every error itself.

use spin_sdk::http_component;
// Named directly rather than looked up by id, so link-time optimisation can leave the other
// surfaces' code out of this component.
use spindesk_core::api::conversations::SURFACE;

const _: () = assert!(
    spindesk_spin::is_component(&SURFACE, "conversations"),
    "wrong surface"
);

// This component runs the bot (a user's message posted through the API): its `run_action`
// steps call the `spindesk:bot/actions` import, which `spin.toml` satisfies with a dependency.
const _: () = assert!(SURFACE.uses.actions, "this surface does not run the bot");

#[http_component]
fn handle(req: http::Request<Vec<u8>>) -> anyhow::Result<http::Response<Vec<u8>>> {
    Ok(spindesk_spin::serve_with_actions(&SURFACE, req))
}
