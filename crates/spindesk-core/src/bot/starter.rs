//! The starter bot: greets on the first message, offers a person, and hands off when asked.
//! Its texts are settings the admin can change (`/api/bot/settings`).

use crate::conversation::Conversation;
use crate::message::{Action, Message};
use crate::ports::SqlError;
use crate::store::Db;
use crate::users::User;
use serde::{Deserialize, Serialize};

/// The payload of the "Talk to a person" quick reply.
pub const HANDOFF_PAYLOAD: &str = "handoff";
/// Where the admin's texts are kept in `settings`.
pub const SETTINGS_KEY: &str = "starter_bot";

/// The bot's lines in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lines {
    pub greeting: String,
    pub fallback: String,
    pub handoff: String,
    pub talk_to_person: String,
}

/// English and Korean lines; other locales get English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StarterTexts {
    pub en: Lines,
    pub ko: Lines,
}

impl Default for StarterTexts {
    fn default() -> Self {
        StarterTexts {
            en: Lines {
                greeting: "Hi! I'm the Spindesk bot. Ask me anything, or talk to a person.".into(),
                fallback: "Sorry, I can't answer that yet. Would you like to talk to a person?"
                    .into(),
                handoff: "Connecting you with a person. An agent will reply here soon.".into(),
                talk_to_person: "Talk to a person".into(),
            },
            ko: Lines {
                greeting:
                    "안녕하세요! Spindesk 봇입니다. 무엇이든 물어보시거나 상담원과 이야기하세요."
                        .into(),
                fallback: "죄송합니다. 아직 답변드리기 어려워요. 상담원과 연결해 드릴까요?".into(),
                handoff: "상담원에게 연결해 드릴게요. 곧 이곳에서 답변드립니다.".into(),
                talk_to_person: "상담원 연결".into(),
            },
        }
    }
}

impl StarterTexts {
    pub fn load(db: &Db) -> Result<Self, SqlError> {
        let stored = db.query_opt(
            "SELECT value FROM settings WHERE key = ?",
            &[SETTINGS_KEY.into()],
            |r| r.string("value"),
        )?;
        Ok(stored
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default())
    }

    fn for_locale(&self, locale: &str) -> &Lines {
        if locale.to_ascii_lowercase().starts_with("ko") {
            &self.ko
        } else {
            &self.en
        }
    }
}

/// A bot reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub text: String,
    pub actions: Vec<Action>,
}

/// What the bot does with one customer message.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StarterTurn {
    pub replies: Vec<Reply>,
    pub greeted: bool,
    pub hand_off: bool,
}

/// Words that ask for a person. Korean words match inside a longer word, because particles
/// attach to them (`상담원이랑`); English words match whole.
const HANDOFF_WORDS_EN: &[&str] = &[
    "agent",
    "human",
    "person",
    "representative",
    "operator",
    "someone",
];
const HANDOFF_WORDS_KO: &[&str] = &["상담원", "상담사", "사람", "직원", "담당자"];

fn asks_for_a_person(message: &Message) -> bool {
    if message.payload.as_deref() == Some(HANDOFF_PAYLOAD) {
        return true;
    }
    let text = message.text.to_lowercase();
    let words_match = text
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| HANDOFF_WORDS_EN.contains(&w));
    words_match || HANDOFF_WORDS_KO.iter().any(|w| text.contains(w))
}

pub fn respond(
    db: &Db,
    conversation: &Conversation,
    user: &User,
    message: &Message,
) -> Result<StarterTurn, SqlError> {
    let texts = StarterTexts::load(db)?;
    let lines = texts.for_locale(&user.locale);
    let offer = vec![Action::reply(&lines.talk_to_person, HANDOFF_PAYLOAD)];
    if asks_for_a_person(message) {
        return Ok(StarterTurn {
            replies: vec![Reply {
                text: lines.handoff.clone(),
                actions: Vec::new(),
            }],
            greeted: false,
            hand_off: true,
        });
    }
    if !conversation.greeted {
        return Ok(StarterTurn {
            replies: vec![Reply {
                text: lines.greeting.clone(),
                actions: offer,
            }],
            greeted: true,
            hand_off: false,
        });
    }
    Ok(StarterTurn {
        replies: vec![Reply {
            text: lines.fallback.clone(),
            actions: offer,
        }],
        greeted: false,
        hand_off: false,
    })
}
