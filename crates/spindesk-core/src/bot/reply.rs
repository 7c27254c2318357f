//! The bot inside a conversation: runs the live bot on a customer's message, keeps its state in
//! `conversations.bot_state`, turns what it says into messages every channel can show, and fills
//! the ticket at hand-off. Called by [`crate::conversation::receive`] while the bot is in control,
//! in the same transaction that stored the customer's message.

use super::engine::{run_turn, Articles, Context, NoArticles};
use super::state::{ArticleCard, BotState, Effect, Input, Output};
use super::template::Variables;
use super::versions;
use crate::conversation::Conversation;
use crate::message::{Action, Message};
use crate::ports::{Env, Millis, SqlError};
use crate::store::Db;
use crate::users::User;
use std::collections::BTreeMap;

/// What the bot says and whether it hands over.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BotReply {
    /// Messages to post, in order: text and quick replies.
    pub messages: Vec<(String, Vec<Action>)>,
    pub transfer: Option<Transfer>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub tags: Vec<String>,
    pub ticket_fields: BTreeMap<String, String>,
}

/// The help center as the conversation's bot sees it.
pub fn articles<'a>(_db: &'a Db<'a>) -> Box<dyn Articles + 'a> {
    // The help-center search lands separately; until then the bot shows no articles.
    Box::new(NoArticles)
}

/// What the conversation tells the bot about the customer.
pub fn facts(user: &User, channel: &str) -> Variables {
    let mut facts = Variables::new();
    // Channel placeholders ("Web visitor 3f2a") are not names; a known person has an email or
    // a verified external id.
    if user.email.is_some() || user.external_id.is_some() {
        facts.insert("customer.name".into(), user.name.clone());
    }
    if let Some(email) = &user.email {
        facts.insert("customer.email".into(), email.clone());
    }
    facts.insert("customer.locale".into(), user.locale.clone());
    facts.insert("conversation.channel".into(), channel.to_owned());
    facts
}

pub fn input_of(message: &Message) -> Input {
    match &message.payload {
        Some(payload) => Input::Tap {
            payload: payload.clone(),
            label: message.text.clone(),
        },
        None => Input::text(&message.text),
    }
}

pub fn respond(
    env: &Env,
    db: &Db,
    conversation: &Conversation,
    user: &User,
    message: &Message,
) -> Result<BotReply, SqlError> {
    let bot = versions::live(db)?;
    let stored = db
        .query_opt(
            "SELECT bot_state FROM conversations WHERE id = ?",
            &[conversation.id.into()],
            |r| r.string("bot_state"),
        )?
        .unwrap_or_default();
    // A state from an older bot that no longer reads starts the conversation's bot afresh.
    let mut state: BotState = serde_json::from_str(&stored).unwrap_or_default();
    state.greeted |= conversation.greeted;
    let facts = facts(user, &message.channel);
    let help_center = articles(db);
    let ctx = Context {
        locale: &user.locale,
        now_ms: env.clock.now_ms(),
        outbound: env.outbound,
        articles: help_center.as_ref(),
        facts: &facts,
    };
    let turn = run_turn(&bot, &state, &input_of(message), &ctx)?;
    let state_json =
        serde_json::to_string(&turn.state).map_err(|e| SqlError::from_message(e.to_string()))?;
    db.execute(
        "UPDATE conversations SET bot_state = ?, greeted = ? WHERE id = ?",
        &[
            state_json.into(),
            turn.state.greeted.into(),
            conversation.id.into(),
        ],
    )?;
    let mut transfer = turn.effects.iter().map(|e| match e {
        Effect::Transfer {
            tags,
            ticket_fields,
        } => Transfer {
            tags: tags.clone(),
            ticket_fields: ticket_fields.clone(),
        },
    });
    let transfer = transfer.next_back();
    Ok(BotReply {
        messages: render(&turn.outputs),
        transfer,
    })
}

/// Outputs as messages: text with quick replies; articles as one text of titles and links
/// (links render in the widget and on every channel).
pub fn render(outputs: &[Output]) -> Vec<(String, Vec<Action>)> {
    outputs
        .iter()
        .map(|o| match o {
            Output::Text {
                text,
                quick_replies,
                ..
            } => (
                text.clone(),
                quick_replies
                    .iter()
                    .map(|q| Action::reply(&q.label, &q.payload))
                    .collect(),
            ),
            Output::Articles { articles } => (article_list(articles), Vec::new()),
        })
        .collect()
}

fn article_list(articles: &[ArticleCard]) -> String {
    articles
        .iter()
        .map(|a| format!("{}\n{}", a.title, a.url))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Writes what the bot collected onto the hand-off ticket and its requester.
pub fn apply_transfer(
    db: &Db,
    now: Millis,
    ticket_id: i64,
    user: &User,
    transfer: &Transfer,
) -> Result<(), SqlError> {
    let fields = &transfer.ticket_fields;
    let name = fields.get("requester.name");
    let email = fields.get("requester.email");
    if name.is_some() || email.is_some() {
        db.execute(
            "UPDATE users SET name = coalesce(?, name), email = coalesce(?, email), updated_at = ?
             WHERE id = ? AND role = 'end-user'",
            &[
                name.cloned().into(),
                email.cloned().into(),
                now.into(),
                user.id.into(),
            ],
        )?;
    }
    let subject = fields
        .get("subject")
        .cloned()
        .or_else(|| name.map(|n| format!("Conversation with {n}")));
    let priority = fields
        .get("priority")
        .map(|p| p.to_lowercase())
        .filter(|p| crate::tickets::PRIORITIES.contains(&p.as_str()));
    let custom: Vec<serde_json::Value> = fields
        .iter()
        .filter_map(|(k, v)| {
            let id: i64 = k.strip_prefix("custom_fields.")?.parse().ok()?;
            Some(serde_json::json!({"id": id, "value": v}))
        })
        .collect();
    let tags = serde_json::to_string(&transfer.tags).unwrap_or_else(|_| "[]".into());
    let custom = serde_json::Value::Array(custom).to_string();
    db.execute(
        "UPDATE tickets SET subject = coalesce(?, subject), priority = coalesce(?, priority),
                            tags = ?, custom_fields = ?, updated_at = ?
         WHERE id = ?",
        &[
            subject.into(),
            priority.into(),
            tags.into(),
            custom.into(),
            now.into(),
            ticket_id.into(),
        ],
    )?;
    Ok(())
}
