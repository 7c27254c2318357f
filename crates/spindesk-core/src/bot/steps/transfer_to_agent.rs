//! Hand the conversation to a person; ends the flow. Hand-off keywords and the "Talk to a
//! person" reply hand over the same way ([`transfer`]).

use crate::bot::checker::{At, Checker};
use crate::bot::model::Text;
use crate::bot::run::{Flow, Run};
use crate::bot::state::Effect;
use crate::bot::template::{render, Escape};

/// Longest group name a step may give (groups' own limit).
pub const MAX_GROUP_CHARS: usize = crate::groups::MAX_NAME_CHARS;

/// The document's own checks; whether the group exists is checked at publish
/// ([`crate::bot::versions::publish`]), against the groups as they are then.
pub fn check(c: &mut Checker, at: &At, text: Option<&Text>, tags: &[String], group: Option<&str>) {
    if let Some(tx) = text {
        c.text(&at.field("text"), tx, false);
    }
    c.tags(&at.field("tags"), tags);
    if let Some(group) = group {
        if group.trim().is_empty() || group.chars().count() > MAX_GROUP_CHARS {
            c.at(
                &at.field("group"),
                "invalid_group",
                format!("a group name is 1 to {MAX_GROUP_CHARS} characters"),
            );
        }
    }
}

pub fn run(run: &mut Run, text: Option<&Text>, tags: &[String], group: Option<&str>) -> Flow {
    transfer(run, text, tags, group);
    Flow::Stop
}

/// Says `text` (the talk-to-person text without one) and hands over with every tag collected:
/// the bot's, the add_tags steps', and `step_tags`, to `group` (else the default group).
pub fn transfer(run: &mut Run, text: Option<&Text>, step_tags: &[String], group: Option<&str>) {
    let said = run.tr(text.unwrap_or(&run.bot.responses.talk_to_person.text));
    if !said.trim().is_empty() {
        run.say(said, Vec::new());
    }
    let mut tags: Vec<String> = Vec::new();
    let all = run
        .bot
        .responses
        .talk_to_person
        .tags
        .iter()
        .chain(&run.state.tags)
        .chain(step_tags);
    for t in all {
        let tag = normalize_tag(&render(t, &run.state.variables, Escape::Plain));
        if !tag.is_empty() && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    run.effects.push(Effect::Transfer {
        tags,
        ticket_fields: std::mem::take(&mut run.state.ticket_fields),
        group: group.map(str::to_owned),
    });
    run.state.tags.clear();
    run.state.waiting = None;
    run.state.quick_replies.clear();
    run.trace.push("transfer to agent".into());
}

/// Zendesk tags: lower case, no spaces.
fn normalize_tag(tag: &str) -> String {
    tag.trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
}
