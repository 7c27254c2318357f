//! The switchboard: Spindesk's bot and the agent workspace are the two switchboard
//! integrations of one switchboard (`GET /v2/apps/{appId}/switchboards...`), and
//! `passControl`, `offerControl`, `acceptControl`, `releaseControl` move a conversation between
//! them. Passing control to the agent workspace is the bot's own hand-off
//! ([`crate::switchboard::pass_to_agents`]: a ticket opens); releasing it gives the
//! conversation back to the bot, as closing its ticket does. The ticket itself is left as it
//! is: agents solve it as usual.

use super::crud::{self, Thread};
use super::input::{self, bad};
use super::integrations::{ids, integration_json, BOT_ID, SWITCHBOARD_ID};
use super::users;
use crate::api::commit;
use crate::committed::Committed;
use crate::conversation::{self, Switchboard};
use crate::ports::Env;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::switchboard;
use crate::web::{json, ApiError};
use http::Method;
use serde_json::{json, Value};

/// `GET /v2/apps/{appId}/switchboards`.
pub fn list(req: &Request) -> Result<Response, ApiError> {
    if req.method() != Method::GET {
        return Err(ApiError::method_not_allowed(req.method(), "GET"));
    }
    Ok(json(&json!({"switchboards": [{
        "id": SWITCHBOARD_ID,
        "enabled": true,
        "defaultSwitchboardIntegrationId": BOT_ID,
    }]})))
}

/// `GET /v2/apps/{appId}/switchboards/{id}/switchboardIntegrations`.
pub fn integrations(req: &Request, id: &str) -> Result<Response, ApiError> {
    if req.method() != Method::GET {
        return Err(ApiError::method_not_allowed(req.method(), "GET"));
    }
    if id != SWITCHBOARD_ID {
        return Err(ApiError::not_found(
            "not_found",
            format!("No switchboard {id}; Spindesk's is {SWITCHBOARD_ID:?}"),
        ));
    }
    Ok(json(&json!({"switchboardIntegrations": [
        integration_json(Switchboard::Bot),
        integration_json(Switchboard::Agent),
    ]})))
}

/// The integration a `switchboardIntegration` names: its id, name or type, or `next`.
fn target(raw: &str, active: Switchboard) -> Result<Switchboard, ApiError> {
    if raw == "next" {
        return Ok(match active {
            Switchboard::Bot => Switchboard::Agent,
            Switchboard::Agent => Switchboard::Bot,
        });
    }
    [Switchboard::Bot, Switchboard::Agent]
        .into_iter()
        .find(|s| {
            let (id, name, kind) = ids(*s);
            raw == id || raw == name || raw == kind
        })
        .ok_or_else(|| {
            bad(format!(
                "No switchboard integration {raw:?}: use \"bot\" or \"agent\" (or their ids or \
                 types), or \"next\""
            ))
        })
}

/// Which control action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Pass,
    Offer,
    Accept,
    Release,
}

impl Action {
    pub fn parse(raw: &str) -> Option<Action> {
        Some(match raw {
            "passControl" => Action::Pass,
            "offerControl" => Action::Offer,
            "acceptControl" => Action::Accept,
            "releaseControl" => Action::Release,
            _ => return None,
        })
    }
}

/// `POST /v2/apps/{appId}/conversations/{id}/{passControl|offerControl|acceptControl|releaseControl}`.
pub fn control(
    env: &Env,
    db: &Db,
    req: &Request,
    id: &str,
    action: Action,
) -> Result<Response, ApiError> {
    if req.method() != Method::POST {
        return Err(ApiError::method_not_allowed(req.method(), "POST"));
    }
    let body = input::object(req)?;
    let named = match action {
        Action::Pass | Action::Offer => {
            input::only(&body, &["switchboardIntegration", "metadata"], "this body")?;
            Some(
                body.get("switchboardIntegration")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("`switchboardIntegration` is required (a string)"))?
                    .to_owned(),
            )
        }
        Action::Accept => {
            input::only(&body, &["metadata"], "this body")?;
            None
        }
        Action::Release => {
            input::only(&body, &["reason", "metadata"], "this body")?;
            None
        }
    };
    // Checked as Sunshine checks it; it is for the `switchboard:*` webhooks, which Spindesk
    // does not send yet, so nothing keeps it.
    input::metadata(body.get("metadata"), "metadata")?;
    commit::write(env, db, |db| {
        let thread = crud::find(db, id)?;
        let active = thread.conversation.switchboard;
        let mut committed = Committed::default();
        match action {
            Action::Pass => {
                let to = target(named.as_deref().unwrap_or_default(), active)?;
                give(env, db, &thread, to, &mut committed)?;
            }
            Action::Offer => {
                let to = target(named.as_deref().unwrap_or_default(), active)?;
                if to == active {
                    return Err(ApiError::conflict(
                        "conflict",
                        format!("{:?} is already in control", ids(to).1),
                    ));
                }
                set_offer(db, thread.conversation.id, Some(to))?;
            }
            Action::Accept => {
                let to = thread.offered_to.ok_or_else(|| {
                    ApiError::conflict("conflict", "No switchboard integration was offered control")
                })?;
                give(env, db, &thread, to, &mut committed)?;
            }
            Action::Release => give(env, db, &thread, Switchboard::Bot, &mut committed)?,
        }
        Ok::<_, ApiError>(((), committed))
    })?;
    Ok(json(&json!({})))
}

fn set_offer(db: &Db, conversation_id: i64, to: Option<Switchboard>) -> Result<(), ApiError> {
    db.execute(
        "UPDATE conversations SET offered_to = ? WHERE id = ?",
        &[to.map(|s| s.as_str()).into(), conversation_id.into()],
    )?;
    Ok(())
}

/// Gives control to `to` (nothing changes if it has it), clearing any pending offer.
fn give(
    env: &Env,
    db: &Db,
    thread: &Thread,
    to: Switchboard,
    committed: &mut Committed,
) -> Result<(), ApiError> {
    let c = &thread.conversation;
    set_offer(db, c.id, None)?;
    match (c.switchboard, to) {
        (Switchboard::Bot, Switchboard::Agent) => {
            let user = users::by_row_id(db, c.user_id)?.user;
            let ticket_id = switchboard::pass_to_agents(env, db, c.id, &user)?;
            committed.tickets.push(ticket_id);
        }
        (Switchboard::Agent, Switchboard::Bot) => {
            conversation::hand_back(db, env.clock.now_ms(), c.id)?;
            committed.tickets.extend(c.ticket_id);
        }
        _ => {}
    }
    Ok(())
}
