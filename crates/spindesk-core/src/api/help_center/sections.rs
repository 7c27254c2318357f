//! Sections: `/api/v2/help_center[/{locale}]/sections[/{id}]`, and a category's sections.

use super::categories;
use super::fields::{description, envelope, invalid, position, required_name, resolve_locale};
use super::request::{not_found, Cx, Response, LIST_PER_PAGE};
use crate::help_center::catalog::{self, Listed, Section};
use crate::help_center::Locale;
use crate::help_center_site::paths;
use crate::timestamp::iso8601;
use crate::web::{self, ApiError};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value as Json};

#[derive(Deserialize, Default)]
struct SectionInput {
    name: Option<String>,
    description: Option<String>,
    position: Option<i64>,
    locale: Option<String>,
    category_id: Option<i64>,
}

/// The section, or the API's 404 for it.
pub(super) fn existing(cx: &Cx, id: i64) -> Result<Section, ApiError> {
    catalog::section(&cx.db, id)?.ok_or_else(|| not_found("sections", id))
}

fn to_json(cx: &Cx, s: &Section) -> Json {
    let origin = cx.origin();
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

pub(super) fn list(
    cx: &Cx,
    locale: Option<Locale>,
    category_id: Option<i64>,
) -> Result<Response, ApiError> {
    let (page, sort) = (cx.page(LIST_PER_PAGE)?, cx.sort()?);
    if let Some(id) = category_id {
        categories::existing(cx, id)?;
    }
    let locale = locale.as_ref().map(Locale::as_str);
    let Listed { items, count } = catalog::list_sections(
        &cx.db,
        locale,
        category_id,
        sort,
        page.offset(),
        page.per_page,
    )?;
    let items = items.iter().map(|s| to_json(cx, s)).collect();
    Ok(cx.list_response("sections", items, count, page, Some(sort)))
}

pub(super) fn show(cx: &Cx, locale: Option<Locale>, id: i64) -> Result<Response, ApiError> {
    let s = existing(cx, id)?;
    if locale.is_some_and(|l| l.as_str() != s.locale) {
        return Err(not_found("sections", id));
    }
    Ok(web::json(&json!({ "section": to_json(cx, &s) })))
}

pub(super) fn create(
    cx: &Cx,
    locale: Option<Locale>,
    category_id: i64,
) -> Result<Response, ApiError> {
    cx.staff()?;
    let input: SectionInput = envelope(cx.req, "section")?;
    let category = categories::existing(cx, category_id)?;
    let locale = resolve_locale(locale, input.locale.as_deref(), Some(&category.locale))?;
    let now = cx.now();
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
    s.id = cx.db.transaction(|db| catalog::insert_section(db, &s))?;
    Ok(web::json_status(
        StatusCode::CREATED,
        &json!({ "section": to_json(cx, &s) }),
    ))
}

pub(super) fn update(cx: &Cx, id: i64) -> Result<Response, ApiError> {
    cx.staff()?;
    let input: SectionInput = envelope(cx.req, "section")?;
    let s = cx.db.transaction(|db| {
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
        s.updated_at = cx.now();
        catalog::update_section(db, &s)?;
        Ok::<_, ApiError>(s)
    })?;
    Ok(web::json(&json!({ "section": to_json(cx, &s) })))
}

pub(super) fn delete(cx: &Cx, id: i64) -> Result<Response, ApiError> {
    cx.staff()?;
    let Some(articles) = cx.db.transaction(|db| catalog::delete_section(db, id))? else {
        return Err(not_found("sections", id));
    };
    cx.remove_article_files(&articles);
    Ok(web::no_content())
}
