//! What the engine reads and writes each turn: the persisted bot state of a conversation, the
//! customer's input, and what the bot says and does.

use super::template::Variables;
use crate::message::QuickReply;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether `name` is a fact about the customer that only verified sources fill:
/// `customer.email` (the site's signed token with `email_verified`, the e-mail channel, an agent
/// or API caller). The bot's own steps never write it: an address a customer types into a form
/// is what they said, not who they are, and would otherwise reach an API call as theirs.
pub fn is_verified_fact(name: &str) -> bool {
    name == "customer.email"
}

/// A conversation's bot state, stored as JSON in `conversations.bot_state`, so the next message
/// continues on any instance and any channel.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BotState {
    /// The greeting was said (it is said once per conversation, not again after a hand-back).
    #[serde(default)]
    pub greeted: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: Variables,
    /// What the customer's next message answers, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<Waiting>,
    /// The quick replies last offered: typing one's label counts as tapping it (channels
    /// without buttons, like SMS, send the label as text).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quick_replies: Vec<QuickReply>,
    /// The answers this conversation was offered as buttons (newest last, at most
    /// [`OFFERED_ANSWERS_KEPT`]): a tap may start only one of these, so a hand-made
    /// `bot:answer:<id>` payload cannot jump into an answer the flow gates behind other steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offered_answers: Vec<String>,
    /// Tags collected for the ticket (add_tags steps), applied at hand-off.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Ticket fields collected by forms (`requester.email`, `custom_fields.123`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ticket_fields: BTreeMap<String, String>,
    /// A make_api_call step the flow stopped at: the call is made after the transaction that
    /// stored this state commits, and its result continues the flow (see [`super::engine`]).
    /// Any customer input clears it, so a late result for it is dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting_call: Option<PendingCall>,
}

/// How many offered answers a conversation remembers (older buttons then count as their label).
pub const OFFERED_ANSWERS_KEPT: usize = 32;

impl BotState {
    /// Remembers the answers among `replies`, so tapping them later starts them.
    pub fn offered(&mut self, replies: &[QuickReply]) {
        for r in replies {
            if let Some(Payload::Answer(id)) = Payload::decode(&r.payload) {
                self.offered_answers.retain(|a| a != &id);
                self.offered_answers.push(id);
            }
        }
        let over = self
            .offered_answers
            .len()
            .saturating_sub(OFFERED_ANSWERS_KEPT);
        self.offered_answers.drain(..over);
    }
}

/// An API call the bot waits for: the request as the step rendered it, and where the flow goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingCall {
    /// Tells this call from a later one at the same step (set by whoever stores the state).
    #[serde(default)]
    pub id: String,
    pub answer: String,
    pub step: String,
    /// Steps the turn had run, so the loop guard counts across the wait.
    pub steps: usize,
    pub request: super::api_call::Prepared,
    /// When the state awaiting it was stored (ms): a call still awaited long after its timeout
    /// was lost with the instance that was to make it (see `conversation::recover_stalled_call`).
    #[serde(default)]
    pub since: crate::ports::Millis,
}

/// The step a conversation is paused at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "for", rename_all = "snake_case")]
pub enum Waiting {
    /// A present_options step.
    Option { answer: String, step: String },
    /// Field `field` of an ask_for_details step; `attempts` invalid answers so far.
    Field {
        answer: String,
        step: String,
        field: usize,
        attempts: u8,
    },
    /// An ask_if_resolved step.
    Resolved { answer: String, step: String },
    /// The standard "did this help?" after an answer or after found articles.
    Feedback,
}

/// What the customer sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Input {
    Text {
        text: String,
    },
    /// A quick reply or postback: its payload and the label shown.
    Tap {
        payload: String,
        label: String,
    },
}

impl Input {
    pub fn text(text: &str) -> Self {
        Input::Text {
            text: text.to_owned(),
        }
    }
    /// The words the customer sees in the transcript.
    pub fn shown(&self) -> &str {
        match self {
            Input::Text { text } => text,
            Input::Tap { label, .. } => label,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleCard {
    pub id: i64,
    pub title: String,
    /// Where the customer reads it (the bot's `article_url`); empty when there is none.
    pub url: String,
    /// The start of its text, shown instead of a link when there is no `url`.
    #[serde(default)]
    pub snippet: String,
}

/// One thing the bot says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Output {
    Text {
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        quick_replies: Vec<QuickReply>,
        /// What kind of value is asked for (a form field), so a client can pick a keyboard.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expects: Option<super::model::FieldKind>,
    },
    Articles {
        articles: Vec<ArticleCard>,
    },
}

impl Output {
    pub fn text(text: String) -> Self {
        Output::Text {
            text,
            quick_replies: Vec::new(),
            expects: None,
        }
    }
}

/// What the turn does beyond talking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Effect {
    /// Hand the conversation to agents: create the ticket with these tags and fields.
    Transfer {
        tags: Vec<String>,
        ticket_fields: BTreeMap<String, String>,
        /// The group the transfer step named.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
    },
}

/// The result of one turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Turn {
    pub outputs: Vec<Output>,
    pub effects: Vec<Effect>,
    pub state: BotState,
    /// `answer/step` of each step run, and notes on why (API failures, the loop guard).
    pub trace: Vec<String>,
    /// The loop guard stopped this turn.
    pub loop_guard: bool,
}

