//! The widget's public settings (`GET /api/widget/settings`) and the proactive-message counts
//! its visitors report (`POST /api/widget/proactive/{rule}/shown|clicked`).
//!
//! Settings are public (everything in them is shown to every visitor anyway) and cacheable: an
//! ETag over the body, `cache-control: public, no-cache` so caches keep the copy but ask again
//! on every page load — a change the admin saves shows on the next load, and an unchanged one
//! costs a `304` without a body.

use crate::auth::digest;
use crate::ports::Env;
use crate::rate_limit;
use crate::store::database;
use crate::surface::{Request, Response};
use crate::web::{header, no_content, ApiError};
use crate::widget_settings::{self, Counted, Settings};
use http::StatusCode;
use serde_json::json;

/// Counts one client address may report per minute: a visitor sees a handful of proactive
/// messages a day, so this only stops someone inflating the numbers.
const COUNTS: rate_limit::Limit = rate_limit::Limit {
    name: "widget-proactive",
    per_window: 30,
    window_ms: 60_000,
};

/// What the widget reads: the settings as saved, plus the hover shade of the brand colour.
pub fn public_json(settings: &Settings) -> serde_json::Value {
    let mut value = json!(settings);
    value["brand_dark"] = json!(settings.brand_dark());
    json!({"settings": value})
}

/// Whether the `If-None-Match` header names `etag` (a list, `*`, weak or strong).
fn matches(req: &Request, etag: &str) -> bool {
    header(req, "if-none-match").is_some_and(|raw| {
        raw.split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
    })
}

pub fn get(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let settings = widget_settings::load(&database(env)?)?;
    let body = public_json(&settings).to_string().into_bytes();
    let etag = format!("\"{}\"", &digest(&String::from_utf8_lossy(&body))[..32]);
    let fresh = matches(req, &etag);
    let builder = http::Response::builder()
        .header("etag", &etag)
        .header("cache-control", "public, no-cache");
    let response = if fresh {
        builder.status(StatusCode::NOT_MODIFIED).body(Vec::new())
    } else {
        builder
            .status(StatusCode::OK)
            .header("content-type", "application/json")
            .body(body)
    };
    response.map_err(ApiError::internal)
}

/// `POST /api/widget/proactive/{rule}/shown|clicked`: `204`; `404` for a rule that is not (or
/// no longer) among the settings.
pub fn count(
    env: &Env,
    req: &Request,
    rule: &str,
    what: &str,
    address: &str,
) -> Result<Response, ApiError> {
    let what = match what {
        "shown" => Counted::Shown,
        "clicked" => Counted::Clicked,
        _ => return Err(ApiError::no_route(req.method(), req.uri().path())),
    };
    let db = database(env)?;
    let settings = widget_settings::load(&db)?;
    if !settings
        .proactive
        .iter()
        .any(|r| r.id.as_deref() == Some(rule))
    {
        return Err(ApiError::not_found(
            "unknown_rule",
            format!("No proactive rule {rule:?} in the widget settings"),
        ));
    }
    rate_limit::check(&db, COUNTS, address, env.clock.now_ms())?;
    db.transaction(|db| {
        rate_limit::count(env, db, COUNTS, address)?;
        widget_settings::count(db, rule, what)?;
        Ok::<_, ApiError>(())
    })?;
    Ok(no_content())
}
