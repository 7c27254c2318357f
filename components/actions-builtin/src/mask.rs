//! `mask`: an e-mail address or phone number with most of it hidden, for echoing back to the
//! customer on channels others may see ("we'll write to k***@e******.com").

use crate::exports::spindesk::bot::actions::{ActionError, Context, Outcome};
use crate::inputs::{set, Inputs};
use crate::Action;

pub const ACTION: Action = Action {
    name: "mask",
    labels: &[
        ("en", "Mask an e-mail or phone number"),
        ("ko", "이메일·전화번호 가리기"),
    ],
    reads: &[("value", true)],
    writes: &["masked"],
    run,
};

fn run(inputs: &Inputs, _: &Context) -> Result<Outcome, ActionError> {
    let value = inputs.required("value")?;
    match mask(value) {
        Some(masked) => Ok(Outcome::Set(vec![set("masked", masked)])),
        None => Ok(Outcome::Fail(
            "not an e-mail address or phone number".into(),
        )),
    }
}

/// Every character but the first: `*`.
fn stars_after_first(s: &str) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| if i == 0 { c } else { '*' })
        .collect()
}

fn mask(value: &str) -> Option<String> {
    if let Some((local, domain)) = value.split_once('@') {
        let (host, tld) = domain.rsplit_once('.')?;
        if local.is_empty() || host.is_empty() || tld.is_empty() || value.contains(' ') {
            return None;
        }
        return Some(format!(
            "{}@{}.{tld}",
            stars_after_first(local),
            stars_after_first(host)
        ));
    }
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let phone_like = value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '.'));
    if !phone_like || !(7..=15).contains(&digits) {
        return None;
    }
    // The last four digits stay; the others become `*`; separators stay where they were.
    let mut seen = 0;
    Some(
        value
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    seen += 1;
                    if seen > digits - 4 {
                        c
                    } else {
                        '*'
                    }
                } else {
                    c
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn emails_and_phones() {
        assert_eq!(mask("kim@example.com").as_deref(), Some("k**@e******.com"));
        assert_eq!(
            mask("+82 10-1234-5678").as_deref(),
            Some("+** **-****-5678")
        );
        assert_eq!(mask("12-3456"), None, "too few digits");
        assert_eq!(mask("hello"), None);
        assert_eq!(mask("@example.com"), None);
    }
}
