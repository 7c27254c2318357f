//! Article search: `/api/v2/help_center/articles/search`, Zendesk's parameters and result
//! envelope over [`crate::help_center::search`].

use super::articles;
use super::request::{Cx, Response, SEARCH_PER_PAGE};
use crate::help_center::search::{self, SearchError, SearchRequest, MAX_QUERY_CHARS};
use crate::help_center::Locale;
use crate::web::ApiError;

pub(super) fn articles(cx: &Cx) -> Result<Response, ApiError> {
    let pairs = cx.pairs();
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    // Zendesk allows a search by filters alone: no `query`, but a category, section or
    // labels.
    let filtered = ["category", "section", "label_names"]
        .iter()
        .any(|name| param(name).is_some());
    let query = match param("query") {
        Some(query) => query,
        None if filtered => String::new(),
        None => {
            return Err(ApiError::bad_request(
                "InvalidQuery",
                "Give the words to search for in the `query` parameter, or filter by \
                 `category`, `section` or `label_names`",
            ))
        }
    };
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(
            "InvalidQuery",
            format!("`query` is longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    let locale = match param("locale").as_deref() {
        None | Some("*") => None,
        Some(l) => Some(Locale::parse(l).ok_or_else(|| {
            ApiError::bad_request(
                "InvalidLocale",
                format!("locale {l:?} is not a locale; use a code like en-us or ko, or *"),
            )
        })?),
    };
    let id_param = |name: &str| -> Result<Option<i64>, ApiError> {
        param(name)
            .map(|v| {
                v.parse::<i64>().ok().filter(|&n| n > 0).ok_or_else(|| {
                    ApiError::bad_request(
                        "InvalidParameter",
                        format!("`{name}` must be an id (a positive whole number), got {v:?}"),
                    )
                })
            })
            .transpose()
    };
    let label_names: Vec<String> = param("label_names")
        .map(|v| {
            v.split(',')
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let page = cx.page(SEARCH_PER_PAGE)?;
    let request = SearchRequest {
        query: &query,
        locale: locale.as_ref().map(Locale::as_str),
        category_id: id_param("category")?,
        section_id: id_param("section")?,
        label_names,
        offset: page.offset(),
        limit: page.per_page,
    };
    let results = match search::search(&cx.db, &request) {
        Ok(results) => results,
        Err(SearchError::EmptyQuery) => {
            return Err(ApiError::bad_request(
                "InvalidQuery",
                format!(
                    "The query {query:?} has no words to search for: it is only common \
                     words (like \"how\" or \"the\"), punctuation or symbols"
                ),
            ))
        }
        Err(SearchError::Sql(e)) => return Err(e.into()),
    };
    let items = results
        .hits
        .iter()
        .map(|hit| {
            let mut j = articles::to_json(cx, &hit.article);
            if let Some(obj) = j.as_object_mut() {
                obj.insert("snippet".into(), hit.snippet.clone().into());
                obj.insert("result_type".into(), "article".into());
            }
            j
        })
        .collect();
    Ok(cx.list_response("results", items, results.count, page, None))
}
