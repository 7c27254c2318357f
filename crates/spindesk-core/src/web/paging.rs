//! Paging of the Support API's lists the two ways Zendesk pages them: offset pages (`page`,
//! `per_page`; the answer has `next_page`, `previous_page`, `count`) and cursor pagination
//! (`page[size]`, `page[after]`, `page[before]`; the answer has `meta` and `links` instead).
//! Zendesk's clients ask for cursors on their own — node-zendesk adds `page[size]=100` to every
//! list it knows supports them — and some follow only `links.next`/`meta.has_more`, so a server
//! that ignored `page[size]` would hand them pages of the wrong size and no way on.

use super::error::ApiError;
use super::response::{paginate_offset, OffsetPage};
use serde_json::{json, Value};

/// Largest `page[size]`, as in Zendesk.
pub const MAX_PAGE_SIZE: i64 = 100;

/// One page of a list: which rows (`offset`, `limit`) and how the answer links its neighbours.
#[derive(Debug, Clone, Copy)]
pub struct ListPage {
    offset: i64,
    limit: i64,
    mode: Mode,
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    Offset(OffsetPage),
    Cursor { size: i64 },
}

/// A cursor names a position in the list. It is opaque to callers (Zendesk's are too); the
/// letter keeps anyone from mistaking it for a page number. Being a position, a row inserted
/// before it between two requests shifts the next page by one (Zendesk's keyset cursors
/// don't); offset pages have the same property.
fn cursor(position: i64) -> String {
    format!("p{position}")
}

fn position(raw: &str, name: &str) -> Result<i64, ApiError> {
    raw.strip_prefix('p')
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| (0..=i64::from(u32::MAX)).contains(n))
        .ok_or_else(|| {
            ApiError::bad_request(
                "InvalidPaginationParameter",
                format!(
                    "`{name}` must be a cursor from an earlier answer's meta or links, got {:?}",
                    raw.chars().take(40).collect::<String>()
                ),
            )
        })
}

fn is_cursor_key(k: &str) -> bool {
    k == "page[size]" || k == "page[after]" || k == "page[before]"
}

/// Reads the paging of a Support API list: cursor pagination when any `page[...]` parameter is
/// present (Zendesk then ignores `page`/`per_page`), else offset pages. Clear 400s for nonsense.
pub fn paginate(pairs: &[(String, String)]) -> Result<ListPage, ApiError> {
    if !pairs.iter().any(|(k, _)| is_cursor_key(k)) {
        let page = paginate_offset(pairs)?;
        return Ok(ListPage {
            offset: page.offset(),
            limit: page.per_page,
            mode: Mode::Offset(page),
        });
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let size = match get("page[size]") {
        None => MAX_PAGE_SIZE,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_request(
                    "InvalidPaginationParameter",
                    format!(
                        "`page[size]` must be a whole number from 1 to {MAX_PAGE_SIZE}, got {:?}",
                        v.chars().take(40).collect::<String>()
                    ),
                ))
            }
        },
    };
    let (offset, limit) = match (get("page[after]"), get("page[before]")) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "InvalidPaginationParameter",
                "send `page[after]` or `page[before]`, not both",
            ))
        }
        (Some(after), None) => (position(after, "page[after]")?, size),
        // The page that ends just before the cursor: shorter when the list starts sooner.
        (None, Some(before)) => {
            let end = position(before, "page[before]")?;
            ((end - size).max(0), size.min(end))
        }
        (None, None) => (0, size),
    };
    Ok(ListPage {
        offset,
        limit,
        mode: Mode::Cursor { size },
    })
}

impl ListPage {
    /// The first row of the page (0-based).
    pub fn offset(&self) -> i64 {
        self.offset
    }

    /// How many rows the page holds at most.
    pub fn limit(&self) -> i64 {
        self.limit
    }

    /// `body` (an object with the page's rows) with its paging added: `next_page`,
    /// `previous_page` and `count` for offset pages; `meta` (`has_more`, `after_cursor`,
    /// `before_cursor`) and `links` (`next`, `prev`) for cursors. `url` is the list's absolute
    /// URL; `keep` the request's query, whose other parameters the links repeat. `shown` is how
    /// many rows the page holds, `count` how many the whole list has.
    pub fn envelope(
        &self,
        mut body: Value,
        url: &str,
        count: i64,
        shown: usize,
        keep: &[(String, String)],
    ) -> Value {
        let Some(fields) = body.as_object_mut() else {
            return body;
        };
        match self.mode {
            Mode::Offset(page) => {
                let (next, previous) = page.links(url, count, keep);
                fields.insert("next_page".into(), next.into());
                fields.insert("previous_page".into(), previous.into());
                fields.insert("count".into(), count.into());
            }
            Mode::Cursor { size } => {
                let shown = i64::try_from(shown).unwrap_or(i64::MAX);
                let end = self.offset.saturating_add(shown);
                let has_more = end < count;
                let link = |name: &str, at: i64| {
                    let mut q = form_urlencoded::Serializer::new(String::new());
                    for (k, v) in keep
                        .iter()
                        .filter(|(k, _)| !is_cursor_key(k) && k != "page" && k != "per_page")
                    {
                        q.append_pair(k, v);
                    }
                    q.append_pair("page[size]", &size.to_string());
                    q.append_pair(name, &cursor(at));
                    format!("{url}?{}", q.finish())
                };
                let (after, before) = if shown > 0 {
                    (Some(cursor(end)), Some(cursor(self.offset)))
                } else {
                    (None, None)
                };
                fields.insert(
                    "meta".into(),
                    json!({"has_more": has_more, "after_cursor": after, "before_cursor": before}),
                );
                fields.insert(
                    "links".into(),
                    json!({
                        "next": has_more.then(|| link("page[after]", end)),
                        "prev": (self.offset > 0).then(|| link("page[before]", self.offset)),
                    }),
                );
            }
        }
        body
    }
}
