//! A form, asked one field at a time so it reads the same on every channel. While a field
//! waits, what the customer types is its value ([`answered`]): valid values are saved, invalid
//! ones asked again with what a good value looks like, [`MAX_FIELD_ATTEMPTS`] times.

use crate::bot::checker::{At, Checker, MAX_OPTIONS};
use crate::bot::condition::compile_pattern;
use crate::bot::fields::{self, Invalid};
use crate::bot::model::{Bot, FieldKind, FormField, Step, Text};
use crate::bot::run::{Flow, Run};
use crate::bot::state::{Output, Payload, Waiting};
use crate::message::QuickReply;

pub const MAX_FIELDS: usize = 20;
/// Invalid answers to one form field before the bot gives up on the form.
pub const MAX_FIELD_ATTEMPTS: u8 = 3;
/// Where ticket fields may be written at hand-off.
pub const TICKET_FIELDS: &[&str] = &["requester.name", "requester.email", "subject", "priority"];

pub fn check(c: &mut Checker, at: &At, text: Option<&Text>, fields: &[FormField]) {
    if let Some(t) = text {
        c.text(&at.field("text"), t, false);
    }
    if fields.is_empty() {
        c.at(
            &at.field("fields"),
            "fields_required",
            "ask for at least one field",
        );
    }
    c.limit(&at.field("fields"), fields.len(), MAX_FIELDS, "fields");
    for (i, f) in fields.iter().enumerate() {
        check_field(c, &at.field(&format!("fields[{i}]")), f);
    }
}

fn check_field(c: &mut Checker, fat: &At, f: &FormField) {
    c.variable_name(&fat.field("variable"), &f.variable);
    c.text(&fat.field("label"), &f.label, true);
    if f.kind == FieldKind::Select {
        if f.options.is_empty() {
            c.at(
                &fat.field("options"),
                "options_required",
                "a select field needs options",
            );
        }
        c.limit(
            &fat.field("options"),
            f.options.len(),
            MAX_OPTIONS,
            "options",
        );
        for (oi, o) in f.options.iter().enumerate() {
            c.label(&fat.field(&format!("options[{oi}]")), o);
        }
    } else if !f.options.is_empty() {
        c.at(
            &fat.field("options"),
            "not_applicable",
            "only select fields have options",
        );
    }
    if let Some(p) = &f.pattern {
        if f.kind != FieldKind::Text {
            c.at(
                &fat.field("pattern"),
                "not_applicable",
                "only text fields have a pattern",
            );
        } else if let Err(why) = compile_pattern(p) {
            c.at(&fat.field("pattern"), "invalid_pattern", why);
        }
    }
    if let (Some(min), Some(max)) = (f.min, f.max) {
        if min > max {
            c.at(&fat.field("min"), "out_of_range", "min is greater than max");
        }
    }
    if let Some(tf) = &f.ticket_field {
        let custom = tf
            .strip_prefix("custom_fields.")
            .is_some_and(|id| id.parse::<u64>().is_ok());
        if !custom && !TICKET_FIELDS.contains(&tf.as_str()) {
            c.at(&fat.field("ticket_field"), "invalid_ticket_field", format!(
                "{tf:?}: use requester.name, requester.email, subject, priority or custom_fields.<id>"
            ));
        }
    }
}

pub fn run(run: &mut Run, answer_id: &str, step_id: &str, text: Option<&Text>) -> Flow {
    if let Some(t) = text {
        let t = run.tr(t);
        if !t.trim().is_empty() {
            run.say(t, Vec::new());
        }
    }
    ask_from(run, answer_id, step_id, 0)
}

/// Asks field `from` or the first later one still to fill; when none is left, the flow
/// goes on after the form.
fn ask_from(run: &mut Run, answer_id: &str, step_id: &str, from: usize) -> Flow {
    let bot = run.bot;
    let Some(Step::AskForDetails { fields, next, .. }) =
        bot.answer(answer_id).and_then(|a| a.step(step_id))
    else {
        return Flow::End;
    };
    let mut index = from;
    // Name and email already known (a verified login, an earlier form) are not asked again.
    while let Some(f) = fields.get(index) {
        let known = run
            .state
            .variables
            .get(&f.variable)
            .filter(|v| !v.trim().is_empty())
            .cloned();
        match known {
            Some(value) if matches!(f.kind, FieldKind::Name | FieldKind::Email) => {
                if let Some(tf) = &f.ticket_field {
                    run.state.ticket_fields.insert(tf.clone(), value);
                }
                index += 1;
            }
            _ => break,
        }
    }
    if index >= fields.len() {
        return Flow::within(answer_id, next);
    }
    prompt_field(run, answer_id, step_id, index, None);
    run.state.waiting = Some(Waiting::Field {
        answer: answer_id.to_owned(),
        step: step_id.to_owned(),
        field: index,
        attempts: 0,
    });
    Flow::Stop
}

