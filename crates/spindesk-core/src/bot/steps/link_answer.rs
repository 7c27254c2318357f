//! Continue with another answer's flow (variables carry over).

use crate::bot::checker::{At, Checker};
use crate::bot::run::{Flow, Run};

pub fn check(c: &mut Checker, at: &At, target: &str) {
    if c.bot.answer(target).is_none() {
        c.at(
            &at.field("answer"),
            "unknown_answer",
            format!("no answer has id {target:?}"),
        );
    }
}

pub fn run(run: &Run, target: &str) -> Flow {
    match run.bot.answer(target).and_then(|a| a.steps.first()) {
        Some(first) => Flow::Goto(target.to_owned(), first.id().to_owned()),
        None => Flow::End,
    }
}
