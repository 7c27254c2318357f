//! The `help-center` component. It only adapts Spin to the core: every behaviour lives in
//! `spindesk_core`'s `help-center` surface, which answers every error itself.

use spin_sdk::http::{IncomingRequest, ResponseOutparam};
use spin_sdk::http_component;
// Named directly rather than looked up by id, so link-time optimisation can leave the other
// surfaces' code out of this component.
use spindesk_core::api::help_center::SURFACE;

const _: () = assert!(
    spindesk_spin::is_component(&SURFACE, "help-center"),
    "wrong surface"
);

// Takes the request in spin-sdk's streaming form: article attachments read their body as it
// arrives; every other route gets its body whole.
#[http_component]
fn handle(req: IncomingRequest, response_out: ResponseOutparam) {
    spindesk_spin::serve_incoming_without_actions(&SURFACE, req, response_out)
}
