//! Search (`/api/v2/search`, `/api/v2/search/count`, `/api/v2/users/search`): Zendesk's query
//! syntax over tickets and users, answered in Zendesk's shapes. The query language and the SQL
//! live in `tickets::search`; this file reads the request and writes the answer.

use super::zendesk::{base_url, user_json};
use crate::auth::{require_staff, Staff};
use crate::ports::Env;
use crate::store::database;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::tickets::search::{self, Page, ResultType, SearchQuery, Searcher, SortBy};
use crate::users::{self, User};
use crate::web::{json, paginate_offset, query_pairs, ApiError, OffsetPage};
use serde_json::{json, Value};

/// Zendesk returns at most the first 1,000 results of a query; deeper pages are refused rather
/// than read (an offset scan grows with the page), and the caller narrows the query instead.
pub const MAX_RESULTS: i64 = 1_000;

fn invalid_query(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("InvalidSearchQuery", message)
}

fn param<'p>(pairs: &'p [(String, String)], name: &str) -> Option<&'p str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The `query` parameter, parsed; a missing or empty one is a 400.
fn parsed_query(env: &Env, pairs: &[(String, String)]) -> Result<SearchQuery, ApiError> {
    let raw = param(pairs, "query").ok_or_else(|| {
        invalid_query("the query parameter is required (as in ?query=status:open refund)")
    })?;
    search::parse(raw, env.clock.now_ms()).map_err(|e| invalid_query(e.0))
}

fn page_of(pairs: &[(String, String)]) -> Result<(OffsetPage, Page), ApiError> {
    let offset_page = paginate_offset(pairs)?;
    if offset_page.offset() >= MAX_RESULTS {
        return Err(ApiError::unprocessable(
            "InvalidPaginationParameter",
            format!("search returns at most the first {MAX_RESULTS} results; narrow the query"),
        ));
    }
    let sort_by = match param(pairs, "sort_by") {
        None | Some("relevance") => SortBy::default(),
        Some(raw) => SortBy::parse(raw).ok_or_else(|| {
            ApiError::bad_request(
                "InvalidParameter",
                format!("sort_by must be one of {}; got {raw:?}", SortBy::NAMES),
            )
        })?,
    };
    let descending = match param(pairs, "sort_order") {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(other) => {
            return Err(ApiError::bad_request(
                "InvalidParameter",
                format!("sort_order must be asc or desc; got {other:?}"),
            ))
        }
    };
    Ok((
        offset_page,
        Page {
            sort_by,
            descending,
            offset: offset_page.offset(),
            limit: offset_page.per_page,
        },
    ))
}

fn searcher(staff: &Staff) -> Searcher {
    Searcher {
        user_id: staff.user_id(),
    }
}

fn users_json(
    db: &Db,
    list: &[User],
    base: &str,
    result_type: bool,
) -> Result<Vec<Value>, ApiError> {
    let ids: Vec<i64> = list.iter().map(|u| u.id).collect();
    let phones = users::phones(db, &ids)?;
    Ok(list
        .iter()
        .map(|u| {
            let mut v = user_json(u, phones.get(&u.id), base);
            if result_type {
                v["result_type"] = json!("user");
            }
            v
        })
        .collect())
}

/// `GET /api/v2/search.json?query=`: tickets, users, or (with neither `type:` nor a keyword
/// that implies one) tickets then users, as one list paged together.
pub fn search(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let pairs = query_pairs(req);
    let query = parsed_query(env, &pairs)?;
    let (offset_page, page) = page_of(&pairs)?;
    let base = base_url(req);
    let who = searcher(&staff);
    let mut results: Vec<Value> = Vec::new();
    let mut count = 0;
    if query.result_type != Some(ResultType::User) {
        let (n, list) = search::tickets(&db, &query, who, &page)?;
        count += n;
        results.extend(list.iter().map(|t| {
            let mut v = super::zendesk::ticket_json(t, &base);
            v["result_type"] = json!("ticket");
            v
        }));
    }
    if query.result_type != Some(ResultType::Ticket) {
        // Users follow the tickets: the page's offset among them is what the tickets left.
        let before = count;
        let user_page = Page {
            offset: (page.offset - before).max(0),
            limit: page.limit - results.len() as i64,
            ..page
        };
        if user_page.limit > 0 {
            let (n, list) = search::users(&db, &query, &user_page)?;
            count += n;
            results.extend(users_json(&db, &list, &base, true)?);
        } else {
            count += search::count_users(&db, &query)?;
        }
    }
    let (next, previous) = offset_page.links(&format!("{base}/api/v2/search.json"), count, &pairs);
    Ok(json(&json!({
        "results": results,
        "facets": null,
        "next_page": next,
        "previous_page": previous,
        "count": count,
    })))
}

/// `GET /api/v2/search/count.json?query=`: `{"count": n}`.
pub fn count(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let db = database(env)?;
    let staff = require_staff(env, &db, req)?;
    let pairs = query_pairs(req);
    let query = parsed_query(env, &pairs)?;
    let mut count = 0;
    if query.result_type != Some(ResultType::User) {
        count += search::count_tickets(&db, &query, searcher(&staff))?;
    }
    if query.result_type != Some(ResultType::Ticket) {
        count += search::count_users(&db, &query)?;
    }
    Ok(json(&json!({ "count": count })))
}

/// `GET /api/v2/users/search.json?query=` (free text over name and email, or user keywords
/// such as `role:agent`) or `?external_id=`: `{"users": [...], "next_page", ...}`.
pub fn users(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let pairs = query_pairs(req);
    let query = match (param(&pairs, "query"), param(&pairs, "external_id")) {
        (Some(_), _) => parsed_query(env, &pairs)?,
        (None, Some(external_id)) if !external_id.is_empty() => SearchQuery {
            result_type: Some(ResultType::User),
            clauses: vec![search::Clause {
                negated: false,
                filter: search::Filter::ExternalId(external_id.to_owned()),
                written: format!("external_id:{external_id}"),
            }],
        },
        _ => {
            return Err(invalid_query(
                "give query (a name or email, or keywords such as role:agent) or external_id",
            ))
        }
    };
    if query.result_type == Some(ResultType::Ticket) {
        return Err(invalid_query(
            "users search finds users; ticket keywords and type:ticket belong to /api/v2/search",
        ));
    }
    let (offset_page, page) = page_of(&pairs)?;
    let (count, list) = search::users(&db, &query, &page)?;
    let base = base_url(req);
    let (next, previous) =
        offset_page.links(&format!("{base}/api/v2/users/search.json"), count, &pairs);
    Ok(json(&json!({
        "users": users_json(&db, &list, &base, false)?,
        "next_page": next,
        "previous_page": previous,
        "count": count,
    })))
}
