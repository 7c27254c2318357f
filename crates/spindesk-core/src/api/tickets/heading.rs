//! What the admin-managed desk records (macros, views) share: a title, a description and a
//! position, each as sent or else as the record had it, within the same limits.

use super::ticket::invalid;
use crate::web::ApiError;

pub const MAX_TITLE_CHARS: usize = 255;
pub const MAX_DESCRIPTION_CHARS: usize = 1_000;

pub struct Heading {
    pub title: String,
    pub description: String,
    pub position: i64,
}

/// The heading a save leaves: `title`, `description` (`Some(None)` clears it) and `position`
/// over `current` (a new record has none), checked.
pub fn heading(
    title: Option<String>,
    description: Option<Option<String>>,
    position: Option<i64>,
    current: Option<Heading>,
) -> Result<Heading, ApiError> {
    let title = match (title, &current) {
        (Some(t), _) => t.trim().to_owned(),
        (None, Some(c)) => c.title.clone(),
        (None, None) => String::new(),
    };
    if title.is_empty() {
        return Err(invalid("title", "can't be blank"));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(invalid("title", "is longer than 255 characters"));
    }
    let description = match (description, &current) {
        (Some(d), _) => d.unwrap_or_default(),
        (None, Some(c)) => c.description.clone(),
        (None, None) => String::new(),
    };
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(invalid("description", "is longer than 1,000 characters"));
    }
    let position = position
        .or(current.as_ref().map(|c| c.position))
        .unwrap_or(0);
    if !(0..=1_000_000).contains(&position) {
        return Err(invalid("position", "must be from 0 to 1,000,000"));
    }
    Ok(Heading {
        title,
        description,
        position,
    })
}
