//! The `files` component: attachment downloads. It only adapts Spin to the core: every
//! behaviour lives in `spindesk_core`'s `files` surface, which answers every error itself.

use spin_sdk::http_component;
// Named directly rather than looked up by id, so link-time optimisation can leave the other
// surfaces' code out of this component.
use spindesk_core::api::files::SURFACE;

const _: () = assert!(
    spindesk_spin::is_component(&SURFACE, "files"),
    "wrong surface"
);

#[http_component]
fn handle(req: http::Request<Vec<u8>>) -> anyhow::Result<http::Response<Vec<u8>>> {
    Ok(spindesk_spin::serve(&SURFACE, req))
}
