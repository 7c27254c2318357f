//! Quick replies, each starting its own branch; waits for the customer.

use crate::bot::checker::{At, Checker, MAX_OPTIONS};
use crate::bot::model::{ChoiceOption, Step, Text};
use crate::bot::run::{Flow, Run};
use crate::bot::state::{Payload, Waiting};
use crate::message::QuickReply;

pub fn check(c: &mut Checker, at: &At, text: &Text, options: &[ChoiceOption]) {
    c.text(&at.field("text"), text, true);
    if options.is_empty() {
        c.at(
            &at.field("options"),
            "options_required",
            "present at least one option",
        );
    }
    c.limit(&at.field("options"), options.len(), MAX_OPTIONS, "options");
    for (i, o) in options.iter().enumerate() {
        c.label(&at.field(&format!("options[{i}].label")), &o.label);
    }
}

pub fn run(
    run: &mut Run,
    answer_id: &str,
    step_id: &str,
    text: &Text,
    options: &[ChoiceOption],
) -> Flow {
    let replies = options
        .iter()
        .enumerate()
        .map(|(index, o)| QuickReply {
            label: run.tr(&o.label),
            payload: Payload::Option {
                answer: answer_id.to_owned(),
                step: step_id.to_owned(),
                index,
            }
            .encode(),
        })
        .collect();
    let t = run.tr(text);
    run.say(t, replies);
    run.state.waiting = Some(Waiting::Option {
        answer: answer_id.to_owned(),
        step: step_id.to_owned(),
    });
    Flow::Stop
}

/// The customer picked option `index` of the step the conversation waited at: the step that
/// option leads to.
pub fn chosen(run: &mut Run, answer_id: &str, step_id: &str, index: usize) -> Option<String> {
    run.state.waiting = None;
    let next = match run.bot.answer(answer_id).and_then(|a| a.step(step_id)) {
        Some(Step::PresentOptions { options, .. }) => {
            options.get(index).and_then(|o| o.next.clone())
        }
        _ => None,
    };
    run.trace
        .push(format!("{answer_id}/{step_id} option {index}"));
    next
}
