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
use super::condition::first_match;
use super::fields::{self, Invalid};
use super::hours;
use super::intent::{match_answer, match_indexed, Intent};
use super::model::{Bot, Step, Text};
use super::phrases::PhraseIndex;
use super::state::{
    ArticleCard, BotState, Effect, Input, Output, Payload, PendingCall, QuickReply, Turn, Waiting,
};
use super::template::{render, Escape, Variables};
use crate::ports::{Millis, Outbound, SqlError};

/// Steps one turn may run before the loop guard stops it.
pub const MAX_STEPS_PER_TURN: usize = 50;
/// Invalid answers to one form field before the bot gives up on the form.
pub const MAX_FIELD_ATTEMPTS: u8 = 3;

/// The help center, as the bot sees it.
pub trait Articles {
    fn by_ids(&self, ids: &[i64], locale: &str) -> Result<Vec<ArticleCard>, SqlError>;
    fn search(&self, query: &str, locale: &str, limit: usize)
        -> Result<Vec<ArticleCard>, SqlError>;
    /// Articles worth showing before the customer asked anything (promoted, popular).
    fn featured(&self, locale: &str, limit: usize) -> Result<Vec<ArticleCard>, SqlError>;
}

/// No help center (tests of flows that show no articles).
pub struct NoArticles;

impl Articles for NoArticles {
    fn by_ids(&self, _: &[i64], _: &str) -> Result<Vec<ArticleCard>, SqlError> {
        Ok(Vec::new())
    }
    fn search(&self, _: &str, _: &str, _: usize) -> Result<Vec<ArticleCard>, SqlError> {
        Ok(Vec::new())
    }
    fn featured(&self, _: &str, _: usize) -> Result<Vec<ArticleCard>, SqlError> {
        Ok(Vec::new())
    }
}

pub struct Context<'a> {
    /// The conversation's locale (`ko-KR`, `en`).
    pub locale: &'a str,
    pub now_ms: Millis,
    pub outbound: &'a dyn Outbound,
    pub articles: &'a dyn Articles,
    /// The bot's training phrases, analysed when its version was published; `None` (or an
    /// index of another bot) analyses them during the turn.
    pub phrases: Option<&'a PhraseIndex>,
    /// What is known about the customer and the conversation (`customer.name`,
    /// `conversation.channel`); empty values are ignored.
    pub facts: &'a Variables,
}

/// How an awaited API call went: the variables to save, or why it failed.
pub type CallOutcome = Result<Variables, String>;

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
    for v in &bot.variables {
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
    let next = match bot.answer(&call.answer).and_then(|a| a.step(&call.step)) {
        Some(Step::MakeApiCall {
            success, failure, ..
        }) => match outcome {
            Ok(saved) => {
                run.state.variables.extend(saved);
                success.clone()
            }
            Err(why) => {
                run.trace.push(format!("API call failed: {why}"));
                failure.clone()
            }
        },
        // A bot published meanwhile no longer has the step: the flow it belonged to is gone.
        _ => {
            run.trace.push(format!(
                "{}/{} is no longer an API call",
                call.answer, call.step
            ));
            return Ok(run.into_turn());
        }
    };
    run.continue_at(&call.answer, next)?;
    Ok(run.into_turn())
}

fn same_words(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Where a flow goes after a step.
enum Flow {
    /// To this step of this answer.
    Goto(String, String),
    /// The answer's flow ended normally.
    End,
    /// The turn is over (waiting for the customer, handed over, or stopped).
    Stop,
}

struct Run<'a> {
    bot: &'a Bot,
    ctx: &'a Context<'a>,
    state: BotState,
    outputs: Vec<Output>,
    effects: Vec<Effect>,
    trace: Vec<String>,
    steps: usize,
    loop_guard: bool,
}

