//! Spindesk's built-in bot actions, exported as `spindesk:bot/actions` (bindings generated from
//! the workspace's `wit/`). Each action is its own module; this file only lists them and
//! dispatches `run` by name. Nothing here reads the clock, the network or any store: everything
//! comes in through the `context` the host passes, so an action gives the same outcome for the
//! same context, in the simulator and in a live conversation alike.

mod business_days;
mod choose_group;
mod dates;
mod holidays;
mod inputs;
mod mask;
mod order_number;

wit_bindgen::generate!({
    path: "../../wit",
    world: "actions-provider",
});

use exports::spindesk::bot::actions::{
    ActionError, ActionInfo, Context, Guest, InputSpec, Localized, Outcome,
};

/// One action: what `list-actions` says about it and the function that runs it.
struct Action {
    name: &'static str,
    labels: &'static [(&'static str, &'static str)],
    /// `(name, required)`.
    reads: &'static [(&'static str, bool)],
    writes: &'static [&'static str],
    run: fn(&inputs::Inputs, &Context) -> Result<Outcome, ActionError>,
}

const ACTIONS: &[Action] = &[
    order_number::ACTION,
    business_days::ACTION,
    mask::ACTION,
    choose_group::ACTION,
];

impl Action {
    fn info(&self) -> ActionInfo {
        ActionInfo {
            name: self.name.into(),
            label: self
                .labels
                .iter()
                .map(|(locale, text)| Localized {
                    locale: (*locale).into(),
                    text: (*text).into(),
                })
                .collect(),
            reads: self
                .reads
                .iter()
                .map(|(name, required)| InputSpec {
                    name: (*name).into(),
                    required: *required,
                })
                .collect(),
            writes: self.writes.iter().map(|w| (*w).into()).collect(),
        }
    }
}

struct Builtin;

impl Guest for Builtin {
    fn list_actions() -> Vec<ActionInfo> {
        ACTIONS.iter().map(Action::info).collect()
    }

    fn run(name: String, context: Context) -> Result<Outcome, ActionError> {
        let action = ACTIONS
            .iter()
            .find(|a| a.name == name)
            .ok_or(ActionError::UnknownAction(name))?;
        let inputs = inputs::Inputs::new(&context.variables, action.reads)?;
        (action.run)(&inputs, &context)
    }
}

export!(Builtin);

/// The actions called the way the host calls them (native unit tests of the logic; the e2e
/// tests run the same code as Wasm through wasmtime).
#[cfg(test)]
pub(crate) fn call(name: &str, vars: &[(&str, &str)]) -> Result<Outcome, ActionError> {
    let context = Context {
        locale: "en".into(),
        channel: "web".into(),
        variables: vars
            .iter()
            .map(|(n, v)| exports::spindesk::bot::actions::Variable {
                name: (*n).into(),
                value: (*v).into(),
            })
            .collect(),
        last_message: String::new(),
        // 2026-12-04T03:00:00Z: a Friday, 12:00 in Seoul, 22:00 the day before in New York.
        now_ms: 1_796_353_200_000,
    };
    <Builtin as Guest>::run(name.into(), context)
}
