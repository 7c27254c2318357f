//! The `spindesk:bot/actions` import of the components that run the bot, satisfied as Spin
//! satisfies `spin.toml`'s dependency: by the actions component the manifest names, with no
//! stores, variables or network (`dependencies_inherit_configuration = false`). Each call
//! runs in a fresh instance of it (`spindesk_wasm_actions`, the dev server's loader).

use crate::bindings::actions::spindesk::bot::actions::{
    self as wit, ActionError, ActionInfo, Context, Outcome,
};
use crate::state::Instance;
use spindesk_core::ports::actions::{self as core, Actions};

impl wit::Host for Instance {
    async fn list_actions(&mut self) -> wasmtime::Result<Vec<ActionInfo>> {
        let listed = self.actions()?.list().map_err(trap)?;
        Ok(listed
            .into_iter()
            .map(|a| ActionInfo {
                name: a.name,
                label: a
                    .label
                    .into_iter()
                    .map(|(locale, text)| wit::Localized { locale, text })
                    .collect(),
                reads: a
                    .reads
                    .into_iter()
                    .map(|r| wit::InputSpec {
                        name: r.name,
                        required: r.required,
                    })
                    .collect(),
                writes: a.writes,
            })
            .collect())
    }

    async fn run(
        &mut self,
        name: String,
        context: Context,
    ) -> wasmtime::Result<Result<Outcome, ActionError>> {
        let context = core::ActionContext {
            locale: context.locale,
            channel: context.channel,
            variables: context
                .variables
                .into_iter()
                .map(|v| (v.name, v.value))
                .collect(),
            last_message: context.last_message,
            now_ms: context.now_ms,
        };
        let variable = |(name, value)| wit::Variable { name, value };
        Ok(match self.actions()?.run(&name, &context) {
            Ok(core::Outcome::Set(vars)) => {
                Ok(Outcome::Set(vars.into_iter().map(variable).collect()))
            }
            Ok(core::Outcome::Say(text)) => Ok(Outcome::Say(text)),
            Ok(core::Outcome::HandOff(tags)) => Ok(Outcome::HandOff(tags)),
            Ok(core::Outcome::Fail(why)) => Ok(Outcome::Fail(why)),
            Err(core::ActionError::UnknownAction(n)) => Err(ActionError::UnknownAction(n)),
            Err(core::ActionError::InvalidInput(why)) => Err(ActionError::InvalidInput(why)),
            // The dependency trapped: under Spin the trap is the calling instance's too.
            Err(failed @ core::ActionError::Failed(_)) => return Err(trap(failed)),
        })
    }
}

fn trap(e: core::ActionError) -> wasmtime::Error {
    wasmtime::Error::msg(format!("spindesk:bot/actions: {e:?}"))
}

impl Instance {
    fn actions(&self) -> wasmtime::Result<&spindesk_wasm_actions::WasmActions> {
        self.grants.actions.as_ref().ok_or_else(|| {
            wasmtime::Error::msg(format!(
                "component {:?} has no spindesk:bot/actions dependency",
                self.grants.id
            ))
        })
    }
}
