//! The actions a bot's `run_action` steps are checked against: what the actions component's
//! `list-actions()` returned when the bot was saved or published. Apart from the step so the
//! whole-bot checks ([`super::checker`]) can hold it without reading the step that uses it.

use crate::ports::actions::{ActionInfo, Actions};

/// The actions a bot is checked against: what `list-actions()` returned, or why it could not
/// be asked.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub actions: Vec<ActionInfo>,
    pub unavailable: Option<String>,
}

impl Catalog {
    pub fn of(actions: &dyn Actions) -> Catalog {
        match actions.list() {
            Ok(actions) => Catalog {
                actions,
                unavailable: None,
            },
            Err(e) => Catalog {
                actions: Vec::new(),
                unavailable: Some(e.to_string()),
            },
        }
    }

    pub fn find(&self, name: &str) -> Option<&ActionInfo> {
        self.actions.iter().find(|a| a.name == name)
    }
}
