//! The `channels` surface.

use crate::ports::Env;
use crate::surface::{Request, Response, Surface, Uses};

pub const SURFACE: Surface = Surface {
    component: "channels",
    handle,
    uses: Uses {
        sqlite: true,
        key_value: false,
        variables: &[],
        outbound: false,
    },
};

fn handle(_env: &Env, _req: Request) -> Response {
    http::Response::builder()
        .status(404)
        .body(b"{}".to_vec())
        .expect("static response")
}
