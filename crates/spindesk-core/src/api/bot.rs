//! The bot admin API (`/api/bot/...`, admin auth): the draft bot (whole, settings, answers),
//! validation on every save, publish and roll back, export and import, and the simulator.
//! `docs/bot.md` documents the routes and the bot's JSON format.

use crate::admin_log;
use crate::auth::{require_admin, Staff};
use crate::bot::model::{Answer, Bot};
use crate::bot::secrets;
use crate::bot::validate::{validate, Catalog, Problem};
use crate::bot::versions::{self, PublishError};
use crate::config;
use crate::ports::Env;
use crate::store::database;
use crate::store::Db;
use crate::surface::{Handler, Request, Response, Surface, Uses};
use crate::timestamp::iso8601;
use crate::vault::Vault;
use crate::web::{header, json, json_status, no_content, read_json, segments, ApiError, Family};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

mod problems;
mod simulate;

use problems::invalid;
pub use problems::MAX_BOT_BYTES;

pub const SURFACE: Surface = Surface {
    component: "bot",
    handle: Handler::Respond(handle),
    uses: Uses {
        sqlite: true,
        key_value: false,
        // public_base_url: the simulator links articles as conversations do; credentials_key:
        // the secret headers of API calls are sealed with it.
        variables: &[
            config::ADMIN_TOKEN,
            config::PUBLIC_BASE_URL,
            config::CREDENTIALS_KEY,
        ],
        // The simulator answers API-call steps from scripted responses: it never calls out.
        outbound: false,
        actions: true,
        files: false,
        help_center: true,
        live: false,
    },
    streamed: &[],
};

/// One answer, the settings, publish/rollback bodies.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

fn handle(env: &Env, req: Request) -> Response {
    route(env, &req).unwrap_or_else(|e| e.answer(env, Family::Spindesk))
}

fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let method = req.method();
    let path = segments(req.uri().path());
    let ["api", "bot", rest @ ..] = path.as_slice() else {
        return Err(ApiError::no_route(method, req.uri().path()));
    };
    // Every bot route is the admin's; authenticate before saying whether a route exists.
    let staff = require_admin(env, req)?;
    let allow = |methods: &str| Err(ApiError::method_not_allowed(method, methods));
    match (rest, method.clone()) {
        ([], Method::GET) => overview(env),
        ([], _) => allow("GET"),
        (["draft"], Method::GET) => show_draft(env),
        (["draft"], Method::PUT) => replace_draft(env, req, Wrapped::Yes),
        (["draft"], _) => allow("GET, PUT"),
        (["import"], Method::POST) => replace_draft(env, req, Wrapped::No),
        (["import"], _) => allow("POST"),
        (["export"], Method::GET) => export(env, req),
        (["export"], _) => allow("GET"),
        (["validate"], Method::POST) => check(env, req),
        (["validate"], _) => allow("POST"),
        (["actions"], Method::GET) => list_actions(env),
        (["actions"], _) => allow("GET"),
        (["settings"], Method::GET) => show_settings(env),
        (["settings"], Method::PUT) => update_settings(env, req),
        (["settings"], _) => allow("GET, PUT"),
        (["answers"], Method::GET) => list_answers(env),
        (["answers"], Method::POST) => create_answer(env, req),
        (["answers"], _) => allow("GET, POST"),
        (["answers", id], Method::GET) => show_answer(env, id),
        (["answers", id], Method::PUT) => update_answer(env, req, id),
        (["answers", id], Method::DELETE) => delete_answer(env, req, id),
        (["answers", _], _) => allow("GET, PUT, DELETE"),
        (["publish"], Method::POST) => publish(env, req, &staff),
        (["publish"], _) => allow("POST"),
        (["versions"], Method::GET) => list_versions(env),
        (["versions"], _) => allow("GET"),
        (["rollback"], Method::POST) => roll_back(env, req, &staff),
        (["rollback"], _) => allow("POST"),
        (["simulate"], Method::POST) => simulate::run(env, req),
        (["simulate"], _) => allow("POST"),
        _ => Err(ApiError::no_route(method, req.uri().path())),
    }
}

/// Errors of a save: the document's problems, or the request's.
enum SaveError {
    Invalid(Vec<Problem>),
    Api(ApiError),
}

impl From<ApiError> for SaveError {
    fn from(e: ApiError) -> Self {
        SaveError::Api(e)
    }
}

