//! Zendesk's custom ticket fields: `[{"id": 360001, "value": "A-1234"}]` on a ticket, written
//! by the bot's forms at hand-off, by `POST /api/v2/tickets` and merged by id by
//! `PUT /api/v2/tickets/{id}`. Spindesk has no field definitions (yet), so any positive id is
//! accepted and the value is kept as sent, within limits.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Most custom fields on one ticket, longest text value, most options of a multi-select.
pub const MAX_FIELDS: usize = 100;
pub const MAX_VALUE_CHARS: usize = 4_096;
pub const MAX_OPTIONS: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomField {
    pub id: i64,
    /// A string, number, boolean, `null` (cleared) or a list of strings (multi-select).
    pub value: Value,
}

/// Reads a request's `custom_fields`: an array of `{id, value}`; a later entry for the same id
/// wins, as it would in Zendesk. The error says which entry is wrong and why.
pub fn parse(raw: &Value) -> Result<Vec<CustomField>, String> {
    let Some(list) = raw.as_array() else {
        return Err("must be an array of {\"id\", \"value\"}".into());
    };
    if list.len() > MAX_FIELDS {
        return Err(format!("at most {MAX_FIELDS} fields"));
    }
    let mut fields: Vec<CustomField> = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let id = entry
            .get("id")
            .and_then(Value::as_i64)
            .filter(|id| *id > 0)
            .ok_or_else(|| format!("entry {i} needs a positive integer \"id\""))?;
        let value = entry.get("value").cloned().unwrap_or(Value::Null);
        check_value(&value).map_err(|why| format!("field {id}: {why}"))?;
        merge_one(&mut fields, CustomField { id, value });
    }
    Ok(fields)
}

fn check_value(value: &Value) -> Result<(), String> {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
        Value::String(s) if s.chars().count() > MAX_VALUE_CHARS => {
            Err(format!("value is longer than {MAX_VALUE_CHARS} characters"))
        }
        Value::String(_) => Ok(()),
        Value::Array(options) => {
            if options.len() > MAX_OPTIONS {
                return Err(format!("at most {MAX_OPTIONS} options"));
            }
            if options
                .iter()
                .all(|o| o.as_str().is_some_and(|s| s.chars().count() <= 255))
            {
                Ok(())
            } else {
                Err("a list value holds strings of at most 255 characters".into())
            }
        }
        Value::Object(_) => Err("value must be a string, number, boolean, list or null".into()),
    }
}

fn merge_one(fields: &mut Vec<CustomField>, field: CustomField) {
    match fields.iter_mut().find(|f| f.id == field.id) {
        Some(existing) => existing.value = field.value,
        None => fields.push(field),
    }
}

/// `current` with `updates` applied by id: a known id takes the new value (`null` clears it,
/// and the field stays listed, as Zendesk lists every field); a new id is appended. Refuses
/// to grow past [`MAX_FIELDS`].
pub fn merge(current: &[CustomField], updates: &[CustomField]) -> Result<Vec<CustomField>, String> {
    let mut merged = current.to_vec();
    for update in updates {
        merge_one(&mut merged, update.clone());
    }
    if merged.len() > MAX_FIELDS {
        return Err(format!("a ticket holds at most {MAX_FIELDS} custom fields"));
    }
    Ok(merged)
}

pub fn to_json_text(fields: &[CustomField]) -> String {
    serde_json::to_string(fields).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_replaces_by_id_and_appends_new_ones() {
        let current = parse(&json!([{"id": 1, "value": "a"}, {"id": 2, "value": "b"}])).unwrap();
        let updates = parse(&json!([{"id": 2, "value": null}, {"id": 3, "value": ["x"]}])).unwrap();
        let merged = merge(&current, &updates).unwrap();
        assert_eq!(
            serde_json::to_value(&merged).unwrap(),
            json!([{"id": 1, "value": "a"}, {"id": 2, "value": null}, {"id": 3, "value": ["x"]}])
        );
    }

    #[test]
    fn bad_entries_are_named() {
        assert!(parse(&json!({"id": 1})).unwrap_err().contains("array"));
        assert!(parse(&json!([{"value": 1}]))
            .unwrap_err()
            .contains("entry 0"));
        assert!(parse(&json!([{"id": 5, "value": {"a": 1}}]))
            .unwrap_err()
            .contains("field 5"));
    }
}
