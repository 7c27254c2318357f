//! The `help-center` surface: Zendesk's Help Center API (categories, sections, articles,
//! article search) under `/api/v2/help_center/`, with Zendesk's paths (with or without `.json`),
//! envelopes, field names, pagination and `{"error", "description"}` errors.
//!
//! Reads are public and see published articles only; staff credentials (an agent's API token or
//! the admin token) also see drafts. Writes need staff credentials. Limits and deviations from
//! Zendesk are in `docs/help-center.md`.
//!
//! The same component serves the public Help Center pages under `/hc/`
//! ([`crate::help_center_site`]), which the articles' `html_url` points at.

mod articles;
mod attachments;
mod categories;
mod fields;
mod request;
mod search;
mod sections;

use crate::config;
use crate::help_center::index;
use crate::help_center::Locale;
use crate::help_center_site;
use crate::ports::Env;
use crate::surface::{Handler, Request, Response, Surface, Uses};
use crate::web::{self, ApiError, Family};
use http::Method;
use request::{not_found, Cx};

pub const SURFACE: Surface = Surface {
    component: "help-center",
    handle: Handler::Respond(handle),
    uses: Uses {
        sqlite: true,
        key_value: false,
        // Article attachments: their limit, and the links that embed them.
        variables: &[
            config::ADMIN_TOKEN,
            config::PUBLIC_BASE_URL,
            config::ATTACHMENT_URL_KEY,
            config::ATTACHMENT_MAX_BYTES,
        ],
        outbound: false,
        actions: false,
        files: true,
        help_center: true,
        live: false,
    },
    // `POST /api/v2/help_center/articles/{id}/attachments` reads its body as it arrives.
    streamed: attachments::ROUTES,
};

pub use crate::help_center::search::MAX_QUERY_CHARS;
pub use fields::{
    MAX_BODY_BYTES, MAX_DESCRIPTION_CHARS, MAX_LABELS, MAX_LABEL_CHARS, MAX_REQUEST_BYTES,
    MAX_TITLE_CHARS,
};

fn handle(env: &Env, req: Request) -> Response {
    if help_center_site::serves(req.uri().path()) {
        return help_center_site::handle(env, &req);
    }
    match route(env, &req) {
        Ok(response) => response,
        Err(e) => e.answer(env, Family::Zendesk),
    }
}

/// A help-center path, parsed: what it names, with the locale when the path has one.
enum Route {
    Search,
    Categories(Option<Locale>),
    Category(Option<Locale>, i64),
    CategorySections(Option<Locale>, i64),
    CategoryArticles(Option<Locale>, i64),
    Sections(Option<Locale>),
    Section(Option<Locale>, i64),
    SectionArticles(Option<Locale>, i64),
    Articles(Option<Locale>),
    Article(Option<Locale>, i64),
    /// POST only, a streamed route (`attachments.rs`): the adapters never bring POST here.
    ArticleAttachments,
}

impl Route {
    fn parse(rest: &[&str]) -> Result<Option<Route>, ApiError> {
        let (locale, rest) = match rest.first() {
            Some(&("categories" | "sections" | "articles")) | None => (None, rest),
            Some(first) => {
                let locale = Locale::parse(first).ok_or_else(|| {
                    ApiError::bad_request(
                        "InvalidLocale",
                        format!("{first:?} is not a locale; use a code like en-us or ko"),
                    )
                })?;
                (Some(locale), &rest[1..])
            }
        };
        let id = |s: &str| s.parse::<i64>().ok().filter(|&id| id > 0);
        Ok(Some(match rest {
            ["articles", "search"] if locale.is_none() => Route::Search,
            ["categories"] => Route::Categories(locale),
            ["sections"] => Route::Sections(locale),
            ["articles"] => Route::Articles(locale),
            [kind @ ("categories" | "sections" | "articles"), raw]
            | [kind @ ("categories" | "sections" | "articles"), raw, _] => {
                let Some(id) = id(raw) else {
                    return Err(not_found(kind, raw));
                };
                match (*kind, rest.get(2).copied()) {
                    ("categories", None) => Route::Category(locale, id),
                    ("categories", Some("sections")) => Route::CategorySections(locale, id),
                    ("categories", Some("articles")) => Route::CategoryArticles(locale, id),
                    ("sections", None) => Route::Section(locale, id),
                    ("sections", Some("articles")) => Route::SectionArticles(locale, id),
                    ("articles", None) => Route::Article(locale, id),
                    ("articles", Some("attachments")) if locale.is_none() => {
                        Route::ArticleAttachments
                    }
                    _ => return Ok(None),
                }
            }
            _ => return Ok(None),
        }))
    }

