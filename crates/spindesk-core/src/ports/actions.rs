//! Bot actions: business logic a `run_action` step calls by name, provided by a WebAssembly
//! component that exports `spindesk:bot/actions` (`wit/bot.wit`). These types mirror that
//! interface one to one; the adapters translate: `spindesk-spin` through the component's import
//! (Spin composes the dependency `spin.toml` names), `spindesk-wasm-actions` by loading the same
//! component with wasmtime. Only data crosses, so the core neither knows nor cares which.

use serde::Serialize;
use std::fmt;

/// A variable an action reads: the step passes it in `inputs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputSpec {
    pub name: String,
    pub required: bool,
}

/// What `list-actions` says about one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionInfo {
    pub name: String,
    /// `(locale, text)` pairs, as the component lists them.
    pub label: Vec<(String, String)>,
    pub reads: Vec<InputSpec>,
    /// The only variables the action may set.
    pub writes: Vec<String>,
}

/// What an action is told about the conversation (the interface's `context`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionContext {
    pub locale: String,
    pub channel: String,
    /// The step's inputs with the bot's variables filled in, `(name, value)`.
    pub variables: Vec<(String, String)>,
    pub last_message: String,
    /// Milliseconds since the Unix epoch (`ports::Millis`, not named: `ports` reads this file).
    pub now_ms: i64,
}

/// What the bot does next (the interface's `outcome`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Set(Vec<(String, String)>),
    Say(String),
    HandOff(Vec<String>),
    Fail(String),
}

/// Why an action gave no outcome: the interface's `action-error`, or the host's own verdict on
/// the component (it trapped, ran out of fuel or time, or there is no component at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionError {
    UnknownAction(String),
    InvalidInput(String),
    Failed(String),
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionError::UnknownAction(name) => write!(f, "no action named {name:?}"),
            ActionError::InvalidInput(why) => write!(f, "invalid input: {why}"),
            ActionError::Failed(why) => write!(f, "{why}"),
        }
    }
}
impl std::error::Error for ActionError {}

/// The actions component, as the core calls it.
pub trait Actions {
    fn list(&self) -> Result<Vec<ActionInfo>, ActionError>;
    fn run(&self, name: &str, context: &ActionContext) -> Result<Outcome, ActionError>;
}

/// For components that do not run the bot (`spin.toml` gives them no actions dependency), and
/// for tests that use no actions: there are none, and running one fails.
pub struct NoActions;

impl Actions for NoActions {
    fn list(&self) -> Result<Vec<ActionInfo>, ActionError> {
        Ok(Vec::new())
    }
    fn run(&self, name: &str, _: &ActionContext) -> Result<Outcome, ActionError> {
        Err(ActionError::UnknownAction(name.to_owned()))
    }
}
