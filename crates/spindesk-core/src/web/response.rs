use super::error::ApiError;
use http::StatusCode;
use serde::Serialize;

pub fn json_status<T: Serialize>(status: StatusCode, value: &T) -> http::Response<Vec<u8>> {
    match serde_json::to_vec(value) {
        Ok(body) => http::Response::builder()
            .status(status)
            .header("content-type", "application/json; charset=utf-8")
            .header("cache-control", "no-store")
            .body(body)
            .unwrap_or_else(|_| http::Response::new(Vec::new())),
        Err(e) => ApiError::internal(e).into_response(super::error::Family::Spindesk),
    }
}

pub fn json<T: Serialize>(value: &T) -> http::Response<Vec<u8>> {
    json_status(StatusCode::OK, value)
}

pub fn no_content() -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Vec::new())
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}

/// Zendesk's offset pagination: `page` (from 1) and `per_page` (1..=100, default 100).
#[derive(Debug, Clone, Copy)]
pub struct OffsetPage {
    pub page: i64,
    pub per_page: i64,
}

impl OffsetPage {
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    /// How many pages of `per_page` hold `count` items.
    pub fn page_count(per_page: i64, count: i64) -> i64 {
        (count + per_page - 1) / per_page
    }

    /// `next_page` and `previous_page` URLs (null at the ends), the way Zendesk returns them.
    pub fn links(
        &self,
        base_url: &str,
        count: i64,
        keep: &[(String, String)],
    ) -> (Option<String>, Option<String>) {
        let link = |page: i64| {
            let mut q = form_urlencoded::Serializer::new(String::new());
            for (k, v) in keep.iter().filter(|(k, _)| k != "page" && k != "per_page") {
                q.append_pair(k, v);
            }
            q.append_pair("page", &page.to_string());
            q.append_pair("per_page", &self.per_page.to_string());
            format!("{base_url}?{}", q.finish())
        };
        let next = (self.page * self.per_page < count).then(|| link(self.page + 1));
        let previous = (self.page > 1).then(|| link(self.page - 1));
        (next, previous)
    }
}

/// How deep offset pages reach (`page` × `per_page`): every deeper page makes SQLite step over
/// all the rows before it, so a far page is refused rather than scanned (Zendesk caps offset
/// pagination the same way: 100 pages of 100).
pub const MAX_OFFSET_RECORDS: i64 = 10_000;

/// Reads `page` and `per_page` from the query, with clear 400s for nonsense.
pub fn paginate_offset(pairs: &[(String, String)]) -> Result<OffsetPage, ApiError> {
    let get = |name: &str, default: i64, max: i64| -> Result<i64, ApiError> {
        match pairs.iter().find(|(k, _)| k == name) {
            None => Ok(default),
            Some((_, v)) => match v.parse::<i64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::bad_request(
                    "invalid_pagination",
                    format!("`{name}` must be a whole number from 1 to {max}, got {v:?}"),
                )),
            },
        }
    };
    let per_page = get("per_page", 100, 100)?;
    let last = MAX_OFFSET_RECORDS / per_page;
    let page = get("page", 1, i64::MAX).and_then(|page| {
        if page > last {
            Err(ApiError::bad_request(
                "invalid_pagination",
                format!(
                    "Offset pages reach the first {MAX_OFFSET_RECORDS} records: with \
                     `per_page={per_page}` the last page is {last}, got {page}; use cursor \
                     pagination (`page[size]`, `page[after]`) where the list offers it, or \
                     narrow the query"
                ),
            ))
        } else {
            Ok(page)
        }
    })?;
    Ok(OffsetPage { page, per_page })
}
