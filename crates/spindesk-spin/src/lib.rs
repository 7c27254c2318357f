//! Spin implementations of Spindesk's ports, on spin-sdk 5.2, and [`serve`]: the one call every
//! component makes.
//!
//! A component whose surface answers first (`Handler::AnswerFirst`: the channels' webhooks)
//! uses the `ResponseOutparam` form of spin-sdk's handler: [`serve_answering_first`] sets the
//! response (head and whole body, the body finished) and only then runs the surface's
//! follow-up, so a webhook's vendor has its acknowledgement while the bot's API calls and the
//! sends to the vendor run. The others keep the request/response form ([`serve`]), which
//! costs their wasm ~2.4 KB less.
//!
//! What Spin does after the response is set (read from its source, not run here): its
//! `wasi:http` executor hands the response to hyper and awaits the guest in a task of its
//! own, so the follow-up runs; a change on Spin's main branch (PR #3541, May 2026; whether
//! 4.0.2 has it is unchecked) aborts that task when hyper drops the response body — on a
//! client disconnect, and possibly once the body has been sent. So a follow-up may be cut
//! short, and everything it does must already be
//! recoverable from stored state: outbox rows for the drain, an awaited bot call for the
//! stalled-call recovery (the drain and the widget's reads).
//!
//! Nothing here is opened before it is used: a request that never touches SQL never opens the
//! database, so a component without a `sqlite_databases` grant works as long as its surface
//! keeps to its `Uses`.

mod actions;
mod config;
mod key_value;
mod log;
mod outbound;
mod sql;
mod streamed;
mod system;

pub use actions::SpinActions;
pub use config::SpinConfig;
pub use key_value::SpinKeyValue;
pub use log::SpinLog;
pub use outbound::SpinOutbound;
pub use sql::SpinSql;
pub use system::{SpinClock, SpinRandom};

use spin_sdk::http::{IncomingRequest, IntoResponse, OutgoingResponse, ResponseOutparam};
use spindesk_core::blobs::SqlFiles;
use spindesk_core::ports::{Actions, NoActions};
use spindesk_core::surface::{Request, Response};
use spindesk_core::{Env, Surface};

/// The SQLite database attachment bytes live in (`sqlite_databases = [.., "attachments"]`).
pub const ATTACHMENTS_DATABASE: &str = "attachments";

/// Handles one request with Spin's ports: what a component's `#[http_component]` calls. A
/// follow-up (there is none unless the surface answers first) runs before the response goes.
/// Components that run the bot call [`serve_with_actions`] instead.
pub fn serve(surface: &Surface, req: Request) -> Response {
    serve_with(surface, req, &NoActions)
}

/// [`serve`] for the components that run the bot (`Uses::actions`): the bot's actions come
/// from the `spindesk:bot/actions` import, which `spin.toml` satisfies with a dependency.
pub fn serve_with_actions(surface: &Surface, req: Request) -> Response {
    serve_with(surface, req, &SpinActions)
}

fn serve_with(surface: &Surface, req: Request, actions: &dyn Actions) -> Response {
    let log = SpinLog::for_request(&req, &SpinRandom);
    with_env(&log, actions, |env| surface.respond(env, req))
}

/// Spin's ports for one request (each opened on first use), handed to `work`.
fn with_env<T>(log: &SpinLog, actions: &dyn Actions, work: impl FnOnce(&Env) -> T) -> T {
    let main_sql = SpinSql::default();
    // Its per-connection settings only when the request first writes (`store/settings.rs`).
    let sql = spindesk_core::store::SettingsOnFirstWrite::new(&main_sql);
    let kv = SpinKeyValue::default();
    // The second database, opened only when a file is read or written.
    let attachments_sql = SpinSql::named(ATTACHMENTS_DATABASE);
    let files = SqlFiles::new(&attachments_sql);
    // The help center's database, opened only when the help center is read or written.
    let help_center_sql = SpinSql::named(spindesk_core::help_center::database::LABEL);
    let help_center = spindesk_core::store::SettingsOnFirstWrite::with(
        &help_center_sql,
        spindesk_core::help_center::database::CONNECTION_SETTINGS,
    );
    // The held long-polls' database, opened only by a poll that may wait.
    let live_sql = SpinSql::named(spindesk_core::held_polls::database::LABEL);
    let live = spindesk_core::store::SettingsOnFirstWrite::with(
        &live_sql,
        spindesk_core::held_polls::database::CONNECTION_SETTINGS,
    );
    let env = Env {
        sql: &sql,
        help_center: &help_center,
        live: &live,
        kv: &kv,
        outbound: &SpinOutbound,
        clock: &SpinClock,
        random: &SpinRandom,
        config: &SpinConfig,
        log,
        actions,
        files: &files,
        attachments: &attachments_sql,
    };
    work(&env)
}

