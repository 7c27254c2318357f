//! Tags for the ticket, applied when the conversation is handed to a person.

use crate::bot::checker::{At, Checker};
use crate::bot::run::{Flow, Run};

pub fn check(c: &mut Checker, at: &At, tags: &[String]) {
    if tags.is_empty() {
        c.at(&at.field("tags"), "tags_required", "add at least one tag");
    }
    c.tags(&at.field("tags"), tags);
}

pub fn run(run: &mut Run, answer_id: &str, tags: &[String], next: &Option<String>) -> Flow {
    for t in tags {
        if !run.state.tags.contains(t) {
            run.state.tags.push(t.clone());
        }
    }
    Flow::within(answer_id, next)
}