impl<E: Into<crate::Error>> From<E> for SaveError {
    fn from(e: E) -> Self {
        SaveError::Api(ApiError::from(e.into()))
    }
}

fn finish(result: Result<Response, SaveError>) -> Result<Response, ApiError> {
    match result {
        Ok(r) => Ok(r),
        Err(SaveError::Invalid(problems)) => Ok(invalid(&problems)),
        Err(SaveError::Api(e)) => Err(e),
    }
}

/// `If-Match: <revision>` refuses to overwrite a draft someone else saved meanwhile.
fn check_revision(req: &Request, current: i64) -> Result<(), ApiError> {
    let Some(given) = header(req, "if-match") else {
        return Ok(());
    };
    let given = given.trim().trim_matches('"');
    if given.parse::<i64>().ok() != Some(current) {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "stale_revision",
            format!(
                "The draft is at revision {current}, not {given}: reload it and apply your change again"
            ),
        ));
    }
    Ok(())
}

/// The vault the bot's secret headers are sealed with.
fn vault(env: &Env) -> Result<Vault, ApiError> {
    Ok(Vault::from_config(env.config)?)
}

/// A response showing bot documents: secret header values masked wherever they are.
fn masked(mut body: Value) -> Response {
    secrets::mask_json(&mut body);
    json(&body)
}

/// Loads the draft, applies `change`, validates the whole bot and saves it — one transaction,
/// so a refused change leaves the draft as it was.
fn edit_draft(
    env: &Env,
    req: &Request,
    change: impl FnOnce(&mut Bot) -> Result<Value, ApiError>,
) -> Result<Response, ApiError> {
    let db = database(env)?;
    let vault = vault(env)?;
    let actions = Catalog::of(env.actions);
    finish(db.transaction(|db| {
        let (stored, revision) = versions::draft(db, &vault)?;
        check_revision(req, revision)?;
        let mut bot = stored.clone();
        let mut body = change(&mut bot)?;
        // A masked value sent back keeps the stored one (an edited export, a re-sent answer).
        let mut problems = secrets::restore(&mut bot, &stored);
        problems.extend(validate(&bot, &actions));
        if !problems.is_empty() {
            return Err(SaveError::Invalid(problems));
        }
        let revision = versions::save_draft(db, env.clock.now_ms(), &bot, &vault, env.random)?;
        body["revision"] = json!(revision);
        Ok(masked(body))
    }))
}

fn overview(env: &Env) -> Result<Response, ApiError> {
    let db = database(env)?;
    let (bot, revision) = versions::draft(&db, &vault(env)?)?;
    let live = versions::live_version(&db)?;
    let problems = validate(&bot, &Catalog::of(env.actions));
    Ok(json(&json!({
        "draft": {
            "revision": revision,
            "answers": bot.answers.len(),
            "steps": bot.answers.iter().map(|a| a.steps.len()).sum::<usize>(),
            "valid": problems.is_empty(),
        },
        "live_version": live,
        "starter": live.is_none(),
    })))
}

fn show_draft(env: &Env) -> Result<Response, ApiError> {
    let db = database(env)?;
    let (bot, revision) = versions::draft(&db, &vault(env)?)?;
    Ok(masked(json!({"bot": bot, "revision": revision})))
}

#[derive(Clone, Copy, PartialEq)]
enum Wrapped {
    /// `{"bot": {...}}`
    Yes,
    /// The bare document (import, as exported).
    No,
}

fn read_bot(req: &Request, wrapped: Wrapped) -> Result<Bot, ApiError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        bot: Bot,
    }
    Ok(match wrapped {
        Wrapped::Yes => read_json::<Body>(req, MAX_BOT_BYTES)?.bot,
        Wrapped::No => read_json::<Bot>(req, MAX_BOT_BYTES)?,
    })
}

fn replace_draft(env: &Env, req: &Request, wrapped: Wrapped) -> Result<Response, ApiError> {
    let new = read_bot(req, wrapped)?;
    edit_draft(env, req, |bot| {
        *bot = new;
        Ok(json!({"bot": bot}))
    })
}

fn check(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let bot = read_bot(req, Wrapped::No)?;
    let problems = validate(&bot, &Catalog::of(env.actions));
    if problems.is_empty() {
        Ok(json(&json!({"valid": true})))
    } else {
        Ok(invalid(&problems))
    }
}

