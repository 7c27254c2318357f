//! A view's conditions, Zendesk's `{"all": [...], "any": [...]}` of `{field, operator, value}`,
//! parsed into types and compiled to one SQL `WHERE` clause with every value bound as a
//! parameter: the clause text only ever comes from the fixed fragments below.

use crate::ports::{Millis, Value as SqlValue};
use crate::tickets::{TicketStatus, PRIORITIES, TYPES};
use serde_json::{json, Value};

/// Most conditions in one view.
pub const MAX_CONDITIONS: usize = 50;
/// Longest "hours since update" a condition may name (about 11 years).
const MAX_HOURS: i64 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Is,
    IsNot,
    LessThan,
    GreaterThan,
    Includes,
    NotIncludes,
}

impl Op {
    fn parse(raw: &str) -> Option<Op> {
        Some(match raw {
            "is" => Op::Is,
            "is_not" => Op::IsNot,
            "less_than" => Op::LessThan,
            "greater_than" => Op::GreaterThan,
            "includes" => Op::Includes,
            "not_includes" => Op::NotIncludes,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Op::Is => "is",
            Op::IsNot => "is_not",
            Op::LessThan => "less_than",
            Op::GreaterThan => "greater_than",
            Op::Includes => "includes",
            Op::NotIncludes => "not_includes",
        }
    }
}

/// Who a user condition names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The agent looking at the view.
    CurrentUser,
    Id(i64),
    /// Nobody (`""` in Zendesk): unassigned, no group.
    Nobody,
}

/// One condition, typed: the value already checked against the field.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Status(Op, TicketStatus),
    Priority(Op, Option<String>),
    Type(Op, Option<String>),
    Group(Op, Who),
    Assignee(Op, Who),
    Requester(Op, Who),
    Tags(Op, Vec<String>),
    Via(Op, String),
    /// Hours since the ticket was last updated (Zendesk's `UPDATED`).
    HoursSinceUpdate(Op, i64),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Conditions {
    pub all: Vec<Condition>,
    pub any: Vec<Condition>,
}

/// What a compiled view needs from the request: who is looking, and the time.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub current_user: Option<i64>,
    pub now: Millis,
}

const STATUS_OPS: &[Op] = &[Op::Is, Op::IsNot, Op::LessThan, Op::GreaterThan];
const EQUALITY: &[Op] = &[Op::Is, Op::IsNot];
const TAG_OPS: &[Op] = &[Op::Includes, Op::NotIncludes];
const TIME_OPS: &[Op] = &[Op::Is, Op::LessThan, Op::GreaterThan];

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

fn who(value: &Value, current_user_allowed: bool) -> Result<Who, String> {
    let raw = text(value).ok_or("must be a user id")?;
    match raw.as_str() {
        "" => Ok(Who::Nobody),
        "current_user" if current_user_allowed => Ok(Who::CurrentUser),
        digits => digits
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Who::Id)
            .ok_or_else(|| {
                if current_user_allowed {
                    "must be an id, \"current_user\" or \"\" (nobody)".to_owned()
                } else {
                    "must be an id or \"\" (none)".to_owned()
                }
            }),
    }
}

fn choice(value: &Value, allowed: &[&str]) -> Result<Option<String>, String> {
    match text(value).as_deref() {
        Some("") => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v.to_owned())),
        _ => Err(format!(
            "must be one of {} or \"\" (none)",
            allowed.join(", ")
        )),
    }
}

