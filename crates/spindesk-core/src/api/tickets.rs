//! The Zendesk Support API subset (`/api/v2/tickets`, `/api/v2/users`, `/api/v2/groups`,
//! `/api/v2/group_memberships`, `/api/v2/macros`, `/api/v2/views`, satisfaction ratings): agents read tickets and
//! answer customers by commenting, with Zendesk's paths, envelopes, fields and errors, so
//! Zendesk client libraries work against Spindesk. This file routes; each resource has a file
//! under `tickets/`, and `tickets/zendesk.rs` holds the JSON shapes they share.

mod access;
mod audits;
mod create;
mod groups;
mod heading;
mod identities;
mod macros;
mod many;
mod people;
mod presence;
mod reply_window;
mod satisfaction;
pub mod search;
mod ticket;
mod uploads;
mod users;
mod views;
mod zendesk;

pub use ticket::{MAX_BODY_BYTES, MAX_TAGS, MAX_TAG_CHARS};

use crate::config;
use crate::ports::Env;
use crate::surface::{Answer, Handler, Request, Response, Surface, Uses};
use crate::web::{segments, ApiError, Family};
use http::Method;
use zendesk::{invalid_endpoint, parse_id};

pub const SURFACE: Surface = Surface {
    component: "tickets",
    // Answers first so that the webhook deliveries a ticket change records (`ticket:updated`,
    // an agent's `conversation:message`, ...) go out after the agent has the answer.
    handle: Handler::AnswerFirst(answer),
    uses: Uses {
        sqlite: true,
        key_value: false,
        // credentials_key: an agent's reply goes out through the customer's channel (and
        // webhook secrets are sealed with it).
        // grip_publish_url: agents' replies and ticket changes go to the push hub.
        variables: &[
            config::ADMIN_TOKEN,
            config::CREDENTIALS_KEY,
            config::GRIP_PUBLISH_URL,
            // Sends the webhook deliveries its writes record.
            config::WEBHOOK_DISABLE_AFTER_DAYS,
            // Uploads (`tickets/uploads.rs`) and the agents' links to comments' files, under
            // the public origin.
            config::PUBLIC_BASE_URL,
            config::ATTACHMENT_URL_KEY,
            config::ATTACHMENT_MAX_BYTES,
            config::ATTACHMENT_LINK_AGENT_MINUTES,
            // An agent's files go to a channel customer as links the vendor fetches.
            config::ATTACHMENT_LINK_VENDOR_MINUTES,
            // A file a channel cannot carry goes as a link the customer opens.
            config::ATTACHMENT_LINK_CUSTOMER_MINUTES,
        ],
        outbound: true,
        actions: false,
        files: true,
        help_center: false,
        live: false,
    },
    // `POST /api/v2/uploads` reads its body as it arrives.
    streamed: uploads::ROUTES,
};

fn answer(env: &Env, req: Request) -> Answer {
    let method = req.method().clone();
    crate::webhooks::delivery::after_answer(Answer::now(handle(env, req)), &method)
}

fn handle(env: &Env, req: Request) -> Response {
    route(env, &req).unwrap_or_else(|e| e.answer(env, Family::Zendesk))
}

fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let method = req.method();
    match segments(req.uri().path()).as_slice() {
        ["api", "v2", "tickets"] => match *method {
            Method::GET => ticket::list(env, req),
            Method::POST => create::create_ticket(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET, POST")),
        },
        // POST is a streamed route (`uploads::ROUTES`): the adapters never bring it here.
        ["api", "v2", "uploads"] => Err(ApiError::method_not_allowed(method, "POST")),
        ["api", "v2", "uploads", token] => match *method {
            Method::DELETE => uploads::delete(env, req, token),
            _ => Err(ApiError::method_not_allowed(method, "DELETE")),
        },
        ["api", "v2", "tickets", "show_many"] => match *method {
            Method::GET => many::tickets(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "v2", "tickets", id] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => ticket::show(env, req, id),
                Method::PUT => ticket::update(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "GET, PUT")),
            }
        }
        ["api", "v2", "tickets", id, "comments"] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => ticket::comments(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "GET")),
            }
        }
        ["api", "v2", "tickets", id, "reply_window"] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => reply_window::show(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "GET")),
            }
        }
        ["api", "v2", "tickets", id, "audits"] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => audits::list(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "GET")),
            }
        }
        ["api", "v2", "users", "me", "presence"] => match *method {
            Method::GET => presence::show(env, req, None),
            Method::PUT => presence::set(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET, PUT")),
        },
        ["api", "v2", "users", id, "presence"] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => presence::show(env, req, Some(id)),
                _ => Err(ApiError::method_not_allowed(method, "GET")),
            }
        }
        ["api", "v2", "groups"] => match *method {
            Method::GET => groups::list(env, req),
            Method::POST => groups::create(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET, POST")),
        },
        ["api", "v2", "groups", id] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => groups::show(env, req, id),
                Method::PUT => groups::update(env, req, id),
                Method::DELETE => groups::delete(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "GET, PUT, DELETE")),
            }
        }
        ["api", "v2", "groups", id, "memberships"] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => groups::memberships(env, req, Some(id)),
                _ => Err(ApiError::method_not_allowed(method, "GET")),
            }
        }
        ["api", "v2", "group_memberships"] => match *method {
            Method::GET => groups::memberships(env, req, None),
            Method::POST => groups::add_member(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET, POST")),
        },
        ["api", "v2", "group_memberships", id] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => groups::show_membership(env, req, id),
                Method::DELETE => groups::remove_member(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "GET, DELETE")),
            }
        }
        ["api", "v2", "users", "me"] => match *method {
            Method::GET => users::show_me(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "v2", "users", "show_many"] => match *method {
            Method::GET => many::users(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "v2", "users", id] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => users::show(env, req, id),
                Method::PUT => people::update(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "GET, PUT")),
            }
        }
        ["api", "v2", "users"] => match *method {
            Method::GET => people::list(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "v2", "users", id, "identities"] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => identities::list(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "GET")),
            }
        }
        ["api", "v2", "users", id, "merge"] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::PUT => identities::merge(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "PUT")),
            }
        }
        ["api", "v2", "users", id, "tickets", "requested"] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => people::tickets_of(env, req, id, people::Whose::Requested),
                _ => Err(ApiError::method_not_allowed(method, "GET")),
            }
        }
        ["api", "v2", "users", id, "tickets", "assigned"] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => people::tickets_of(env, req, id, people::Whose::Assigned),
                _ => Err(ApiError::method_not_allowed(method, "GET")),
            }
        }
        ["api", "v2", "satisfaction_ratings"] => match *method {
            Method::GET => satisfaction::list(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "v2", "satisfaction_ratings", id] => {
            let id = parse_id(id).ok_or_else(|| invalid_endpoint(req))?;
            match *method {
                Method::GET => satisfaction::show(env, req, id),
                _ => Err(ApiError::method_not_allowed(method, "GET")),
            }
        }
        ["api", "v2", "macros", ..] | ["api", "v2", "tickets", _, "macros", _, "apply"] => {
            macros::route(env, req)
        }
        ["api", "v2", "views", ..] => views::route(env, req),
        _ => Err(invalid_endpoint(req)),
    }
}
