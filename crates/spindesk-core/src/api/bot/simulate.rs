//! `POST /api/bot/simulate`: runs customer inputs against the draft (or a posted document) and
//! returns the transcript, each turn's trace and the final state. Nothing is stored and no
//! conversation is touched; API-call steps get scripted responses instead of calling out.

use super::problems::{invalid, MAX_BOT_BYTES};
use crate::bot::engine::{run_turn, Context};
use crate::bot::model::Bot;
use crate::bot::phrases::PhraseIndex;
use crate::bot::reply;
use crate::bot::secrets;
use crate::bot::state::{BotState, Effect, Input};
use crate::bot::template::Variables;
use crate::bot::validate::{validate, Catalog};
use crate::bot::versions;
use crate::ports::{Env, Outbound, OutboundError};
use crate::store::database;
use crate::surface::{Request, Response};
use crate::vault::Vault;
use crate::web::{json, read_json, ApiError};
use serde::Deserialize;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Duration;

pub const MAX_INPUTS: usize = 50;
pub const MAX_API_RESPONSES: usize = 50;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    inputs: Vec<SimInput>,
    /// Run this document instead of the draft (an editor's unsaved changes).
    #[serde(default)]
    bot: Option<Bot>,
    #[serde(default = "english")]
    locale: String,
    #[serde(default = "web")]
    channel: String,
    /// The simulated time, RFC 3339 (business hours); now by default.
    #[serde(default)]
    now: Option<String>,
    #[serde(default)]
    customer: Customer,
    /// Answers for API-call steps, in order; when they run out a call fails.
    #[serde(default)]
    api_responses: Vec<ApiResponse>,
    /// Start from this state instead of a new conversation's.
    #[serde(default)]
    state: Option<BotState>,
}

