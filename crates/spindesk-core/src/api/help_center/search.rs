//! Article search: `/api/v2/help_center/articles/search`, Zendesk's parameters and result
//! envelope over [`crate::help_center::search`].

use super::articles;
use super::request::{page_of, Cx, Request, Response, SEARCH_PER_PAGE};
use crate::help_center::index;
use crate::help_center::search::{self, SearchError, SearchRequest, MAX_QUERY_CHARS};
use crate::help_center::Locale;
use crate::ports::Env;
use crate::web::{self, ApiError};

/// The search, which opens the help center's database itself: a search with words opens it
/// with the query's vocabulary as its first read, which brings the index's totals and the
/// schema check too (one statement, where reading the index's row first made two).
pub(super) fn articles(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let pairs = web::query_pairs(req);
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
    let page = page_of(req, SEARCH_PER_PAGE)?;
    let request = SearchRequest {
        query: &query,
        locale: locale.as_ref().map(Locale::as_str),
        category_id: id_param("category")?,
        section_id: id_param("section")?,
        label_names,
        offset: page.offset(),
        limit: page.per_page,
    };
    let (db, found) = if query.trim().is_empty() {
        let db = index::open_caught_up(env)?;
        let found = search::search(&db, &request);
        (db, found)
    } else {
        let (db, prepared) = search::open_prepared(env, &query, search::analysis_locale(&request))?;
        let found = search::search_prepared(&db, &request, prepared);
        (db, found)
    };
    let cx = Cx::new(env, db, req);
    let results = match found {
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
            let mut article = articles::to_json(&cx, &hit.article);
            article.snippet = Some(&hit.snippet);
            article.result_type = Some("article");
            article
        })
        .collect::<Vec<_>>();
    Ok(cx.list_response("results", items, results.count, page, None))
}
