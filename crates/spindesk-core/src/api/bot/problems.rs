//! What the bot's routes share: the size limit of a whole bot document, and the 422 that lists
//! a document's problems.

use crate::bot::validate::Problem;
use crate::surface::Response;
use crate::web::json_status;
use http::StatusCode;
use serde_json::{json, Value};

/// A whole bot (import, draft, validate, simulate with a document).
pub const MAX_BOT_BYTES: usize = 2 * 1024 * 1024;

/// 422 listing every problem, each with its JSON path, answer and step.
pub fn invalid(problems: &[Problem]) -> Response {
    let errors: Vec<Value> = problems
        .iter()
        .map(|p| {
            let mut e = json!({
                "code": p.code,
                "title": p.message,
                "source": {"pointer": p.path},
            });
            if let Some(a) = &p.answer {
                e["answer"] = json!(a);
            }
            if let Some(s) = &p.step {
                e["step"] = json!(s);
            }
            e
        })
        .collect();
    json_status(StatusCode::UNPROCESSABLE_ENTITY, &json!({"errors": errors}))
}
