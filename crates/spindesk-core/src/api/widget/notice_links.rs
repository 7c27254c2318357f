//! The links of a notice e-mail (`channels::notices`): `GET /api/widget/continue` opens the
//! conversation in the widget on the help-center page with a fresh session, and
//! `/api/widget/unsubscribe` stops the notices to an address (`GET` shows a confirmation
//! form, `POST` — the form, or a mail program's one-click unsubscribe — records it).

use crate::auth::digest;
use crate::channels::notices::{self, links};
use crate::config;
use crate::ids::new_token;
use crate::ports::Env;
use crate::store::database;
use crate::surface::{Request, Response};
use crate::web::{query_param, ApiError};
use http::StatusCode;

/// Where the "continue" link lands: a page of ours that runs the widget.
pub const LANDING: &str = "/hc/";

/// The signing secret; without one no link can be ours (a 403 like any link we did not sign,
/// not a 5xx: the caller did nothing wrong by trying, and nothing is broken).
fn secret(env: &Env) -> Result<String, ApiError> {
    env.config
        .get(config::NOTICE_LINK_SECRET)
        .filter(|s| s.len() >= links::SECRET_MIN)
        .ok_or_else(|| {
            ApiError::forbidden(
                "link_invalid",
                "This link is not one we sent: notice links are off (`notice_link_secret` is not set)",
            )
        })
}

fn param(req: &Request, name: &str) -> Result<String, ApiError> {
    query_param(req, name)
        .filter(|v| !v.is_empty() && v.len() <= 512)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_link",
                format!(
                    "The link has no `{name}` parameter; open the link from the e-mail as it is"
                ),
            )
        })
}

fn page(status: StatusCode, body: &str) -> Response {
    http::Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .header("referrer-policy", "no-referrer")
        .body(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>Spindesk</title></head><body style=\"font-family:sans-serif;max-width:36em;margin:3em auto\">{body}</body></html>"
        ).into_bytes())
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}

/// `GET /api/widget/continue?c=&e=&s=`: a valid, unexpired link starts a widget session for
/// the conversation's customer and sends the browser to the help center with the session in
/// the URL fragment (never sent to a server, taken out of the address bar by the widget).
pub fn continue_conversation(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let (c, e, s) = (param(req, "c")?, param(req, "e")?, param(req, "s")?);
    let secret = secret(env)?;
    let now = env.clock.now_ms();
    match links::verify_continue(&secret, &c, &e, &s, now) {
        Ok(()) => {}
        Err(links::LinkError::Invalid) => {
            return Err(ApiError::forbidden(
                "link_invalid",
                "This link is not one we sent, or it was changed",
            ))
        }
        Err(links::LinkError::Expired) => {
            return Err(ApiError::new(
                StatusCode::GONE,
                "link_expired",
                format!(
                    "This link has expired ({} days); answer the e-mail or open the chat on the site instead",
                    links::CONTINUE_DAYS
                ),
            ))
        }
    }
    let db = database(env)?;
    let token = new_token(env.random, "wst_");
    let started = db.transaction(|db| {
        let user = db.query_i64(
            "SELECT user_id FROM conversations WHERE public_id = ?",
            &[c.clone().into()],
        )?;
        if let Some(user) = user {
            db.execute(
                "INSERT INTO widget_sessions (token_hash, user_id, created_at) VALUES (?, ?, ?)",
                &[digest(&token).into(), user.into(), now.into()],
            )?;
        }
        Ok::<_, ApiError>(user.is_some())
    })?;
    if !started {
        return Err(ApiError::not_found(
            "conversation_not_found",
            "The conversation this link opens no longer exists",
        ));
    }
    Ok(http::Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header("location", format!("{LANDING}#spindesk_session={token}"))
        .header("cache-control", "no-store")
        .header("referrer-policy", "no-referrer")
        .body(Vec::new())
        .unwrap_or_else(|_| http::Response::new(Vec::new())))
}

fn checked_address(env: &Env, req: &Request) -> Result<String, ApiError> {
    let (a, s) = (param(req, "a")?, param(req, "s")?);
    if !links::verify_unsubscribe(&secret(env)?, &a, &s) {
        return Err(ApiError::forbidden(
            "link_invalid",
            "This unsubscribe link is not one we sent, or it was changed",
        ));
    }
    Ok(a.to_lowercase())
}

/// `GET /api/widget/unsubscribe?a=&s=`: a confirmation form (a link scanner's GET changes
/// nothing).
pub fn confirm_unsubscribe(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let address = checked_address(env, req)?;
    let action = crate::html::escape(&format!(
        "{}?{}",
        links::UNSUBSCRIBE_PATH,
        req.uri().query().unwrap_or_default()
    ));
    Ok(page(
        StatusCode::OK,
        &format!(
            "<p>Stop e-mails about unread replies to <b>{}</b>?</p><form method=\"post\" action=\"{action}\"><button type=\"submit\">Unsubscribe</button></form>",
            crate::html::escape(&address)
        ),
    ))
}

/// `POST /api/widget/unsubscribe?a=&s=`: recorded; no notice goes to the address again.
pub fn unsubscribe(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let address = checked_address(env, req)?;
    let db = database(env)?;
    notices::unsubscribe(&db, env.clock.now_ms(), &address)?;
    Ok(page(
        StatusCode::OK,
        &format!(
            "<p>Done: <b>{}</b> gets no more e-mails about unread replies.</p>",
            crate::html::escape(&address)
        ),
    ))
}
