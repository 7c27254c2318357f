//! What the checks before saving a bot report to, and the checks every part of it shares
//! (texts, labels, variables, tags). The whole-bot checks ([`super::validate`]) and each step
//! type's own ([`super::steps`]) both use it.

use super::catalog::Catalog;
use super::model::{Bot, Text};
use super::template::{is_variable_name, references};
use serde::Serialize;
use std::collections::BTreeSet;

pub const MAX_OPTIONS: usize = 10;
pub const MAX_LABEL_CHARS: usize = 40;
pub const MAX_TEXT_CHARS: usize = 4096;
pub const MAX_TAGS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// JSON path of the offending value, e.g. `answers[2].steps[3].branches[0].next`.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    pub code: &'static str,
    pub message: String,
}

/// An id of an answer, step or schedule: 1-64 of letters, digits, `-`, `_`.
pub fn is_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub(crate) struct Checker<'b> {
    pub(crate) bot: &'b Bot,
    pub(crate) problems: Vec<Problem>,
    /// Every variable the bot can have, to tell a typo from a variable.
    pub(crate) known_variables: BTreeSet<String>,
    /// The actions `run_action` steps may name.
    pub(crate) actions: &'b Catalog,
}

/// The path of answer `a`, step `s`.
pub(crate) struct At<'x> {
    pub(crate) path: String,
    pub(crate) answer: &'x str,
    pub(crate) step: Option<&'x str>,
}

impl<'x> At<'x> {
    pub(crate) fn field(&self, field: &str) -> At<'x> {
        At {
            path: format!("{}.{field}", self.path),
            answer: self.answer,
            step: self.step,
        }
    }
}

impl Checker<'_> {
    pub(crate) fn at(&mut self, at: &At, code: &'static str, message: impl Into<String>) {
        self.problems.push(Problem {
            path: at.path.clone(),
            answer: (!at.answer.is_empty()).then(|| at.answer.to_owned()),
            step: at.step.map(str::to_owned),
            code,
            message: message.into(),
        });
    }

    pub(crate) fn top(&mut self, path: &str, code: &'static str, message: impl Into<String>) {
        let at = At {
            path: path.to_owned(),
            answer: "",
            step: None,
        };
        self.at(&at, code, message);
    }

    pub(crate) fn limit(&mut self, at: &At, count: usize, max: usize, what: &str) {
        if count > max {
            self.at(
                at,
                "limit_exceeded",
                format!("{count} {what}; at most {max} are allowed"),
            );
        }
    }

    pub(crate) fn text(&mut self, at: &At, text: &Text, required: bool) {
        if required && text.is_blank() {
            self.at(at, "text_required", "this text is empty");
        }
        for variant in text.variants() {
            if variant.chars().count() > MAX_TEXT_CHARS {
                self.at(
                    at,
                    "text_too_long",
                    format!("longer than {MAX_TEXT_CHARS} characters"),
                );
            }
            self.template(at, variant);
        }
    }

    pub(crate) fn label(&mut self, at: &At, text: &Text) {
        if text.is_blank() {
            self.at(at, "text_required", "this label is empty");
        }
        if text
            .variants()
            .iter()
            .any(|v| v.chars().count() > MAX_LABEL_CHARS)
        {
            self.at(
                at,
                "label_too_long",
                format!("quick-reply labels are at most {MAX_LABEL_CHARS} characters (some channels cut them at 20)"),
            );
        }
    }

    pub(crate) fn template(&mut self, at: &At, template: &str) {
        for name in references(template) {
            self.variable_ref(at, name);
        }
    }

    pub(crate) fn variable_ref(&mut self, at: &At, name: &str) {
        if !self.known_variables.contains(name) {
            self.at(
                at,
                "unknown_variable",
                format!(
                    "no variable {name:?}: declare it under `variables`, or fill it with a form, \
                     an API call or a set_variable step"
                ),
            );
        }
    }

    pub(crate) fn variable_name(&mut self, at: &At, name: &str) {
        if crate::bot::state::is_verified_fact(name) {
            self.at(
                at,
                "reserved_variable",
                format!(
                    "{name:?} is filled from verified sources only (the site's signed token, \
                     the e-mail channel); keep what the customer types in a variable of your \
                     own (say `email`)"
                ),
            );
        } else if !is_variable_name(name) {
            self.at(
                at,
                "invalid_variable_name",
                format!(
                    "{name:?} is not a variable name (letters, digits, `_`, parts joined by `.`)"
                ),
            );
        }
    }

    /// Tags are single words; one made from a template may hold spaces, which the hand-off
    /// turns into `_`.
    pub(crate) fn tags(&mut self, at: &At, tags: &[String]) {
        self.limit(at, tags.len(), MAX_TAGS, "tags");
        for t in tags {
            let literal: String = t.replace(' ', "");
            if t.trim().is_empty() || literal.len() != t.len() && references(t).is_empty() {
                self.at(
                    at,
                    "invalid_tag",
                    format!("{t:?}: tags are single words (no spaces)"),
                );
            }
            self.template(at, t);
        }
    }
}
