//! Categories: `/api/v2/help_center[/{locale}]/categories[/{id}]`.

use super::fields::{description, envelope, position, required_name, resolve_locale};
use super::request::{not_found, Cx, Response, LIST_PER_PAGE};
use crate::help_center::catalog::{self, Category, Listed};
use crate::help_center::Locale;
use crate::help_center_site::paths;
use crate::timestamp::iso8601;
use crate::web::{self, ApiError};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value as Json};

#[derive(Deserialize, Default)]
struct CategoryInput {
    name: Option<String>,
    description: Option<String>,
    position: Option<i64>,
    locale: Option<String>,
}

/// The category, or the API's 404 for it.
pub(super) fn existing(cx: &Cx, id: i64) -> Result<Category, ApiError> {
    catalog::category(&cx.db, id)?.ok_or_else(|| not_found("categories", id))
}

fn to_json(cx: &Cx, c: &Category) -> Json {
    let origin = cx.origin();
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

pub(super) fn list(cx: &Cx, locale: Option<Locale>) -> Result<Response, ApiError> {
    let (page, sort) = (cx.page(LIST_PER_PAGE)?, cx.sort()?);
    let locale = locale.as_ref().map(Locale::as_str);
    let Listed { items, count } =
        catalog::list_categories(&cx.db, locale, sort, page.offset(), page.per_page)?;
    let items = items.iter().map(|c| to_json(cx, c)).collect();
    Ok(cx.list_response("categories", items, count, page, Some(sort)))
}

pub(super) fn show(cx: &Cx, locale: Option<Locale>, id: i64) -> Result<Response, ApiError> {
    let c = existing(cx, id)?;
    if locale.is_some_and(|l| l.as_str() != c.locale) {
        return Err(not_found("categories", id));
    }
    Ok(web::json(&json!({ "category": to_json(cx, &c) })))
}

pub(super) fn create(cx: &Cx, locale: Option<Locale>) -> Result<Response, ApiError> {
    cx.staff()?;
    let input: CategoryInput = envelope(cx.req, "category")?;
    let locale = resolve_locale(locale, input.locale.as_deref(), None)?;
    let now = cx.now();
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
    c.id = cx.db.transaction(|db| catalog::insert_category(db, &c))?;
    Ok(web::json_status(
        StatusCode::CREATED,
        &json!({ "category": to_json(cx, &c) }),
    ))
}

pub(super) fn update(cx: &Cx, id: i64) -> Result<Response, ApiError> {
    cx.staff()?;
    let input: CategoryInput = envelope(cx.req, "category")?;
    let c = cx.db.transaction(|db| {
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
        c.updated_at = cx.now();
        catalog::update_category(db, &c)?;
        Ok::<_, ApiError>(c)
    })?;
    Ok(web::json(&json!({ "category": to_json(cx, &c) })))
}

pub(super) fn delete(cx: &Cx, id: i64) -> Result<Response, ApiError> {
    cx.staff()?;
    let Some(articles) = cx.db.transaction(|db| catalog::delete_category(db, id))? else {
        return Err(not_found("categories", id));
    };
    cx.remove_article_files(&articles);
    Ok(web::no_content())
}
