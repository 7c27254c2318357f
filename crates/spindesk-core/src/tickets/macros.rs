//! Macros: an agent's canned reply with field changes, in Zendesk's shape
//! (`{"title", "actions": [{"field", "value"}]}`). Applying one shows the ticket as it would
//! be and the comment it would add; nothing is stored until the agent sends the update.
//!
//! Placeholders in comment text: `{{ticket.id}}`, `{{ticket.title}}` / `{{ticket.subject}}`,
//! `{{ticket.requester.name}}`, `{{ticket.requester.first_name}}`, `{{current_user.name}}`,
//! `{{current_user.first_name}}` (spaces inside the braces allowed). Unknown ones stay as
//! written, so a typo shows in the preview instead of vanishing.
//!
//! First names: a name written in Hangul is used whole. Korean names put the family name
//! first and are usually written without a space (`김민준`); the polite address is the full
//! name (`김민준님`), while the first word of `김 민준` would be the family name alone (`김님`
//! is wrong). Other names give their first word (`Ada Lovelace` → `Ada`), as Zendesk does.

use super::{Ticket, TicketStatus, PRIORITIES, TYPES};
use serde_json::Value;

/// Most actions in one macro, longest comment text (a comment's limit), longest HTML.
pub const MAX_ACTIONS: usize = 50;
pub const MAX_COMMENT_CHARS: usize = crate::message::MAX_TEXT_CHARS;
pub const MAX_HTML_BYTES: usize = 32 * 1024;
const MAX_TAGS: usize = 50;
const MAX_TAG_CHARS: usize = 80;

/// The action fields Spindesk applies (Zendesk's names).
pub const FIELDS: &[&str] = &[
    "comment_value",
    "comment_value_html",
    "comment_mode_is_public",
    "status",
    "priority",
    "type",
    "set_tags",
    "current_tags",
    "remove_tags",
    "assignee_id",
    "group_id",
];

/// Who a macro assigns to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    /// The agent applying the macro.
    CurrentUser,
    User(i64),
    Nobody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Comment(String),
    CommentHtml(String),
    CommentPublic(bool),
    Status(TicketStatus),
    Priority(Option<String>),
    Type(Option<String>),
    SetTags(Vec<String>),
    AddTags(Vec<String>),
    RemoveTags(Vec<String>),
    Assignee(Assignee),
    Group(Option<i64>),
}

impl Action {
    /// Reads one `{field, value}`; the error says what is wrong with the value.
    pub fn parse(field: &str, value: &Value) -> Result<Action, String> {
        match field {
            "comment_value" => {
                // Zendesk also writes `["channel:all", "text"]`: the text is the last item.
                let text = match value {
                    Value::Array(items) => items.last().and_then(Value::as_str),
                    other => other.as_str(),
                }
                .ok_or("must be the comment's text")?;
                check_len(text, MAX_COMMENT_CHARS)?;
                Ok(Action::Comment(text.to_owned()))
            }
            "comment_value_html" => {
                let html = value.as_str().ok_or("must be the comment's HTML")?;
                if html.len() > MAX_HTML_BYTES {
                    return Err(format!("is longer than {MAX_HTML_BYTES} bytes"));
                }
                Ok(Action::CommentHtml(html.to_owned()))
            }
            "comment_mode_is_public" => match value {
                Value::Bool(b) => Ok(Action::CommentPublic(*b)),
                Value::String(s) if s == "true" || s == "false" => {
                    Ok(Action::CommentPublic(s == "true"))
                }
                _ => Err("must be true or false".into()),
            },
            "status" => {
                let raw = value.as_str().unwrap_or_default();
                match TicketStatus::parse(raw) {
                    Some(s) if !matches!(s, TicketStatus::New | TicketStatus::Closed) => {
                        Ok(Action::Status(s))
                    }
                    _ => Err("must be one of open, pending, hold, solved".into()),
                }
            }
            "priority" => Ok(Action::Priority(choice(value, PRIORITIES)?)),
            "type" => Ok(Action::Type(choice(value, TYPES)?)),
            "set_tags" => Ok(Action::SetTags(tags(value)?)),
            "current_tags" => Ok(Action::AddTags(tags(value)?)),
            "remove_tags" => Ok(Action::RemoveTags(tags(value)?)),
            "assignee_id" => Ok(Action::Assignee(match value {
                Value::String(s) if s == "current_user" => Assignee::CurrentUser,
                Value::Null => Assignee::Nobody,
                Value::String(s) if s.is_empty() => Assignee::Nobody,
                other => {
                    Assignee::User(id(other).ok_or("must be a user id, \"current_user\" or null")?)
                }
            })),
            "group_id" => Ok(Action::Group(match value {
                Value::Null => None,
                Value::String(s) if s.is_empty() => None,
                other => Some(id(other).ok_or("must be a group id or null")?),
            })),
            other => Err(format!(
                "{other:?} is not an action field Spindesk applies; use one of {}",
                FIELDS.join(", ")
            )),
        }
    }
}