fn export(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let db = database(env)?;
    let which = crate::web::query_param(req, "version").unwrap_or_else(|| "draft".into());
    let vault = vault(env)?;
    let bot = match which.as_str() {
        "draft" => versions::draft(&db, &vault)?.0,
        "live" => versions::live(&db, &vault)?,
        n => {
            let v: i64 = n.parse().map_err(|_| {
                ApiError::bad_request(
                    "invalid_version",
                    "`version` is draft, live or a version number",
                )
            })?;
            versions::version(&db, v, &vault)?
                .ok_or_else(|| ApiError::not_found("not_found", format!("No bot version {v}")))?
        }
    };
    let mut response = masked(serde_json::to_value(&bot).map_err(ApiError::internal)?);
    if let Ok(v) =
        http::HeaderValue::from_str(&format!("attachment; filename=\"bot-{which}.json\""))
    {
        response.headers_mut().insert("content-disposition", v);
    }
    Ok(response)
}

/// Everything but the answers.
fn settings_json(bot: &Bot) -> Value {
    let mut v = serde_json::to_value(bot).unwrap_or_else(|_| json!({}));
    if let Some(map) = v.as_object_mut() {
        map.remove("answers");
    }
    v
}

/// What the actions component offers `run_action` steps, for the editor: each action's name,
/// label per locale, the inputs it reads and the variables it writes.
fn list_actions(env: &Env) -> Result<Response, ApiError> {
    let actions = env.actions.list().map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "actions_unavailable",
            format!("The actions component could not list its actions: {e}"),
        )
    })?;
    let actions: Vec<Value> = actions
        .iter()
        .map(|a| {
            let label: serde_json::Map<String, Value> =
                a.label.iter().map(|(l, t)| (l.clone(), json!(t))).collect();
            json!({"name": a.name, "label": label, "reads": a.reads, "writes": a.writes})
        })
        .collect();
    Ok(json(&json!({ "actions": actions })))
}

fn show_settings(env: &Env) -> Result<Response, ApiError> {
    let db = database(env)?;
    let (bot, revision) = versions::draft(&db, &vault(env)?)?;
    Ok(json(
        &json!({"settings": settings_json(&bot), "revision": revision}),
    ))
}

fn update_settings(env: &Env, req: &Request) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        settings: Value,
    }
    let body: Body = read_json(req, MAX_BODY_BYTES)?;
    let Value::Object(mut fields) = body.settings else {
        return Err(ApiError::bad_request(
            "invalid_body",
            "`settings` must be an object",
        ));
    };
    if fields.contains_key("answers") {
        return Err(ApiError::bad_request(
            "invalid_body",
            "`settings` does not include answers; edit them at /api/bot/answers",
        ));
    }
    edit_draft(env, req, |bot| {
        fields.insert(
            "answers".into(),
            serde_json::to_value(&bot.answers).map_err(ApiError::internal)?,
        );
        *bot = serde_json::from_value(Value::Object(fields)).map_err(|e| {
            ApiError::bad_request(
                "invalid_body",
                format!("The settings could not be read: {e}"),
            )
        })?;
        Ok(json!({"settings": settings_json(bot)}))
    })
}

fn answer_summary(a: &Answer) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "phrases": a.phrases.values().map(Vec::len).sum::<usize>(),
        "keywords": a.keywords.len(),
        "steps": a.steps.len(),
    })
}

fn list_answers(env: &Env) -> Result<Response, ApiError> {
    let db = database(env)?;
    let (bot, revision) = versions::draft(&db, &vault(env)?)?;
    let answers: Vec<Value> = bot.answers.iter().map(answer_summary).collect();
    Ok(json(&json!({"answers": answers, "revision": revision})))
}

fn read_answer(req: &Request) -> Result<Answer, ApiError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        answer: Answer,
    }
    Ok(read_json::<Body>(req, MAX_BODY_BYTES)?.answer)
}

fn no_answer(id: &str) -> ApiError {
    ApiError::not_found("not_found", format!("The draft has no answer {id:?}"))
}

