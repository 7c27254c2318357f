//! A Sunshine Conversations v2 subset (`/v2/apps/{appId}/...`), as Sunshine's OpenAPI document
//! describes it and its official clients accept it: users, conversations, participants,
//! messages, the switchboard, activities, and the app's API keys. Errors are Sunshine's
//! `{"errors": [{"code", "title"}]}`. Spindesk's data is one app's: `appId` scopes API keys (a
//! key works only under the app it was created in), and every app sees the same customers.
//! Routes and limits: docs/conversations-api.md.

mod activity;
mod auth;
mod content;
mod control;
mod crud;
mod input;
mod integrations;
mod keys;
mod messages;
mod participants;
mod users;

use crate::config;
use crate::ports::Env;
use crate::store::database;
use crate::surface::{Handler, Request, Response, Surface, Uses};
use crate::web::{segments, ApiError, Family};

pub use input::{DEFAULT_PAGE, MAX_BODY_BYTES, MAX_PAGE};

pub const SURFACE: Surface = Surface {
    component: "conversations",
    handle: Handler::Respond(handle),
    uses: Uses {
        sqlite: true,
        key_value: false,
        // credentials_key: an agent's reply goes out through the customer's channel, and API
        // keys' secrets are sealed with it.
        // grip_publish_url: messages posted here go to the push hub.
        // public_base_url: a hand-off's ticket links back to the desk.
        variables: &[
            config::ADMIN_TOKEN,
            config::CREDENTIALS_KEY,
            config::GRIP_PUBLISH_URL,
            config::PUBLIC_BASE_URL,
            // Webhooks: targets checked on save; deliveries sent after writes.
            config::WEBHOOK_HOSTS,
            config::WEBHOOK_LOOPBACK_HTTP,
            config::WEBHOOK_DISABLE_AFTER_DAYS,
            // Messages with files list them as `image`/`file` content with a signed link.
            config::ATTACHMENT_URL_KEY,
            config::ATTACHMENT_LINK_AGENT_MINUTES,
            // A business message's files go to a channel customer as links the vendor fetches.
            config::ATTACHMENT_LINK_VENDOR_MINUTES,
            // A file a channel cannot carry goes as a link the customer opens.
            config::ATTACHMENT_LINK_CUSTOMER_MINUTES,
        ],
        outbound: true,
        // A user's message posted here is answered by the bot, as on every channel.
        actions: true,
        // Erasing a user deletes the bytes of the files they sent.
        files: true,
        help_center: true,
        live: false,
    },
    streamed: &[],
};

fn handle(env: &Env, req: Request) -> Response {
    let response = route(env, &req).unwrap_or_else(|e| e.answer(env, Family::Spindesk));
    crate::webhooks::delivery::before_response(env, req.method());
    response
}

fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let method = req.method();
    let path = req.uri().path();
    let segs = segments(path);
    let (app_id, rest) = match segs.as_slice() {
        ["v2", "apps", app_id, rest @ ..] if !rest.is_empty() => (*app_id, rest),
        _ => return Err(ApiError::no_route(method, path)),
    };
    let db = database(env)?;
    // Every path under the app needs credentials, as Sunshine's do (401 before 404).
    let caller = auth::authenticate(env, &db, req, app_id)?;
    match rest {
        ["keys"] => {
            auth::require_admin(&caller)?;
            keys::collection(env, &db, req, app_id)
        }
        ["keys", id] => {
            auth::require_admin(&caller)?;
            keys::item(&db, req, app_id, id)
        }
        ["users"] => users::collection(env, &db, req),
        ["users", id] => users::item(env, &db, req, id),
        ["users", id, "clients"] => users::clients(&db, req, id),
        ["conversations"] => crud::collection(env, &db, req),
        ["conversations", id] => crud::item(env, &db, req, id),
        ["conversations", id, "messages"] => messages::collection(env, &db, req, id),
        ["conversations", id, "participants"] => participants::list(env, &db, req, id),
        ["conversations", id, "join"] => participants::join(env, &db, req, id),
        ["conversations", id, "leave"] => participants::leave(&db, req, id),
        ["conversations", id, "activity"] => activity::post(env, &db, req, id),
        ["conversations", id, action] => match control::Action::parse(action) {
            Some(action) => control::control(env, &db, req, id, action),
            None => Err(ApiError::no_route(method, path)),
        },
        ["integrations", rest @ ..] => crate::api::integrations_v2::route(env, req, app_id, rest),
        ["switchboards"] => control::list(req),
        ["switchboards", id, "switchboardIntegrations"] => control::integrations(req, id),
        _ => Err(ApiError::no_route(method, path)),
    }
}
