//! `/api/admin/widget`: the website widget's look, texts, embedding allow-list and proactive
//! rules (`crate::widget_settings`), read and saved whole. `GET` adds each proactive rule's
//! shown and clicked counts.

use crate::admin_log;
use crate::auth::Staff;
use crate::ports::Env;
use crate::store::database;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::web::{json, read_json, ApiError};
use crate::widget_settings::{self, Settings};
use http::Method;
use serde::Deserialize;
use serde_json::json;

/// Largest settings document read (20 rules with long messages fit comfortably).
const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn route(
    env: &Env,
    req: &Request,
    segs: &[&str],
    staff: &Staff,
) -> Option<Result<Response, ApiError>> {
    let method = req.method();
    Some(match segs {
        ["api", "admin", "widget"] => match *method {
            Method::GET => show(env),
            Method::PUT => update(env, req, staff),
            _ => Err(ApiError::method_not_allowed(method, "GET, PUT")),
        },
        _ => return None,
    })
}

/// The settings with each rule's counts.
fn view(db: &Db, settings: &Settings) -> Result<Response, ApiError> {
    let counts = widget_settings::counts(db)?;
    let mut value = json!(settings);
    if let Some(rules) = value["proactive"].as_array_mut() {
        for rule in rules {
            let (shown, clicked) = rule["id"]
                .as_str()
                .and_then(|id| counts.get(id))
                .copied()
                .unwrap_or((0, 0));
            rule["shown"] = json!(shown);
            rule["clicked"] = json!(clicked);
        }
    }
    Ok(json(&json!({"widget": value})))
}

fn show(env: &Env) -> Result<Response, ApiError> {
    let db = database(env)?;
    let settings = widget_settings::load(&db)?;
    view(&db, &settings)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    widget: Settings,
}

fn update(env: &Env, req: &Request, staff: &Staff) -> Result<Response, ApiError> {
    let body: Body = read_json(req, MAX_BODY_BYTES)?;
    let settings = body.widget.validate(env.random)?;
    let db = database(env)?;
    let now = env.clock.now_ms();
    db.transaction(|db| {
        widget_settings::save(db, &settings, now)?;
        let detail = json!({
            "brand_color": settings.brand_color,
            "allowed_origins": settings.allowed_origins,
            "proactive_rules": settings.proactive.len(),
        });
        admin_log::record(db, now, staff, "widget.update", "widget", &detail)?;
        Ok::<_, ApiError>(())
    })?;
    view(&db, &settings)
}
