//! The `widget` component. It only adapts Spin to the core: every behaviour lives in
//! `spindesk_core`'s `widget` surface, which answers every error itself.

use spin_sdk::http::{IncomingRequest, ResponseOutparam};
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

// Takes the request in spin-sdk's streaming form: `POST /api/widget/uploads` reads its body as
// it arrives (a 20 MB upload is never whole in memory, and one over the limit is refused after
// limit + 1 bytes); every other route gets its body whole. Answers first: the webhook
// deliveries a customer's message causes go after the answer.
#[http_component]
fn handle(req: IncomingRequest, response_out: ResponseOutparam) {
    spindesk_spin::serve_incoming_with_actions(&SURFACE, req, response_out)
}
