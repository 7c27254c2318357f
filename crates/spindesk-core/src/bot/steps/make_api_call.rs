//! One HTTP request to an allowed host ([`crate::bot::api_call`]); its response's fields saved
//! into variables, then the success or the failure branch. The turn stops at the step: the
//! call is made outside the conversation's transaction, and [`returned`] continues the flow.

use crate::bot::api_call::{self, host_allowed, Call};
use crate::bot::checker::{At, Checker};
use crate::bot::context::CallOutcome;
use crate::bot::model::Step;
use crate::bot::run::{Flow, Run};
use crate::bot::state::PendingCall;
use crate::bot::template::{is_json_body, outside_json_strings, references, render, Escape};

pub const MAX_HEADERS: usize = 20;
pub const MAX_SAVED: usize = 20;

pub fn check(c: &mut Checker, at: &At, call: &Call) {
    request(c, at, call);
    let save = call.save;
    c.limit(&at.field("save"), save.len(), MAX_SAVED, "saved fields");
    for (i, s) in save.iter().enumerate() {
        c.variable_name(&at.field(&format!("save[{i}].variable")), &s.variable);
        if s.path.trim().is_empty() {
            c.at(
                &at.field(&format!("save[{i}].path")),
                "text_required",
                "the JSON path is empty",
            );
        }
    }
}

fn request(c: &mut Checker, at: &At, call: &Call) {
    let Call {
        url,
        headers,
        secret_headers,
        body,
        ..
    } = *call;
    c.template(&at.field("url"), url);
    // Hosts are checked as written: a variable may fill the path or query, never the host.
    let sample = render(url, &Default::default(), Escape::Url);
    match sample.parse::<http::Uri>() {
        Ok(uri) if matches!(uri.scheme_str(), Some("https" | "http")) && uri.host().is_some() => {
            let authority = uri.authority().map(|a| a.as_str()).unwrap_or("");
            let host_part = url.split_once("://").map_or("", |(_, rest)| {
                rest.split(['/', '?', '#']).next().unwrap_or("")
            });
            if !references(host_part).is_empty() {
                c.at(
                    &at.field("url"),
                    "variable_in_host",
                    "variables may be used in the path and query, not in the host",
                );
            } else if !host_allowed(&c.bot.allowed_hosts, authority) {
                c.at(&at.field("url"), "host_not_allowed", format!(
                    "{authority:?} is not in allowed_hosts; add it there (and to the component's allowed_outbound_hosts in spin.toml)"
                ));
            }
        }
        _ => c.at(
            &at.field("url"),
            "invalid_url",
            format!("{url:?} is not an absolute http(s) URL"),
        ),
    }
    c.limit(&at.field("headers"), headers.len(), MAX_HEADERS, "headers");
    for (name, value) in headers {
        if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
            c.at(
                &at.field(&format!("headers.{name}")),
                "invalid_header",
                format!("{name:?} is not a header name"),
            );
        }
        c.template(&at.field(&format!("headers.{name}")), value);
    }
    // A listed name that matches no header would protect nothing: most likely a typo.
    for (i, listed) in secret_headers.iter().enumerate() {
        if !headers
            .keys()
            .any(|h| h.eq_ignore_ascii_case(listed.trim()))
        {
            c.at(
                &at.field(&format!("secret_headers[{i}]")),
                "unknown_header",
                format!("{listed:?} is not one of this step's headers"),
            );
        }
    }
    if let Some(b) = body {
        c.template(&at.field("body"), b);
        if is_json_body(b) {
            json_body(c, at, b);
        }
    }
}

/// A JSON body must be JSON whatever the variables hold: every placeholder inside a string
/// literal (where its value is escaped), and the rest valid JSON.
fn json_body(c: &mut Checker, at: &At, body: &str) {
    if let Some(name) = outside_json_strings(body).first() {
        c.at(
            &at.field("body"),
            "placeholder_outside_string",
            format!(
                "{{{{{name}}}}} stands outside a JSON string, where a value could add fields; \
                 write it inside quotes (\"{{{{{name}}}}}\") and convert it in your API"
            ),
        );
    } else if serde_json::from_str::<serde_json::Value>(&render(
        body,
        &Default::default(),
        Escape::Json,
    ))
    .is_err()
    {
        c.at(
            &at.field("body"),
            "invalid_json",
            "the body starts like JSON but is not valid JSON",
        );
    }
}

pub fn run(
    run: &mut Run,
    answer_id: &str,
    step_id: &str,
    call: &Call,
    failure: &Option<String>,
) -> Flow {
    // Not sent here: the turn stops, and whoever stores the state sends the call after their
    // transaction commits, then resumes the flow ([`crate::bot::resume_turn`]).
    match api_call::prepare(call, &run.state.variables, &run.bot.allowed_hosts) {
        Ok(request) => {
            run.state.awaiting_call = Some(PendingCall {
                id: String::new(),
                answer: answer_id.to_owned(),
                step: step_id.to_owned(),
                steps: run.steps,
                request,
                since: 0,
            });
            Flow::Stop
        }
        Err(why) => {
            run.trace.push(format!("API call failed: {why}"));
            Flow::within(answer_id, failure)
        }
    }
}

/// How the awaited call went: its saved variables and the success branch, or the failure
/// branch.
pub fn returned(run: &mut Run, call: &PendingCall, outcome: CallOutcome) -> Flow {
    let bot = run.bot;
    match bot.answer(&call.answer).and_then(|a| a.step(&call.step)) {
        Some(Step::MakeApiCall {
            success, failure, ..
        }) => match outcome {
            Ok(saved) => {
                // `customer.email` comes from verified sources only (`state::is_verified_fact`).
                run.state.variables.extend(
                    saved
                        .into_iter()
                        .filter(|(k, _)| !crate::bot::state::is_verified_fact(k)),
                );
                Flow::within(&call.answer, success)
            }
            Err(why) => {
                run.trace.push(format!("API call failed: {why}"));
                Flow::within(&call.answer, failure)
            }
        },
        // A bot published meanwhile no longer has the step: the flow it belonged to is gone.
        _ => {
            run.trace.push(format!(
                "{}/{} is no longer an API call",
                call.answer, call.step
            ));
            Flow::Stop
        }
    }
}