fn check_len(text: &str, max: usize) -> Result<(), String> {
    let chars = text.chars().count();
    if chars > max {
        return Err(format!("is {chars} characters; the limit is {max}"));
    }
    Ok(())
}

/// A positive id as a number or a numeric string (Zendesk's macros hold both).
fn id(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .filter(|id| *id > 0)
}

fn choice(value: &Value, allowed: &[&str]) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) if allowed.contains(&s.as_str()) => Ok(Some(s.clone())),
        _ => Err(format!("must be one of {} or null", allowed.join(", "))),
    }
}

/// Tags as Zendesk writes them in macros: one space-separated string, or a list.
fn tags(value: &Value) -> Result<Vec<String>, String> {
    let list: Vec<String> = match value {
        Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
        Value::Array(items) => items
            .iter()
            .map(|t| t.as_str().map(str::to_owned).ok_or("tags must be strings"))
            .collect::<Result<_, _>>()?,
        _ => return Err("must be tags separated by spaces, or a list of tags".into()),
    };
    if list.len() > MAX_TAGS {
        return Err(format!("at most {MAX_TAGS} tags"));
    }
    if let Some(bad) = list.iter().find(|t| {
        t.is_empty() || t.chars().count() > MAX_TAG_CHARS || t.chars().any(char::is_whitespace)
    }) {
        return Err(format!(
            "tag {bad:?} must be 1 to {MAX_TAG_CHARS} characters without spaces"
        ));
    }
    Ok(list)
}

/// Reads a macro's whole action list (`[{"field", "value"}]`), naming the wrong entry.
pub fn parse_actions(raw: &Value) -> Result<Vec<Action>, String> {
    let list = raw
        .as_array()
        .ok_or("must be an array of {\"field\", \"value\"}")?;
    if list.is_empty() {
        return Err("a macro needs at least one action".into());
    }
    if list.len() > MAX_ACTIONS {
        return Err(format!("at most {MAX_ACTIONS} actions"));
    }
    list.iter()
        .enumerate()
        .map(|(i, entry)| {
            let field = entry
                .get("field")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("action {i} needs a \"field\""))?;
            let value = entry.get("value").unwrap_or(&Value::Null);
            Action::parse(field, value).map_err(|why| format!("action {i} ({field}): {why}"))
        })
        .collect()
}

/// What placeholders are filled with.
#[derive(Debug, Clone)]
pub struct Placeholders {
    pub ticket_id: i64,
    pub subject: String,
    pub requester_name: String,
    pub current_user_name: String,
}

/// See the module docs for the choice.
pub fn first_name(name: &str) -> &str {
    let name = name.trim();
    let hangul = name
        .chars()
        .any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{1100}'..='\u{11FF}').contains(&c));
    if hangul {
        return name;
    }
    name.split_whitespace().next().unwrap_or(name)
}

impl Placeholders {
    fn value(&self, name: &str) -> Option<String> {
        Some(match name {
            "ticket.id" => self.ticket_id.to_string(),
            "ticket.title" | "ticket.subject" => self.subject.clone(),
            "ticket.requester.name" => self.requester_name.clone(),
            "ticket.requester.first_name" => first_name(&self.requester_name).to_owned(),
            "current_user.name" => self.current_user_name.clone(),
            "current_user.first_name" => first_name(&self.current_user_name).to_owned(),
            _ => return None,
        })
    }

