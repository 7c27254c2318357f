//! The pages' routes: which page a path names, reading what it shows from the catalog and
//! the search, and the response around the HTML (status, caching, security headers).

use super::labels::Labels;
use super::paths;
use super::theme::{self, CategoryBlock, Frame, Hit, Pager, SectionBlock};
use crate::help_center::catalog::{self, Article, ArticleFilter, Section, Sort, SortBy};
use crate::help_center::database;
use crate::help_center::index;
use crate::help_center::search::{self, Prepared, SearchError, SearchRequest, MAX_QUERY_CHARS};
use crate::help_center::Locale;
use crate::ports::{Env, SqlError};
use crate::store::Db;
use crate::web::{self, ApiError, OffsetPage};
use http::header::{
    ALLOW, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS,
};
use http::{Method, StatusCode};
use std::collections::HashMap;

// The `http` types as `web` takes them, not `crate::surface`'s names for them: the surfaces sit
// above these pages and import them.
type Request = http::Request<Vec<u8>>;
type Response = http::Response<Vec<u8>>;

/// The locale `/hc` opens when nothing is published yet.
pub const FALLBACK_LOCALE: &str = "en-us";
/// Articles per section on the home and category pages.
const HOME_PER_SECTION: i64 = 5;
const CATEGORY_PER_SECTION: i64 = 6;
/// Articles per page of a section, results per page of a search (Zendesk's sizes).
const SECTION_PER_PAGE: i64 = 30;
const SEARCH_PER_PAGE: i64 = 25;
/// "Articles in this section" beside an article.
const SIBLINGS: i64 = 10;
/// More categories or sections than this on one page are not shown (a help center that large
/// needs a different home page anyway).
const MAX_LISTED: i64 = 200;
const MAX_PAGE: i64 = 1_000_000;

/// Pages change when an agent edits an article; a minute of caching (browsers and shared
/// caches) absorbs a burst of customers opening the same link, and bounds how long an
/// unpublished article stays visible.
const CACHE_PAGE: &str = "public, max-age=60";
/// Errors and the locale redirect depend on content that may appear any moment.
const CACHE_NONE: &str = "no-store";

/// Whether `path` is one of these pages (`/hc` or below).
pub fn serves(path: &str) -> bool {
    path == "/hc" || path.starts_with("/hc/")
}

pub fn handle(env: &Env, req: &Request) -> Response {
    let head = req.method() == Method::HEAD;
    let mut response = if head || req.method() == Method::GET {
        match serve(env, req) {
            Ok(response) => response,
            Err(problem) => problem_page(env, req, problem),
        }
    } else {
        let locale = path_locale(req).unwrap_or_else(|| FALLBACK_LOCALE.to_owned());
        let frame = frame(&locale, "", "");
        let l = frame.labels;
        let body = theme::page(
            &frame,
            &theme::problem(&frame, l.method_title, l.method_text, None),
        );
        let mut r = html(StatusCode::METHOD_NOT_ALLOWED, CACHE_NONE, body);
        r.headers_mut()
            .insert(ALLOW, http::HeaderValue::from_static("GET, HEAD"));
        r
    };
    if head {
        response.body_mut().clear();
    }
    response
}

