//! The bot engine: one customer input in, what the bot says and does out.
//!
//! [`run_turn`] is deterministic: the same published bot, stored state, input and context give
//! the same turn. Everything the outside world contributes comes through [`Context`] — the clock
//! reading, the outbound HTTP port (API-call steps), the help-center [`Articles`] — so a turn runs
//! the same in the widget, a channel webhook, the simulator and the tests. A turn may pause at
//! an API call ([`start_turn`], [`resume_turn`]) so conversations make the call outside their
//! transaction; [`run_turn`] makes the calls as it goes.
//!
//! How an input is handled:
//! 1. On the first message of a conversation the greeting is said (once, ever).
//! 2. A tap (or text equal to an offered quick reply's label) follows its branch.
//! 3. A hand-off keyword ("agent", "상담원") hands over, whatever else is going on.
//! 4. While a form field waits, text is that field's value: valid values are saved, invalid
//!    ones re-prompted with what a good value looks like (three tries, then can't-answer).
//! 5. Other free text picks an answer by its training phrases; two equally good answers get the
//!    clarification; no answer gets help-center articles, and no articles the can't-answer reply.

use super::api_call;
use super::intent::{match_answer, match_indexed, Intent};
use super::model::{Bot, Step};
use super::run::{Flow, Run};
use super::state::{BotState, Input, Output, Payload, Turn, Waiting};
use super::steps::{
    add_tags, ask_for_details, ask_if_resolved, branch_by_condition, business_hours, link_answer,
    make_api_call, present_options, run_action, send_message, set_variable, show_articles,
    transfer_to_agent,
};
use crate::message::QuickReply;
use crate::ports::SqlError;

pub use super::context::{Articles, CallOutcome, Context, NoArticles};

/// Steps one turn may run before the loop guard stops it.
pub const MAX_STEPS_PER_TURN: usize = 50;

/// One whole turn, making the API calls it reaches through `ctx.outbound` as it goes (the
/// simulator and tests). Conversations use [`start_turn`] and [`resume_turn`] instead, so no
/// call is made while their transaction is open; both ways give the same turn.
pub fn run_turn(
    bot: &Bot,
    state: &BotState,
    input: &Input,
    ctx: &Context,
) -> Result<Turn, SqlError> {
    let mut turn = start_turn(bot, state, input, ctx)?;
    while let Some(call) = &turn.state.awaiting_call {
        let outcome = api_call::perform(&call.request, ctx.outbound);
        let next = resume_turn(bot, &turn.state, outcome, ctx)?;
        turn.outputs.extend(next.outputs);
        turn.effects.extend(next.effects);
        turn.trace.extend(next.trace);
        turn.loop_guard |= next.loop_guard;
        turn.state = next.state;
    }
    Ok(turn)
}

/// A turn up to the first make_api_call step it reaches: there it stops, with the rendered
/// call in `state.awaiting_call`, unsent (`ctx.outbound` is not used). Any input clears a call
/// an earlier turn awaited: the customer moved on, and its result no longer belongs here.
pub fn start_turn(
    bot: &Bot,
    state: &BotState,
    input: &Input,
    ctx: &Context,
) -> Result<Turn, SqlError> {
    let mut run = Run::new(bot, ctx, state);
    run.state.awaiting_call = None;
    // Declared custom variables start at their value in a conversation that has not set them.
    // A `customer.email` kept from an earlier turn is dropped unless the conversation still
    // vouches for it (below): only verified sources fill it.
    run.state
        .variables
        .retain(|name, _| !super::state::is_verified_fact(name) || ctx.facts.contains_key(name));
    for v in bot
        .variables
        .iter()
        .filter(|v| !super::state::is_verified_fact(&v.name))
    {
        run.state
            .variables
            .entry(v.name.clone())
            .or_insert_with(|| v.value.clone());
    }
    for (name, value) in ctx.facts {
        if !value.trim().is_empty() {
            run.state.variables.insert(name.clone(), value.clone());
        }
    }
    let shown = input.shown().trim().to_owned();
    run.state
        .variables
        .insert("conversation.last_message".into(), shown.clone());
    let offered = std::mem::take(&mut run.state.quick_replies);
    let payload = match input {
        Input::Tap { payload, .. } => Payload::decode(payload),
        Input::Text { text } => offered
            .iter()
            .find(|q| same_words(&q.label, text))
            .and_then(|q| Payload::decode(&q.payload)),
    };
    let just_greeted = !run.state.greeted;
    // A first message that asks for a person gets the person, not a greeting first.
    let asks_for_person =
        payload == Some(Payload::Person) || (payload.is_none() && run.is_handoff(&shown));
    if just_greeted && asks_for_person {
        run.state.greeted = true;
    } else if just_greeted {
        run.greet()?;
    }
    match payload {
        Some(p) => run.tap(p, &shown)?,
        None => run.free_text(&shown, just_greeted)?,
    }
    Ok(run.into_turn())
}

