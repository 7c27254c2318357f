//! `GET /api/v2/tickets/{id}/reply_window.json` (ours, not Zendesk's): how an agent's reply
//! can reach the ticket's customer on the channel they last wrote from — WhatsApp's 24-hour
//! window (outside it: one of the registered templates, listed here), Messenger's
//! `HUMAN_AGENT` tag (up to 7 days) — for the workspace's composer.

use super::zendesk::not_found;
use crate::auth::require_staff;
use crate::channels::{integrations, templates, windows, ChannelType};
use crate::ports::Env;
use crate::store::database;
use crate::surface::{Request, Response};
use crate::tickets;
use crate::timestamp::iso8601;
use crate::web::{json, ApiError};
use serde_json::json;

pub fn show(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let ticket = tickets::by_id(&db, id)?.ok_or_else(not_found)?;
    let open = |channel: &str| {
        json(&json!({"reply_window": {
            "channel": channel, "state": "open",
            "last_customer_message_at": null, "closes_at": null, "templates": [],
        }}))
    };
    let Some(conversation) = ticket
        .conversation_id
        .map(|c| crate::conversation::by_id(&db, c))
        .transpose()?
        .flatten()
    else {
        return Ok(open("api"));
    };
    let channel = conversation.last_channel.clone();
    let route = db.query_opt(
        "SELECT integration_id FROM conversation_routes WHERE conversation_id = ? AND channel = ?",
        &[conversation.id.into(), channel.clone().into()],
        |r| r.i64("integration_id"),
    )?;
    let Some((integration_id, (kind, _))) = route
        .map(|i| integrations::channel_of(&db, i).map(|k| k.map(|k| (i, k))))
        .transpose()?
        .flatten()
    else {
        return Ok(open(&channel));
    };
    let state = windows::state(&db, env.clock.now_ms(), kind, conversation.id, &channel)?;
    let offered = if kind == ChannelType::WhatsApp {
        templates::list(&db, integration_id)?
    } else {
        Vec::new()
    };
    Ok(json(&json!({"reply_window": {
        "channel": channel,
        "state": state.window.as_str(),
        "last_customer_message_at": state.last_customer_message_at.map(iso8601),
        "closes_at": state.closes_at.map(iso8601),
        "templates": offered.iter().map(templates::Template::to_json).collect::<Vec<_>>(),
    }})))
}
