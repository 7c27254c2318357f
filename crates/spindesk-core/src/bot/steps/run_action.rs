//! Run one of the bot's actions (`spindesk:bot/actions`, a WebAssembly component `spin.toml`
//! composes in; [`crate::ports::actions`]) in the turn, with the step's `inputs` filled in from
//! the variables: `{"type": "run_action", "action": "order-number", "inputs": {"text":
//! "{{conversation.last_message}}"}, "next": ..., "failure": ...}`.
//!
//! Actions are checked against the component's `list-actions()` when the bot is saved: the
//! action must exist, every input it requires must be given, and no input it does not read.
//! At run time the component's answer is checked again (it may have been replaced since): a
//! variable it does not declare in `writes` is refused, and every failure — its own `fail`, a
//! wrong call, a trap, running out of fuel or time — takes `failure` with the reason traced.

use crate::bot::checker::{At, Checker, MAX_TAGS, MAX_TEXT_CHARS};
use crate::bot::run::{Flow, Run};
use crate::bot::steps::transfer_to_agent::transfer;
use crate::bot::template::{is_variable_name, render, Escape};
use crate::ports::actions::{ActionContext, ActionError, ActionInfo, Outcome};
use std::collections::BTreeMap;

pub const MAX_INPUTS: usize = 20;
/// Longest value an action may set (a variable is echoed into messages and API calls).
pub const MAX_VALUE_CHARS: usize = 1000;

pub fn check(c: &mut Checker, at: &At, action: &str, inputs: &BTreeMap<String, String>) {
    c.limit(&at.field("inputs"), inputs.len(), MAX_INPUTS, "inputs");
    for (name, value) in inputs {
        c.template(&at.field(&format!("inputs.{name}")), value);
    }
    let Some(info) = c.actions.find(action) else {
        let (code, message) = match &c.actions.unavailable {
            Some(why) => (
                "actions_unavailable",
                format!("the actions component could not list its actions: {why}"),
            ),
            None => {
                let names: Vec<&str> = c.actions.actions.iter().map(|a| a.name.as_str()).collect();
                (
                    "unknown_action",
                    format!("there is no action named {action:?} (there are: {names:?})"),
                )
            }
        };
        c.at(&at.field("action"), code, message);
        return;
    };
    for read in info.reads.iter().filter(|r| r.required) {
        if !inputs.contains_key(&read.name) {
            c.at(
                &at.field(&format!("inputs.{}", read.name)),
                "missing_variable",
                format!("action {action:?} needs the input {:?}", read.name),
            );
        }
    }
    for name in inputs.keys() {
        if !info.reads.iter().any(|r| &r.name == name) {
            let reads: Vec<&str> = info.reads.iter().map(|r| r.name.as_str()).collect();
            c.at(
                &at.field(&format!("inputs.{name}")),
                "unknown_input",
                format!("action {action:?} reads no input {name:?} (it reads: {reads:?})"),
            );
        }
    }
}

/// Calls the action and follows its outcome.
pub fn run(
    run: &mut Run,
    answer_id: &str,
    action: &str,
    inputs: &BTreeMap<String, String>,
    next: &Option<String>,
    failure: &Option<String>,
) -> Flow {
    match call(run, action, inputs) {
        Ok(Outcome::Set(vars)) => {
            let names: Vec<&str> = vars.iter().map(|(n, _)| n.as_str()).collect();
            run.trace
                .push(format!("action {action}: set {}", names.join(", ")));
            run.state.variables.extend(vars);
            Flow::within(answer_id, next)
        }
        Ok(Outcome::Say(text)) => {
            run.trace.push(format!("action {action}: said a message"));
            if !text.trim().is_empty() {
                run.say(text, Vec::new());
            }
            Flow::within(answer_id, next)
        }
        Ok(Outcome::HandOff(tags)) => {
            run.trace.push(format!("action {action}: hand off"));
            transfer(run, None, &tags, None);
            Flow::Stop
        }
        Ok(Outcome::Fail(why)) => {
            run.trace.push(format!("action {action} failed: {why}"));
            Flow::within(answer_id, failure)
        }
        Err(why) => {
            run.trace.push(format!("action {action} failed: {why}"));
            Flow::within(answer_id, failure)
        }
    }
}

/// The action's outcome, if it keeps to what the action declared.
fn call(
    run: &Run,
    action: &str,
    inputs: &BTreeMap<String, String>,
) -> Result<Outcome, ActionError> {
    let actions = run.ctx.actions;
    let listed = actions.list()?;
    let info = listed
        .iter()
        .find(|a| a.name == action)
        .ok_or_else(|| ActionError::UnknownAction(action.to_owned()))?;
    let vars = &run.state.variables;
    let fact = |name: &str| vars.get(name).cloned().unwrap_or_default();
    let context = ActionContext {
        locale: run.ctx.locale.to_owned(),
        channel: fact("conversation.channel"),
        variables: inputs
            .iter()
            .map(|(name, template)| (name.clone(), render(template, vars, Escape::Plain)))
            .collect(),
        last_message: fact("conversation.last_message"),
        now_ms: run.ctx.now_ms,
    };
    let outcome = actions.run(action, &context)?;
    keeps_to(info, &outcome)
        .map(|()| outcome)
        .map_err(|why| ActionError::Failed(format!("refused: {why}")))
}

/// Whether an outcome is one the action may give: only the variables it declared, values and
/// texts of a sensible size.
fn keeps_to(info: &ActionInfo, outcome: &Outcome) -> Result<(), String> {
    match outcome {
        Outcome::Set(vars) => {
            for (name, value) in vars {
                if !info.writes.contains(name) || !is_variable_name(name) {
                    return Err(format!(
                        "it returned the variable {name:?}, which it does not declare (it writes: {:?})",
                        info.writes
                    ));
                }
                if value.chars().count() > MAX_VALUE_CHARS {
                    return Err(format!(
                        "the value of {name:?} is over {MAX_VALUE_CHARS} characters"
                    ));
                }
            }
            Ok(())
        }
        Outcome::Say(text) if text.chars().count() > MAX_TEXT_CHARS => {
            Err(format!("its text is over {MAX_TEXT_CHARS} characters"))
        }
        Outcome::HandOff(tags) if tags.len() > MAX_TAGS => {
            Err(format!("it gave over {MAX_TAGS} tags"))
        }
        _ => Ok(()),
    }
}
