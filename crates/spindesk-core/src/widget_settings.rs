//! How the website widget looks and behaves, as the admin set it: brand colour, launcher
//! position, texts per locale, avatar, business name, greeting, whether it may open by itself
//! on a phone, which sites may embed it, attention cues, and proactive-message rules.
//!
//! One JSON document in `settings` (key `widget`): the widget reads it all at once on every page
//! load (`GET /api/widget/settings`, cacheable with an ETag), and the admin saves it whole. The
//! only thing that changes without the admin is how often proactive rules were shown and
//! clicked, which lives in its own table so a visitor's count never rewrites the document.

pub mod contrast;
pub mod origins;
pub mod proactive;

use crate::ids::new_public_id;
use crate::ports::{Millis, Random, SqlError};
use crate::store::Db;
use crate::web::ApiError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

const KEY: &str = "widget";
pub const DEFAULT_COLOR: &str = "#1d4ed8";
pub const MAX_LABEL_CHARS: usize = 40;
pub const MAX_TITLE_CHARS: usize = 60;
pub const MAX_GREETING_CHARS: usize = 500;
pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_URL_CHARS: usize = 2048;
/// Largest launcher offset from the window's edges, in CSS pixels.
pub const MAX_OFFSET: u32 = 200;

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    #[default]
    Right,
    Left,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Position {
    #[serde(default)]
    pub side: Side,
    /// From the left or right edge (by `side`), in CSS pixels.
    #[serde(default = "default_offset")]
    pub x: u32,
    /// From the bottom edge.
    #[serde(default = "default_offset")]
    pub y: u32,
}

fn default_offset() -> u32 {
    20
}

impl Default for Position {
    fn default() -> Self {
        Self {
            side: Side::Right,
            x: default_offset(),
            y: default_offset(),
        }
    }
}

/// A text in the widget's two locales; a missing one uses the widget's built-in text.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ko: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Attention {
    /// Prefix the page title with the unread count while the tab is hidden.
    #[serde(default = "yes")]
    pub title_prefix: bool,
    /// A short tone when a message arrives while the widget is closed.
    #[serde(default)]
    pub sound: bool,
}

fn yes() -> bool {
    true
}

impl Default for Attention {
    fn default() -> Self {
        Self {
            title_prefix: true,
            sound: false,
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default = "default_color")]
    pub brand_color: String,
    #[serde(default)]
    pub position: Position,
    #[serde(default)]
    pub launcher_label: Texts,
    #[serde(default)]
    pub title: Texts,
    #[serde(default)]
    pub greeting: Texts,
    #[serde(default)]
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub business_name: Option<String>,
    /// Whether the widget may open by itself on a phone-sized screen (restoring an open chat
    /// after a navigation, a proactive message); never by default: it covers the whole page.
    #[serde(default)]
    pub open_on_mobile: bool,
    #[serde(default = "any_origin")]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub attention: Attention,
    #[serde(default)]
    pub proactive: Vec<proactive::Rule>,
}

fn default_color() -> String {
    DEFAULT_COLOR.to_owned()
}

fn any_origin() -> Vec<String> {
    vec!["*".to_owned()]
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            brand_color: default_color(),
            position: Position::default(),
            launcher_label: Texts::default(),
            title: Texts::default(),
            greeting: Texts::default(),
            avatar_url: None,
            business_name: None,
            open_on_mobile: false,
            allowed_origins: any_origin(),
            attention: Attention::default(),
            proactive: Vec::new(),
        }
    }
}

fn invalid(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::unprocessable("invalid_settings", format!("`{field}` {message}"))
}

/// `text` trimmed, or why it is not 1 to `max` characters on one line.
fn one_line(field: &str, text: &str, max: usize) -> Result<String, ApiError> {
    let t = text.trim();
    let n = t.chars().count();
    if n == 0 || n > max || t.chars().any(char::is_control) {
        return Err(invalid(
            field,
            format!("must be 1 to {max} characters on one line"),
        ));
    }
    Ok(t.to_owned())
}

fn check_texts(
    field: &str,
    texts: &mut Texts,
    max: usize,
    multiline: bool,
) -> Result<(), ApiError> {
    for (locale, text) in [("en", &mut texts.en), ("ko", &mut texts.ko)] {
        if let Some(t) = text {
            let name = format!("{field}.{locale}");
            *t = if multiline {
                let trimmed = t.trim();
                let n = trimmed.chars().count();
                if n == 0 || n > max || trimmed.chars().any(|c| c.is_control() && c != '\n') {
                    return Err(invalid(&name, format!("must be 1 to {max} characters")));
                }
                trimmed.to_owned()
            } else {
                one_line(&name, t, max)?
            };
        }
    }
    Ok(())
}

