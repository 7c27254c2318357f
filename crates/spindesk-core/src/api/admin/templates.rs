//! `/api/admin/integrations/{id}/templates`: the approved WhatsApp message templates an agent
//! may send when a customer's 24-hour window is closed (register, list, remove). Meta approves
//! the text; we keep the name, language and what each body parameter is.

use crate::admin_log;
use crate::auth::Staff;
use crate::channels::templates::{
    self, valid_language, valid_name, Template, PARAMETERS_MAX, PARAMETER_NAME_MAX, TEMPLATES_MAX,
};
use crate::ports::Env;
use crate::store::{database, Db};
use crate::surface::{Request, Response};
use crate::web::{json, json_status, no_content, read_json, ApiError};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

const MAX_BODY_BYTES: usize = 16 * 1024;

/// `Some` for the paths this module owns.
pub fn route(
    env: &Env,
    req: &Request,
    segs: &[&str],
    staff: &Staff,
) -> Option<Result<Response, ApiError>> {
    let method = req.method();
    Some(match segs {
        ["api", "admin", "integrations", id, "templates"] => match *method {
            Method::GET => list(env, id),
            Method::POST => create(env, req, id, staff),
            _ => Err(ApiError::method_not_allowed(method, "GET, POST")),
        },
        ["api", "admin", "integrations", id, "templates", template] => match *method {
            Method::DELETE => remove(env, id, template, staff),
            _ => Err(ApiError::method_not_allowed(method, "DELETE")),
        },
        _ => return None,
    })
}

/// The WhatsApp integration's row id; 404 for no integration, 422 for another type.
fn whatsapp(db: &Db, public_id: &str) -> Result<i64, ApiError> {
    let found = db.query_opt(
        "SELECT id, type FROM integrations WHERE public_id = ?",
        &[public_id.into()],
        |r| Ok((r.i64("id")?, r.string("type")?)),
    )?;
    match found {
        None => Err(ApiError::not_found(
            "not_found",
            format!("No integration with id {public_id:?}"),
        )),
        Some((id, kind)) if kind == "whatsapp" => Ok(id),
        Some((_, kind)) => Err(ApiError::unprocessable(
            "templates_whatsapp_only",
            format!("Message templates are for WhatsApp integrations; this one is {kind}"),
        )),
    }
}

fn list(env: &Env, id: &str) -> Result<Response, ApiError> {
    let db = database(env)?;
    let integration = whatsapp(&db, id)?;
    let all = templates::list(&db, integration)?;
    Ok(json(
        &json!({"templates": all.iter().map(Template::to_json).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    template: NewTemplate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTemplate {
    name: String,
    language: String,
    #[serde(default)]
    parameters: Vec<String>,
}

fn create(env: &Env, req: &Request, id: &str, staff: &Staff) -> Result<Response, ApiError> {
    let body: Body = read_json(req, MAX_BODY_BYTES)?;
    let t = body.template;
    if !valid_name(&t.name) {
        return Err(ApiError::unprocessable(
            "invalid_name",
            "`name` must be the template's name at Meta: 1 to 512 lowercase letters, digits and _",
        ));
    }
    if !valid_language(&t.language) {
        return Err(ApiError::unprocessable(
            "invalid_language",
            format!(
                "`language` must be a WhatsApp language code like en, en_US or pt_BR, got {:?}",
                t.language
            ),
        ));
    }
    if t.parameters.len() > PARAMETERS_MAX
        || t.parameters.iter().any(|p| {
            p.trim().is_empty()
                || p.chars().count() > PARAMETER_NAME_MAX
                || p.chars().any(char::is_control)
        })
    {
        return Err(ApiError::unprocessable(
            "invalid_parameters",
            format!(
                "`parameters` names the body parameters {{{{1}}}}, {{{{2}}}}... in order: at most {PARAMETERS_MAX}, each 1 to {PARAMETER_NAME_MAX} characters"
            ),
        ));
    }
    let db = database(env)?;
    let now = env.clock.now_ms();
    let created = db.transaction(|db| {
        let integration = whatsapp(db, id)?;
        let Some(created) =
            templates::insert(db, now, integration, &t.name, &t.language, &t.parameters)?
        else {
            let exists = templates::find(db, integration, &t.name, &t.language)?.is_some();
            return Err(if exists {
                ApiError::conflict(
                    "template_exists",
                    format!("{:?} in {:?} is registered already", t.name, t.language),
                )
            } else {
                ApiError::unprocessable(
                    "too_many_templates",
                    format!("An integration has at most {TEMPLATES_MAX} templates"),
                )
            });
        };
        admin_log::record(
            db,
            now,
            staff,
            "whatsapp_template.create",
            &format!("integration:{id}"),
            &json!({"name": created.name, "language": created.language}),
        )?;
        Ok(created)
    })?;
    Ok(json_status(
        StatusCode::CREATED,
        &json!({"template": created.to_json()}),
    ))
}

fn remove(env: &Env, id: &str, template: &str, staff: &Staff) -> Result<Response, ApiError> {
    let not_found =
        || ApiError::not_found("not_found", format!("No template with id {template:?}"));
    let template_id: i64 = template.parse().map_err(|_| not_found())?;
    let db = database(env)?;
    let now = env.clock.now_ms();
    db.transaction(|db| {
        let integration = whatsapp(db, id)?;
        if !templates::delete(db, integration, template_id)? {
            return Err(not_found());
        }
        admin_log::record(
            db,
            now,
            staff,
            "whatsapp_template.delete",
            &format!("integration:{id}"),
            &json!({"template_id": template_id}),
        )?;
        Ok(())
    })?;
    Ok(no_content())
}