/// Continues a turn stopped at an API call with how the call went: the step's success or
/// failure branch, until the flow waits, ends or reaches the next call. The steps run before
/// the call count toward the loop guard. Without an awaited call nothing happens.
pub fn resume_turn(
    bot: &Bot,
    state: &BotState,
    outcome: CallOutcome,
    ctx: &Context,
) -> Result<Turn, SqlError> {
    let mut run = Run::new(bot, ctx, state);
    let Some(call) = run.state.awaiting_call.take() else {
        return Ok(run.into_turn());
    };
    run.steps = call.steps;
    let flow = make_api_call::returned(&mut run, &call, outcome);
    run.follow(flow)?;
    Ok(run.into_turn())
}

fn same_words(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// How a turn goes around its steps; what each step does is in its file under `steps/`.
impl Run<'_> {
    fn answer_reply(&self, id: &str) -> Option<QuickReply> {
        self.bot.answer(id).map(|a| QuickReply {
            label: a.label_in(self.ctx.locale, &self.bot.default_locale),
            payload: Payload::Answer(a.id.clone()).encode(),
        })
    }

    fn greet(&mut self) -> Result<(), SqlError> {
        self.state.greeted = true;
        let g = &self.bot.greeting;
        let mut replies: Vec<QuickReply> = g
            .suggestions
            .iter()
            .filter_map(|id| self.answer_reply(id))
            .collect();
        if g.offer_person {
            replies.push(self.person_reply());
        }
        let text = self.tr(&g.text);
        self.say(text, replies);
        if g.featured_articles > 0 {
            let articles = self
                .ctx
                .articles
                .featured(self.ctx.locale, usize::from(g.featured_articles.min(3)))?;
            if !articles.is_empty() {
                self.outputs.push(Output::Articles { articles });
            }
        }
        self.trace.push("greeting".into());
        Ok(())
    }

    fn tap(&mut self, payload: Payload, label: &str) -> Result<(), SqlError> {
        let waiting = self.state.waiting.clone();
        match payload {
            Payload::Person => transfer_to_agent::transfer(self, None, &[], None),
            // Only an answer this conversation was offered: a forged payload is just its label.
            Payload::Answer(id)
                if self.bot.answer(&id).is_some() && self.state.offered_answers.contains(&id) =>
            {
                self.start_answer(&id)?
            }
            Payload::Option {
                answer,
                step,
                index,
            } if waiting
                == Some(Waiting::Option {
                    answer: answer.clone(),
                    step: step.clone(),
                }) =>
            {
                let next = present_options::chosen(self, &answer, &step, index);
                self.continue_at(&answer, next)?;
            }
            Payload::Resolved { answer, step, yes }
                if waiting
                    == Some(Waiting::Resolved {
                        answer: answer.clone(),
                        step: step.clone(),
                    }) =>
            {
                let next = ask_if_resolved::answered(self, &answer, &step, yes);
                self.continue_at(&answer, next)?;
            }
            Payload::Feedback(yes) if waiting == Some(Waiting::Feedback) => {
                self.state.waiting = None;
                let r = &self.bot.responses.after_answer;
                if yes {
                    let text = self.tr(&r.yes_text);
                    self.say(text, Vec::new());
                } else {
                    let text = self.tr(&r.no_text);
                    let person = self.person_reply();
                    self.say(text, vec![person]);
                }
            }
            Payload::Skip {
                answer,
                step,
                field,
            } => match waiting {
                Some(Waiting::Field {
                    answer: a,
                    step: s,
                    field: f,
                    ..
                }) if a == answer
                    && s == step
                    && f == field
                    && !ask_for_details::is_required(self.bot, &a, &s, f) =>
                {
                    let flow = ask_for_details::skipped(self, &answer, &step, field);
                    self.follow(flow)?;
                }
                _ => self.free_text(label, false)?,
            },
            // A stale or foreign tap: what its label says is what the customer meant.
            _ => self.free_text(label, false)?,
        }
        Ok(())
    }

    fn is_handoff(&self, text: &str) -> bool {
        let words: Vec<String> = text
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        // Short messages only: "I want to talk to an agent", not a story that mentions one.
        words.len() <= 8
            && self.bot.handoff_keywords.iter().any(|k| {
                let k = k.trim().to_lowercase();
                same_words(&k, text)
                    || words.iter().any(|w| {
                        w == &k || (k.chars().any(|c| c > '\u{3000}') && w.starts_with(&k))
                    })
            })
    }

    fn free_text(&mut self, text: &str, just_greeted: bool) -> Result<(), SqlError> {
        if text.is_empty() {
            return Ok(());
        }
        if self.is_handoff(text) {
            self.trace.push("hand-off keyword".into());
            transfer_to_agent::transfer(self, None, &[], None);
            return Ok(());
        }
        if let Some(Waiting::Field {
            answer,
            step,
            field,
            attempts,
        }) = self.state.waiting.clone()
        {
            let flow = ask_for_details::answered(self, &answer, &step, field, attempts, text);
            return self.follow(flow);
        }
        // Text that answers no pending question starts over: the customer changed the subject.
        self.state.waiting = None;
        let intent = match self.ctx.phrases.filter(|p| p.fits(self.bot)) {
            Some(phrases) => match_indexed(self.bot, phrases, text, self.ctx.locale),
            None => match_answer(self.bot, text, self.ctx.locale),
        };
        match intent {
            Intent::Answer { id, .. } => self.start_answer(&id)?,
            Intent::Ambiguous(ids) => {
                self.trace
                    .push(format!("clarification: {}", ids.join(", ")));
                let mut replies: Vec<QuickReply> =
                    ids.iter().filter_map(|id| self.answer_reply(id)).collect();
                replies.push(self.person_reply());
                let text = self.tr(&self.bot.responses.clarification.text);
                self.say(text, replies);
            }
            Intent::Nothing if just_greeted => {}
            Intent::Nothing => self.no_answer(text)?,
        }
        Ok(())
    }

    /// No answer fits: help-center articles, or else the can't-answer reply.
    fn no_answer(&mut self, text: &str) -> Result<(), SqlError> {
        let found = &self.bot.responses.found_articles;
        if found.enabled {
            let limit = usize::from(found.max_articles.clamp(1, 3));
            let articles = self.ctx.articles.search(text, self.ctx.locale, limit)?;
            if !articles.is_empty() {
                self.trace
                    .push(format!("found {} articles", articles.len()));
                let intro = self.tr(&found.text);
                self.say(intro, Vec::new());
                self.outputs.push(Output::Articles { articles });
                self.ask_feedback();
                return Ok(());
            }
        }
        self.cant_answer();
        Ok(())
    }

    fn ask_feedback(&mut self) {
        let r = &self.bot.responses.after_answer;
        if !r.enabled {
            return;
        }
        let replies = vec![
            QuickReply {
                label: self.tr(&r.yes_label),
                payload: Payload::Feedback(true).encode(),
            },
            QuickReply {
                label: self.tr(&r.no_label),
                payload: Payload::Feedback(false).encode(),
            },
        ];
        let text = self.tr(&r.text);
        self.say(text, replies);
        self.state.waiting = Some(Waiting::Feedback);
    }

    fn start_answer(&mut self, id: &str) -> Result<(), SqlError> {
        let first = self
            .bot
            .answer(id)
            .and_then(|a| a.steps.first())
            .map(|s| s.id().to_owned());
        self.state.waiting = None;
        self.continue_at(id, first)
    }

    /// Runs the flow from `step` (the answer's end when `None`) until it waits or ends.
    fn continue_at(&mut self, answer: &str, step: Option<String>) -> Result<(), SqlError> {
        self.follow(Flow::within(answer, &step))
    }

    fn follow(&mut self, mut flow: Flow) -> Result<(), SqlError> {
        loop {
            match flow {
                Flow::Goto(a, s) => {
                    self.steps += 1;
                    if self.steps > MAX_STEPS_PER_TURN {
                        self.loop_guard = true;
                        self.trace.push(format!(
                            "loop guard: stopped at {a}/{s} after {MAX_STEPS_PER_TURN} steps"
                        ));
                        self.state.waiting = None;
                        self.cant_answer();
                        return Ok(());
                    }
                    flow = self.step(&a, &s)?;
                }
                Flow::End => {
                    self.ask_feedback();
                    return Ok(());
                }
                Flow::Stop => return Ok(()),
            }
        }
    }

    fn step(&mut self, answer_id: &str, step_id: &str) -> Result<Flow, SqlError> {
        let bot = self.bot;
        let Some(answer) = bot.answer(answer_id) else {
            return Ok(Flow::End);
        };
        let Some(step) = answer.step(step_id) else {
            return Ok(Flow::End);
        };
        self.trace.push(format!("{answer_id}/{step_id}"));
        Ok(match step {
            Step::SendMessage { text, next, .. } => send_message::run(self, answer_id, text, next),
            Step::PresentOptions { text, options, .. } => {
                present_options::run(self, answer_id, step_id, text, options)
            }
            Step::AskForDetails { text, .. } => {
                ask_for_details::run(self, answer_id, step_id, text.as_ref())
            }
            Step::ShowArticles {
                text,
                article_ids,
                search,
                next,
                ..
            } => show_articles::run(
                self,
                answer_id,
                text.as_ref(),
                article_ids,
                search.as_deref(),
                next,
            )?,
            Step::AskIfResolved { text, .. } => {
                ask_if_resolved::run(self, answer_id, step_id, text.as_ref())
            }
            Step::MakeApiCall {
                method,
                url,
                headers,
                secret_headers,
                body,
                save,
                failure,
                ..
            } => {
                let call = api_call::Call {
                    method: *method,
                    url,
                    headers,
                    secret_headers,
                    body: body.as_deref(),
                    save,
                };
                make_api_call::run(self, answer_id, step_id, &call, failure)
            }
            Step::RunAction {
                action,
                inputs,
                next,
                failure,
                ..
            } => run_action::run(self, answer_id, action, inputs, next, failure),
            Step::SetVariable {
                variable,
                value,
                next,
                ..
            } => set_variable::run(self, answer_id, variable, value, next),
            Step::BranchByCondition {
                branches,
                otherwise,
                ..
            } => branch_by_condition::run(self, answer_id, branches, otherwise),
            Step::BusinessHours {
                schedule,
                open,
                closed,
                ..
            } => business_hours::run(self, answer_id, schedule, open, closed),
            Step::LinkAnswer { answer, .. } => link_answer::run(self, answer),
            Step::AddTags { tags, next, .. } => add_tags::run(self, answer_id, tags, next),
            Step::TransferToAgent {
                text, tags, group, ..
            } => transfer_to_agent::run(self, text.as_ref(), tags, group.as_deref()),
        })
    }
}
