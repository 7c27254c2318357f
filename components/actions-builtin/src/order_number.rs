//! `order-number`: finds an order number in free text ("where is my order #ab-12345?") and
//! writes it normalised (`AB12345`), so later steps and API calls get one spelling.
//!
//! The step may pass `pattern`, a regular expression (the `regex-lite` syntax) for its shop's
//! numbers; its first capture group, or the whole match without one, is the number.

use crate::exports::spindesk::bot::actions::{ActionError, Context, Outcome};
use crate::inputs::{set, Inputs};
use crate::Action;

/// Letters then digits, or digits alone, 5 to 20 characters, optionally split by `-` or spaces.
const DEFAULT_PATTERN: &str = r"(?i)\b([a-z]{0,4}[- ]?\d[\d -]{3,18}\d)\b";
const MAX_PATTERN_CHARS: usize = 200;

pub const ACTION: Action = Action {
    name: "order-number",
    labels: &[("en", "Find the order number"), ("ko", "주문 번호 찾기")],
    reads: &[("text", true), ("pattern", false)],
    writes: &["order_number"],
    run,
};

fn run(inputs: &Inputs, _: &Context) -> Result<Outcome, ActionError> {
    let text = inputs.required("text")?;
    let pattern = inputs.get("pattern").unwrap_or(DEFAULT_PATTERN);
    if pattern.chars().count() > MAX_PATTERN_CHARS {
        return Err(ActionError::InvalidInput(format!(
            "`pattern` is at most {MAX_PATTERN_CHARS} characters"
        )));
    }
    let re = regex_lite::Regex::new(pattern).map_err(|e| {
        ActionError::InvalidInput(format!("`pattern` is not a regular expression: {e}"))
    })?;
    let Some(found) = re
        .captures(text)
        .and_then(|c| c.get(1).or_else(|| c.get(0)))
    else {
        return Ok(Outcome::Fail("no order number in the text".into()));
    };
    let normalised: String = found
        .as_str()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    if normalised.is_empty() {
        return Ok(Outcome::Fail("no order number in the text".into()));
    }
    Ok(Outcome::Set(vec![set("order_number", normalised)]))
}

#[cfg(test)]
mod tests {
    use crate::call;
    use crate::exports::spindesk::bot::actions::{ActionError, Outcome};

    fn number(vars: &[(&str, &str)]) -> Option<String> {
        match call("order-number", vars) {
            Ok(Outcome::Set(v)) => Some(v[0].value.clone()),
            _ => None,
        }
    }

    #[test]
    fn finds_and_normalises() {
        assert_eq!(
            number(&[("text", "where is order ab-12345?")]).as_deref(),
            Some("AB12345")
        );
        assert_eq!(
            number(&[("text", "주문번호 2026 1204 77 입니다")]).as_deref(),
            Some("2026120477")
        );
        assert_eq!(number(&[("text", "hello there")]), None);
        let shop = [("text", "ref SD-00042, thanks"), ("pattern", r"SD-(\d{5})")];
        assert_eq!(number(&shop).as_deref(), Some("00042"));
    }

    #[test]
    fn a_bad_pattern_is_an_input_error() {
        assert!(matches!(
            call("order-number", &[("text", "x"), ("pattern", "(")]),
            Err(ActionError::InvalidInput(_))
        ));
        assert!(matches!(
            call("order-number", &[]),
            Err(ActionError::InvalidInput(_))
        ));
    }
}
