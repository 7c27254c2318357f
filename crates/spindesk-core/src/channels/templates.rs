//! WhatsApp message templates: the approved templates an admin registered for a WhatsApp
//! integration (name, language, the names of its body parameters), and the one an agent chose
//! for a reply. Meta approves the template text; we keep only what a send needs.

use super::channel::TemplateSend;
use crate::error::{Error, Result};
use crate::ports::{Millis, SqlError};
use crate::store::{Db, Row};
use serde::Deserialize;

/// Meta's limits: names of lowercase letters, digits and `_` up to 512 characters.
pub const NAME_MAX: usize = 512;
pub const PARAMETERS_MAX: usize = 20;
pub const PARAMETER_NAME_MAX: usize = 60;
/// Longest text one parameter carries.
pub const PARAMETER_TEXT_MAX: usize = 1024;
/// Templates one integration may register.
pub const TEMPLATES_MAX: i64 = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub id: i64,
    pub integration_id: i64,
    pub name: String,
    pub language: String,
    /// What each body parameter (`{{1}}`, `{{2}}`...) is, in order.
    pub parameters: Vec<String>,
    pub created_at: Millis,
}

fn from_row(r: &Row) -> Result<Template, SqlError> {
    let parameters = r.string("parameters")?;
    Ok(Template {
        id: r.i64("id")?,
        integration_id: r.i64("integration_id")?,
        name: r.string("name")?,
        language: r.string("language")?,
        parameters: serde_json::from_str(&parameters)
            .map_err(|e| Row::invalid("parameters", e.to_string()))?,
        created_at: r.i64("created_at")?,
    })
}

const COLUMNS: &str = "id, integration_id, name, language, parameters, created_at";

impl Template {
    /// How the admin API and the agent's workspace show it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "parameters": self.parameters,
            "created_at": crate::timestamp::iso8601(self.created_at),
        })
    }
}

/// `order_update`: lowercase letters, digits, underscores.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= NAME_MAX
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Meta's language codes: `en`, `en_US`, `pt_BR`, `zh_CN`...
pub fn valid_language(code: &str) -> bool {
    let (lang, region) = match code.split_once('_') {
        Some((l, r)) => (l, Some(r)),
        None => (code, None),
    };
    (2..=3).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_lowercase())
        && region.is_none_or(|r| r.len() == 2 && r.chars().all(|c| c.is_ascii_uppercase()))
}

pub fn list(db: &Db, integration_id: i64) -> Result<Vec<Template>> {
    Ok(db.query(
        &format!("SELECT {COLUMNS} FROM whatsapp_templates WHERE integration_id = ? ORDER BY name, language"),
        &[integration_id.into()],
        from_row,
    )?)
}

pub fn find(db: &Db, integration_id: i64, name: &str, language: &str) -> Result<Option<Template>> {
    Ok(db.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM whatsapp_templates
             WHERE integration_id = ? AND name = ? AND language = ?"
        ),
        &[integration_id.into(), name.into(), language.into()],
        from_row,
    )?)
}

/// Registers a template; `None` when that name and language are registered already (the
/// UNIQUE constraint decides) or the integration has [`TEMPLATES_MAX`].
pub fn insert(
    db: &Db,
    now: Millis,
    integration_id: i64,
    name: &str,
    language: &str,
    parameters: &[String],
) -> Result<Option<Template>> {
    let parameters = serde_json::to_string(parameters).map_err(Error::corrupt)?;
    let id = db.query_i64(
        "INSERT INTO whatsapp_templates (integration_id, name, language, parameters, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5
         WHERE (SELECT COUNT(*) FROM whatsapp_templates WHERE integration_id = ?1) < ?6
         ON CONFLICT (integration_id, name, language) DO NOTHING RETURNING id",
        &[
            integration_id.into(),
            name.into(),
            language.into(),
            parameters.into(),
            now.into(),
            TEMPLATES_MAX.into(),
        ],
    )?;
    match id {
        Some(id) => Ok(db.query_opt(
            &format!("SELECT {COLUMNS} FROM whatsapp_templates WHERE id = ?"),
            &[id.into()],
            from_row,
        )?),
        None => Ok(None),
    }
}

pub fn delete(db: &Db, integration_id: i64, id: i64) -> Result<bool> {
    Ok(db
        .query_i64(
            "DELETE FROM whatsapp_templates WHERE integration_id = ? AND id = ? RETURNING id",
            &[integration_id.into(), id.into()],
        )?
        .is_some())
}

/// The template an agent picked for a reply, as the API takes it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub name: String,
    pub language: String,
    #[serde(default)]
    pub parameters: Vec<String>,
}

impl Choice {
    /// The checks that need no database: shapes and lengths. WhatsApp refuses parameters with
    /// new lines, tabs or more than four spaces in a row.
    pub fn check(&self) -> Result<(), String> {
        if !valid_name(&self.name) || !valid_language(&self.language) {
            return Err(format!(
                "no template {:?} in {:?}: a name is lowercase letters, digits and _, a language like en_US",
                self.name, self.language
            ));
        }
        if self.parameters.len() > PARAMETERS_MAX {
            return Err(format!("at most {PARAMETERS_MAX} parameters"));
        }
        for (i, p) in self.parameters.iter().enumerate() {
            if p.trim().is_empty()
                || p.chars().count() > PARAMETER_TEXT_MAX
                || p.chars().any(|c| c.is_control())
                || p.contains("     ")
            {
                return Err(format!(
                    "parameter {} must be 1 to {PARAMETER_TEXT_MAX} characters on one line (no tabs, at most four spaces in a row)",
                    i + 1
                ));
            }
        }
        Ok(())
    }
}

/// Keeps the agent's choice with their reply (the caller's transaction).
pub fn choose(db: &Db, message_id: i64, choice: &Choice) -> Result<()> {
    db.execute(
        "INSERT INTO message_templates (message_id, name, language, parameters) VALUES (?, ?, ?, ?)",
        &[
            message_id.into(),
            choice.name.clone().into(),
            choice.language.clone().into(),
            serde_json::to_string(&choice.parameters)
                .map_err(Error::corrupt)?
                .into(),
        ],
    )?;
    Ok(())
}

pub fn chosen(db: &Db, message_id: i64) -> Result<Option<TemplateSend>> {
    Ok(db
        .query_opt(
            "SELECT name, language, parameters FROM message_templates WHERE message_id = ?",
            &[message_id.into()],
            |r| {
                Ok((
                    r.string("name")?,
                    r.string("language")?,
                    r.string("parameters")?,
                ))
            },
        )?
        .map(|(name, language, parameters)| TemplateSend {
            name,
            language,
            parameters: serde_json::from_str(&parameters).unwrap_or_default(),
        }))
}