impl Turn {
    pub fn transfer(&self) -> Option<&Effect> {
        self.effects
            .iter()
            .find(|e| matches!(e, Effect::Transfer { .. }))
    }
}

/// The payload of "Talk to a person" (the skeleton's, kept so old buttons keep working).
pub const PERSON: &str = "handoff";

/// Quick-reply payloads, as strings that survive every channel's postback field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    Person,
    Answer(String),
    Option {
        answer: String,
        step: String,
        index: usize,
    },
    Resolved {
        answer: String,
        step: String,
        yes: bool,
    },
    Feedback(bool),
    Skip {
        answer: String,
        step: String,
        field: usize,
    },
}

impl Payload {
    pub fn encode(&self) -> String {
        match self {
            Payload::Person => PERSON.into(),
            Payload::Answer(id) => format!("bot:answer:{id}"),
            Payload::Option {
                answer,
                step,
                index,
            } => format!("bot:option:{answer}:{step}:{index}"),
            Payload::Resolved { answer, step, yes } => {
                format!("bot:resolved:{answer}:{step}:{}", yes_no(*yes))
            }
            Payload::Feedback(yes) => format!("bot:feedback:{}", yes_no(*yes)),
            Payload::Skip {
                answer,
                step,
                field,
            } => format!("bot:skip:{answer}:{step}:{field}"),
        }
    }

    /// `None` for payloads that are not the bot's (the tap then counts as its label's text).
    pub fn decode(payload: &str) -> Option<Payload> {
        if payload == PERSON {
            return Some(Payload::Person);
        }
        let parts: Vec<&str> = payload.strip_prefix("bot:")?.split(':').collect();
        let yes = |s: &str| match s {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        Some(match parts.as_slice() {
            ["person"] => Payload::Person,
            ["answer", id] => Payload::Answer((*id).to_owned()),
            ["option", a, s, i] => Payload::Option {
                answer: (*a).to_owned(),
                step: (*s).to_owned(),
                index: i.parse().ok()?,
            },
            ["resolved", a, s, y] => Payload::Resolved {
                answer: (*a).to_owned(),
                step: (*s).to_owned(),
                yes: yes(y)?,
            },
            ["feedback", y] => Payload::Feedback(yes(y)?),
            ["skip", a, s, f] => Payload::Skip {
                answer: (*a).to_owned(),
                step: (*s).to_owned(),
                field: f.parse().ok()?,
            },
            _ => return None,
        })
    }
}

fn yes_no(yes: bool) -> &'static str {
    if yes {
        "yes"
    } else {
        "no"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip() {
        for p in [
            Payload::Person,
            Payload::Answer("order-status".into()),
            Payload::Option {
                answer: "a".into(),
                step: "s_1".into(),
                index: 3,
            },
            Payload::Resolved {
                answer: "a".into(),
                step: "s".into(),
                yes: false,
            },
            Payload::Feedback(true),
            Payload::Skip {
                answer: "a".into(),
                step: "s".into(),
                field: 0,
            },
        ] {
            assert_eq!(Payload::decode(&p.encode()), Some(p));
        }
        assert_eq!(Payload::decode("MENU_1"), None);
        assert_eq!(Payload::decode("bot:option:a:s:x"), None);
    }

    #[test]
    fn state_round_trips_through_json() {
        let state = BotState {
            greeted: true,
            waiting: Some(Waiting::Field {
                answer: "a".into(),
                step: "s".into(),
                field: 1,
                attempts: 2,
            }),
            ..BotState::default()
        };
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<BotState>(&json).unwrap(), state);
        // The skeleton's empty state reads as a fresh conversation.
        assert_eq!(
            serde_json::from_str::<BotState>("{}").unwrap(),
            BotState::default()
        );
    }
}
