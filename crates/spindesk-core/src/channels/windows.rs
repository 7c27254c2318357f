//! The vendors' customer-service windows. WhatsApp lets a business write freely for 24 hours
//! after the customer's last message, and after that only approved templates; Messenger (and
//! Instagram, on the same platform) allows an agent's reply tagged `HUMAN_AGENT` up to 7 days
//! after, and nothing after that. Decided
//! when a reply is queued (inside its transaction): a reply that cannot go is refused there,
//! so the agent is told and nothing is stored.

use super::channel::{ChannelType, Window};
use super::templates;
use crate::error::{Error, Result};
use crate::message::{AuthorType, Message};
use crate::ports::Millis;
use crate::store::Db;
use crate::timestamp::iso8601;

pub const WHATSAPP_WINDOW_MS: Millis = 24 * 60 * 60 * 1000;
pub const MESSENGER_HUMAN_AGENT_MS: Millis = 7 * 24 * 60 * 60 * 1000;

/// The state of a conversation's window on its channel, for the agent's workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub kind: ChannelType,
    pub last_customer_message_at: Option<Millis>,
    /// When free replies stop (WhatsApp: 24 h; Messenger, Instagram: 24 h, then tagged until 7
    /// days).
    pub closes_at: Option<Millis>,
    pub window: Needs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Free text.
    Nothing,
    /// WhatsApp outside the window: a registered template.
    Template,
    /// Messenger or Instagram between 24 hours and 7 days: sent tagged `HUMAN_AGENT`.
    HumanAgentTag,
    /// Messenger or Instagram after 7 days: nothing can be sent.
    Closed,
}

impl Needs {
    pub fn as_str(self) -> &'static str {
        match self {
            Needs::Nothing => "open",
            Needs::Template => "template",
            Needs::HumanAgentTag => "human_agent_tag",
            Needs::Closed => "closed",
        }
    }
}

/// When the customer last wrote on `channel` in the conversation.
fn last_customer_message(db: &Db, conversation_id: i64, channel: &str) -> Result<Option<Millis>> {
    Ok(db.query_i64(
        "SELECT MAX(created_at) FROM messages
         WHERE conversation_id = ? AND author_type = 'user' AND channel = ?",
        &[conversation_id.into(), channel.into()],
    )?)
}

/// The window of a conversation whose replies go to `kind` on `channel`.
pub fn state(
    db: &Db,
    now: Millis,
    kind: ChannelType,
    conversation_id: i64,
    channel: &str,
) -> Result<State> {
    let last = last_customer_message(db, conversation_id, channel)?;
    let age = last.map_or(Millis::MAX, |at| now.saturating_sub(at));
    let (closes_at, window) = match kind {
        ChannelType::WhatsApp => (
            last.map(|at| at + WHATSAPP_WINDOW_MS),
            if age < WHATSAPP_WINDOW_MS {
                Needs::Nothing
            } else {
                Needs::Template
            },
        ),
        // Instagram's messaging is Messenger's platform, with the same window and tag.
        ChannelType::Messenger | ChannelType::Instagram => (
            last.map(|at| at + WHATSAPP_WINDOW_MS),
            if age < WHATSAPP_WINDOW_MS {
                Needs::Nothing
            } else if age < MESSENGER_HUMAN_AGENT_MS {
                Needs::HumanAgentTag
            } else {
                Needs::Closed
            },
        ),
        _ => (None, Needs::Nothing),
    };
    Ok(State {
        kind,
        last_customer_message_at: last,
        closes_at,
        window,
    })
}

/// How `message` may go out on `kind` through `integration_id`, or why it cannot (an agent's
/// reply only: the bot answers customers inside the window, and system messages are not
/// refused here — the vendor's answer lands in the outbox for an admin).
pub fn for_send(
    db: &Db,
    now: Millis,
    kind: ChannelType,
    integration_id: i64,
    message: &Message,
) -> Result<Window> {
    if message.author_type != AuthorType::Agent {
        return Ok(Window::Open);
    }
    let state = state(db, now, kind, message.conversation_id, &message.channel)?;
    let since = state
        .last_customer_message_at
        .map_or_else(|| "ever".to_owned(), |at| format!("since {}", iso8601(at)));
    match state.window {
        Needs::Nothing => Ok(Window::Open),
        Needs::HumanAgentTag => Ok(Window::HumanAgentTag),
        Needs::Closed if kind == ChannelType::Instagram => Err(Error::Invalid(format!(
            "instagram_window_closed: the customer has not written on Instagram {since}; Instagram allows replies up to 7 days after the customer's last message"
        ))),
        Needs::Closed => Err(Error::Invalid(format!(
            "messenger_window_closed: the customer has not written on Messenger {since}; Messenger allows replies up to 7 days after the customer's last message"
        ))),
        Needs::Template => {
            let Some(choice) = templates::chosen(db, message.id)? else {
                return Err(Error::Invalid(format!(
                    "whatsapp_template_required: the customer has not written on WhatsApp {since}, so WhatsApp only delivers an approved template: choose one (`comment.whatsapp_template`)"
                )));
            };
            let Some(template) = templates::find(db, integration_id, &choice.name, &choice.language)? else {
                return Err(Error::Invalid(format!(
                    "whatsapp_template_unknown: no template {:?} in {:?} is registered for this WhatsApp integration",
                    choice.name, choice.language
                )));
            };
            if template.parameters.len() != choice.parameters.len() {
                return Err(Error::Invalid(format!(
                    "whatsapp_template_parameters: {:?} takes {} parameter(s) ({}), got {}",
                    template.name,
                    template.parameters.len(),
                    template.parameters.join(", "),
                    choice.parameters.len()
                )));
            }
            Ok(Window::Template(choice))
        }
    }
}
