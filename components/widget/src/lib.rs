//! The `widget` component. It only adapts Spin to the core: every behaviour lives in
//! `spindesk_core`'s `widget` surface, which answers every error itself.

use spin_sdk::http::ResponseOutparam;
use spin_sdk::http_component;
// Named directly rather than looked up by id, so link-time optimisation can leave the other
// surfaces' code out of this component.
use spindesk_core::api::widget::SURFACE;

const _: () = assert!(
    spindesk_spin::is_component(&SURFACE, "widget"),
    "wrong surface"
);

// This component runs the bot: its `run_action` steps call the `spindesk:bot/actions` import,
// which `spin.toml` satisfies with a component dependency.
const _: () = assert!(SURFACE.uses.actions, "this surface does not run the bot");

// Answers first: the webhook deliveries a customer's message causes go after the answer.
#[http_component]
fn handle(req: http::Request<Vec<u8>>, response_out: ResponseOutparam) {
    spindesk_spin::serve_answering_first_with_actions(&SURFACE, req, response_out)
}