impl<'a> Run<'a> {
    fn new(bot: &'a Bot, ctx: &'a Context<'a>, state: &BotState) -> Self {
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

    fn into_turn(self) -> Turn {
        Turn {
            outputs: self.outputs,
            effects: self.effects,
            state: self.state,
            trace: self.trace,
            loop_guard: self.loop_guard,
        }
    }

    fn tr(&self, text: &Text) -> String {
        let raw = text.resolve(self.ctx.locale, &self.bot.default_locale);
        render(raw, &self.state.variables, Escape::Plain)
    }

    fn say(&mut self, text: String, quick_replies: Vec<QuickReply>) {
        if !quick_replies.is_empty() {
            self.state.quick_replies = quick_replies.clone();
        }
        self.outputs.push(Output::Text {
            text,
            quick_replies,
            expects: None,
        });
    }

    fn person_reply(&self) -> QuickReply {
        QuickReply {
            label: self.tr(&self.bot.responses.talk_to_person.label),
            payload: Payload::Person.encode(),
        }
    }

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
            Payload::Person => self.transfer(None, &[]),
            Payload::Answer(id) if self.bot.answer(&id).is_some() => self.start_answer(&id)?,
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
                self.state.waiting = None;
                let next = match self.bot.answer(&answer).and_then(|a| a.step(&step)) {
                    Some(Step::PresentOptions { options, .. }) => {
                        options.get(index).and_then(|o| o.next.clone())
                    }
                    _ => None,
                };
                self.trace.push(format!("{answer}/{step} option {index}"));
                self.continue_at(&answer, next)?;
            }
            Payload::Resolved { answer, step, yes }
                if waiting
                    == Some(Waiting::Resolved {
                        answer: answer.clone(),
                        step: step.clone(),
                    }) =>
            {
                self.state.waiting = None;
                let next = match self.bot.answer(&answer).and_then(|a| a.step(&step)) {
                    Some(Step::AskIfResolved { yes: y, no: n, .. }) => {
                        if yes {
                            y.clone()
                        } else {
                            n.clone()
                        }
                    }
                    _ => None,
                };
                self.trace.push(format!(
                    "{answer}/{step} {}",
                    if yes { "yes" } else { "no" }
                ));
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
                }) if a == answer && s == step && f == field && !self.field_required(&a, &s, f) => {
                    self.trace
                        .push(format!("{answer}/{step} skip field {field}"));
                    self.form_from(&answer, &step, field + 1)?;
                }
                _ => self.free_text(label, false)?,
            },
            // A stale or foreign tap: what its label says is what the customer meant.
            _ => self.free_text(label, false)?,
        }
        Ok(())
    }

    fn field_required(&self, answer: &str, step: &str, field: usize) -> bool {
        match self.bot.answer(answer).and_then(|a| a.step(step)) {
            Some(Step::AskForDetails { fields, .. }) => {
                fields.get(field).is_none_or(|f| f.required)
            }
            _ => true,
        }
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
            self.transfer(None, &[]);
            return Ok(());
        }
        if let Some(Waiting::Field {
            answer,
            step,
            field,
            attempts,
        }) = self.state.waiting.clone()
        {
            return self.field_input(&answer, &step, field, attempts, text);
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

    fn cant_answer(&mut self) {
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

    fn transfer(&mut self, text: Option<&Text>, step_tags: &[String]) {
        let said = self.tr(text.unwrap_or(&self.bot.responses.talk_to_person.text));
        if !said.trim().is_empty() {
            self.say(said, Vec::new());
        }
        let mut tags: Vec<String> = Vec::new();
        let all = self
            .bot
            .responses
            .talk_to_person
            .tags
            .iter()
            .chain(&self.state.tags)
            .chain(step_tags);
        for t in all {
            let tag = normalize_tag(&render(t, &self.state.variables, Escape::Plain));
            if !tag.is_empty() && !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        self.effects.push(Effect::Transfer {
            tags,
            ticket_fields: std::mem::take(&mut self.state.ticket_fields),
        });
        self.state.tags.clear();
        self.state.waiting = None;
        self.state.quick_replies.clear();
        self.trace.push("transfer to agent".into());
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
        let mut flow = match step {
            Some(s) => Flow::Goto(answer.to_owned(), s),
            None => Flow::End,
        };
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
        let goto = |next: &Option<String>| match next {
            Some(s) => Flow::Goto(answer_id.to_owned(), s.clone()),
            None => Flow::End,
        };
        Ok(match step {
            Step::SendMessage { text, next, .. } => {
                let t = self.tr(text);
                self.say(t, Vec::new());
                goto(next)
            }
            Step::PresentOptions { text, options, .. } => {
                let replies = options
                    .iter()
                    .enumerate()
                    .map(|(index, o)| QuickReply {
                        label: self.tr(&o.label),
                        payload: Payload::Option {
                            answer: answer_id.to_owned(),
                            step: step_id.to_owned(),
                            index,
                        }
                        .encode(),
                    })
                    .collect();
                let t = self.tr(text);
                self.say(t, replies);
                self.state.waiting = Some(Waiting::Option {
                    answer: answer_id.to_owned(),
                    step: step_id.to_owned(),
                });
                Flow::Stop
            }
            Step::AskForDetails { text, .. } => {
                if let Some(t) = text {
                    let t = self.tr(t);
                    if !t.trim().is_empty() {
                        self.say(t, Vec::new());
                    }
                }
                return self.form_step(answer_id, step_id, 0);
            }
            Step::ShowArticles {
                text,
                article_ids,
                search,
                next,
                ..
            } => {
                let locale = self.ctx.locale;
                let articles = if article_ids.is_empty() {
                    let query = render(
                        search.as_deref().unwrap_or("{{conversation.last_message}}"),
                        &self.state.variables,
                        Escape::Plain,
                    );
                    self.ctx.articles.search(&query, locale, 3)?
                } else {
                    self.ctx.articles.by_ids(article_ids, locale)?
                };
                if !articles.is_empty() {
                    if let Some(t) = text {
                        let t = self.tr(t);
                        self.say(t, Vec::new());
                    }
                    self.outputs.push(Output::Articles { articles });
                } else {
                    self.trace.push("no articles to show".into());
                }
                goto(next)
            }
            Step::AskIfResolved { text, .. } => {
                let r = &bot.responses.after_answer;
                let question = self.tr(text.as_ref().unwrap_or(&r.text));
                let reply = |yes: bool, label: &Text| QuickReply {
                    label: self.tr(label),
                    payload: Payload::Resolved {
                        answer: answer_id.to_owned(),
                        step: step_id.to_owned(),
                        yes,
                    }
                    .encode(),
                };
                let replies = vec![reply(true, &r.yes_label), reply(false, &r.no_label)];
                self.say(question, replies);
                self.state.waiting = Some(Waiting::Resolved {
                    answer: answer_id.to_owned(),
                    step: step_id.to_owned(),
                });
                Flow::Stop
            }
            Step::MakeApiCall {
                method,
                url,
                headers,
                body,
                save,
                failure,
                ..
            } => {
                let call = api_call::Call {
                    method: *method,
                    url,
                    headers,
                    body: body.as_deref(),
                    save,
                };
                // Not sent here: the turn stops, and whoever stores the state sends the call
                // after their transaction commits, then resumes the flow ([`resume_turn`]).
                match api_call::prepare(&call, &self.state.variables, &bot.allowed_hosts) {
                    Ok(request) => {
                        self.state.awaiting_call = Some(PendingCall {
                            id: String::new(),
                            answer: answer_id.to_owned(),
                            step: step_id.to_owned(),
                            steps: self.steps,
                            request,
                            since: 0,
                        });
                        Flow::Stop
                    }
                    Err(why) => {
                        self.trace.push(format!("API call failed: {why}"));
                        goto(failure)
                    }
                }
            }
            Step::SetVariable {
                variable,
                value,
                next,
                ..
            } => {
                let v = render(value, &self.state.variables, Escape::Plain);
                self.state.variables.insert(variable.clone(), v);
                goto(next)
            }
            Step::BranchByCondition {
                branches,
                otherwise,
                ..
            } => match first_match(branches, &self.state.variables) {
                Some(i) => {
                    self.trace.push(format!("branch {i}"));
                    goto(&branches[i].next)
                }
                None => {
                    self.trace.push("else".into());
                    goto(otherwise)
                }
            },
            Step::BusinessHours {
                schedule,
                open,
                closed,
                ..
            } => {
                let is_open = bot
                    .schedule(schedule)
                    .is_some_and(|s| hours::is_open(s, self.ctx.now_ms));
                self.trace
                    .push(if is_open { "open" } else { "closed" }.into());
                goto(if is_open { open } else { closed })
            }
            Step::LinkAnswer { answer, .. } => {
                match bot.answer(answer).and_then(|a| a.steps.first()) {
                    Some(first) => Flow::Goto(answer.clone(), first.id().to_owned()),
                    None => Flow::End,
                }
            }
            Step::AddTags { tags, next, .. } => {
                for t in tags {
                    if !self.state.tags.contains(t) {
                        self.state.tags.push(t.clone());
                    }
                }
                goto(next)
            }
            Step::TransferToAgent { text, tags, .. } => {
                self.transfer(text.as_ref(), tags);
                Flow::Stop
            }
        })
    }

    /// Asks field `from` or the first later one still to fill; when none is left, the flow
    /// goes on after the form.
    fn form_step(&mut self, answer_id: &str, step_id: &str, from: usize) -> Result<Flow, SqlError> {
        let bot = self.bot;
        let Some(Step::AskForDetails { fields, next, .. }) =
            bot.answer(answer_id).and_then(|a| a.step(step_id))
        else {
            return Ok(Flow::End);
        };
        let mut index = from;
        // Name and email already known (a verified login, an earlier form) are not asked again.
        while let Some(f) = fields.get(index) {
            let known = self
                .state
                .variables
                .get(&f.variable)
                .filter(|v| !v.trim().is_empty())
                .cloned();
            match known {
                Some(value)
                    if matches!(
                        f.kind,
                        super::model::FieldKind::Name | super::model::FieldKind::Email
                    ) =>
                {
                    if let Some(tf) = &f.ticket_field {
                        self.state.ticket_fields.insert(tf.clone(), value);
                    }
                    index += 1;
                }
                _ => break,
            }
        }
        if index >= fields.len() {
            return Ok(match next {
                Some(s) => Flow::Goto(answer_id.to_owned(), s.clone()),
                None => Flow::End,
            });
        }
        self.prompt_field(answer_id, step_id, index, None);
        self.state.waiting = Some(Waiting::Field {
            answer: answer_id.to_owned(),
            step: step_id.to_owned(),
            field: index,
            attempts: 0,
        });
        Ok(Flow::Stop)
    }

    /// Continues a form from field `from` after an answer or a skip.
    fn form_from(&mut self, answer_id: &str, step_id: &str, from: usize) -> Result<(), SqlError> {
        self.state.waiting = None;
        match self.form_step(answer_id, step_id, from)? {
            Flow::Goto(a, s) => self.continue_at(&a, Some(s)),
            Flow::End => self.continue_at(answer_id, None),
            Flow::Stop => Ok(()),
        }
    }

    fn select_labels(&self, field: &super::model::FormField) -> Vec<String> {
        field.options.iter().map(|o| self.tr(o)).collect()
    }

    fn prompt_field(
        &mut self,
        answer_id: &str,
        step_id: &str,
        index: usize,
        problem: Option<&Invalid>,
    ) {
        let bot = self.bot;
        let Some(Step::AskForDetails { fields, .. }) =
            bot.answer(answer_id).and_then(|a| a.step(step_id))
        else {
            return;
        };
        let Some(field) = fields.get(index) else {
            return;
        };
        let mut replies: Vec<QuickReply> = self
            .select_labels(field)
            .into_iter()
            .map(|label| QuickReply {
                payload: label.clone(),
                label,
            })
            .collect();
        if !field.required {
            replies.push(QuickReply {
                label: self.tr(&Text::en_ko("Skip", "건너뛰기")),
                payload: Payload::Skip {
                    answer: answer_id.to_owned(),
                    step: step_id.to_owned(),
                    field: index,
                }
                .encode(),
            });
        }
        let question = self.tr(&field.label);
        let text = match problem {
            Some(p) => format!("{} {question}", p.message(self.ctx.locale)),
            None => question,
        };
        if !replies.is_empty() {
            self.state.quick_replies = replies.clone();
        }
        self.outputs.push(Output::Text {
            text,
            quick_replies: replies,
            expects: Some(field.kind),
        });
    }

    fn field_input(
        &mut self,
        answer_id: &str,
        step_id: &str,
        index: usize,
        attempts: u8,
        text: &str,
    ) -> Result<(), SqlError> {
        let bot = self.bot;
        let Some(Step::AskForDetails { fields, .. }) =
            bot.answer(answer_id).and_then(|a| a.step(step_id))
        else {
            self.state.waiting = None;
            return Ok(());
        };
        let Some(field) = fields.get(index) else {
            self.state.waiting = None;
            return Ok(());
        };
        match fields::validate(field, text, &self.select_labels(field)) {
            Ok(value) => {
                self.trace
                    .push(format!("{answer_id}/{step_id} field {index} ok"));
                if let Some(tf) = &field.ticket_field {
                    self.state.ticket_fields.insert(tf.clone(), value.clone());
                }
                self.state.variables.insert(field.variable.clone(), value);
                self.form_from(answer_id, step_id, index + 1)
            }
            Err(problem) => {
                let attempts = attempts + 1;
                self.trace.push(format!(
                    "{answer_id}/{step_id} field {index} invalid ({attempts})"
                ));
                if attempts >= MAX_FIELD_ATTEMPTS {
                    self.state.waiting = None;
                    self.cant_answer();
                    return Ok(());
                }
                self.prompt_field(answer_id, step_id, index, Some(&problem));
                self.state.waiting = Some(Waiting::Field {
                    answer: answer_id.to_owned(),
                    step: step_id.to_owned(),
                    field: index,
                    attempts,
                });
                Ok(())
            }
        }
    }
}

/// Zendesk tags: lower case, no spaces.
fn normalize_tag(tag: &str) -> String {
    tag.trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
}
