//! The step's inputs by name, checked against what the action declares it reads: the host has
//! checked this at publish time, but a bot published against another actions component may
//! still call with something missing.

use crate::exports::spindesk::bot::actions::{ActionError, Variable};

pub struct Inputs<'a> {
    vars: &'a [Variable],
}

impl<'a> Inputs<'a> {
    pub fn new(vars: &'a [Variable], reads: &[(&str, bool)]) -> Result<Self, ActionError> {
        for (name, required) in reads {
            let given = vars
                .iter()
                .any(|v| v.name == *name && !v.value.trim().is_empty());
            if *required && !given {
                return Err(ActionError::InvalidInput(format!("`{name}` is required")));
            }
        }
        Ok(Inputs { vars })
    }

    /// The trimmed value of `name`; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.vars
            .iter()
            .find(|v| v.name == name)
            .map(|v| v.value.trim())
            .filter(|v| !v.is_empty())
    }

    /// A required input (declared so, hence present).
    pub fn required(&self, name: &str) -> Result<&'a str, ActionError> {
        self.get(name)
            .ok_or_else(|| ActionError::InvalidInput(format!("`{name}` is required")))
    }
}

/// One variable, for `Outcome::Set`.
pub fn set(name: &str, value: impl Into<String>) -> Variable {
    Variable {
        name: name.into(),
        value: value.into(),
    }
}