impl Condition {
    /// Reads one `{field, operator, value}`; the error names what is wrong.
    pub fn parse(field: &str, operator: &str, value: &Value) -> Result<Condition, String> {
        let op = Op::parse(operator)
            .ok_or_else(|| format!("operator {operator:?} is not one Spindesk knows"))?;
        let allowed: &[Op] = match field {
            "status" | "priority" => STATUS_OPS,
            "type" | "group_id" | "assignee_id" | "requester_id" | "via" | "channel" => EQUALITY,
            "current_tags" | "tags" => TAG_OPS,
            "UPDATED" => TIME_OPS,
            other => {
                return Err(format!(
                    "field {other:?} is not one Spindesk filters on; use status, priority, \
                     type, group_id, assignee_id, requester_id, current_tags, via or UPDATED"
                ))
            }
        };
        if !allowed.contains(&op) {
            return Err(format!(
                "{field} takes the operators {}",
                allowed
                    .iter()
                    .map(|o| o.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(match field {
            "status" => {
                let raw = text(value).unwrap_or_default();
                let status = TicketStatus::parse(&raw).ok_or_else(|| {
                    format!("status {raw:?} is not one of new, open, pending, hold, solved, closed")
                })?;
                Condition::Status(op, status)
            }
            "priority" => Condition::Priority(op, choice(value, PRIORITIES)?),
            "type" => Condition::Type(op, choice(value, TYPES)?),
            "group_id" => Condition::Group(op, who(value, false)?),
            "assignee_id" => Condition::Assignee(op, who(value, true)?),
            "requester_id" => Condition::Requester(op, who(value, false)?),
            "via" | "channel" => {
                let raw = text(value).unwrap_or_default();
                if raw.is_empty()
                    || raw.len() > 40
                    || !raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    return Err(
                        "via must be a channel name (web, whatsapp, telegram, api, ...)".into(),
                    );
                }
                // Zendesk calls the widget's channel native_messaging; we store `web`.
                let channel = if raw == "native_messaging" {
                    "web".into()
                } else {
                    raw
                };
                Condition::Via(op, channel)
            }
            "UPDATED" => {
                let hours = text(value)
                    .and_then(|v| v.parse::<i64>().ok())
                    .filter(|h| (0..=MAX_HOURS).contains(h))
                    .ok_or_else(|| format!("UPDATED is a number of hours from 0 to {MAX_HOURS}"))?;
                Condition::HoursSinceUpdate(op, hours)
            }
            _ => {
                let tags: Vec<String> = match value {
                    Value::Array(items) => items
                        .iter()
                        .filter_map(|t| t.as_str().map(str::to_owned))
                        .collect(),
                    other => text(other)
                        .unwrap_or_default()
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect(),
                };
                if tags.is_empty() || tags.len() > 50 {
                    return Err("current_tags needs 1 to 50 tags".into());
                }
                Condition::Tags(op, tags)
            }
        })
    }

    fn op(&self) -> Op {
        match self {
            Condition::Status(op, _)
            | Condition::Priority(op, _)
            | Condition::Type(op, _)
            | Condition::Group(op, _)
            | Condition::Assignee(op, _)
            | Condition::Requester(op, _)
            | Condition::Tags(op, _)
            | Condition::Via(op, _)
            | Condition::HoursSinceUpdate(op, _) => *op,
        }
    }

    /// Back to Zendesk's `{field, operator, value}` (what is stored and returned).
    pub fn to_json(&self) -> Value {
        let who = |w: &Who| match w {
            Who::CurrentUser => "current_user".to_owned(),
            Who::Id(id) => id.to_string(),
            Who::Nobody => String::new(),
        };
        let (field, value) = match self {
            Condition::Status(_, s) => ("status", s.as_str().to_owned()),
            Condition::Priority(_, p) => ("priority", p.clone().unwrap_or_default()),
            Condition::Type(_, t) => ("type", t.clone().unwrap_or_default()),
            Condition::Group(_, w) => ("group_id", who(w)),
            Condition::Assignee(_, w) => ("assignee_id", who(w)),
            Condition::Requester(_, w) => ("requester_id", who(w)),
            Condition::Tags(_, tags) => ("current_tags", tags.join(" ")),
            Condition::Via(_, c) => ("via", c.clone()),
            Condition::HoursSinceUpdate(_, h) => ("UPDATED", h.to_string()),
        };
        json!({"field": field, "operator": self.op().as_str(), "value": value})
    }

    /// The SQL for this condition over `tickets`, pushing its values onto `params`.
    fn compile(&self, ctx: &Context, params: &mut Vec<SqlValue>) -> String {
        let op = self.op();
        match self {
            Condition::Status(_, status) => {
                let order = TicketStatus::ALL;
                let at = order.iter().position(|s| s == status).unwrap_or(0);
                let chosen: Vec<&TicketStatus> = match op {
                    Op::LessThan => order[..at].iter().collect(),
                    Op::GreaterThan => order[at + 1..].iter().collect(),
                    Op::IsNot => order.iter().filter(|s| *s != status).collect(),
                    _ => vec![status],
                };
                in_list("status", chosen.iter().map(|s| s.as_str()), params)
            }
            Condition::Priority(_, p) => match (op, p) {
                (Op::LessThan | Op::GreaterThan, Some(p)) => {
                    let at = PRIORITIES.iter().position(|x| x == p).unwrap_or(0);
                    let chosen = if op == Op::LessThan {
                        &PRIORITIES[..at]
                    } else {
                        &PRIORITIES[at + 1..]
                    };
                    in_list("priority", chosen.iter().copied(), params)
                }
                // "Less than none" and "greater than none": nothing is below; anything set is above.
                (Op::LessThan, None) => "0".into(),
                (Op::GreaterThan, None) => "priority IS NOT NULL".into(),
                _ => nullable("priority", op, p.clone().map(SqlValue::from), params),
            },
            Condition::Type(_, t) => nullable("type", op, t.clone().map(SqlValue::from), params),
            Condition::Group(_, w) => person("group_id", op, w, ctx, params),
            Condition::Assignee(_, w) => person("assignee_id", op, w, ctx, params),
            Condition::Requester(_, w) => person("requester_id", op, w, ctx, params),
            Condition::Tags(_, tags) => {
                let marks = vec!["?"; tags.len()].join(", ");
                params.extend(tags.iter().map(|t| SqlValue::from(t.clone())));
                let exists = format!(
                    "EXISTS (SELECT 1 FROM json_each(tickets.tags) WHERE json_each.value IN ({marks}))"
                );
                if op == Op::Includes {
                    exists
                } else {
                    format!("NOT {exists}")
                }
            }
            Condition::Via(_, channel) => {
                params.push(channel.clone().into());
                if op == Op::Is {
                    "via_channel = ?".into()
                } else {
                    "via_channel <> ?".into()
                }
            }
            Condition::HoursSinceUpdate(_, hours) => {
                let hour = 3_600_000;
                let since = ctx.now.saturating_sub(hours.saturating_mul(hour));
                match op {
                    Op::LessThan => {
                        params.push(since.into());
                        "updated_at > ?".into()
                    }
                    Op::GreaterThan => {
                        params.push(since.into());
                        "updated_at < ?".into()
                    }
                    _ => {
                        params.push(since.saturating_sub(hour).into());
                        params.push(since.into());
                        "(updated_at > ? AND updated_at <= ?)".into()
                    }
                }
            }
        }
    }
}

fn in_list<'a>(
    column: &str,
    values: impl Iterator<Item = &'a str>,
    params: &mut Vec<SqlValue>,
) -> String {
    let before = params.len();
    params.extend(values.map(SqlValue::from));
    let n = params.len() - before;
    if n == 0 {
        return "0".into();
    }
    format!("{column} IN ({})", vec!["?"; n].join(", "))
}

/// `column` is / is not `value`, where `None` means "not set" (NULL).
fn nullable(column: &str, op: Op, value: Option<SqlValue>, params: &mut Vec<SqlValue>) -> String {
    match (op == Op::Is, value) {
        (true, None) => format!("{column} IS NULL"),
        (false, None) => format!("{column} IS NOT NULL"),
        (true, Some(v)) => {
            params.push(v);
            format!("{column} = ?")
        }
        (false, Some(v)) => {
            params.push(v);
            format!("({column} IS NULL OR {column} <> ?)")
        }
    }
}

fn person(column: &str, op: Op, who: &Who, ctx: &Context, params: &mut Vec<SqlValue>) -> String {
    match who {
        Who::Nobody => nullable(column, op, None, params),
        Who::Id(id) => nullable(column, op, Some((*id).into()), params),
        Who::CurrentUser => match ctx.current_user {
            Some(id) => nullable(column, op, Some(id.into()), params),
            // The admin token is nobody in particular: no ticket is assigned to it.
            None if op == Op::Is => "0".into(),
            None => "1".into(),
        },
    }
}

impl Conditions {
    /// Reads `{"all": [...], "any": [...]}`, naming the wrong entry.
    pub fn parse(raw: &Value) -> Result<Conditions, String> {
        let Some(object) = raw.as_object() else {
            return Err("must be {\"all\": [...], \"any\": [...]}".into());
        };
        if let Some(other) = object.keys().find(|k| *k != "all" && *k != "any") {
            return Err(format!("{other:?} is not \"all\" or \"any\""));
        }
        let list = |key: &str| -> Result<Vec<Condition>, String> {
            let Some(items) = object.get(key).filter(|v| !v.is_null()) else {
                return Ok(Vec::new());
            };
            let items = items
                .as_array()
                .ok_or_else(|| format!("{key} must be an array"))?;
            items
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let get = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or_default();
                    Condition::parse(
                        get("field"),
                        get("operator"),
                        c.get("value").unwrap_or(&Value::Null),
                    )
                    .map_err(|why| format!("{key}[{i}]: {why}"))
                })
                .collect()
        };
        let parsed = Conditions {
            all: list("all")?,
            any: list("any")?,
        };
        let n = parsed.all.len() + parsed.any.len();
        if n == 0 {
            return Err("a view needs at least one condition".into());
        }
        if n > MAX_CONDITIONS {
            return Err(format!("at most {MAX_CONDITIONS} conditions"));
        }
        Ok(parsed)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "all": self.all.iter().map(Condition::to_json).collect::<Vec<_>>(),
            "any": self.any.iter().map(Condition::to_json).collect::<Vec<_>>(),
        })
    }

    /// The `WHERE` clause (every `all` condition, and at least one `any` condition when there
    /// are some) and its parameters.
    pub fn compile(&self, ctx: &Context) -> (String, Vec<SqlValue>) {
        let mut params = Vec::new();
        let mut parts: Vec<String> = self
            .all
            .iter()
            .map(|c| c.compile(ctx, &mut params))
            .collect();
        if !self.any.is_empty() {
            let any: Vec<String> = self
                .any
                .iter()
                .map(|c| c.compile(ctx, &mut params))
                .collect();
            parts.push(format!("({})", any.join(" OR ")));
        }
        if parts.is_empty() {
            return ("1".into(), params);
        }
        (parts.join(" AND "), params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_compile_to_bound_sql() {
        let c = Conditions::parse(&json!({
            "all": [{"field": "status", "operator": "less_than", "value": "solved"},
                    {"field": "assignee_id", "operator": "is", "value": "current_user"}],
            "any": [{"field": "current_tags", "operator": "includes", "value": "vip urgent"},
                    {"field": "priority", "operator": "is", "value": "high"}]
        }))
        .unwrap();
        let (sql, params) = c.compile(&Context {
            current_user: Some(7),
            now: 0,
        });
        assert_eq!(
            sql,
            "status IN (?, ?, ?, ?) AND assignee_id = ? AND (EXISTS (SELECT 1 FROM \
             json_each(tickets.tags) WHERE json_each.value IN (?, ?)) OR priority = ?)"
        );
        assert_eq!(params.len(), 8);
    }

    #[test]
    fn bad_conditions_say_what_is_wrong() {
        let err = |v: Value| Conditions::parse(&v).unwrap_err();
        assert!(err(json!({"all": []})).contains("at least one"));
        assert!(
            err(json!({"all": [{"field": "mood", "operator": "is", "value": "x"}]}))
                .contains("mood")
        );
        assert!(err(
            json!({"all": [{"field": "status", "operator": "includes", "value": "open"}]})
        )
        .contains("operators"));
        assert!(
            err(json!({"any": [{"field": "status", "operator": "is", "value": "done"}]}))
                .contains("any[0]")
        );
    }
}