impl Settings {
    /// Checks every field (the first problem is the answer) and puts texts in canonical form;
    /// rules without an id get one.
    pub fn validate(mut self, random: &dyn Random) -> Result<Self, ApiError> {
        let Some(rgb) = contrast::parse_hex(self.brand_color.trim()) else {
            return Err(invalid(
                "brand_color",
                format!("must be a colour as #rrggbb, got {:?}", self.brand_color),
            ));
        };
        let ratio = contrast::against_white(rgb);
        if ratio < contrast::AA_RATIO {
            return Err(ApiError::unprocessable(
                "low_contrast",
                format!(
                    "`brand_color` {} has a contrast ratio of {:.2}:1 with the widget's white text; WCAG AA needs at least {}:1 (choose a darker colour)",
                    self.brand_color.trim(),
                    (ratio * 100.0).floor() / 100.0,
                    contrast::AA_RATIO
                ),
            ));
        }
        self.brand_color = self.brand_color.trim().to_ascii_lowercase();
        for (field, offset) in [
            ("position.x", self.position.x),
            ("position.y", self.position.y),
        ] {
            if offset > MAX_OFFSET {
                return Err(invalid(
                    field,
                    format!("must be 0 to {MAX_OFFSET} pixels, got {offset}"),
                ));
            }
        }
        check_texts(
            "launcher_label",
            &mut self.launcher_label,
            MAX_LABEL_CHARS,
            false,
        )?;
        check_texts("title", &mut self.title, MAX_TITLE_CHARS, false)?;
        check_texts("greeting", &mut self.greeting, MAX_GREETING_CHARS, true)?;
        if let Some(url) = &self.avatar_url {
            let url = url.trim();
            let host = url.strip_prefix("https://").unwrap_or("");
            if host.is_empty()
                || host.starts_with('/')
                || url.len() > MAX_URL_CHARS
                || url
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '\\')
            {
                return Err(invalid(
                    "avatar_url",
                    format!("must be an https:// URL of at most {MAX_URL_CHARS} characters"),
                ));
            }
            self.avatar_url = Some(url.to_owned());
        }
        if let Some(name) = &self.business_name {
            self.business_name = Some(one_line("business_name", name, MAX_NAME_CHARS)?);
        }
        if self.allowed_origins.is_empty() || self.allowed_origins.len() > origins::MAX_ORIGINS {
            return Err(invalid(
                "allowed_origins",
                format!(
                    "must list 1 to {} origins (use [\"*\"] for any site)",
                    origins::MAX_ORIGINS
                ),
            ));
        }
        let mut listed = Vec::new();
        for raw in &self.allowed_origins {
            let origin = origins::normalize(raw).map_err(|m| invalid("allowed_origins", m))?;
            if !listed.contains(&origin) {
                listed.push(origin);
            }
        }
        self.allowed_origins = listed;
        if self.proactive.len() > proactive::MAX_RULES {
            return Err(invalid(
                "proactive",
                format!("may have at most {} rules", proactive::MAX_RULES),
            ));
        }
        let mut ids = HashSet::new();
        for (i, rule) in self.proactive.iter_mut().enumerate() {
            proactive::validate(i, rule).map_err(|(field, m)| invalid(&field, m))?;
            let id = rule
                .id
                .get_or_insert_with(|| format!("r_{}", &new_public_id(random)[..12]))
                .clone();
            if !ids.insert(id.clone()) {
                return Err(invalid(
                    &format!("proactive[{i}].id"),
                    format!("{id:?} is used twice"),
                ));
            }
        }
        Ok(self)
    }

    /// The hover shade of the brand colour.
    pub fn brand_dark(&self) -> String {
        contrast::parse_hex(&self.brand_color)
            .map_or_else(|| "#1e40af".to_owned(), contrast::darker)
    }
}

/// The saved settings, or the defaults before the admin saved any (or if the stored document
/// no longer reads, which only a hand edit of the database could cause).
pub fn load(db: &Db) -> Result<Settings, SqlError> {
    let raw = db.query_opt(
        "SELECT value FROM settings WHERE key = ?",
        &[KEY.into()],
        |r| r.string("value"),
    )?;
    Ok(raw
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

/// Saves validated settings (inside the caller's transaction); counts of rules that are gone
/// go with them.
pub fn save(db: &Db, settings: &Settings, now: Millis) -> Result<(), ApiError> {
    let value = serde_json::to_string(settings).map_err(ApiError::internal)?;
    let ids: Vec<&str> = settings
        .proactive
        .iter()
        .filter_map(|r| r.id.as_deref())
        .collect();
    let ids_json = serde_json::to_string(&ids).map_err(ApiError::internal)?;
    db.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        &[KEY.into(), value.into(), now.into()],
    )?;
    db.execute(
        "DELETE FROM widget_proactive_counts
         WHERE rule_id NOT IN (SELECT value FROM json_each(?))",
        &[ids_json.into()],
    )?;
    Ok(())
}

/// Which count a visitor's widget reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    Shown,
    Clicked,
}

/// Adds one to a rule's count.
pub fn count(db: &Db, rule_id: &str, what: Counted) -> Result<(), SqlError> {
    let (shown, clicked) = match what {
        Counted::Shown => (1, 0),
        Counted::Clicked => (0, 1),
    };
    db.execute(
        "INSERT INTO widget_proactive_counts (rule_id, shown, clicked) VALUES (?, ?, ?)
         ON CONFLICT (rule_id) DO UPDATE
         SET shown = shown + excluded.shown, clicked = clicked + excluded.clicked",
        &[rule_id.into(), shown.into(), clicked.into()],
    )?;
    Ok(())
}

/// `(shown, clicked)` by rule id.
pub fn counts(db: &Db) -> Result<BTreeMap<String, (i64, i64)>, SqlError> {
    let rows = db.query(
        "SELECT rule_id, shown, clicked FROM widget_proactive_counts",
        &[],
        |r| Ok((r.string("rule_id")?, r.i64("shown")?, r.i64("clicked")?)),
    )?;
    Ok(rows.into_iter().map(|(id, s, c)| (id, (s, c))).collect())
}