/// [`serve`] for a component whose surface answers first: the response is sent through
/// `response_out` before the surface's follow-up runs.
pub fn serve_answering_first(surface: &Surface, req: Request, response_out: ResponseOutparam) {
    answer_first_with(surface, req, response_out, &NoActions)
}

/// [`serve_answering_first`] for a component that also runs the bot (the channels' webhooks).
pub fn serve_answering_first_with_actions(
    surface: &Surface,
    req: Request,
    response_out: ResponseOutparam,
) {
    answer_first_with(surface, req, response_out, &SpinActions)
}

fn answer_first_with(
    surface: &Surface,
    req: Request,
    response_out: ResponseOutparam,
    actions: &dyn Actions,
) {
    let log = SpinLog::for_request(&req, &SpinRandom);
    with_env(&log, actions, |env| {
        let answer = surface.answer(env, req);
        if let Err(why) = send(response_out, answer.response) {
            env.error("response.send", why);
        }
        answer.follow_up.run(env);
    })
}

/// [`serve_answering_first_with_actions`] for a component whose surface has streamed routes
/// (the widget's uploads): its `#[http_component]` takes spin-sdk's `IncomingRequest`, so a
/// streamed route reads the body as it arrives and stops where it must; other routes are read
/// whole and served as usual.
pub fn serve_incoming_with_actions(
    surface: &Surface,
    req: IncomingRequest,
    response_out: ResponseOutparam,
) {
    serve_incoming(surface, req, response_out, &SpinActions)
}

/// [`serve_incoming_with_actions`] for a component that does not run the bot.
pub fn serve_incoming_without_actions(
    surface: &Surface,
    req: IncomingRequest,
    response_out: ResponseOutparam,
) {
    serve_incoming(surface, req, response_out, &NoActions)
}

fn serve_incoming(
    surface: &Surface,
    req: IncomingRequest,
    response_out: ResponseOutparam,
    actions: &dyn Actions,
) {
    match streamed::split(surface.streamed, req) {
        Ok(streamed::Incoming::Whole(req)) => {
            answer_first_with(surface, req, response_out, actions)
        }
        Ok(streamed::Incoming::Streamed(route, head, mut body)) => {
            let log = SpinLog::for_request(&head, &SpinRandom);
            with_env(&log, actions, |env| {
                let response = (route.handle)(env, head, body.as_mut());
                if let Err(why) = send(response_out, response) {
                    env.error("response.send", why);
                }
            })
        }
        // The request could not be read (the client went away mid-body): answer what Spin's
        // own conversion would, a 400, in our error envelope.
        Err(why) => {
            eprintln!("warn request.unreadable: {why}");
            let mut response = http::Response::new(
                br#"{"errors":[{"code":"bad_request","title":"The request could not be read"}]}"#
                    .to_vec(),
            );
            *response.status_mut() = http::StatusCode::BAD_REQUEST;
            let _ = send(response_out, response);
        }
    }
}

/// Sets the response and writes its body to the end (the body is finished when the sink is
/// dropped inside `set_with_body`), so the client has all of it before anything else runs.
fn send(response_out: ResponseOutparam, response: Response) -> Result<(), String> {
    let mut response = IntoResponse::into_response(response);
    let body = std::mem::take(response.body_mut());
    let outgoing = OutgoingResponse::try_from(response).map_err(|e| e.to_string())?;
    spin_sdk::http::run(ResponseOutparam::set_with_body(
        response_out,
        outgoing,
        body,
    ))
    .map_err(|e| format!("writing the response body: {e:?}"))
}

/// Whether `surface` is the one of component `id`; `const`, so each component crate checks at
/// compile time that it serves its own surface.
pub const fn is_component(surface: &Surface, id: &str) -> bool {
    let (a, b) = (surface.component.as_bytes(), id.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_component_compares_ids() {
        let widget = spindesk_core::surface("widget").unwrap();
        assert!(is_component(widget, "widget"));
        assert!(!is_component(widget, "widgets"));
        assert!(!is_component(widget, "admin"));
    }
}
