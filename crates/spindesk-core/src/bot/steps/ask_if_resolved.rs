//! "Did this solve it?" with yes and no branches; waits for the customer.

use crate::bot::checker::{At, Checker};
use crate::bot::model::{Step, Text};
use crate::bot::run::{Flow, Run};
use crate::bot::state::{Payload, Waiting};
use crate::message::QuickReply;

pub fn check(c: &mut Checker, at: &At, text: Option<&Text>) {
    if let Some(t) = text {
        c.text(&at.field("text"), t, false);
    }
}

pub fn run(run: &mut Run, answer_id: &str, step_id: &str, text: Option<&Text>) -> Flow {
    let bot = run.bot;
    let r = &bot.responses.after_answer;
    let question = run.tr(text.unwrap_or(&r.text));
    let reply = |yes: bool, label: &Text| QuickReply {
        label: run.tr(label),
        payload: Payload::Resolved {
            answer: answer_id.to_owned(),
            step: step_id.to_owned(),
            yes,
        }
        .encode(),
    };
    let replies = vec![reply(true, &r.yes_label), reply(false, &r.no_label)];
    run.say(question, replies);
    run.state.waiting = Some(Waiting::Resolved {
        answer: answer_id.to_owned(),
        step: step_id.to_owned(),
    });
    Flow::Stop
}

/// The customer said yes or no at the step the conversation waited at: the step that answer
/// leads to.
pub fn answered(run: &mut Run, answer_id: &str, step_id: &str, yes: bool) -> Option<String> {
    run.state.waiting = None;
    let next = match run.bot.answer(answer_id).and_then(|a| a.step(step_id)) {
        Some(Step::AskIfResolved { yes: y, no: n, .. }) => {
            if yes {
                y.clone()
            } else {
                n.clone()
            }
        }
        _ => None,
    };
    run.trace.push(format!(
        "{answer_id}/{step_id} {}",
        if yes { "yes" } else { "no" }
    ));
    next
}
