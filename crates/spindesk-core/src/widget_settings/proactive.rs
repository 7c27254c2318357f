//! Proactive messages: admin rules that make the widget greet a visitor with a bot bubble
//! (and up to three quick replies) on matching pages. The widget decides when a rule fires
//! (it alone knows the page, the time on it and what it showed today); the server keeps the
//! rules and counts how often each was shown and clicked.

use serde::{Deserialize, Serialize};

/// Most rules.
pub const MAX_RULES: usize = 20;
/// Most quick replies under one message.
pub const MAX_REPLIES: usize = 3;
pub const MAX_MESSAGE_CHARS: usize = 500;
pub const MAX_REPLY_CHARS: usize = 40;
pub const MAX_URL_CHARS: usize = 300;
/// Longest wait on a page before a rule fires, in seconds.
pub const MAX_SECONDS: u32 = 3600;

/// How `url` is compared with the page's path (and query).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    /// The path starts with `url`.
    #[default]
    Prefix,
    /// `url` is a pattern over the whole path where `*` stands for any characters.
    Glob,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Visitor {
    #[default]
    Any,
    /// First visit: the browser has not seen the widget before this visit.
    New,
    Returning,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Assigned on save when missing; counts are kept by it.
    #[serde(default)]
    pub id: Option<String>,
    pub url: String,
    #[serde(default, rename = "match")]
    pub matching: Match,
    #[serde(default)]
    pub seconds: u32,
    #[serde(default)]
    pub visitor: Visitor,
    /// `en`, `ko`, or absent for any.
    #[serde(default)]
    pub locale: Option<String>,
    pub message: String,
    #[serde(default)]
    pub quick_replies: Vec<String>,
}

fn chars_within(text: &str, max: usize) -> bool {
    let n = text.trim().chars().count();
    n >= 1 && n <= max && text.chars().all(|c| !c.is_control() || c == '\n')
}

/// Whether `id` may name a rule: 1 to 40 of `A-Z a-z 0-9 - _`.
pub fn valid_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Checks rule `i` (0-based, for the message), trimming its texts; the field and what is wrong.
pub fn validate(i: usize, rule: &mut Rule) -> Result<(), (String, String)> {
    let at = |field: &str| format!("proactive[{i}].{field}");
    if let Some(id) = &rule.id {
        if !valid_id(id) {
            return Err((
                at("id"),
                "must be 1 to 40 letters, digits, '-' or '_'".into(),
            ));
        }
    }
    rule.url = rule.url.trim().to_owned();
    if !rule.url.starts_with('/')
        || rule.url.chars().count() > MAX_URL_CHARS
        || rule.url.chars().any(char::is_whitespace)
    {
        return Err((
            at("url"),
            format!("must be a path starting with '/', at most {MAX_URL_CHARS} characters, without spaces (such as \"/pricing\" or \"/pricing*\")"),
        ));
    }
    if rule.seconds > MAX_SECONDS {
        return Err((at("seconds"), format!("must be 0 to {MAX_SECONDS}")));
    }
    if let Some(locale) = &rule.locale {
        if locale != "en" && locale != "ko" {
            return Err((
                at("locale"),
                format!("must be \"en\" or \"ko\" (or left out for any), got {locale:?}"),
            ));
        }
    }
    rule.message = rule.message.trim().to_owned();
    if !chars_within(&rule.message, MAX_MESSAGE_CHARS) {
        return Err((
            at("message"),
            format!("must be 1 to {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    if rule.quick_replies.len() > MAX_REPLIES {
        return Err((
            at("quick_replies"),
            format!("may have at most {MAX_REPLIES} replies"),
        ));
    }
    for reply in &mut rule.quick_replies {
        *reply = reply.trim().to_owned();
        if !chars_within(reply, MAX_REPLY_CHARS) || reply.contains('\n') {
            return Err((
                at("quick_replies"),
                format!("each reply must be 1 to {MAX_REPLY_CHARS} characters on one line"),
            ));
        }
    }
    Ok(())
}