    /// `text` with the known placeholders filled (HTML-escaped for an HTML comment, so a
    /// customer's name can't add markup); the rest is left as written.
    pub fn fill(&self, text: &str, html: bool) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                rest = &rest[open..];
                break;
            };
            match self.value(after[..close].trim()) {
                Some(v) if html => out.push_str(&crate::html::escape(&v)),
                Some(v) => out.push_str(&v),
                None => out.push_str(&rest[open..open + 2 + close + 2]),
            }
            rest = &after[close + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// The comment a macro would add.
#[derive(Debug, Clone, PartialEq)]
pub struct WouldComment {
    pub body: String,
    pub html_body: String,
    pub public: bool,
}

/// The ticket as it would be after `actions` and the comment they would add; `current_user`
/// is the applying agent's id (`None` for the admin token: `current_user` assigns nobody).
pub fn apply(
    ticket: &Ticket,
    actions: &[Action],
    fill: &Placeholders,
    current_user: Option<i64>,
) -> (Ticket, Option<WouldComment>) {
    let mut t = ticket.clone();
    let mut comment: Option<WouldComment> = None;
    let mut public = true;
    for action in actions {
        match action {
            Action::Comment(text) => {
                let body = fill.fill(text, false);
                let html_body = format!(
                    "<div class=\"zd-comment\"><p>{}</p></div>",
                    crate::html::escape(&body)
                );
                comment = Some(WouldComment {
                    body,
                    html_body,
                    public,
                });
            }
            Action::CommentHtml(html) => {
                let html_body = crate::html::sanitize(&fill.fill(html, true));
                comment = Some(WouldComment {
                    body: crate::html::to_text(&html_body),
                    html_body,
                    public,
                });
            }
            Action::CommentPublic(p) => public = *p,
            Action::Status(s) => t.status = *s,
            Action::Priority(p) => t.priority = p.clone(),
            Action::Type(k) => t.kind = k.clone(),
            Action::SetTags(tags) => {
                t.tags.clear();
                add_tags(&mut t.tags, tags);
            }
            Action::AddTags(tags) => add_tags(&mut t.tags, tags),
            Action::RemoveTags(tags) => t.tags.retain(|x| !tags.contains(x)),
            Action::Assignee(Assignee::CurrentUser) => t.assignee_id = current_user,
            Action::Assignee(Assignee::User(id)) => t.assignee_id = Some(*id),
            Action::Assignee(Assignee::Nobody) => t.assignee_id = None,
            Action::Group(g) => t.group_id = *g,
        }
    }
    // `comment_mode_is_public` may come after the comment's text.
    if let Some(c) = comment.as_mut() {
        c.public = public;
    }
    (t, comment)
}

fn add_tags(into: &mut Vec<String>, tags: &[String]) {
    for tag in tags {
        if !into.contains(tag) {
            into.push(tag.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill() -> Placeholders {
        Placeholders {
            ticket_id: 42,
            subject: "환불 문의".into(),
            requester_name: "김민준".into(),
            current_user_name: "Ada Lovelace".into(),
        }
    }

    #[test]
    fn placeholders_fill_in_korean_and_english_and_unknown_ones_stay() {
        let text =
            "{{ticket.requester.first_name}}님, 안녕하세요. {{ current_user.first_name }}입니다 \
                    (#{{ticket.id}} {{ticket.title}}) {{ticket.unknown}} {{unclosed";
        assert_eq!(
            fill().fill(text, false),
            "김민준님, 안녕하세요. Ada입니다 (#42 환불 문의) {{ticket.unknown}} {{unclosed"
        );
    }

    #[test]
    fn first_names() {
        assert_eq!(first_name("Ada Lovelace"), "Ada");
        assert_eq!(first_name("김민준"), "김민준");
        assert_eq!(first_name("김 민준"), "김 민준");
        assert_eq!(first_name("  Grace "), "Grace");
    }

    #[test]
    fn html_placeholders_are_escaped() {
        let mut f = fill();
        f.requester_name = "<b>Eve</b>".into();
        assert_eq!(
            f.fill("<p>Hi {{ticket.requester.name}}</p>", true),
            "<p>Hi &lt;b&gt;Eve&lt;/b&gt;</p>"
        );
    }
}

/// A stored macro; `actions` as the admin wrote them (checked on write, parsed on apply).
#[derive(Debug, Clone, PartialEq)]
pub struct Macro {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub active: bool,
    pub position: i64,
    pub actions: Value,
    pub created_at: crate::ports::Millis,
    pub updated_at: crate::ports::Millis,
}

/// What an admin sets on a macro (checked by the caller).
#[derive(Debug, Clone)]
pub struct MacroDoc {
    pub title: String,
    pub description: String,
    pub active: bool,
    pub position: i64,
    pub actions: Value,
}

mod store {
    use super::{Macro, MacroDoc};
    use crate::error::{Error, Result};
    use crate::ports::{Millis, SqlError};
    use crate::store::{Db, Row};

    const COLUMNS: &str =
        "id, title, description, active, position, actions, created_at, updated_at";

    fn from_row(r: &Row) -> std::result::Result<Macro, SqlError> {
        Ok(Macro {
            id: r.i64("id")?,
            title: r.string("title")?,
            description: r.string("description")?,
            active: r.bool("active")?,
            position: r.i64("position")?,
            actions: serde_json::from_str(&r.string("actions")?)
                .map_err(|e| Row::invalid("actions", e))?,
            created_at: r.i64("created_at")?,
            updated_at: r.i64("updated_at")?,
        })
    }

    /// A page of macros by position and id (`active` filters), and how many match in all.
    pub fn list(
        db: &Db,
        active: Option<bool>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<Macro>)> {
        // `?1 IS NULL` keeps every macro when no filter is asked for.
        let filter = "WHERE (?1 IS NULL OR active = ?1)";
        let count = db
            .query_i64(
                &format!("SELECT count(*) FROM macros {filter}"),
                &[active.into()],
            )?
            .unwrap_or(0);
        let list = db.query(
            &format!(
                "SELECT {COLUMNS} FROM macros {filter} ORDER BY position, id LIMIT ?2 OFFSET ?3"
            ),
            &[active.into(), limit.into(), offset.into()],
            from_row,
        )?;
        Ok((count, list))
    }

    pub fn by_id(db: &Db, id: i64) -> Result<Option<Macro>> {
        Ok(db.query_opt(
            &format!("SELECT {COLUMNS} FROM macros WHERE id = ?"),
            &[id.into()],
            from_row,
        )?)
    }

    pub fn insert(db: &Db, now: Millis, doc: &MacroDoc) -> Result<i64> {
        db.query_i64(
            "INSERT INTO macros (title, description, active, position, actions, created_at,
                                 updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                doc.title.clone().into(),
                doc.description.clone().into(),
                doc.active.into(),
                doc.position.into(),
                doc.actions.to_string().into(),
                now.into(),
                now.into(),
            ],
        )?
        .ok_or_else(|| Error::corrupt("insert returned no macro id"))
    }

    pub fn update(db: &Db, now: Millis, id: i64, doc: &MacroDoc) -> Result<()> {
        db.execute(
            "UPDATE macros SET title = ?, description = ?, active = ?, position = ?, actions = ?,
                               updated_at = ?
             WHERE id = ?",
            &[
                doc.title.clone().into(),
                doc.description.clone().into(),
                doc.active.into(),
                doc.position.into(),
                doc.actions.to_string().into(),
                now.into(),
                id.into(),
            ],
        )?;
        Ok(())
    }

    pub fn delete(db: &Db, id: i64) -> Result<bool> {
        let rows = db.execute("DELETE FROM macros WHERE id = ? RETURNING id", &[id.into()])?;
        Ok(!rows.rows.is_empty())
    }
}

pub use store::{by_id, delete, insert, list, update};
