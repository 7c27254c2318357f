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

use crate::auth::{self, Staff};
use crate::help_center::catalog::{
    self, Article, ArticleFilter, Category, Listed, Section, Sort, SortBy,
};
use crate::help_center::index;
use crate::help_center::search::{self, SearchError, SearchRequest};
use crate::help_center::Locale;
use crate::help_center_site::{self, paths};
use crate::ports::Env;
use crate::store::{ensure_schema, Db};
use crate::surface::{Request, Response, Surface, Uses};
use crate::timestamp::iso8601;
use crate::web::{self, ApiError, Family, OffsetPage};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};

pub const SURFACE: Surface = Surface {
    component: "help-center",
    handle,
    uses: Uses {
        sqlite: true,
        key_value: false,
        variables: &[auth::ADMIN_TOKEN_VARIABLE],
        outbound: false,
    },
};

/// Request bodies: an article body of up to [`MAX_BODY_BYTES`] plus its JSON envelope.
pub const MAX_REQUEST_BYTES: usize = 1_200_000;
pub const MAX_BODY_BYTES: usize = 1_000_000;
pub const MAX_TITLE_CHARS: usize = 255;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
pub const MAX_LABELS: usize = 50;
pub const MAX_LABEL_CHARS: usize = 100;
pub use crate::help_center::search::MAX_QUERY_CHARS;
const MAX_POSITION: i64 = 1_000_000_000;
/// Zendesk's Help Center page sizes: 30 for lists, 25 for search.
const LIST_PER_PAGE: i64 = 30;
const SEARCH_PER_PAGE: i64 = 25;

fn handle(env: &Env, req: Request) -> Response {
    if help_center_site::serves(req.uri().path()) {
        return help_center_site::handle(env, &req);
    }
    match route(env, &req) {
        Ok(response) => response,
        Err(e) => e.into_response(Family::Zendesk),
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
    let db = Db::new(env.sql);
    ensure_schema(&db, env.clock.now_ms())?;
    // After an upgrade or a change of analysis rules the index rebuilds itself, a batch per
    // request; once complete this is one row read.
    index::catch_up(&db)?;
    let cx = Cx { env, db, req };
    let get = req.method() == Method::GET;
    let post = req.method() == Method::POST;
    let put = req.method() == Method::PUT;
    match route {
        Route::Search => cx.search(),
        Route::Categories(locale) if post => cx.create_category(locale),
        Route::Categories(locale) => cx.list_categories(locale),
        Route::Category(_, id) if put => cx.update_category(id),
        Route::Category(None, id) if !get => cx.delete_category(id),
        Route::Category(locale, id) => cx.show_category(locale, id),
        Route::CategorySections(locale, id) if post => cx.create_section(locale, id),
        Route::CategorySections(locale, id) => cx.list_sections(locale, Some(id)),
        Route::CategoryArticles(locale, id) => {
            cx.category_or_404(id)?;
            cx.list_articles(locale, None, Some(id))
        }
        Route::Sections(locale) => cx.list_sections(locale, None),
        Route::Section(_, id) if put => cx.update_section(id),
        Route::Section(None, id) if !get => cx.delete_section(id),
        Route::Section(locale, id) => cx.show_section(locale, id),
        Route::SectionArticles(locale, id) if post => cx.create_article(locale, id),
        Route::SectionArticles(locale, id) => {
            cx.section_or_404(id)?;
            cx.list_articles(locale, Some(id), None)
        }
        Route::Articles(locale) => cx.list_articles(locale, None, None),
        Route::Article(_, id) if put => cx.update_article(id),
        Route::Article(None, id) if !get => cx.delete_article(id),
        Route::Article(locale, id) => cx.show_article(locale, id),
    }
}

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

/// One request's context.
struct Cx<'a> {
    env: &'a Env<'a>,
    db: Db<'a>,
    req: &'a Request,
}

fn not_found(kind: &str, id: impl std::fmt::Display) -> ApiError {
    let what = match kind {
        "categories" => "category",
        "sections" => "section",
        _ => "article",
    };
    ApiError::not_found("RecordNotFound", format!("No {what} with id {id}"))
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("RecordInvalid", message)
}

