//! The `search` surface: Zendesk's search API (`/api/v2/search[.json]`, `/api/v2/search/count`,
//! `/api/v2/users/search`), served by `api/tickets/search.rs`. A component of its own — Spin
//! routes these paths here, more specific than the Support API's — so the query engine (the
//! parser, the in-memory facets) is not carried by the `tickets` component, which must stay
//! under the 2 MB a component may weigh.

use crate::api::tickets::search;
use crate::config;
use crate::ports::Env;
use crate::surface::{Handler, Request, Response, Surface, Uses};
use crate::web::{segments, ApiError, Family};
use http::Method;

pub const SURFACE: Surface = Surface {
    component: "search",
    handle: Handler::Respond(handle),
    uses: Uses {
        sqlite: true,
        key_value: false,
        variables: &[config::ADMIN_TOKEN],
        outbound: false,
        actions: false,
        files: false,
        help_center: false,
        live: false,
    },
    streamed: &[],
};

fn handle(env: &Env, req: Request) -> Response {
    route(env, &req).unwrap_or_else(|e| e.answer(env, Family::Zendesk))
}

fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let method = req.method();
    let serve = match segments(req.uri().path()).as_slice() {
        ["api", "v2", "search"] => search::search,
        ["api", "v2", "search", "count"] => search::count,
        ["api", "v2", "users", "search"] => search::users,
        _ => {
            return Err(ApiError::not_found(
                "InvalidEndpoint",
                format!("No route for {method} {}", req.uri().path()),
            ))
        }
    };
    match *method {
        Method::GET => serve(env, req),
        _ => Err(ApiError::method_not_allowed(method, "GET")),
    }
}