    /// The methods the route answers, for 405s.
    fn allow(&self) -> &'static str {
        match self {
            Route::Category(None, _) | Route::Section(None, _) | Route::Article(None, _) => {
                "GET, PUT, DELETE"
            }
            Route::Categories(Some(_))
            | Route::CategorySections(..)
            | Route::SectionArticles(..) => "GET, POST",
            Route::ArticleAttachments => "POST",
            _ => "GET",
        }
    }
}

fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let path = req.uri().path();
    let segs = web::segments(path);
    let rest = match segs.as_slice() {
        ["api", "v2", "help_center", rest @ ..] => rest,
        _ => return Err(ApiError::no_route(req.method(), path)),
    };
    let Some(route) = Route::parse(rest)? else {
        return Err(ApiError::no_route(req.method(), path));
    };
    let allow = route.allow();
    if !allow.split(", ").any(|m| m == req.method().as_str()) {
        return Err(ApiError::method_not_allowed(req.method(), allow));
    }
    if let Route::Search = route {
        // It opens the database with its own first read.
        return search::articles(env, req);
    }
    // Only the help center's own database: the main one is opened only for staff credentials.
    // After an upgrade or a change of analysis rules the index rebuilds itself, a batch per
    // request; once complete this is one row read, which checks the schema too.
    let db = index::open_caught_up(env)?;
    let cx = Cx::new(env, db, req);
    let get = req.method() == Method::GET;
    let post = req.method() == Method::POST;
    let put = req.method() == Method::PUT;
    match route {
        Route::ArticleAttachments => Err(ApiError::method_not_allowed(req.method(), "POST")),
        // Answered above, before the database was opened.
        Route::Search => search::articles(env, req),
        Route::Categories(locale) if post => categories::create(&cx, locale),
        Route::Categories(locale) => categories::list(&cx, locale),
        Route::Category(_, id) if put => categories::update(&cx, id),
        Route::Category(None, id) if !get => categories::delete(&cx, id),
        Route::Category(locale, id) => categories::show(&cx, locale, id),
        Route::CategorySections(locale, id) if post => sections::create(&cx, locale, id),
        Route::CategorySections(locale, id) => sections::list(&cx, locale, Some(id)),
        Route::CategoryArticles(locale, id) => {
            categories::existing(&cx, id)?;
            articles::list(&cx, locale, None, Some(id))
        }
        Route::Sections(locale) => sections::list(&cx, locale, None),
        Route::Section(_, id) if put => sections::update(&cx, id),
        Route::Section(None, id) if !get => sections::delete(&cx, id),
        Route::Section(locale, id) => sections::show(&cx, locale, id),
        Route::SectionArticles(locale, id) if post => articles::create(&cx, locale, id),
        Route::SectionArticles(locale, id) => {
            sections::existing(&cx, id)?;
            articles::list(&cx, locale, Some(id), None)
        }
        Route::Articles(locale) => articles::list(&cx, locale, None, None),
        Route::Article(_, id) if put => articles::update(&cx, id),
        Route::Article(None, id) if !get => articles::delete(&cx, id),
        Route::Article(locale, id) => articles::show(&cx, locale, id),
    }
}