/// Continues a form from field `from` after an answer or a skip.
fn go_on_from(run: &mut Run, answer_id: &str, step_id: &str, from: usize) -> Flow {
    run.state.waiting = None;
    ask_from(run, answer_id, step_id, from)
}

/// Must field `field` be answered? (A field or step that is gone cannot be skipped.)
pub fn is_required(bot: &Bot, answer_id: &str, step_id: &str, field: usize) -> bool {
    match bot.answer(answer_id).and_then(|a| a.step(step_id)) {
        Some(Step::AskForDetails { fields, .. }) => fields.get(field).is_none_or(|f| f.required),
        _ => true,
    }
}

/// The customer skipped optional field `field`.
pub fn skipped(run: &mut Run, answer_id: &str, step_id: &str, field: usize) -> Flow {
    run.trace
        .push(format!("{answer_id}/{step_id} skip field {field}"));
    go_on_from(run, answer_id, step_id, field + 1)
}

fn select_labels(run: &Run, field: &FormField) -> Vec<String> {
    field.options.iter().map(|o| run.tr(o)).collect()
}

fn prompt_field(
    run: &mut Run,
    answer_id: &str,
    step_id: &str,
    index: usize,
    problem: Option<&Invalid>,
) {
    let bot = run.bot;
    let Some(Step::AskForDetails { fields, .. }) =
        bot.answer(answer_id).and_then(|a| a.step(step_id))
    else {
        return;
    };
    let Some(field) = fields.get(index) else {
        return;
    };
    let mut replies: Vec<QuickReply> = select_labels(run, field)
        .into_iter()
        .map(|label| QuickReply {
            payload: label.clone(),
            label,
        })
        .collect();
    if !field.required {
        replies.push(QuickReply {
            label: run.tr(&Text::en_ko("Skip", "건너뛰기")),
            payload: Payload::Skip {
                answer: answer_id.to_owned(),
                step: step_id.to_owned(),
                field: index,
            }
            .encode(),
        });
    }
    let question = run.tr(&field.label);
    let text = match problem {
        Some(p) => format!("{} {question}", p.message(run.ctx.locale)),
        None => question,
    };
    if !replies.is_empty() {
        run.state.quick_replies = replies.clone();
    }
    run.outputs.push(Output::Text {
        text,
        quick_replies: replies,
        expects: Some(field.kind),
    });
}

/// `text` is the customer's answer to field `index`, after `attempts` invalid ones.
pub fn answered(
    run: &mut Run,
    answer_id: &str,
    step_id: &str,
    index: usize,
    attempts: u8,
    text: &str,
) -> Flow {
    let bot = run.bot;
    let Some(Step::AskForDetails { fields, .. }) =
        bot.answer(answer_id).and_then(|a| a.step(step_id))
    else {
        run.state.waiting = None;
        return Flow::Stop;
    };
    let Some(field) = fields.get(index) else {
        run.state.waiting = None;
        return Flow::Stop;
    };
    match fields::validate(field, text, &select_labels(run, field)) {
        Ok(value) => {
            run.trace
                .push(format!("{answer_id}/{step_id} field {index} ok"));
            if let Some(tf) = &field.ticket_field {
                run.state.ticket_fields.insert(tf.clone(), value.clone());
            }
            // Bots published before `customer.email` was refused to forms still name it: the
            // typed value then fills only the ticket field.
            if !crate::bot::state::is_verified_fact(&field.variable) {
                run.state.variables.insert(field.variable.clone(), value);
            }
            go_on_from(run, answer_id, step_id, index + 1)
        }
        Err(problem) => {
            let attempts = attempts + 1;
            run.trace.push(format!(
                "{answer_id}/{step_id} field {index} invalid ({attempts})"
            ));
            if attempts >= MAX_FIELD_ATTEMPTS {
                run.state.waiting = None;
                run.cant_answer();
                return Flow::Stop;
            }
            prompt_field(run, answer_id, step_id, index, Some(&problem));
            run.state.waiting = Some(Waiting::Field {
                answer: answer_id.to_owned(),
                step: step_id.to_owned(),
                field: index,
                attempts,
            });
            Flow::Stop
        }
    }
}
