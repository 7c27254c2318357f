//! The agent workspace's realtime surface (`/api/live/...`): its event stream, and the agent's
//! typing and read receipts on a ticket's conversation. A component of its own, so that the
//! `tickets` component, close to the 2 MB a component may weigh, does not carry it.
//!
//! - `GET /api/live/desk[?ticket=ID]`: through Pushpin (a valid `Grip-Sig`), an event stream
//!   held on the desk's channel (`tickets`: ids created or changed) and, with `ticket`, on the
//!   agents' channel of its conversation (`update`: the conversation's `last_seq` and the
//!   customer's typing and reads). Without Pushpin, the same first `update` as JSON, at once:
//!   the workspace then polls it with the ticket.
//! - `POST /api/live/tickets/ID/typing` `{"typing": bool}` and `POST /api/live/tickets/ID/read`
//!   `{"seq": N}`: shown to the customer's widget.

use crate::activity::{self, Side};
use crate::api::activity as activity_routes;
use crate::auth::require_staff;
use crate::config;
use crate::grip;
use crate::ports::Env;
use crate::store::{database, Db};
use crate::surface::{Handler, Request, Response, Surface, Uses};
use crate::web::{json, query_param, segments, ApiError, Family};
use http::Method;
use serde_json::json;

pub const SURFACE: Surface = Surface {
    component: "live",
    handle: Handler::Respond(handle),
    uses: Uses {
        sqlite: true,
        key_value: false,
        // Staff tokens; Pushpin's signing key and publish endpoint.
        variables: &[
            config::ADMIN_TOKEN,
            config::GRIP_KEY,
            config::GRIP_PUBLISH_URL,
        ],
        outbound: true,
        actions: false,
        files: false,
        help_center: false,
        live: false,
    },
    streamed: &[],
};

/// Largest request body read.
pub const MAX_BODY_BYTES: usize = activity_routes::MAX_BODY_BYTES;

fn handle(env: &Env, req: Request) -> Response {
    route(env, &req).unwrap_or_else(|e| e.answer(env, Family::Zendesk))
}

fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let method = req.method();
    match segments(req.uri().path()).as_slice() {
        ["api", "live", "desk"] => match *method {
            Method::GET => desk(env, req),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "live", "tickets", id, "typing"] => match *method {
            Method::POST => typing(env, req, ticket_id(id)?),
            _ => Err(ApiError::method_not_allowed(method, "POST")),
        },
        ["api", "live", "tickets", id, "read"] => match *method {
            Method::POST => read(env, req, ticket_id(id)?),
            _ => Err(ApiError::method_not_allowed(method, "POST")),
        },
        _ => Err(ApiError::no_route(method, req.uri().path())),
    }
}

fn ticket_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_ticket_id",
            format!("The ticket id must be a whole number above 0, got {raw:?}"),
        )
    })
}

/// A ticket's conversation: its id and last sequence number.
struct Conversation {
    id: i64,
    last_seq: i64,
}

impl Conversation {
    fn at(&self) -> activity_routes::At {
        activity_routes::At {
            conversation_id: self.id,
            last_seq: self.last_seq,
        }
    }
}

fn conversation_of(db: &Db, ticket_id: i64) -> Result<Conversation, ApiError> {
    let found = db.query_opt(
        "SELECT c.id, c.last_seq FROM tickets t JOIN conversations c ON c.id = t.conversation_id
         WHERE t.id = ?",
        &[ticket_id.into()],
        |r| {
            Ok(Conversation {
                id: r.i64("id")?,
                last_seq: r.i64("last_seq")?,
            })
        },
    )?;
    found.ok_or_else(|| {
        ApiError::not_found(
            "RecordNotFound",
            format!("No ticket {ticket_id} with a conversation"),
        )
    })
}

fn desk(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let ticket = query_param(req, "ticket")
        .map(|raw| ticket_id(&raw))
        .transpose()?;
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let mut channels = vec![grip::DESK_CHANNEL.to_owned()];
    let mut first = json!({});
    if let Some(ticket) = ticket {
        let conversation = conversation_of(&db, ticket)?;
        let customer = activity::of(&db, conversation.id, Side::Customer, env.clock.now_ms())?;
        first = json!({"last_seq": conversation.last_seq, "customer": customer.to_json()});
        channels.push(grip::agents_channel(conversation.id));
    }
    if !grip::sig::verified(env, req) {
        first["live"] = json!(false);
        return Ok(json(&first));
    }
    let body = if ticket.is_some() {
        grip::hold::sse_event("update", &first)
    } else {
        // A stream must start with something: a comment.
        ":\n\n".to_owned()
    };
    Ok(grip::hold::stream(&channels, body.into_bytes()))
}

fn typing(env: &Env, req: &Request, ticket: i64) -> Result<Response, ApiError> {
    let typing = activity_routes::typing_body(req)?;
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let conversation = conversation_of(&db, ticket)?;
    activity_routes::typing(env, &db, conversation.at(), Side::Agent, typing)
}

fn read(env: &Env, req: &Request, ticket: i64) -> Result<Response, ApiError> {
    let seq = activity_routes::read_body(req)?;
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let conversation = conversation_of(&db, ticket)?;
    activity_routes::read(env, &db, conversation.at(), Side::Agent, seq)
}
