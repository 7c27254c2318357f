//! Validation of what a customer types into an "ask for details" field.
//!
//! Each kind parses into a normalised value or a reason the engine re-prompts with — in the
//! conversation's language, and saying what a good answer looks like.

use super::condition::compile_pattern;
use super::model::{FieldKind, FormField};
use crate::email::Email;

pub const DEFAULT_TEXT_MAX: u32 = 1000;

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Invalid {
    Empty,
    Name,
    Email,
    Phone,
    TooLong(u32),
    Pattern,
    Number,
    TooSmall(f64),
    TooLarge(f64),
    NotAnOption(Vec<String>),
}

impl Invalid {
    /// The re-prompt, in Korean for `ko*` locales and English otherwise.
    pub fn message(&self, locale: &str) -> String {
        let ko = locale.to_ascii_lowercase().starts_with("ko");
        match (self, ko) {
            (Invalid::Empty, false) => "Please type an answer.".into(),
            (Invalid::Empty, true) => "답변을 입력해 주세요.".into(),
            (Invalid::Name, false) => "Please type your name (letters, up to 100 characters).".into(),
            (Invalid::Name, true) => "이름을 입력해 주세요 (100자 이내).".into(),
            (Invalid::Email, false) => {
                "That doesn't look like an email address. Please type one like name@example.com."
                    .into()
            }
            (Invalid::Email, true) => {
                "이메일 주소 형식이 아니에요. name@example.com 처럼 입력해 주세요.".into()
            }
            (Invalid::Phone, false) => {
                "That doesn't look like a phone number. Please type 7 to 15 digits, like +82 10 1234 5678."
                    .into()
            }
            (Invalid::Phone, true) => {
                "전화번호 형식이 아니에요. 010-1234-5678 처럼 숫자 7~15자리로 입력해 주세요.".into()
            }
            (Invalid::TooLong(n), false) => format!("Please keep it under {n} characters."),
            (Invalid::TooLong(n), true) => format!("{n}자 이내로 입력해 주세요."),
            (Invalid::Pattern, false) => "That isn't in the expected format. Please try again.".into(),
            (Invalid::Pattern, true) => "형식이 올바르지 않아요. 다시 입력해 주세요.".into(),
            (Invalid::Number, false) => "Please type a number, like 42.".into(),
            (Invalid::Number, true) => "숫자로 입력해 주세요 (예: 42).".into(),
            (Invalid::TooSmall(min), false) => format!("Please type a number of at least {min}."),
            (Invalid::TooSmall(min), true) => format!("{min} 이상의 숫자를 입력해 주세요."),
            (Invalid::TooLarge(max), false) => format!("Please type a number of at most {max}."),
            (Invalid::TooLarge(max), true) => format!("{max} 이하의 숫자를 입력해 주세요."),
            (Invalid::NotAnOption(options), false) => {
                format!("Please choose one of: {}.", options.join(", "))
            }
            (Invalid::NotAnOption(options), true) => {
                format!("다음 중에서 골라 주세요: {}.", options.join(", "))
            }
        }
    }
}

/// Checks `input` for `field`; `options` are the select's labels in the conversation's locale.
pub fn validate(field: &FormField, input: &str, options: &[String]) -> Result<String, Invalid> {
    let value = input.trim();
    if value.is_empty() {
        return Err(Invalid::Empty);
    }
    match field.kind {
        FieldKind::Name => name(value),
        FieldKind::Email => email(value),
        FieldKind::Phone => phone(value),
        FieldKind::Text => text(field, value),
        FieldKind::Number => number(field, value),
        FieldKind::Select => options
            .iter()
            .find(|o| o.trim().to_lowercase() == value.to_lowercase())
            .cloned()
            .ok_or_else(|| Invalid::NotAnOption(options.to_vec())),
    }
}

fn name(value: &str) -> Result<String, Invalid> {
    let collapsed = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() > 100 || !collapsed.chars().any(char::is_alphabetic) {
        return Err(Invalid::Name);
    }
    Ok(collapsed)
}

fn email(value: &str) -> Result<String, Invalid> {
    Email::parse(value)
        .map(Email::into_string)
        .ok_or(Invalid::Email)
}