impl Cx<'_> {
    fn now(&self) -> i64 {
        self.env.clock.now_ms()
    }

    /// Staff when the request carries valid staff credentials, `None` when it carries none;
    /// wrong credentials are a 401 even on public reads, so a typo in a token is noticed.
    fn viewer(&self) -> Result<Option<Staff>, ApiError> {
        if web::header(self.req, "authorization").is_none() {
            return Ok(None);
        }
        auth::require_staff(self.env, &self.db, self.req).map(Some)
    }

    fn staff(&self) -> Result<Staff, ApiError> {
        auth::require_staff(self.env, &self.db, self.req)
    }

    fn origin(&self) -> String {
        origin(self.req)
    }

    fn pairs(&self) -> Vec<(String, String)> {
        web::query_pairs(self.req)
    }

    fn page(&self, default_per_page: i64) -> Result<OffsetPage, ApiError> {
        let pairs = self.pairs();
        let mut page = web::paginate_offset(&pairs)?;
        if !pairs.iter().any(|(k, _)| k == "per_page") {
            page.per_page = default_per_page;
        }
        Ok(page)
    }

    fn sort(&self) -> Result<Sort, ApiError> {
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
    fn list_response(
        &self,
        key: &str,
        items: Vec<Json>,
        count: i64,
        page: OffsetPage,
        sort: Option<Sort>,
    ) -> Response {
        let base = format!("{}{}", self.origin(), self.req.uri().path());
        let (next, previous) = page.links(&base, count, &self.pairs());
        let mut body = Map::new();
        body.insert(key.into(), Json::Array(items));
        body.insert("page".into(), page.page.into());
        body.insert("per_page".into(), page.per_page.into());
        body.insert(
            "page_count".into(),
            ((count + page.per_page - 1) / page.per_page).into(),
        );
        body.insert("count".into(), count.into());
        body.insert("next_page".into(), next.into());
        body.insert("previous_page".into(), previous.into());
        if let Some(sort) = sort {
            body.insert("sort_by".into(), sort.by.name().into());
            let order = if sort.descending { "desc" } else { "asc" };
            body.insert("sort_order".into(), order.into());
        }
        web::json(&Json::Object(body))
    }

    // ---- categories ----

    fn category_or_404(&self, id: i64) -> Result<Category, ApiError> {
        catalog::category(&self.db, id)?.ok_or_else(|| not_found("categories", id))
    }

    fn category_json(&self, c: &Category) -> Json {
        let origin = self.origin();
        json!({
            "id": c.id,
            "url": format!("{origin}/api/v2/help_center/{}/categories/{}.json", c.locale, c.id),
            "html_url": format!("{origin}{}", paths::category(&c.locale, c.id, &c.name)),
            "position": c.position,
            "created_at": iso8601(c.created_at),
            "updated_at": iso8601(c.updated_at),
            "name": c.name,
            "description": c.description,
            "locale": c.locale,
            "source_locale": c.source_locale,
            "outdated": false,
        })
    }

    fn list_categories(&self, locale: Option<Locale>) -> Result<Response, ApiError> {
        let (page, sort) = (self.page(LIST_PER_PAGE)?, self.sort()?);
        let locale = locale.as_ref().map(Locale::as_str);
        let Listed { items, count } =
            catalog::list_categories(&self.db, locale, sort, page.offset(), page.per_page)?;
        let items = items.iter().map(|c| self.category_json(c)).collect();
        Ok(self.list_response("categories", items, count, page, Some(sort)))
    }

    fn show_category(&self, locale: Option<Locale>, id: i64) -> Result<Response, ApiError> {
        let c = self.category_or_404(id)?;
        if locale.is_some_and(|l| l.as_str() != c.locale) {
            return Err(not_found("categories", id));
        }
        Ok(web::json(&json!({ "category": self.category_json(&c) })))
    }

    fn create_category(&self, locale: Option<Locale>) -> Result<Response, ApiError> {
        self.staff()?;
        let input: CategoryInput = envelope(self.req, "category")?;
        let locale = resolve_locale(locale, input.locale.as_deref(), None)?;
        let now = self.now();
        let mut c = Category {
            id: 0,
            name: required_name(input.name.as_deref(), "category")?,
            description: description(input.description)?,
            locale: locale.clone(),
            source_locale: locale,
            position: position(input.position)?,
            created_at: now,
            updated_at: now,
        };
        c.id = self.db.transaction(|db| catalog::insert_category(db, &c))?;
        Ok(web::json_status(
            StatusCode::CREATED,
            &json!({ "category": self.category_json(&c) }),
        ))
    }

    fn update_category(&self, id: i64) -> Result<Response, ApiError> {
        self.staff()?;
        let input: CategoryInput = envelope(self.req, "category")?;
        let c = self.db.transaction(|db| {
            let mut c = catalog::category(db, id)?.ok_or_else(|| not_found("categories", id))?;
            if input.name.is_some() {
                c.name = required_name(input.name.as_deref(), "category")?;
            }
            if input.description.is_some() {
                c.description = description(input.description.clone())?;
            }
            if input.position.is_some() {
                c.position = position(input.position)?;
            }
            c.updated_at = self.now();
            catalog::update_category(db, &c)?;
            Ok::<_, ApiError>(c)
        })?;
        Ok(web::json(&json!({ "category": self.category_json(&c) })))
    }

    fn delete_category(&self, id: i64) -> Result<Response, ApiError> {
        self.staff()?;
        if !self.db.transaction(|db| catalog::delete_category(db, id))? {
            return Err(not_found("categories", id));
        }
        Ok(web::no_content())
    }

    // ---- sections ----

    fn section_or_404(&self, id: i64) -> Result<Section, ApiError> {
        catalog::section(&self.db, id)?.ok_or_else(|| not_found("sections", id))
    }

    fn section_json(&self, s: &Section) -> Json {
        let origin = self.origin();
        json!({
            "id": s.id,
            "url": format!("{origin}/api/v2/help_center/{}/sections/{}.json", s.locale, s.id),
            "html_url": format!("{origin}{}", paths::section(&s.locale, s.id, &s.name)),
            "category_id": s.category_id,
            "position": s.position,
            "sorting": s.sorting,
            "created_at": iso8601(s.created_at),
            "updated_at": iso8601(s.updated_at),
            "name": s.name,
            "description": s.description,
            "locale": s.locale,
            "source_locale": s.source_locale,
            "outdated": false,
            "parent_section_id": null,
            "theme_template": "section_page",
        })
    }

    fn list_sections(
        &self,
        locale: Option<Locale>,
        category_id: Option<i64>,
    ) -> Result<Response, ApiError> {
        let (page, sort) = (self.page(LIST_PER_PAGE)?, self.sort()?);
        if let Some(id) = category_id {
            self.category_or_404(id)?;
        }
        let locale = locale.as_ref().map(Locale::as_str);
        let Listed { items, count } = catalog::list_sections(
            &self.db,
            locale,
            category_id,
            sort,
            page.offset(),
            page.per_page,
        )?;
        let items = items.iter().map(|s| self.section_json(s)).collect();
        Ok(self.list_response("sections", items, count, page, Some(sort)))
    }

    fn show_section(&self, locale: Option<Locale>, id: i64) -> Result<Response, ApiError> {
        let s = self.section_or_404(id)?;
        if locale.is_some_and(|l| l.as_str() != s.locale) {
            return Err(not_found("sections", id));
        }
        Ok(web::json(&json!({ "section": self.section_json(&s) })))
    }

    fn create_section(
        &self,
        locale: Option<Locale>,
        category_id: i64,
    ) -> Result<Response, ApiError> {
        self.staff()?;
        let input: SectionInput = envelope(self.req, "section")?;
        let category = self.category_or_404(category_id)?;
        let locale = resolve_locale(locale, input.locale.as_deref(), Some(&category.locale))?;
        let now = self.now();
        let mut s = Section {
            id: 0,
            category_id,
            name: required_name(input.name.as_deref(), "section")?,
            description: description(input.description)?,
            locale: locale.clone(),
            source_locale: locale,
            position: position(input.position)?,
            sorting: "manual".into(),
            created_at: now,
            updated_at: now,
        };
        s.id = self.db.transaction(|db| catalog::insert_section(db, &s))?;
        Ok(web::json_status(
            StatusCode::CREATED,
            &json!({ "section": self.section_json(&s) }),
        ))
    }

    fn update_section(&self, id: i64) -> Result<Response, ApiError> {
        self.staff()?;
        let input: SectionInput = envelope(self.req, "section")?;
        let s = self.db.transaction(|db| {
            let mut s = catalog::section(db, id)?.ok_or_else(|| not_found("sections", id))?;
            if input.name.is_some() {
                s.name = required_name(input.name.as_deref(), "section")?;
            }
            if input.description.is_some() {
                s.description = description(input.description.clone())?;
            }
            if input.position.is_some() {
                s.position = position(input.position)?;
            }
            if let Some(category_id) = input.category_id {
                if catalog::category(db, category_id)?.is_none() {
                    return Err(invalid(format!(
                        "category_id {category_id} is not an existing category"
                    )));
                }
                s.category_id = category_id;
            }
            s.updated_at = self.now();
            catalog::update_section(db, &s)?;
            Ok::<_, ApiError>(s)
        })?;
        Ok(web::json(&json!({ "section": self.section_json(&s) })))
    }

    fn delete_section(&self, id: i64) -> Result<Response, ApiError> {
        self.staff()?;
        if !self.db.transaction(|db| catalog::delete_section(db, id))? {
            return Err(not_found("sections", id));
        }
        Ok(web::no_content())
    }

    // ---- articles ----

    fn article_json(&self, a: &Article) -> Json {
        let origin = self.origin();
        json!({
            "id": a.id,
            "url": format!("{origin}/api/v2/help_center/{}/articles/{}.json", a.locale, a.id),
            "html_url": format!("{origin}{}", paths::article(&a.locale, a.id, &a.title)),
            "author_id": a.author_id,
            "comments_disabled": a.comments_disabled,
            "draft": a.draft,
            "promoted": a.promoted,
            "position": a.position,
            "vote_sum": a.vote_sum,
            "vote_count": a.vote_count,
            "section_id": a.section_id,
            "created_at": iso8601(a.created_at),
            "updated_at": iso8601(a.updated_at),
            "edited_at": iso8601(a.edited_at),
            "name": a.title,
            "title": a.title,
            "source_locale": a.source_locale,
            "locale": a.locale,
            "outdated": false,
            "outdated_locales": [],
            "permission_group_id": a.permission_group_id,
            "user_segment_id": a.user_segment_id,
            "label_names": a.label_names,
            "content_tag_ids": [],
            "body": a.body,
        })
    }

    fn list_articles(
        &self,
        locale: Option<Locale>,
        section_id: Option<i64>,
        category_id: Option<i64>,
    ) -> Result<Response, ApiError> {
        let (page, sort) = (self.page(LIST_PER_PAGE)?, self.sort()?);
        let include_drafts = self.viewer()?.is_some();
        let filter = ArticleFilter {
            locale: locale.as_ref().map(Locale::as_str),
            section_id,
            category_id,
            include_drafts,
        };
        let Listed { items, count } =
            catalog::list_articles(&self.db, &filter, sort, page.offset(), page.per_page)?;
        let items = items.iter().map(|a| self.article_json(a)).collect();
        Ok(self.list_response("articles", items, count, page, Some(sort)))
    }

    fn show_article(&self, locale: Option<Locale>, id: i64) -> Result<Response, ApiError> {
        let staff = self.viewer()?.is_some();
        let a = catalog::article(&self.db, id)?
            .filter(|a| staff || !a.draft)
            .filter(|a| locale.as_ref().is_none_or(|l| l.as_str() == a.locale))
            .ok_or_else(|| not_found("articles", id))?;
        Ok(web::json(&json!({ "article": self.article_json(&a) })))
    }

    fn create_article(
        &self,
        locale: Option<Locale>,
        section_id: i64,
    ) -> Result<Response, ApiError> {
        let staff = self.staff()?;
        let input: ArticleInput = envelope(self.req, "article")?;
        let section = self.section_or_404(section_id)?;
        let locale = resolve_locale(locale, input.locale.as_deref(), Some(&section.locale))?;
        let now = self.now();
        let mut a = Article {
            id: 0,
            section_id,
            author_id: staff.user_id(),
            title: required_name(input.title.as_deref(), "article")?,
            body: body(input.body)?,
            locale: locale.clone(),
            source_locale: locale,
            label_names: labels(input.label_names)?,
            draft: input.draft.unwrap_or(false),
            promoted: input.promoted.unwrap_or(false),
            position: position(input.position)?,
            comments_disabled: input.comments_disabled.unwrap_or(false),
            permission_group_id: input.permission_group_id,
            user_segment_id: input.user_segment_id,
            vote_sum: 0,
            vote_count: 0,
            created_at: now,
            updated_at: now,
            edited_at: now,
        };
        a.id = self.db.transaction(|db| catalog::insert_article(db, &a))?;
        Ok(web::json_status(
            StatusCode::CREATED,
            &json!({ "article": self.article_json(&a) }),
        ))
    }

    fn update_article(&self, id: i64) -> Result<Response, ApiError> {
        self.staff()?;
        let input: ArticleInput = envelope(self.req, "article")?;
        let now = self.now();
        let a = self.db.transaction(|db| {
            let mut a = catalog::article(db, id)?.ok_or_else(|| not_found("articles", id))?;
            let mut edited = false;
            if input.title.is_some() {
                a.title = required_name(input.title.as_deref(), "article")?;
                edited = true;
            }
            if input.body.is_some() {
                a.body = body(input.body.clone())?;
                edited = true;
            }
            if input.label_names.is_some() {
                a.label_names = labels(input.label_names.clone())?;
            }
            if input.position.is_some() {
                a.position = position(input.position)?;
            }
            if let Some(draft) = input.draft {
                a.draft = draft;
            }
            if let Some(promoted) = input.promoted {
                a.promoted = promoted;
            }
            if let Some(disabled) = input.comments_disabled {
                a.comments_disabled = disabled;
            }
            if input.permission_group_id.is_some() {
                a.permission_group_id = input.permission_group_id;
            }
            if input.user_segment_id.is_some() {
                a.user_segment_id = input.user_segment_id;
            }
            if let Some(section_id) = input.section_id {
                if catalog::section(db, section_id)?.is_none() {
                    return Err(invalid(format!(
                        "section_id {section_id} is not an existing section"
                    )));
                }
                a.section_id = section_id;
            }
            a.updated_at = now;
            if edited {
                a.edited_at = now;
            }
            catalog::update_article(db, &a)?;
            Ok::<_, ApiError>(a)
        })?;
        Ok(web::json(&json!({ "article": self.article_json(&a) })))
    }

    fn delete_article(&self, id: i64) -> Result<Response, ApiError> {
        self.staff()?;
        if !self.db.transaction(|db| catalog::delete_article(db, id))? {
            return Err(not_found("articles", id));
        }
        Ok(web::no_content())
    }

    // ---- search ----

    fn search(&self) -> Result<Response, ApiError> {
        let pairs = self.pairs();
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
        let page = self.page(SEARCH_PER_PAGE)?;
        let request = SearchRequest {
            query: &query,
            locale: locale.as_ref().map(Locale::as_str),
            category_id: id_param("category")?,
            section_id: id_param("section")?,
            label_names,
            offset: page.offset(),
            limit: page.per_page,
        };
        let results = match search::search(&self.db, &request) {
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
                let mut j = self.article_json(&hit.article);
                if let Some(obj) = j.as_object_mut() {
                    obj.insert("snippet".into(), hit.snippet.clone().into());
                    obj.insert("result_type".into(), "article".into());
                }
                j
            })
            .collect();
        Ok(self.list_response("results", items, results.count, page, None))
    }
}

