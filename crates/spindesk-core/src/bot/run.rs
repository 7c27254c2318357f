//! A turn being run: the state the steps read and change, and what the bot has said and done so
//! far. The engine drives it ([`super::engine`]); each step type adds to it
//! ([`super::steps`]). It lives apart from both so the steps need not read the engine.

use super::context::Context;
use super::model::{Bot, Text};
use super::state::{BotState, Effect, Output, Payload, Turn};
use super::template::{render, Escape};
use crate::message::QuickReply;

/// Where a flow goes after a step.
pub(crate) enum Flow {
    /// To this step of this answer.
    Goto(String, String),
    /// The answer's flow ended normally.
    End,
    /// The turn is over (waiting for the customer, handed over, or stopped).
    Stop,
}

impl Flow {
    /// To `next` in the same answer; without one, the answer's flow ends.
    pub(crate) fn within(answer_id: &str, next: &Option<String>) -> Flow {
        match next {
            Some(s) => Flow::Goto(answer_id.to_owned(), s.clone()),
            None => Flow::End,
        }
    }
}

pub(crate) struct Run<'a> {
    pub(crate) bot: &'a Bot,
    pub(crate) ctx: &'a Context<'a>,
    pub(crate) state: BotState,
    pub(crate) outputs: Vec<Output>,
    pub(crate) effects: Vec<Effect>,
    pub(crate) trace: Vec<String>,
    /// Steps run so far, for the loop guard.
    pub(crate) steps: usize,
    pub(crate) loop_guard: bool,
}

impl<'a> Run<'a> {
    pub(crate) fn new(bot: &'a Bot, ctx: &'a Context<'a>, state: &BotState) -> Self {
        Run {
            bot,
            ctx,
            state: state.clone(),
            outputs: Vec::new(),
            effects: Vec::new(),
            trace: Vec::new(),
            steps: 0,
            loop_guard: false,
        }
    }

    pub(crate) fn into_turn(self) -> Turn {
        Turn {
            outputs: self.outputs,
            effects: self.effects,
            state: self.state,
            trace: self.trace,
            loop_guard: self.loop_guard,
        }
    }

    /// `text` in the conversation's locale, with the variables filled in.
    pub(crate) fn tr(&self, text: &Text) -> String {
        let raw = text.resolve(self.ctx.locale, &self.bot.default_locale);
        render(raw, &self.state.variables, Escape::Plain)
    }

    pub(crate) fn say(&mut self, text: String, quick_replies: Vec<QuickReply>) {
        if !quick_replies.is_empty() {
            self.state.offered(&quick_replies);
            self.state.quick_replies = quick_replies.clone();
        }
        self.outputs.push(Output::Text {
            text,
            quick_replies,
            expects: None,
        });
    }

    pub(crate) fn person_reply(&self) -> QuickReply {
        QuickReply {
            label: self.tr(&self.bot.responses.talk_to_person.label),
            payload: Payload::Person.encode(),
        }
    }

    pub(crate) fn cant_answer(&mut self) {
        self.trace.push("can't answer".into());
        let r = &self.bot.responses.cant_answer;
        let replies = if r.offer_person {
            vec![self.person_reply()]
        } else {
            Vec::new()
        };
        let text = self.tr(&r.text);
        self.say(text, replies);
    }
}
