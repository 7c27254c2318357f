//! Go one way while a schedule is open and another while it is closed.

use crate::bot::checker::{At, Checker};
use crate::bot::hours;
use crate::bot::run::{Flow, Run};

pub fn check(
    c: &mut Checker,
    at: &At,
    schedule: &str,
    open: &Option<String>,
    closed: &Option<String>,
) {
    if c.bot.schedule(schedule).is_none() {
        c.at(
            &at.field("schedule"),
            "unknown_schedule",
            format!("no schedule has id {schedule:?}"),
        );
    }
    if open.is_none() && closed.is_none() {
        c.at(
            at,
            "missing_next",
            "give the step to go to when open, closed, or both",
        );
    }
}

pub fn run(
    run: &mut Run,
    answer_id: &str,
    schedule: &str,
    open: &Option<String>,
    closed: &Option<String>,
) -> Flow {
    let is_open = run
        .bot
        .schedule(schedule)
        .is_some_and(|s| hours::is_open(s, run.ctx.now_ms));
    run.trace
        .push(if is_open { "open" } else { "closed" }.into());
    Flow::within(answer_id, if is_open { open } else { closed })
}