// ---- request bodies ----

#[derive(Deserialize, Default)]
struct CategoryInput {
    name: Option<String>,
    description: Option<String>,
    position: Option<i64>,
    locale: Option<String>,
}

#[derive(Deserialize, Default)]
struct SectionInput {
    name: Option<String>,
    description: Option<String>,
    position: Option<i64>,
    locale: Option<String>,
    category_id: Option<i64>,
}

#[derive(Deserialize, Default)]
struct ArticleInput {
    title: Option<String>,
    body: Option<String>,
    label_names: Option<Vec<String>>,
    draft: Option<bool>,
    promoted: Option<bool>,
    position: Option<i64>,
    comments_disabled: Option<bool>,
    permission_group_id: Option<i64>,
    user_segment_id: Option<i64>,
    section_id: Option<i64>,
    locale: Option<String>,
}

/// Reads `{"<key>": {...}}`, Zendesk's request envelope.
fn envelope<T: serde::de::DeserializeOwned>(req: &Request, key: &str) -> Result<T, ApiError> {
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

fn resolve_locale(
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

fn required_name(value: Option<&str>, what: &str) -> Result<String, ApiError> {
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

fn description(value: Option<String>) -> Result<String, ApiError> {
    let value = value.unwrap_or_default();
    if value.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(invalid(format!(
            "description is longer than {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    Ok(value)
}

fn body(value: Option<String>) -> Result<String, ApiError> {
    let value = value.unwrap_or_default();
    if value.len() > MAX_BODY_BYTES {
        return Err(invalid(format!(
            "body is larger than {MAX_BODY_BYTES} bytes"
        )));
    }
    Ok(value)
}

fn position(value: Option<i64>) -> Result<i64, ApiError> {
    let value = value.unwrap_or(0);
    if value.abs() > MAX_POSITION {
        return Err(invalid(format!(
            "position must be between -{MAX_POSITION} and {MAX_POSITION}"
        )));
    }
    Ok(value)
}

/// Trimmed, non-empty, at most [`MAX_LABELS`] of at most [`MAX_LABEL_CHARS`], duplicates
/// (ignoring case) dropped.
fn labels(value: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
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
