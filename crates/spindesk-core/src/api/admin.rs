//! The admin API (`/api/admin/...`): staff accounts and their API tokens. Everything here needs
//! an admin ([`require_admin`]): `Authorization: Bearer <admin_token>` (without the variable set
//! it answers 503), or a person with role `admin` and their own API token.

mod agents;
mod integrations;
mod outbox;
mod people;
mod search_index;
mod signing_keys;
mod templates;
pub mod webhooks;
mod widget;

use crate::auth::require_admin;
use crate::config;
use crate::ports::Env;
use crate::surface::{Handler, Request, Response, Surface, Uses};
use crate::web::{segments, ApiError, Family};
use http::Method;

pub const SURFACE: Surface = Surface {
    component: "admin",
    handle: Handler::Respond(handle),
    uses: Uses {
        sqlite: true,
        key_value: false,
        // public_base_url: integrations' webhook URLs; credentials_key: integrations'
        // credentials sealed at rest; outbound: the outbox drain sends.
        variables: &[
            config::ADMIN_TOKEN,
            config::PUBLIC_BASE_URL,
            config::CREDENTIALS_KEY,
            // Writes after which live clients are told (the outbox drain, people merged).
            config::GRIP_PUBLISH_URL,
            // Webhooks: targets checked on save, deliveries sent by the drain.
            config::WEBHOOK_HOSTS,
            config::WEBHOOK_LOOPBACK_HTTP,
            config::WEBHOOK_DISABLE_AFTER_DAYS,
            // The drain fetches customers' files channels still owe (at most this large), and
            // signs the links to agents' files in the sends it retries.
            config::ATTACHMENT_MAX_BYTES,
            config::ATTACHMENT_URL_KEY,
            config::ATTACHMENT_LINK_VENDOR_MINUTES,
            // A file a channel cannot carry goes as a link the customer opens.
            config::ATTACHMENT_LINK_CUSTOMER_MINUTES,
            // The drain e-mails notices for unread widget replies, with signed links.
            config::EMAIL_NOTICE_AFTER_MINUTES,
            config::NOTICE_LINK_SECRET,
        ],
        outbound: true,
        actions: false,
        // The files the drain fetches are stored in the `attachments` database.
        files: true,
        help_center: true,
        live: false,
    },
    streamed: &[],
};

pub use agents::MAX_BODY_BYTES;

fn handle(env: &Env, req: Request) -> Response {
    let response = route(env, &req).unwrap_or_else(|e| e.answer(env, Family::Spindesk));
    crate::webhooks::delivery::before_response(env, req.method());
    response
}

fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let method = req.method();
    let segs = segments(req.uri().path());
    let known = matches!(
        segs.as_slice(),
        ["api", "admin", "agents"]
            | ["api", "admin", "agents", _]
            | ["api", "admin", "agents", _, "tokens"]
            | ["api", "admin", "audit_log"]
    );
    let modules = matches!(
        segs.as_slice(),
        ["api", "admin", "integrations", ..]
            | ["api", "admin", "outbox", ..]
            | ["api", "admin", "search_index", ..]
            | ["api", "admin", "signing_keys", ..]
            | ["api", "admin", "webhooks", ..]
            | ["api", "admin", "widget", ..]
    );
    if modules {
        // Channel integrations, the outbox, the search index and the widget have their own modules.
        let staff = require_admin(env, req)?;
        return integrations::route(env, req, &segs, &staff)
            .or_else(|| templates::route(env, req, &segs, &staff))
            .or_else(|| outbox::route(env, req, &segs))
            .or_else(|| search_index::route(env, req, &segs))
            .or_else(|| signing_keys::route(env, req, &segs, &staff))
            .or_else(|| webhooks::route(env, req, &segs, &staff))
            .or_else(|| widget::route(env, req, &segs, &staff))
            .unwrap_or_else(|| Err(ApiError::no_route(method, req.uri().path())));
    }
    if !known {
        return Err(ApiError::no_route(method, req.uri().path()));
    }
    // Authenticate before reading anything else: callers without the token learn nothing.
    let staff = require_admin(env, req)?;
    match segs.as_slice() {
        ["api", "admin", "agents"] => match *method {
            Method::GET => agents::list(env, req),
            Method::POST => agents::create(env, req, &staff),
            _ => Err(ApiError::method_not_allowed(method, "GET, POST")),
        },
        ["api", "admin", "agents", id] => {
            let id: i64 = id.parse().map_err(|_| {
                ApiError::not_found("not_found", format!("No agent with id {id:?}"))
            })?;
            match *method {
                Method::GET => people::show(env, id),
                Method::PUT => people::update(env, req, id, &staff),
                _ => Err(ApiError::method_not_allowed(method, "GET, PUT")),
            }
        }
        ["api", "admin", "audit_log"] => match *method {
            Method::GET => people::audit_log(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "admin", "agents", id, "tokens"] => {
            let id: i64 = id.parse().map_err(|_| {
                ApiError::not_found("not_found", format!("No agent with id {id:?}"))
            })?;
            match *method {
                Method::GET => agents::list_tokens(env, id),
                Method::POST => agents::issue_token(env, req, id, &staff),
                Method::DELETE => agents::revoke_tokens(env, id, &staff),
                _ => Err(ApiError::method_not_allowed(method, "GET, POST, DELETE")),
            }
        }
        _ => Err(ApiError::no_route(method, req.uri().path())),
    }
}