/// Why a page cannot be shown.
enum Problem {
    NotFound,
    /// A query parameter that makes no sense: the sentence that says which.
    BadRequest(fn(&Labels) -> &'static str),
    /// Ours: the detail is logged, the page shows a generic apology.
    Internal(String),
}

impl From<SqlError> for Problem {
    fn from(e: SqlError) -> Self {
        Problem::Internal(e.to_string())
    }
}

impl From<crate::Error> for Problem {
    fn from(e: crate::Error) -> Self {
        ApiError::from(e).into()
    }
}

impl From<ApiError> for Problem {
    fn from(e: ApiError) -> Self {
        if e.status.is_server_error() {
            Problem::Internal(e.detail.unwrap_or(e.message))
        } else {
            Problem::NotFound
        }
    }
}

type Served = Result<Response, Problem>;

fn serve(env: &Env, req: &Request) -> Served {
    let path = req.uri().path();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // As the API does: after an upgrade the search index rebuilds itself a batch per request.
    let (db, prepared) = open(env, req, &segs)?;
    let cx = Cx { db, req };
    match segs.as_slice() {
        ["hc"] => {
            let locale = cx.home_locale()?;
            Ok(redirect(
                StatusCode::FOUND,
                CACHE_NONE,
                &locale,
                &paths::home(&locale),
            ))
        }
        // Zendesk's addresses without a locale: to the item's own.
        ["hc", kind @ ("articles" | "sections" | "categories"), id] => {
            let id = paths::id_of(id).ok_or(Problem::NotFound)?;
            let (locale, to) = match *kind {
                "articles" => {
                    let a = cx.published_article(id)?;
                    let to = paths::article(&a.locale, a.id, &a.title);
                    (a.locale, to)
                }
                "sections" => {
                    let s = catalog::section(&cx.db, id)?.ok_or(Problem::NotFound)?;
                    let to = paths::section(&s.locale, s.id, &s.name);
                    (s.locale, to)
                }
                _ => {
                    let c = catalog::category(&cx.db, id)?.ok_or(Problem::NotFound)?;
                    let to = paths::category(&c.locale, c.id, &c.name);
                    (c.locale, to)
                }
            };
            Ok(redirect(
                StatusCode::MOVED_PERMANENTLY,
                CACHE_PAGE,
                &locale,
                &to,
            ))
        }
        ["hc", locale, rest @ ..] => {
            let locale = Locale::parse(locale).ok_or(Problem::NotFound)?;
            let locale = locale.as_str();
            match rest {
                [] => cx.home(locale),
                ["search"] => cx.search(locale, prepared),
                ["categories", id] => cx.category(locale, paths::id_of(id)),
                ["sections", id] => cx.section(locale, paths::id_of(id)),
                ["articles", id] => cx.article(locale, paths::id_of(id)),
                _ => Err(Problem::NotFound),
            }
        }
        _ => Err(Problem::NotFound),
    }
}

/// A query the search page searches for: its words, trimmed, not empty and not too long.
fn searchable_query(req: &Request) -> Option<String> {
    web::query_param(req, "query")
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty() && q.chars().count() <= MAX_QUERY_CHARS)
}

/// The help center's database, caught up ([`index::open_caught_up`]). For the search page with
/// a query, opened with the query's vocabulary as its first read, which brings the index's
/// totals and the schema check, and that vocabulary: one statement fewer, as the search API.
fn open<'a>(
    env: &Env<'a>,
    req: &Request,
    segs: &[&str],
) -> Result<(Db<'a>, Option<Prepared>), Problem> {
    if let ["hc", locale, "search"] = segs {
        if let (Some(locale), Some(query)) = (Locale::parse(locale), searchable_query(req)) {
            let (db, prepared) = search::open_prepared(env, &query, locale.as_str())?;
            return Ok((db, Some(prepared)));
        }
    }
    Ok((index::open_caught_up(env)?, None))
}

struct Cx<'a> {
    db: Db<'a>,
    req: &'a Request,
}