/// Digits with the usual separators; stored as `+` (if given) and digits only.
fn phone(value: &str) -> Result<String, Invalid> {
    let plus = value.starts_with('+');
    let body = if plus { &value[1..] } else { value };
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
    {
        return Err(Invalid::Phone);
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if !(7..=15).contains(&digits.len()) {
        return Err(Invalid::Phone);
    }
    Ok(if plus { format!("+{digits}") } else { digits })
}

fn text(field: &FormField, value: &str) -> Result<String, Invalid> {
    let max = field.max_length.unwrap_or(DEFAULT_TEXT_MAX);
    if value.chars().count() > max as usize {
        return Err(Invalid::TooLong(max));
    }
    if let Some(pattern) = &field.pattern {
        // Anchored: the whole value must match, not a part of it.
        let anchored = format!("^(?:{pattern})$");
        if !compile_pattern(&anchored).is_ok_and(|re| re.is_match(value)) {
            return Err(Invalid::Pattern);
        }
    }
    Ok(value.to_owned())
}

fn number(field: &FormField, value: &str) -> Result<String, Invalid> {
    let n: f64 = value
        .replace(',', "")
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .ok_or(Invalid::Number)?;
    if let Some(min) = field.min.filter(|min| n < *min) {
        return Err(Invalid::TooSmall(min));
    }
    if let Some(max) = field.max.filter(|max| n > *max) {
        return Err(Invalid::TooLarge(max));
    }
    Ok(value.replace(',', ""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::model::Text;

    fn field(kind: FieldKind) -> FormField {
        FormField {
            variable: "v".into(),
            kind,
            label: Text::Plain("?".into()),
            required: true,
            options: Vec::new(),
            max_length: None,
            pattern: None,
            min: None,
            max: None,
            ticket_field: None,
        }
    }

    #[test]
    fn names() {
        let f = field(FieldKind::Name);
        assert_eq!(
            validate(&f, "  Ada   Lovelace ", &[]).unwrap(),
            "Ada Lovelace"
        );
        assert_eq!(validate(&f, "김민수", &[]).unwrap(), "김민수");
        assert_eq!(validate(&f, "12345", &[]), Err(Invalid::Name));
        assert_eq!(validate(&f, "   ", &[]), Err(Invalid::Empty));
    }

    #[test]
    fn emails() {
        let f = field(FieldKind::Email);
        assert_eq!(
            validate(&f, "Ada@Example.COM", &[]).unwrap(),
            "Ada@example.com"
        );
        for bad in [
            "ada",
            "ada@",
            "@x.com",
            "ada@example",
            "a b@x.com",
            "ada@x..com",
            "a@-x.com",
        ] {
            assert_eq!(validate(&f, bad, &[]), Err(Invalid::Email), "{bad}");
        }
    }

    #[test]
    fn phones() {
        let f = field(FieldKind::Phone);
        assert_eq!(
            validate(&f, "+82 10-1234-5678", &[]).unwrap(),
            "+821012345678"
        );
        assert_eq!(validate(&f, "(02) 555 0100", &[]).unwrap(), "025550100");
        for bad in [
            "12345",
            "call me",
            "+1 234 567 890 123 456",
            "010-1234-567a",
        ] {
            assert_eq!(validate(&f, bad, &[]), Err(Invalid::Phone), "{bad}");
        }
    }

    #[test]
    fn texts_with_length_and_pattern() {
        let mut f = field(FieldKind::Text);
        f.max_length = Some(10);
        f.pattern = Some(r"[A-Z]-\d{4}".into());
        assert_eq!(validate(&f, "A-1234", &[]).unwrap(), "A-1234");
        assert_eq!(validate(&f, "xx A-1234", &[]), Err(Invalid::Pattern));
        assert_eq!(validate(&f, "A-123456789", &[]), Err(Invalid::TooLong(10)));
    }

    #[test]
    fn numbers_with_bounds() {
        let mut f = field(FieldKind::Number);
        f.min = Some(1.0);
        f.max = Some(10_000.0);
        assert_eq!(validate(&f, "1,250", &[]).unwrap(), "1250");
        assert_eq!(validate(&f, "abc", &[]), Err(Invalid::Number));
        assert_eq!(validate(&f, "NaN", &[]), Err(Invalid::Number));
        assert_eq!(validate(&f, "0", &[]), Err(Invalid::TooSmall(1.0)));
        assert_eq!(validate(&f, "20000", &[]), Err(Invalid::TooLarge(10_000.0)));
    }

    #[test]
    fn selects_take_an_option_whatever_the_case() {
        let f = field(FieldKind::Select);
        let opts = vec!["Billing".to_owned(), "Shipping".to_owned()];
        assert_eq!(validate(&f, "shipping", &opts).unwrap(), "Shipping");
        let err = validate(&f, "Returns", &opts).unwrap_err();
        assert_eq!(
            err.message("en"),
            "Please choose one of: Billing, Shipping."
        );
        assert!(err.message("ko-KR").contains("골라"));
    }
}
