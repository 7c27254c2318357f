//! Reading what Sunshine callers send: bodies, `metadata`, bounded strings, URLs and the
//! `page[...]` parameters, each refused with a 400 saying what was wrong.

use crate::surface::Request;
use crate::web::{query_param, read_json, ApiError};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Largest request body read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Sunshine's limit for a `metadata` object, serialized.
pub const MAX_METADATA_BYTES: usize = 4 * 1024;
pub const DEFAULT_PAGE: i64 = 25;
pub const MAX_PAGE: i64 = 100;

pub fn bad(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("bad_request", message)
}

/// The JSON body, in Sunshine's error shape when it cannot be read.
pub fn body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    read_json(req, MAX_BODY_BYTES).map_err(|mut e| {
        if e.status == http::StatusCode::BAD_REQUEST {
            e.code = "bad_request".into();
        }
        e
    })
}

/// A flat object of strings, numbers and booleans, at most 4 KB (Sunshine's rule); `null`
/// clears it.
pub fn metadata(
    value: Option<&Value>,
    field: &str,
) -> Result<Option<Map<String, Value>>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let map = match value {
        Value::Null => Map::new(),
        Value::Object(map) => map.clone(),
        _ => return Err(bad(format!("`{field}` must be an object"))),
    };
    if let Some((key, _)) = map
        .iter()
        .find(|(_, v)| !(v.is_string() || v.is_number() || v.is_boolean()))
    {
        return Err(bad(format!(
            "`{field}.{key}` must be a string, number or boolean (metadata is flat)"
        )));
    }
    let size = Value::Object(map.clone()).to_string().len();
    if size > MAX_METADATA_BYTES {
        return Err(bad(format!(
            "`{field}` is {size} bytes; the limit is {MAX_METADATA_BYTES}"
        )));
    }
    Ok(Some(map))
}

/// An optional string of `min..=max` characters; `Some(None)` when the caller sent `null`.
pub fn text(
    value: Option<&Value>,
    field: &str,
    min: usize,
    max: usize,
) -> Result<Option<Option<String>>, ApiError> {
    match value {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => {
            let n = s.chars().count();
            if n < min || n > max {
                Err(bad(format!(
                    "`{field}` must be {min} to {max} characters, got {n}"
                )))
            } else {
                Ok(Some(Some(s.clone())))
            }
        }
        Some(_) => Err(bad(format!("`{field}` must be a string"))),
    }
}

/// An absolute http(s) URL of at most 2048 characters.
pub fn url(raw: &str, field: &str) -> Result<(), ApiError> {
    let lower = raw.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty() && raw.len() <= 2048 && !raw.contains(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => Err(bad(format!(
            "`{field}` must be an http or https URL of at most 2048 characters"
        ))),
    }
}

/// Refuses fields this API does not take, naming them (a silently ignored field is a bug the
/// caller never sees).
pub fn only(object: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), ApiError> {
    match object.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(bad(format!(
            "`{key}` is not supported in {what}; use {}",
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

/// The body as a JSON object.
pub fn object(req: &Request) -> Result<Map<String, Value>, ApiError> {
    match body::<Value>(req)? {
        Value::Object(map) => Ok(map),
        _ => Err(bad("The body must be a JSON object")),
    }
}

/// Cursor paging: `page[size]` (1..=100), and at most one of `page[after]`, `page[before]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub size: i64,
    pub after: Option<String>,
    pub before: Option<String>,
}

/// A `deepObject` query parameter's field, `name[key]=value`, as the OpenAPI document spells
/// it, or as the official clients send it: `name` holding a JSON object (`page={"size":5}`).
pub fn deep(req: &Request, name: &str, key: &str) -> Result<Option<String>, ApiError> {
    if let Some(v) = query_param(req, &format!("{name}[{key}]")) {
        return Ok(Some(v));
    }
    let Some(raw) = query_param(req, name) else {
        return Ok(None);
    };
    let object: Map<String, Value> = serde_json::from_str(&raw).map_err(|_| {
        bad(format!(
            "`{name}` must be a JSON object or given as `{name}[{key}]=...`, got {raw:?}"
        ))
    })?;
    Ok(match object.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    })
}

pub fn page(req: &Request) -> Result<Page, ApiError> {
    let size = match deep(req, "page", "size")? {
        None => DEFAULT_PAGE,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| bad(format!("`page[size]` must be 1 to {MAX_PAGE}, got {raw:?}")))?,
    };
    let after = deep(req, "page", "after")?;
    let before = deep(req, "page", "before")?;
    if after.is_some() && before.is_some() {
        return Err(bad("Use `page[after]` or `page[before]`, not both"));
    }
    Ok(Page {
        size,
        after,
        before,
    })
}
