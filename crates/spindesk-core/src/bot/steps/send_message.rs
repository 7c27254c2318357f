//! Say something, then go on.

use crate::bot::checker::{At, Checker};
use crate::bot::model::Text;
use crate::bot::run::{Flow, Run};

pub fn check(c: &mut Checker, at: &At, text: &Text) {
    c.text(&at.field("text"), text, true);
}

pub fn run(run: &mut Run, answer_id: &str, text: &Text, next: &Option<String>) -> Flow {
    let t = run.tr(text);
    run.say(t, Vec::new());
    Flow::within(answer_id, next)
}