fn create_answer(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let answer = read_answer(req)?;
    let mut response = edit_draft(env, req, |bot| {
        if bot.answer(&answer.id).is_some() {
            return Err(ApiError::conflict(
                "duplicate_id",
                format!(
                    "An answer with id {:?} exists; choose another id",
                    answer.id
                ),
            ));
        }
        bot.answers.push(answer.clone());
        Ok(json!({"answer": answer}))
    })?;
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::CREATED;
    }
    Ok(response)
}

fn show_answer(env: &Env, id: &str) -> Result<Response, ApiError> {
    let db = database(env)?;
    let (bot, revision) = versions::draft(&db, &vault(env)?)?;
    let answer = bot.answer(id).ok_or_else(|| no_answer(id))?;
    Ok(masked(json!({"answer": answer, "revision": revision})))
}

fn update_answer(env: &Env, req: &Request, id: &str) -> Result<Response, ApiError> {
    let answer = read_answer(req)?;
    if answer.id != id {
        return Err(ApiError::unprocessable(
            "id_mismatch",
            format!(
                "The body's answer id {:?} is not the path's {id:?}; ids do not change (create a new answer instead)",
                answer.id
            ),
        ));
    }
    edit_draft(env, req, |bot| {
        let slot = bot
            .answers
            .iter_mut()
            .find(|a| a.id == id)
            .ok_or_else(|| no_answer(id))?;
        *slot = answer.clone();
        Ok(json!({"answer": answer}))
    })
}

fn delete_answer(env: &Env, req: &Request, id: &str) -> Result<Response, ApiError> {
    let response = edit_draft(env, req, |bot| {
        let before = bot.answers.len();
        bot.answers.retain(|a| a.id != id);
        if bot.answers.len() == before {
            return Err(no_answer(id));
        }
        Ok(json!({}))
    })?;
    // Deleting an answer another step links to is refused by validation (422 with the step).
    Ok(if response.status() == StatusCode::OK {
        no_content()
    } else {
        response
    })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    #[serde(default)]
    note: String,
}

fn publish(env: &Env, req: &Request, by: &Staff) -> Result<Response, ApiError> {
    let body: PublishBody = if req.body().iter().all(u8::is_ascii_whitespace) {
        PublishBody::default()
    } else {
        read_json(req, MAX_BODY_BYTES)?
    };
    if body.note.chars().count() > 500 {
        return Err(ApiError::unprocessable(
            "invalid_note",
            "`note` is at most 500 characters",
        ));
    }
    let db = database(env)?;
    let now = env.clock.now_ms();
    let actions = Catalog::of(env.actions);
    let vault = vault(env)?;
    let result = db.transaction(|db: &Db| {
        match versions::publish(db, now, &body.note, &actions, &vault, env.random) {
            Ok(v) => {
                let detail = json!({"version": v, "note": body.note});
                admin_log::record(db, now, by, "bot.publish", &format!("bot:{v}"), &detail)?;
                Ok(Ok(v))
            }
            Err(PublishError::Invalid(p)) => Ok(Err(p)),
            Err(PublishError::Store(e)) => Err(ApiError::from(e)),
        }
    })?;
    match result {
        Ok(version) => Ok(json_status(
            StatusCode::CREATED,
            &json!({"version": {"version": version, "note": body.note,
                               "published_at": iso8601(now), "live": true}}),
        )),
        Err(problems) => Ok(invalid(&problems)),
    }
}

fn list_versions(env: &Env) -> Result<Response, ApiError> {
    let db = database(env)?;
    let versions: Vec<Value> = versions::versions(&db)?
        .into_iter()
        .map(|v| {
            json!({"version": v.version, "note": v.note,
                   "published_at": iso8601(v.published_at), "live": v.live})
        })
        .collect();
    Ok(json(&json!({"versions": versions})))
}

fn roll_back(env: &Env, req: &Request, by: &Staff) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        version: i64,
    }
    let body: Body = read_json(req, MAX_BODY_BYTES)?;
    let db = database(env)?;
    let now = env.clock.now_ms();
    let found = db.transaction(|db| {
        let found = versions::roll_back(db, now, body.version)?;
        if found {
            let detail = json!({"version": body.version});
            let target = format!("bot:{}", body.version);
            admin_log::record(db, now, by, "bot.rollback", &target, &detail)?;
        }
        Ok::<_, ApiError>(found)
    })?;
    if !found {
        return Err(ApiError::not_found(
            "not_found",
            format!("No published version {}", body.version),
        ));
    }
    Ok(json(&json!({"live_version": body.version})))
}
