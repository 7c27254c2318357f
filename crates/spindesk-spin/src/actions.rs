//! The bot's [`Actions`] port on the component's `spindesk:bot/actions` import, bindings
//! generated from the workspace's `wit/` (world `actions-host`). Spin satisfies the import with
//! the component dependency `spin.toml` names (`components/actions-builtin` by default), so a
//! call runs the action inside this request, in its own sandbox.
//!
//! Only components whose surface runs the bot use this ([`crate::serve_with_actions`]); in the
//! others nothing refers to the import, so the linker leaves it out and Spin has nothing to
//! satisfy.

use spindesk_core::ports::actions::{
    ActionContext, ActionError, ActionInfo, Actions, InputSpec, Outcome,
};

spin_sdk::wit_bindgen::generate!({
    path: "../../wit",
    world: "actions-host",
    runtime_path: "spin_sdk::wit_bindgen::rt",
});

use spindesk::bot::actions as wit;

/// The imported actions component.
pub struct SpinActions;

impl Actions for SpinActions {
    fn list(&self) -> Result<Vec<ActionInfo>, ActionError> {
        Ok(wit::list_actions()
            .into_iter()
            .map(|a| ActionInfo {
                name: a.name,
                label: a.label.into_iter().map(|l| (l.locale, l.text)).collect(),
                reads: a
                    .reads
                    .into_iter()
                    .map(|r| InputSpec {
                        name: r.name,
                        required: r.required,
                    })
                    .collect(),
                writes: a.writes,
            })
            .collect())
    }

    fn run(&self, name: &str, context: &ActionContext) -> Result<Outcome, ActionError> {
        let ctx = wit::Context {
            locale: context.locale.clone(),
            channel: context.channel.clone(),
            variables: context
                .variables
                .iter()
                .map(|(name, value)| wit::Variable {
                    name: name.clone(),
                    value: value.clone(),
                })
                .collect(),
            last_message: context.last_message.clone(),
            now_ms: context.now_ms,
        };
        // A trap in the dependency ends this request's instance as well (Spin answers 500 and
        // the transaction, if one was open, is never committed): the conversation stays as it
        // was before the message. Fuel and time limits for dependencies are Spin's to set.
        match wit::run(name, &ctx) {
            Ok(wit::Outcome::Set(vars)) => Ok(Outcome::Set(
                vars.into_iter().map(|v| (v.name, v.value)).collect(),
            )),
            Ok(wit::Outcome::Say(text)) => Ok(Outcome::Say(text)),
            Ok(wit::Outcome::HandOff(tags)) => Ok(Outcome::HandOff(tags)),
            Ok(wit::Outcome::Fail(why)) => Ok(Outcome::Fail(why)),
            Err(wit::ActionError::UnknownAction(name)) => Err(ActionError::UnknownAction(name)),
            Err(wit::ActionError::InvalidInput(why)) => Err(ActionError::InvalidInput(why)),
        }
    }
}