impl Cx<'_> {
    /// Where `/hc` goes: the first of the browser's languages (`Accept-Language`, most preferred
    /// first) the help center has, as Zendesk does; else the default locale.
    fn home_locale(&self) -> crate::Result<String> {
        for tag in accepted_languages(self.req) {
            if let Some(locale) = catalog::locale_for_tag(&self.db, tag.as_str())? {
                return Ok(locale);
            }
        }
        self.default_locale()
    }

    /// The locale with the most published articles, else [`FALLBACK_LOCALE`].
    fn default_locale(&self) -> crate::Result<String> {
        Ok(catalog::busiest_locale(&self.db)?.unwrap_or_else(|| FALLBACK_LOCALE.to_owned()))
    }

    /// A locale this help center has pages in (the default one even when it is empty).
    fn require_locale(&self, locale: &str) -> Result<(), Problem> {
        if catalog::has_locale(&self.db, locale)? || self.default_locale()? == locale {
            Ok(())
        } else {
            Err(Problem::NotFound)
        }
    }

    fn published_article(&self, id: i64) -> Result<Article, Problem> {
        catalog::article(&self.db, id)?
            .filter(|a| !a.draft)
            .ok_or(Problem::NotFound)
    }

    /// `page` from the query: 1 when absent.
    fn page_number(&self) -> Result<i64, Problem> {
        match web::query_param(self.req, "page") {
            None => Ok(1),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or(Problem::BadRequest(|l| l.bad_page_number)),
        }
    }

    /// The first articles of each section (in the section's own order) and how many it has.
    fn previews(
        &self,
        sections: &[Section],
        per_section: i64,
    ) -> crate::Result<HashMap<i64, (Vec<Article>, i64)>> {
        let mut by_sort: Vec<(Sort, Vec<i64>)> = Vec::new();
        for s in sections {
            let sort = Sort::of_section(&s.sorting);
            match by_sort.iter_mut().find(|(each, _)| *each == sort) {
                Some((_, ids)) => ids.push(s.id),
                None => by_sort.push((sort, vec![s.id])),
            }
        }
        let mut previews: HashMap<i64, (Vec<Article>, i64)> = HashMap::new();
        for (sort, ids) in by_sort {
            for (article, count) in catalog::first_articles(&self.db, &ids, sort, per_section)? {
                let entry = previews.entry(article.section_id).or_default();
                entry.1 = count;
                entry.0.push(article);
            }
        }
        Ok(previews)
    }

    fn home(&self, locale: &str) -> Served {
        self.require_locale(locale)?;
        let by_position = Sort {
            by: SortBy::Position,
            descending: false,
            promoted_first: false,
        };
        let categories =
            catalog::list_categories(&self.db, Some(locale), by_position, 0, MAX_LISTED)?.items;
        let sections =
            catalog::list_sections(&self.db, Some(locale), None, by_position, 0, MAX_LISTED)?.items;
        let previews = self.previews(&sections, HOME_PER_SECTION)?;
        let blocks: Vec<CategoryBlock> = categories
            .iter()
            .map(|c| CategoryBlock {
                category: c,
                sections: section_blocks(
                    sections.iter().filter(|s| s.category_id == c.id),
                    &previews,
                ),
            })
            .collect();
        let labels = Labels::for_locale(locale);
        let mut frame = frame(locale, labels.help_center, "");
        frame.canonical = Some(paths::home(locale));
        frame.header_search = false;
        Ok(ok_page(&frame, &theme::home(&frame, &blocks)))
    }

    fn category(&self, locale: &str, id: Option<i64>) -> Served {
        let id = id.ok_or(Problem::NotFound)?;
        let c = catalog::category(&self.db, id)?.ok_or(Problem::NotFound)?;
        let path = paths::category(&c.locale, c.id, &c.name);
        if c.locale != locale {
            return Ok(moved(&c.locale, &path));
        }
        let by_position = Sort {
            by: SortBy::Position,
            descending: false,
            promoted_first: false,
        };
        let sections = catalog::list_sections(
            &self.db,
            Some(locale),
            Some(c.id),
            by_position,
            0,
            MAX_LISTED,
        )?
        .items;
        let previews = self.previews(&sections, CATEGORY_PER_SECTION)?;
        let blocks = section_blocks(sections.iter(), &previews);
        let mut frame = frame(locale, &c.name, "");
        frame.crumbs = vec![home_crumb(locale)];
        frame.canonical = Some(path.clone());
        Ok(ok_page(&frame, &theme::category(&frame, &c, &blocks)))
    }

    fn section(&self, locale: &str, id: Option<i64>) -> Served {
        let id = id.ok_or(Problem::NotFound)?;
        let s = catalog::section(&self.db, id)?.ok_or(Problem::NotFound)?;
        let path = paths::section(&s.locale, s.id, &s.name);
        if s.locale != locale {
            return Ok(moved(&s.locale, &path));
        }
        let page = self.page_number()?;
        let filter = ArticleFilter {
            section_id: Some(s.id),
            ..ArticleFilter::default()
        };
        let listed = catalog::list_articles(
            &self.db,
            &filter,
            Sort::of_section(&s.sorting),
            (page - 1) * SECTION_PER_PAGE,
            SECTION_PER_PAGE,
        )?;
        let pages = OffsetPage::page_count(SECTION_PER_PAGE, listed.count);
        if page > pages.max(1) {
            return Err(Problem::NotFound);
        }
        let link = |n: i64| {
            if n == 1 {
                path.clone()
            } else {
                format!("{path}?page={n}")
            }
        };
        let pager = Pager {
            page,
            pages,
            previous: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        };
        let mut frame = frame(locale, &s.name, "");
        frame.crumbs = self.crumbs(locale, Some(&s))?;
        frame.canonical = Some(link(page));
        let articles: Vec<&Article> = listed.items.iter().collect();
        Ok(ok_page(
            &frame,
            &theme::section(&frame, &s, &articles, &pager),
        ))
    }

    fn article(&self, locale: &str, id: Option<i64>) -> Served {
        let id = id.ok_or(Problem::NotFound)?;
        let a = self.published_article(id)?;
        let path = paths::article(&a.locale, a.id, &a.title);
        if a.locale != locale {
            return Ok(moved(&a.locale, &path));
        }
        let section = catalog::section(&self.db, a.section_id)?;
        let (others, more) = match &section {
            Some(s) => {
                let filter = ArticleFilter {
                    section_id: Some(s.id),
                    ..ArticleFilter::default()
                };
                let listed = catalog::list_articles(
                    &self.db,
                    &filter,
                    Sort::of_section(&s.sorting),
                    0,
                    SIBLINGS + 1,
                )?;
                let mut others = listed.items;
                others.retain(|o| o.id != a.id);
                others.truncate(SIBLINGS as usize);
                let more = listed.count > others.len() as i64 + 1;
                (others, more)
            }
            None => (Vec::new(), false),
        };
        let mut frame = frame(locale, &a.title, "");
        frame.crumbs = self.crumbs(locale, section.as_ref())?;
        frame.canonical = Some(path.clone());
        let others: Vec<&Article> = others.iter().collect();
        let main = theme::article(&frame, &a, section.as_ref(), &others, more);
        Ok(ok_page(&frame, &main))
    }

    /// The search page; `prepared`: its query's vocabulary, read when the database was opened.
    fn search(&self, locale: &str, prepared: Option<Prepared>) -> Served {
        self.require_locale(locale)?;
        let query = web::query_param(self.req, "query")
            .map(|q| q.trim().to_owned())
            .unwrap_or_default();
        let page = self.page_number()?;
        let labels = Labels::for_locale(locale);
        let mut frame = frame(locale, labels.search_results, &query);
        frame.crumbs = vec![home_crumb(locale)];
        let no_pages = Pager {
            page: 1,
            pages: 0,
            previous: None,
            next: None,
        };
        let refuse = |status: StatusCode, message: &str| {
            let main = theme::search(&frame, Some(message), &[], 0, &no_pages);
            html(status, CACHE_NONE, theme::page(&frame, &main))
        };
        if query.is_empty() {
            // The search page itself, before anything was typed: a normal page.
            return Ok(refuse(StatusCode::OK, labels.empty_query));
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Ok(refuse(StatusCode::BAD_REQUEST, labels.query_too_long));
        }
        let request = SearchRequest {
            query: &query,
            locale: Some(locale),
            offset: (page - 1) * SEARCH_PER_PAGE,
            limit: SEARCH_PER_PAGE,
            ..SearchRequest::default()
        };
        let found = match prepared {
            Some(prepared) => search::search_prepared(&self.db, &request, prepared),
            None => search::search(&self.db, &request),
        };
        let results = match found {
            Ok(results) => results,
            Err(SearchError::EmptyQuery) => {
                return Ok(refuse(
                    StatusCode::BAD_REQUEST,
                    &labels.unsearchable(&query),
                ))
            }
            Err(SearchError::Sql(e)) => return Err(e.into()),
        };
        let pages = OffsetPage::page_count(SEARCH_PER_PAGE, results.count);
        let link = |n: i64| {
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair("query", &query);
            if n > 1 {
                q.append_pair("page", &n.to_string());
            }
            format!("{}?{}", paths::search(locale), q.finish())
        };
        // Past the end (the results changed since the link was made): back to the last page.
        let pager = Pager {
            page,
            pages,
            previous: (page > 1).then(|| link((page - 1).min(pages.max(1)))),
            next: (page < pages).then(|| link(page + 1)),
        };
        let hits: Vec<Hit> = results
            .hits
            .iter()
            .map(|h| Hit {
                article: &h.article,
                snippet: &h.snippet,
            })
            .collect();
        let main = theme::search(&frame, None, &hits, results.count, &pager);
        Ok(ok_page(&frame, &main))
    }

    /// Help Center › category › section, as far as they exist.
    fn crumbs(
        &self,
        locale: &str,
        section: Option<&Section>,
    ) -> crate::Result<Vec<(String, String)>> {
        let mut crumbs = vec![home_crumb(locale)];
        if let Some(s) = section {
            if let Some(c) = catalog::category(&self.db, s.category_id)? {
                crumbs.push((paths::category(&c.locale, c.id, &c.name), c.name));
            }
            crumbs.push((paths::section(&s.locale, s.id, &s.name), s.name.clone()));
        }
        Ok(crumbs)
    }
}

