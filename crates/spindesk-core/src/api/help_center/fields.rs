//! The fields of a request body: Zendesk's envelope around them, and the limits each is
//! checked against before anything is stored.

use super::request::Request;
use crate::help_center::Locale;
use crate::web::{self, ApiError};
use serde_json::{Map, Value as Json};

/// Request bodies: an article body of up to [`MAX_BODY_BYTES`] plus its JSON envelope.
pub const MAX_REQUEST_BYTES: usize = 1_200_000;
pub const MAX_BODY_BYTES: usize = 1_000_000;
pub const MAX_TITLE_CHARS: usize = 255;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
pub const MAX_LABELS: usize = 50;
pub const MAX_LABEL_CHARS: usize = 100;
const MAX_POSITION: i64 = 1_000_000_000;

pub(super) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("RecordInvalid", message)
}

/// Reads `{"<key>": {...}}`, Zendesk's request envelope.
pub(super) fn envelope<T: serde::de::DeserializeOwned>(
    req: &Request,
    key: &str,
) -> Result<T, ApiError> {
    let mut outer: Map<String, Json> = web::read_json(req, MAX_REQUEST_BYTES)?;
    let inner = outer.remove(key).ok_or_else(|| {
        ApiError::bad_request(
            "InvalidBody",
            format!("The JSON body must be an object with a {key:?} object in it"),
        )
    })?;
    serde_json::from_value(inner).map_err(|e| {
        ApiError::bad_request(
            "InvalidBody",
            format!("The {key:?} object is not valid: {e}"),
        )
    })
}

pub(super) fn resolve_locale(
    path: Option<Locale>,
    body: Option<&str>,
    fallback: Option<&str>,
) -> Result<String, ApiError> {
    if let Some(locale) = path {
        return Ok(locale.as_str().to_owned());
    }
    if let Some(raw) = body {
        return Locale::parse(raw)
            .map(|l| l.as_str().to_owned())
            .ok_or_else(|| invalid(format!("locale {raw:?} is not a locale like en-us or ko")));
    }
    fallback
        .map(str::to_owned)
        .ok_or_else(|| invalid("locale is required: put it in the path or the body"))
}

pub(super) fn required_name(value: Option<&str>, what: &str) -> Result<String, ApiError> {
    let field = if what == "article" { "title" } else { "name" };
    let value = value.map(str::trim).unwrap_or("");
    if value.is_empty() {
        return Err(invalid(format!("The {what} needs a {field}")));
    }
    if value.chars().count() > MAX_TITLE_CHARS {
        return Err(invalid(format!(
            "The {what}'s {field} is longer than {MAX_TITLE_CHARS} characters"
        )));
    }
    Ok(value.to_owned())
}

pub(super) fn description(value: Option<String>) -> Result<String, ApiError> {
    let value = value.unwrap_or_default();
    if value.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(invalid(format!(
            "description is longer than {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    Ok(value)
}

pub(super) fn body(value: Option<String>) -> Result<String, ApiError> {
    let value = value.unwrap_or_default();
    if value.len() > MAX_BODY_BYTES {
        return Err(invalid(format!(
            "body is larger than {MAX_BODY_BYTES} bytes"
        )));
    }
    Ok(value)
}

/// `user_segment_id` restricts who may read an article in Zendesk. Spindesk shows every
/// published article to everyone, so a restricted article is refused rather than published to
/// the world. (`permission_group_id` says who may *edit*; it restricts no reader and is kept.)
pub(super) fn everyone_may_read(user_segment_id: Option<i64>) -> Result<(), ApiError> {
    match user_segment_id {
        None => Ok(()),
        Some(id) => Err(ApiError::unprocessable(
            "RestrictedArticleUnsupported",
            format!(
                "user_segment_id {id} would restrict who may read the article, and Spindesk \
                 does not enforce user segments: every published article is public. Send \
                 `user_segment_id: null` (visible to everyone) or keep the article as a draft \
                 elsewhere"
            ),
        )),
    }
}

pub(super) fn position(value: Option<i64>) -> Result<i64, ApiError> {
    let value = value.unwrap_or(0);
    // unsigned_abs: i64::MIN has no positive i64, and `abs()` would overflow on it.
    if value.unsigned_abs() > MAX_POSITION.unsigned_abs() {
        return Err(invalid(format!(
            "position must be between -{MAX_POSITION} and {MAX_POSITION}"
        )));
    }
    Ok(value)
}

/// Trimmed, non-empty, at most [`MAX_LABELS`] of at most [`MAX_LABEL_CHARS`], duplicates
/// (ignoring case) dropped.
pub(super) fn labels(value: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for label in value.unwrap_or_default() {
        let label = label.trim();
        if label.is_empty() {
            return Err(invalid("label_names must not contain empty labels"));
        }
        if label.chars().count() > MAX_LABEL_CHARS {
            return Err(invalid(format!(
                "label {label:?} is longer than {MAX_LABEL_CHARS} characters"
            )));
        }
        if !out.iter().any(|l| l.to_lowercase() == label.to_lowercase()) {
            out.push(label.to_owned());
        }
    }
    if out.len() > MAX_LABELS {
        return Err(invalid(format!(
            "An article has at most {MAX_LABELS} labels"
        )));
    }
    Ok(out)
}
