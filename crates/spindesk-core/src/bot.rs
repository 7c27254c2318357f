//! The bot builder: answers made of steps, matched from free text, run by a deterministic
//! engine whose state lives with the conversation.
//!
//! - [`model`]: the bot document (JSON) an admin edits; [`validate`]: checks before saving.
//! - [`engine`]: one turn — input + stored state in, messages + effects + next state out.
//! - `steps/`: each step type in one file, its checks and what it does when run; `validate` and
//!   `engine` pick the file by type. The step files report problems to `checker` and add to the
//!   turn in `run`, so they read neither `validate` nor `engine`.
//! - [`condition`], [`hours`], [`template`], [`fields`], [`api_call`], [`intent`]: the parts
//!   the steps use.
//! - [`phrases`]: the training phrases analysed once, stored with each published version.
//! - [`articles`]: the help center the bot shows articles from.
//! - [`secrets`]: API-call headers that are credentials, sealed at rest and never shown.
//! - [`versions`]: draft, published versions, live; [`reply`]: the bot inside a conversation.

pub mod api_call;
pub mod articles;
pub mod catalog;
mod checker;
pub mod condition;
mod context;
pub mod engine;
pub mod fields;
pub mod hours;
pub mod intent;
pub mod model;
pub mod phrases;
pub mod reply;
mod run;
pub mod secrets;
mod starter;
pub mod state;
mod steps;
pub mod template;
pub mod validate;
pub mod versions;

pub use engine::{resume_turn, run_turn, start_turn, Articles, CallOutcome, Context, NoArticles};
pub use model::Bot;
pub use reply::{prepare, prepare_first, respond, Ahead, BotReply, ResumeAhead, Transfer};
pub use starter::starter_bot;
pub use state::{BotState, Effect, Input, Output, PendingCall, Turn, PERSON as HANDOFF_PAYLOAD};

/// The author name on bot messages.
pub const NAME: &str = "Spindesk Bot";
