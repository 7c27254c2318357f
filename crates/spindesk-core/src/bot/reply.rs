//! The bot inside a conversation: runs the live bot on a customer's message, keeps its state in
//! `conversations.bot_state`, turns what it says into messages every channel can show, and fills
//! the ticket at hand-off. Called by [`crate::conversation::receive`] while the bot is in control,
//! in the same transaction that stored the customer's message.

use super::articles::HelpCenter;
use super::engine::{run_turn, Context};
use super::model::Bot;
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

/// The help center as `bot` sees it in a conversation (and in the simulator): published
/// articles in the conversation's language, linked with the bot's `article_url`.
pub fn articles<'a>(db: &'a Db<'a>, bot: &'a Bot) -> HelpCenter<'a> {
    HelpCenter::new(db, bot.article_url.as_deref(), &bot.default_locale)
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
    let now = env.clock.now_ms();
    let versions::Live { bot, phrases } = versions::live_with_phrases(db)?;
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
    let help_center = articles(db, &bot);
    let ctx = Context {
        locale: &user.locale,
        now_ms: now,
        outbound: env.outbound,
        articles: &help_center,
        phrases: Some(&phrases),
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

/// One message the bot posts, and which of the turn's outputs it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub actions: Vec<Action>,
    /// Indexes into the outputs: the text, and the articles shown with it.
    pub outputs: Vec<usize>,
}

/// Outputs as messages every channel and the widget can show: text with quick replies.
/// Articles become text — per article its title and link (or, without `article_url`, the start
/// of its text) — joined to the text before them (the found-articles intro, the greeting), so
/// the list arrives as one message and the quick replies under that text stay the latest.
pub fn render_messages(outputs: &[Output]) -> Vec<Rendered> {
    let mut messages: Vec<Rendered> = Vec::new();
    for (i, o) in outputs.iter().enumerate() {
        match o {
            Output::Text {
                text,
                quick_replies,
                ..
            } => messages.push(Rendered {
                text: text.clone(),
                actions: quick_replies
                    .iter()
                    .map(|q| Action::reply(&q.label, &q.payload))
                    .collect(),
                outputs: vec![i],
            }),
            Output::Articles { articles } => {
                let list = article_list(articles);
                match messages.last_mut() {
                    Some(m) => {
                        m.text = format!("{}\n\n{list}", m.text.trim_end());
                        m.outputs.push(i);
                    }
                    None => messages.push(Rendered {
                        text: list,
                        actions: Vec::new(),
                        outputs: vec![i],
                    }),
                }
            }
        }
    }
    messages
}

/// [`render_messages`] as (text, quick replies).
pub fn render(outputs: &[Output]) -> Vec<(String, Vec<Action>)> {
    render_messages(outputs)
        .into_iter()
        .map(|m| (m.text, m.actions))
        .collect()
}

fn article_list(articles: &[ArticleCard]) -> String {
    articles
        .iter()
        .map(|a| {
            [a.title.as_str(), a.url.as_str(), a.snippet.as_str()]
                .into_iter()
                .filter(|s| !s.trim().is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::state::QuickReply;

    fn card(id: i64, url: &str, snippet: &str) -> ArticleCard {
        ArticleCard {
            id,
            title: format!("Article {id}"),
            url: url.into(),
            snippet: snippet.into(),
        }
    }

    #[test]
    fn articles_join_the_text_before_them_and_keep_its_quick_replies() {
        let outputs = [
            Output::Text {
                text: "Hi!".into(),
                quick_replies: vec![QuickReply {
                    label: "Talk to a person".into(),
                    payload: "handoff".into(),
                }],
                expects: None,
            },
            Output::Articles {
                articles: vec![
                    card(1, "https://h.example/1", ""),
                    card(2, "", "Start of two…"),
                ],
            },
            Output::text("Did this help?".into()),
        ];
        let messages = render_messages(&outputs);
        assert_eq!(messages.len(), 2);
        assert_eq!(
            messages[0].text,
            "Hi!\n\nArticle 1\nhttps://h.example/1\n\nArticle 2\nStart of two…"
        );
        assert_eq!(
            messages[0].actions,
            [Action::reply("Talk to a person", "handoff")]
        );
        assert_eq!(messages[0].outputs, [0, 1]);
        assert_eq!(messages[1].outputs, [2]);
    }

    #[test]
    fn articles_said_first_are_a_message_of_their_own() {
        let outputs = [Output::Articles {
            articles: vec![card(7, "https://h.example/7", "")],
        }];
        assert_eq!(
            render(&outputs),
            [("Article 7\nhttps://h.example/7".to_owned(), vec![])]
        );
    }
}
