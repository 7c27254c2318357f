//! Articles: `/api/v2/help_center[/{locale}]/articles[/{id}]`, and a section's or a
//! category's articles. Drafts are listed and shown to staff only.

use super::fields::{
    body, envelope, everyone_may_read, invalid, labels, position, required_name, resolve_locale,
};
use super::request::{not_found, Cx, Response, LIST_PER_PAGE};
use super::sections;
use crate::help_center::catalog::{self, Article, ArticleFilter, Listed};
use crate::help_center::Locale;
use crate::help_center_site::paths;
use crate::timestamp::iso8601;
use crate::web::{self, ApiError};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

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

/// An article as Zendesk's Help Center API shows it (and, with a snippet, as a search result).
#[derive(Serialize)]
pub(super) struct ArticleJson<'a> {
    id: i64,
    url: String,
    html_url: String,
    author_id: Option<i64>,
    comments_disabled: bool,
    draft: bool,
    promoted: bool,
    position: i64,
    vote_sum: i64,
    vote_count: i64,
    section_id: i64,
    created_at: String,
    updated_at: String,
    edited_at: String,
    name: &'a str,
    title: &'a str,
    source_locale: &'a str,
    locale: &'a str,
    outdated: bool,
    outdated_locales: [&'static str; 0],
    permission_group_id: Option<i64>,
    user_segment_id: Option<i64>,
    label_names: &'a [String],
    content_tag_ids: [i64; 0],
    body: &'a str,
    /// Search results only: the body around the first match, matched words in `<em>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<&'a str>,
    /// Search results only: `article`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_type: Option<&'static str>,
}

pub(super) fn to_json<'a>(cx: &Cx, a: &'a Article) -> ArticleJson<'a> {
    let origin = cx.origin();
    ArticleJson {
        id: a.id,
        url: format!(
            "{origin}/api/v2/help_center/{}/articles/{}.json",
            a.locale, a.id
        ),
        html_url: format!("{origin}{}", paths::article(&a.locale, a.id, &a.title)),
        author_id: a.author_id,
        comments_disabled: a.comments_disabled,
        draft: a.draft,
        promoted: a.promoted,
        position: a.position,
        vote_sum: a.vote_sum,
        vote_count: a.vote_count,
        section_id: a.section_id,
        created_at: iso8601(a.created_at),
        updated_at: iso8601(a.updated_at),
        edited_at: iso8601(a.edited_at),
        name: &a.title,
        title: &a.title,
        source_locale: &a.source_locale,
        locale: &a.locale,
        outdated: false,
        outdated_locales: [],
        permission_group_id: a.permission_group_id,
        user_segment_id: a.user_segment_id,
        label_names: &a.label_names,
        content_tag_ids: [],
        body: &a.body,
        snippet: None,
        result_type: None,
    }
}

pub(super) fn list(
    cx: &Cx,
    locale: Option<Locale>,
    section_id: Option<i64>,
    category_id: Option<i64>,
) -> Result<Response, ApiError> {
    let (page, sort) = (cx.page(LIST_PER_PAGE)?, cx.sort()?);
    let include_drafts = cx.viewer()?.is_some();
    let filter = ArticleFilter {
        locale: locale.as_ref().map(Locale::as_str),
        section_id,
        category_id,
        include_drafts,
    };
    let Listed { items, count } =
        catalog::list_articles(&cx.db, &filter, sort, page.offset(), page.per_page)?;
    let items = items.iter().map(|a| to_json(cx, a)).collect();
    Ok(cx.list_response("articles", items, count, page, Some(sort)))
}

pub(super) fn show(cx: &Cx, locale: Option<Locale>, id: i64) -> Result<Response, ApiError> {
    let staff = cx.viewer()?.is_some();
    let a = catalog::article(&cx.db, id)?
        .filter(|a| staff || !a.draft)
        .filter(|a| locale.as_ref().is_none_or(|l| l.as_str() == a.locale))
        .ok_or_else(|| not_found("articles", id))?;
    Ok(web::json(&json!({ "article": to_json(cx, &a) })))
}

pub(super) fn create(
    cx: &Cx,
    locale: Option<Locale>,
    section_id: i64,
) -> Result<Response, ApiError> {
    let staff = cx.staff()?;
    let input: ArticleInput = envelope(cx.req, "article")?;
    everyone_may_read(input.user_segment_id)?;
    let section = sections::existing(cx, section_id)?;
    let locale = resolve_locale(locale, input.locale.as_deref(), Some(&section.locale))?;
    let now = cx.now();
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
    a.id = cx.db.transaction(|db| catalog::insert_article(db, &a))?;
    Ok(web::json_status(
        StatusCode::CREATED,
        &json!({ "article": to_json(cx, &a) }),
    ))
}

pub(super) fn update(cx: &Cx, id: i64) -> Result<Response, ApiError> {
    cx.staff()?;
    let input: ArticleInput = envelope(cx.req, "article")?;
    everyone_may_read(input.user_segment_id)?;
    let now = cx.now();
    let a = cx.db.transaction(|db| {
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
    Ok(web::json(&json!({ "article": to_json(cx, &a) })))
}

pub(super) fn delete(cx: &Cx, id: i64) -> Result<Response, ApiError> {
    cx.staff()?;
    if !cx.db.transaction(|db| catalog::delete_article(db, id))? {
        return Err(not_found("articles", id));
    }
    cx.remove_article_files(&[id]);
    Ok(web::no_content())
}
