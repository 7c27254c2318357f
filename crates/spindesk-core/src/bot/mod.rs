//! The bot builder: answers made of steps, matched from free text, run by a deterministic
//! engine whose state lives with the conversation.
//!
//! - [`model`]: the bot document (JSON) an admin edits; [`validate`]: checks before saving.
//! - [`engine`]: one turn — input + stored state in, messages + effects + next state out.
//! - [`condition`], [`hours`], [`template`], [`fields`], [`api_call`], [`intent`]: the parts
//!   the steps use.

pub mod api_call;
pub mod condition;
pub mod engine;
pub mod fields;
pub mod hours;
pub mod intent;
pub mod model;
mod starter;
pub mod state;
pub mod template;
pub mod terms;
pub mod validate;

pub use engine::{run_turn, Articles, Context, NoArticles};
pub use model::Bot;
pub use starter::{respond, StarterTexts, HANDOFF_PAYLOAD, SETTINGS_KEY};
pub use state::{BotState, Effect, Input, Output, QuickReply, Turn};

/// The author name on bot messages.
pub const NAME: &str = "Spindesk Bot";