fn section_blocks<'a>(
    sections: impl Iterator<Item = &'a Section>,
    previews: &'a HashMap<i64, (Vec<Article>, i64)>,
) -> Vec<SectionBlock<'a>> {
    sections
        .map(|s| {
            let (articles, count) = previews
                .get(&s.id)
                .map_or((Vec::new(), 0), |(a, n)| (a.iter().collect(), *n));
            SectionBlock {
                section: s,
                articles,
                count,
            }
        })
        .collect()
}

/// A page's frame with no breadcrumbs and no canonical address yet.
fn frame<'a>(locale: &'a str, title: &'a str, query: &'a str) -> Frame<'a> {
    Frame {
        locale,
        labels: Labels::for_locale(locale),
        title,
        canonical: None,
        crumbs: Vec::new(),
        query,
        header_search: true,
    }
}

fn home_crumb(locale: &str) -> (String, String) {
    (
        paths::home(locale),
        Labels::for_locale(locale).help_center.to_owned(),
    )
}

/// At most this many of a browser's languages are tried for `/hc` (up to three index seeks
/// each); browsers send a handful.
const MAX_ACCEPTED_LANGUAGES: usize = 6;

/// The request's `Accept-Language` tags (`ko-KR,ko;q=0.9,en;q=0.8`), most preferred first (the
/// header's order among equals). `*`, tags that are not languages, and `q=0` ("not this one")
/// are left out; so is a `q` that is not a number, rather than guessed at.
fn accepted_languages(req: &Request) -> Vec<Locale> {
    let Some(header) = req
        .headers()
        .get(http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Vec::new();
    };
    let mut weighted: Vec<(u16, Locale)> = header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let tag = Locale::parse(parts.next()?)?;
            let mut q = 1000;
            for param in parts {
                if let Some(value) = param.trim().strip_prefix("q=") {
                    q = thousandths(value.trim())?;
                }
            }
            (q > 0).then_some((q, tag))
        })
        .collect();
    weighted.sort_by_key(|(q, _)| std::cmp::Reverse(*q));
    weighted
        .into_iter()
        .map(|(_, tag)| tag)
        .take(MAX_ACCEPTED_LANGUAGES)
        .collect()
}

