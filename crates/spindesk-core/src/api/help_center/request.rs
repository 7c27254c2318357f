//! A Help Center API request as the resource handlers see it: who is asking, the page and
//! sort order it asks for, and Zendesk's list envelope and not-found error.

use crate::attachments;
use crate::auth::{self, Staff};
use crate::help_center::catalog::{Sort, SortBy};
use crate::ports::Env;
use crate::store::{database, Db};
use crate::web::{self, ApiError, OffsetPage};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::cell::OnceCell;

// The `http` types as `web` takes them, not `crate::surface`'s names for them: `surface.rs`
// lists this surface, so these files must not import it.
pub(super) type Request = http::Request<Vec<u8>>;
pub(super) type Response = http::Response<Vec<u8>>;

/// Zendesk's Help Center page sizes: 30 for lists, 25 for search.
pub(super) const LIST_PER_PAGE: i64 = 30;
pub(super) const SEARCH_PER_PAGE: i64 = 25;

/// `scheme://host` of the request as the client sent it, for the absolute `url`, `html_url`
/// and page links Zendesk returns. Spin passes the full URL in `spin-full-url`.
fn origin(req: &Request) -> String {
    if let Some(full) = web::header(req, "spin-full-url") {
        if let Some((scheme, rest)) = full.split_once("://") {
            let host = rest.split('/').next().unwrap_or("");
            return format!("{scheme}://{host}");
        }
    }
    match web::header(req, "host") {
        Some(host) => format!("http://{host}"),
        None => String::new(),
    }
}

/// The page `req` asks for, `default_per_page` items unless it says `per_page`.
pub(super) fn page_of(req: &Request, default_per_page: i64) -> Result<OffsetPage, ApiError> {
    let pairs = web::query_pairs(req);
    let mut page = web::paginate_offset(&pairs)?;
    if !pairs.iter().any(|(k, _)| k == "per_page") {
        page.per_page = default_per_page;
    }
    Ok(page)
}

/// One request's context.
pub(super) struct Cx<'a> {
    pub(super) env: &'a Env<'a>,
    /// The help center's database.
    pub(super) db: Db<'a>,
    pub(super) req: &'a Request,
    /// The main database, migrated, once a request with credentials has needed it.
    main: OnceCell<Db<'a>>,
}

pub(super) fn not_found(kind: &str, id: impl std::fmt::Display) -> ApiError {
    let what = match kind {
        "categories" => "category",
        "sections" => "section",
        _ => "article",
    };
    ApiError::not_found("RecordNotFound", format!("No {what} with id {id}"))
}

impl<'a> Cx<'a> {
    pub(super) fn new(env: &'a Env<'a>, db: Db<'a>, req: &'a Request) -> Self {
        Cx {
            env,
            db,
            req,
            main: OnceCell::new(),
        }
    }

    /// The main database (users and their tokens), opened and migrated on first use: a public
    /// read never needs it.
    fn main(&self) -> Result<&Db<'a>, ApiError> {
        if let Some(main) = self.main.get() {
            return Ok(main);
        }
        let main = database(self.env)?;
        Ok(self.main.get_or_init(|| main))
    }

    pub(super) fn now(&self) -> i64 {
        self.env.clock.now_ms()
    }

    /// Staff when the request carries valid staff credentials, `None` when it carries none;
    /// wrong credentials are a 401 even on public reads, so a typo in a token is noticed.
    pub(super) fn viewer(&self) -> Result<Option<Staff>, ApiError> {
        if web::header(self.req, "authorization").is_none() {
            return Ok(None);
        }
        auth::require_staff(self.env, self.main()?, self.req).map(Some)
    }

    pub(super) fn staff(&self) -> Result<Staff, ApiError> {
        auth::require_staff(self.env, self.main()?, self.req)
    }

    /// Removes the files of articles just deleted, rows and bytes: they are in the main
    /// database, which the help center's deletion could not reach in its transaction. Best
    /// effort after the deletion committed: a failure is logged and leaves files no article
    /// shows (their links name the article, which is gone).
    pub(super) fn remove_article_files(&self, articles: &[i64]) {
        if articles.is_empty() {
            return;
        }
        let removed = match self.main() {
            Ok(main) => attachments::remove_article_files(self.env, main, articles),
            Err(e) => {
                self.env.warn("help_center.article_files", e.message);
                return;
            }
        };
        if let Err(e) = removed {
            self.env.warn("help_center.article_files", e);
        }
    }

    pub(super) fn origin(&self) -> String {
        origin(self.req)
    }

    pub(super) fn pairs(&self) -> Vec<(String, String)> {
        web::query_pairs(self.req)
    }

    pub(super) fn page(&self, default_per_page: i64) -> Result<OffsetPage, ApiError> {
        page_of(self.req, default_per_page)
    }

    pub(super) fn sort(&self) -> Result<Sort, ApiError> {
        let by = match web::query_param(self.req, "sort_by") {
            None => SortBy::Position,
            Some(s) => SortBy::parse(&s).ok_or_else(|| {
                ApiError::bad_request(
                    "InvalidSort",
                    format!(
                        "sort_by {s:?} is not one of position, title, created_at, updated_at, \
                         edited_at"
                    ),
                )
            })?,
        };
        let descending = match web::query_param(self.req, "sort_order").as_deref() {
            None => !matches!(by, SortBy::Position | SortBy::Title),
            Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(ApiError::bad_request(
                    "InvalidSort",
                    format!("sort_order {other:?} is not asc or desc"),
                ))
            }
        };
        Ok(Sort {
            by,
            descending,
            promoted_first: false,
        })
    }

    /// A Zendesk list envelope: the items under `key` and the page fields.
    pub(super) fn list_response<T: Serialize>(
        &self,
        key: &str,
        items: Vec<T>,
        count: i64,
        page: OffsetPage,
        sort: Option<Sort>,
    ) -> Response {
        let base = format!("{}{}", self.origin(), self.req.uri().path());
        let (next_page, previous_page) = page.links(&base, count, &self.pairs());
        web::json(&ListEnvelope {
            key,
            items,
            page: page.page,
            per_page: page.per_page,
            page_count: OffsetPage::page_count(page.per_page, count),
            count,
            next_page,
            previous_page,
            sort: sort.map(|sort| {
                let order = if sort.descending { "desc" } else { "asc" };
                (sort.by.name(), order)
            }),
        })
    }
}

/// [`Cx::list_response`]'s body, written straight from the items (a list is the help center's
/// busiest answer: no JSON tree built first). The items' key is the route's (`articles`,
/// `results`...), so the envelope is a map, not a derived struct.
struct ListEnvelope<'k, T> {
    key: &'k str,
    items: Vec<T>,
    page: i64,
    per_page: i64,
    page_count: i64,
    count: i64,
    next_page: Option<String>,
    previous_page: Option<String>,
    /// `sort_by` and `sort_order`, for the lists that sort.
    sort: Option<(&'static str, &'static str)>,
}

impl<T: Serialize> Serialize for ListEnvelope<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(self.key, &self.items)?;
        map.serialize_entry("page", &self.page)?;
        map.serialize_entry("per_page", &self.per_page)?;
        map.serialize_entry("page_count", &self.page_count)?;
        map.serialize_entry("count", &self.count)?;
        map.serialize_entry("next_page", &self.next_page)?;
        map.serialize_entry("previous_page", &self.previous_page)?;
        if let Some((by, order)) = self.sort {
            map.serialize_entry("sort_by", by)?;
            map.serialize_entry("sort_order", order)?;
        }
        map.end()
    }
}