fn english() -> String {
    "en".into()
}
fn web() -> String {
    "web".into()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Customer {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

/// `"text"`, `{"tap": "label"}` (an offered quick reply), or `{"payload": "...", "text": "..."}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum SimInput {
    Text(String),
    Tap {
        tap: String,
    },
    Payload {
        payload: String,
        #[serde(default)]
        text: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiResponse {
    #[serde(default = "ok")]
    status: u16,
    #[serde(default)]
    body: Value,
    /// `timeout` or `failed`: the call does not get a response at all.
    #[serde(default)]
    error: Option<String>,
}

fn ok() -> u16 {
    200
}

/// Scripted outbound: records what the bot would send, answers from the script.
struct Scripted {
    replies: RefCell<VecDeque<ApiResponse>>,
    sent: RefCell<Vec<Value>>,
}

impl Outbound for Scripted {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        // Header values are not echoed: they may hold the API's credentials.
        self.sent.borrow_mut().push(json!({
            "method": request.method().as_str(),
            "url": request.uri().to_string(),
            "body": String::from_utf8_lossy(request.body()),
            "timeout_ms": timeout.as_millis() as u64,
        }));
        let Some(reply) = self.replies.borrow_mut().pop_front() else {
            return Err(OutboundError::Failed(
                "no scripted response left in api_responses".into(),
            ));
        };
        match reply.error.as_deref() {
            Some("timeout") => return Err(OutboundError::Timeout),
            Some(other) => return Err(OutboundError::Failed(other.to_owned())),
            None => {}
        }
        http::Response::builder()
            .status(reply.status)
            .header("content-type", "application/json")
            .body(reply.body.to_string().into_bytes())
            .map_err(|e| OutboundError::Failed(e.to_string()))
    }
}

fn parse_now(raw: &str) -> Result<i64, ApiError> {
    use time::format_description::well_known::Rfc3339;
    let t = time::OffsetDateTime::parse(raw, &Rfc3339).map_err(|_| {
        ApiError::unprocessable(
            "invalid_now",
            format!("`now` {raw:?} is not an RFC 3339 time like 2026-03-09T09:30:00+09:00"),
        )
    })?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

pub fn run(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let body: Body = read_json(req, MAX_BOT_BYTES)?;
    if body.inputs.is_empty() || body.inputs.len() > MAX_INPUTS {
        return Err(ApiError::unprocessable(
            "invalid_inputs",
            format!("`inputs` holds 1 to {MAX_INPUTS} customer messages"),
        ));
    }
    if body.api_responses.len() > MAX_API_RESPONSES {
        return Err(ApiError::unprocessable(
            "invalid_api_responses",
            format!("`api_responses` holds at most {MAX_API_RESPONSES} responses"),
        ));
    }
    let locale = crate::locale::Locale::parse(&body.locale)
        .map(|l| l.tag().to_owned())
        .ok_or_else(|| {
            ApiError::unprocessable(
                "invalid_locale",
                "`locale` is a language tag like en or ko-KR",
            )
        })?;
    let now = match &body.now {
        Some(raw) => parse_now(raw)?,
        None => env.clock.now_ms(),
    };
    let db = database(env)?;
    let vault = Vault::from_config(env.config)?;
    let (draft, _) = versions::draft(&db, &vault)?;
    let bot = match body.bot {
        Some(mut bot) => {
            // Masked secret headers run with the draft's values, as they would once saved.
            let mut problems = secrets::restore(&mut bot, &draft);
            problems.extend(validate(&bot, &Catalog::of(env.actions)));
            if !problems.is_empty() {
                return Ok(invalid(&problems));
            }
            bot
        }
        None => draft,
    };
    let outbound = Scripted {
        replies: RefCell::new(body.api_responses.into()),
        sent: RefCell::new(Vec::new()),
    };
    let mut facts = Variables::new();
    if let Some(name) = body.customer.name {
        facts.insert("customer.name".into(), name);
    }
    if let Some(email) = body.customer.email {
        facts.insert("customer.email".into(), email);
    }
    facts.insert("customer.locale".into(), locale.clone());
    facts.insert("conversation.channel".into(), body.channel.clone());
    let link = reply::article_link(env, &bot);
    let help_center = reply::articles(env, &bot, link.as_deref());
    let phrases = PhraseIndex::build(&bot);

    let mut state = body.state.unwrap_or_default();
    let mut switchboard = "bot";
    let mut transcript: Vec<Value> = Vec::new();
    let mut turns: Vec<Value> = Vec::new();
    for sim_input in body.inputs {
        let input = match sim_input {
            SimInput::Text(text) => Input::text(&text),
            SimInput::Payload { payload, text } => Input::Tap {
                payload,
                label: text,
            },
            SimInput::Tap { tap } => {
                let reply = state
                    .quick_replies
                    .iter()
                    .find(|q| q.label == tap)
                    .ok_or_else(|| {
                        let offered: Vec<&str> = state
                            .quick_replies
                            .iter()
                            .map(|q| q.label.as_str())
                            .collect();
                        ApiError::unprocessable(
                            "invalid_tap",
                            format!(
                                "Turn {}: no quick reply {tap:?} is offered (offered: {offered:?})",
                                turns.len() + 1
                            ),
                        )
                    })?;
                Input::Tap {
                    payload: reply.payload.clone(),
                    label: reply.label.clone(),
                }
            }
        };
        transcript.push(json!({"from": "customer", "text": input.shown()}));
        if switchboard == "agent" {
            // Agents are in control after a transfer: the bot stays silent, as in a conversation.
            turns.push(json!({"input": input.shown(), "bot": "silent (agents are in control)"}));
            continue;
        }
        let ctx = Context {
            locale: &locale,
            now_ms: now,
            outbound: &outbound,
            actions: env.actions,
            articles: &help_center,
            phrases: Some(&phrases),
            facts: &facts,
        };
        let turn = run_turn(&bot, &state, &input, &ctx)?;
        let messages = reply::render_messages(&turn.outputs);
        for (i, output) in turn.outputs.iter().enumerate() {
            let mut line = serde_json::to_value(output).map_err(ApiError::internal)?;
            line["from"] = json!("bot");
            // The message as the widget and channels store it, on the output it starts with
            // (articles shown with the text before them are part of that text's message).
            if let Some(m) = messages.iter().find(|m| m.outputs.first() == Some(&i)) {
                line["rendered"] = json!(m.text);
            }
            transcript.push(line);
        }
        for effect in &turn.effects {
            let Effect::Transfer {
                tags,
                ticket_fields,
                group,
            } = effect;
            transcript.push(json!({"from": "bot", "type": "transfer", "tags": tags,
                                   "ticket_fields": ticket_fields, "group": group}));
            switchboard = "agent";
        }
        turns.push(json!({"input": input.shown(), "trace": turn.trace,
                          "loop_guard": turn.loop_guard}));
        state = turn.state;
    }
    Ok(json(&json!({
        "transcript": transcript,
        "turns": turns,
        "state": state,
        "switchboard": switchboard,
        "api_calls": outbound.sent.into_inner(),
    })))
}