/// An `Accept-Language` weight (`0`, `0.8`, `1.000`: RFC 9110's `qvalue`) in thousandths. By
/// hand rather than as a float: parsing floats added ~18 KB to the help-center component.
fn thousandths(q: &str) -> Option<u16> {
    let (whole, fraction) = q.split_once('.').unwrap_or((q, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = match whole {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let fraction = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0, |n, b| n * 10 + u16::from(b - b'0'));
    let q = whole * 1000 + fraction;
    (q <= 1000).then_some(q)
}

/// The locale named in the path, if it is one.
fn path_locale(req: &Request) -> Option<String> {
    let second = req
        .uri()
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .nth(1)?;
    Locale::parse(second).map(|l| l.as_str().to_owned())
}

/// The error page, in the path's locale when the help center has it, else the default one.
fn problem_page(env: &Env, req: &Request, problem: Problem) -> Response {
    let known = |db: &Db, locale: &str| catalog::has_locale(db, locale).unwrap_or(false);
    if let Problem::Internal(detail) = &problem {
        env.error("request.internal_error", detail);
    }
    // Logged like any internal error; the error page still shows, in the path's locale.
    let db = match database::open(env) {
        Ok(db) => Some(db),
        Err(e) => {
            env.error("request.internal_error", e);
            None
        }
    };
    let locale = match (&problem, &db) {
        (Problem::Internal(_), _) | (_, None) => path_locale(req),
        (_, Some(db)) => path_locale(req)
            .filter(|l| known(db, l))
            .or_else(|| catalog::busiest_locale(db).ok().flatten()),
    }
    .unwrap_or_else(|| FALLBACK_LOCALE.to_owned());
    let frame = frame(&locale, "", "");
    let l = frame.labels;
    let (status, heading, text) = match problem {
        Problem::NotFound => (StatusCode::NOT_FOUND, l.not_found_title, l.not_found_text),
        Problem::BadRequest(sentence) => {
            (StatusCode::BAD_REQUEST, l.bad_request_title, sentence(l))
        }
        Problem::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            l.error_title,
            l.error_text,
        ),
    };
    let frame = Frame {
        title: heading,
        ..frame
    };
    let body = theme::page(&frame, &theme::problem(&frame, heading, text, None));
    html(status, CACHE_NONE, body)
}

fn ok_page(frame: &Frame, main: &str) -> Response {
    html(StatusCode::OK, CACHE_PAGE, theme::page(frame, main))
}

/// A 301 to the same item under its own locale.
fn moved(locale: &str, path: &str) -> Response {
    redirect(StatusCode::MOVED_PERMANENTLY, CACHE_PAGE, locale, path)
}

fn redirect(status: StatusCode, cache: &str, locale: &str, path: &str) -> Response {
    let frame = frame(locale, "", "");
    let l = frame.labels;
    let body = theme::page(
        &frame,
        &theme::problem(&frame, l.help_center, l.moved, Some(path)),
    );
    let mut r = html(status, cache, body);
    if let Ok(value) = http::HeaderValue::from_str(path) {
        r.headers_mut().insert(LOCATION, value);
    }
    r
}

fn html(status: StatusCode, cache: &str, body: String) -> Response {
    http::Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "text/html; charset=utf-8")
        .header(CACHE_CONTROL, cache)
        .header(CONTENT_SECURITY_POLICY, theme::csp())
        .header(X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(REFERRER_POLICY, "strict-origin-when-cross-origin")
        .body(body.into_bytes())
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::thousandths;

    #[test]
    fn accept_language_weights_are_rfc_9110_qvalues() {
        for (q, want) in [
            ("1", Some(1000)),
            ("1.000", Some(1000)),
            ("1.", Some(1000)),
            ("0", Some(0)),
            ("0.8", Some(800)),
            ("0.125", Some(125)),
            ("0.05", Some(50)),
            ("1.5", None),
            ("1.001", None),
            ("0.1234", None),
            (".5", None),
            ("2", None),
            ("", None),
            ("0.x", None),
            ("-0", None),
        ] {
            assert_eq!(thousandths(q), want, "{q}");
        }
    }
}
