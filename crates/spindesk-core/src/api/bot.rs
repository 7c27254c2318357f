//! The bot admin API (`/api/bot/...`, admin auth). For now: the starter bot's texts.

use crate::api::database;
use crate::auth::{require_admin, ADMIN_TOKEN_VARIABLE};
use crate::bot::{StarterTexts, SETTINGS_KEY};
use crate::ports::Env;
use crate::surface::{Request, Response, Surface, Uses};
use crate::web::{json, read_json, segments, ApiError, Family};
use http::Method;
use serde_json::json;

pub const SURFACE: Surface = Surface {
    component: "bot",
    handle,
    uses: Uses {
        sqlite: true,
        key_value: false,
        variables: &[ADMIN_TOKEN_VARIABLE],
        outbound: false,
    },
};

pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Longest bot line, in characters.
pub const MAX_LINE_CHARS: usize = 1000;

fn handle(env: &Env, req: Request) -> Response {
    route(env, &req).unwrap_or_else(|e| e.into_response(Family::Spindesk))
}

fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let method = req.method();
    match segments(req.uri().path()).as_slice() {
        ["api", "bot", "settings"] => {
            require_admin(env, req)?;
            match *method {
                Method::GET => show_settings(env),
                Method::PUT => update_settings(env, req),
                _ => Err(ApiError::method_not_allowed(method, "GET, PUT")),
            }
        }
        _ => Err(ApiError::no_route(method, req.uri().path())),
    }
}

fn show_settings(env: &Env) -> Result<Response, ApiError> {
    let db = database(env)?;
    Ok(json(&json!({"settings": StarterTexts::load(&db)?})))
}

fn update_settings(env: &Env, req: &Request) -> Result<Response, ApiError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        settings: StarterTexts,
    }
    let body: Body = read_json(req, MAX_BODY_BYTES)?;
    for (locale, lines) in [("en", &body.settings.en), ("ko", &body.settings.ko)] {
        for (field, text) in [
            ("greeting", &lines.greeting),
            ("fallback", &lines.fallback),
            ("handoff", &lines.handoff),
            ("talk_to_person", &lines.talk_to_person),
        ] {
            let chars = text.chars().count();
            if text.trim().is_empty() || chars > MAX_LINE_CHARS {
                return Err(ApiError::unprocessable(
                    "invalid_settings",
                    format!("`settings.{locale}.{field}` must be 1 to {MAX_LINE_CHARS} characters"),
                ));
            }
        }
    }
    let db = database(env)?;
    let value = serde_json::to_string(&body.settings).map_err(ApiError::internal)?;
    db.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        &[SETTINGS_KEY.into(), value.into(), env.clock.now_ms().into()],
    )?;
    Ok(json(&json!({"settings": body.settings})))
}
