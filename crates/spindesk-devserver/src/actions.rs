//! `[component.<id>.dependencies]` `"spindesk:bot/actions"`, honoured natively: the component
//! file is loaded with wasmtime (`spindesk-wasm-actions`) and handed to the component's
//! requests as their [`Actions`] port, as Spin composes it into the component.

use spindesk_core::ports::actions::{ActionContext, ActionError, ActionInfo, Actions, Outcome};
use spindesk_native::spin_routes::Component;
use spindesk_wasm_actions::{Limits, WasmActions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The import the bot-running components declare.
pub const ACTIONS_IMPORT: &str = "spindesk:bot/actions";

/// A component's actions: the loaded dependency, none, or one that could not be loaded (the
/// dev server still starts, with a warning; every `run_action` step then fails with why).
pub enum DevActions {
    None,
    Loaded(WasmActions),
    Broken(String),
}

impl Actions for DevActions {
    fn list(&self) -> Result<Vec<ActionInfo>, ActionError> {
        match self {
            DevActions::None => Ok(Vec::new()),
            DevActions::Loaded(a) => a.list(),
            DevActions::Broken(why) => Err(ActionError::Failed(why.clone())),
        }
    }
    fn run(&self, name: &str, context: &ActionContext) -> Result<Outcome, ActionError> {
        match self {
            DevActions::None => Err(ActionError::UnknownAction(name.to_owned())),
            DevActions::Loaded(a) => a.run(name, context),
            DevActions::Broken(why) => Err(ActionError::Failed(why.clone())),
        }
    }
}

/// Loads each dependency file once, however many components name it.
#[derive(Default)]
pub struct Loader {
    loaded: BTreeMap<PathBuf, Result<WasmActions, String>>,
}

impl Loader {
    /// The actions of component `id`, and a warning if its dependency could not be loaded.
    pub fn for_component(
        &mut self,
        id: &str,
        c: &Component,
        manifest_dir: &Path,
    ) -> (DevActions, Option<String>) {
        let Some(dep) = c.dependencies.get(ACTIONS_IMPORT) else {
            return (DevActions::None, None);
        };
        let Some(path) = &dep.path else {
            let why = format!("[component.{id}.dependencies] {ACTIONS_IMPORT:?}: only `path` dependencies are understood here");
            return (DevActions::Broken(why.clone()), Some(why));
        };
        let file = manifest_dir.join(path);
        let loaded = self
            .loaded
            .entry(file.clone())
            .or_insert_with(|| WasmActions::load(&file, Limits::default()));
        match loaded {
            Ok(actions) => (DevActions::Loaded(actions.clone()), None),
            Err(e) => {
                let why = format!(
                    "[component.{id}.dependencies] {ACTIONS_IMPORT:?}: {e} (build it: cargo build --target wasm32-wasip2 --release -p actions-builtin)"
                );
                (DevActions::Broken(why.clone()), Some(why))
            }
        }
    }
}
