//! The `static-site` component. It only adapts Spin to Spindesk: every behaviour lives in
//! `spindesk_static`'s `static-site` surface, which answers every error itself.

use spin_sdk::http_component;
use spindesk_static::SURFACE;

const _: () = assert!(
    spindesk_spin::is_component(&SURFACE, "static-site"),
    "wrong surface"
);

#[http_component]
fn handle(req: http::Request<Vec<u8>>) -> anyhow::Result<http::Response<Vec<u8>>> {
    Ok(spindesk_spin::serve(&SURFACE, req))
}
