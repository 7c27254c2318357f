//! The bot: what it says while it is in control of a conversation.

mod starter;

pub use starter::{respond, StarterTexts, Turn, HANDOFF_PAYLOAD, SETTINGS_KEY};

/// The author name on bot messages.
pub const NAME: &str = "Spindesk Bot";
