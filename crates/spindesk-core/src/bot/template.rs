//! Variables in text: `{{ order_id }}` is replaced by the variable's value.
//!
//! Where the text goes decides how a value is escaped, so a customer's input can never change
//! the shape of what it is put into: percent-encoded in URLs (a value of dots too, so `..`
//! cannot climb the path), JSON-escaped in JSON bodies — where a placeholder must stand inside
//! a string literal, see [`outside_json_strings`] — form-encoded in other bodies, line breaks
//! removed in headers. Missing variables render as empty text (as in Zendesk).

use std::collections::BTreeMap;

pub type Variables = BTreeMap<String, String>;

/// How a value is written into the surrounding text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// Messages, tags, condition values.
    Plain,
    /// URL: each value is one percent-encoded component (a `/` in a value stays inside it, and
    /// a value of only dots is encoded, so it is never a `.` or `..` path segment).
    Url,
    /// Inside a JSON string literal of a request body.
    Json,
    /// A value in an `application/x-www-form-urlencoded` body (`&` and `=` encoded).
    Form,
    /// An HTTP header value: control characters dropped.
    Header,
}

/// One `{{ name }}` found in a template: the name and its byte range.
struct Placeholder<'t> {
    name: &'t str,
    start: usize,
    end: usize,
}

fn placeholders(template: &str) -> Vec<Placeholder<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = template[from..].find("{{").map(|i| i + from) {
        let Some(close) = template[open + 2..].find("}}").map(|i| i + open + 2) else {
            break;
        };
        let name = template[open + 2..close].trim();
        if is_variable_name(name) {
            found.push(Placeholder {
                name,
                start: open,
                end: close + 2,
            });
            from = close + 2;
        } else {
            // Not a placeholder (`{{ not one }}`): keep the text, look past the braces.
            from = open + 2;
        }
    }
    found
}

/// Letters, digits, `_`, and `.` between parts (`customer.email`), at most 64 characters.
pub fn is_variable_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.split('.').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// Whether a request body is JSON (else it is sent, and escaped, as a form).
pub fn is_json_body(body: &str) -> bool {
    body.trim_start().starts_with(['{', '['])
}

/// The placeholders of a JSON body template that stand outside a string literal
/// (`{"qty": {{qty}}}`): a value there would be raw JSON (`1, "role": "admin"`), so such a
/// body is refused. Inside a string (`{"qty": "{{qty}}"}`) the value is JSON-escaped.
pub fn outside_json_strings(template: &str) -> Vec<&str> {
    let mut outside = Vec::new();
    let (mut in_string, mut escaped, mut at) = (false, false, 0);
    for p in placeholders(template) {
        for c in template[at..p.start].chars() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
            } else if c == '"' {
                in_string = true;
            }
        }
        if !in_string {
            outside.push(p.name);
        }
        at = p.end;
    }
    outside
}

/// The variable names a template refers to.
pub fn references(template: &str) -> Vec<&str> {
    placeholders(template).into_iter().map(|p| p.name).collect()
}

pub fn render(template: &str, vars: &Variables, escape: Escape) -> String {
    let mut out = String::with_capacity(template.len());
    let mut last = 0;
    for p in placeholders(template) {
        out.push_str(&template[last..p.start]);
        let value = vars.get(p.name).map_or("", String::as_str);
        push_escaped(&mut out, value, escape);
        last = p.end;
    }
    out.push_str(&template[last..]);
    out
}

fn push_escaped(out: &mut String, value: &str, escape: Escape) {
    match escape {
        Escape::Plain => out.push_str(value),
        Escape::Url => {
            let only_dots = !value.is_empty() && value.bytes().all(|b| b == b'.');
            for b in value.bytes() {
                let dot = b == b'.' && !only_dots;
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') || dot {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
        Escape::Form => {
            for b in value.bytes() {
                match b {
                    b' ' => out.push('+'),
                    b if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'*') => {
                        out.push(b as char)
                    }
                    b => out.push_str(&format!("%{b:02X}")),
                }
            }
        }
        Escape::Json => {
            // serde_json writes a quoted, escaped string; the quotes belong to the template.
            let quoted = serde_json::Value::String(value.to_owned()).to_string();
            out.push_str(&quoted[1..quoted.len() - 1]);
        }
        Escape::Header => out.extend(value.chars().filter(|c| !c.is_control())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Variables {
        Variables::from([
            ("name".to_owned(), "Ada".to_owned()),
            ("order_id".to_owned(), "A/1 2?x=&".to_owned()),
            ("note".to_owned(), "say \"hi\"\n".to_owned()),
            ("customer.email".to_owned(), "ada@example.com".to_owned()),
        ])
    }

    #[test]
    fn replaces_variables_and_leaves_missing_ones_empty() {
        assert_eq!(
            render(
                "Hi {{ name }} <{{customer.email}}>{{missing}}!",
                &vars(),
                Escape::Plain
            ),
            "Hi Ada <ada@example.com>!"
        );
    }

    #[test]
    fn text_that_is_not_a_placeholder_stays() {
        assert_eq!(
            render("{{ not one }} {{name}} {{ open", &vars(), Escape::Plain),
            "{{ not one }} Ada {{ open"
        );
    }

    #[test]
    fn values_cannot_change_the_shape_of_a_url() {
        assert_eq!(
            render(
                "https://api.example.com/orders/{{order_id}}?q=1",
                &vars(),
                Escape::Url
            ),
            "https://api.example.com/orders/A%2F1%202%3Fx%3D%26?q=1"
        );
    }

    #[test]
    fn values_cannot_break_out_of_a_json_string() {
        let body = render(r#"{"note": "{{note}}"}"#, &vars(), Escape::Json);
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["note"], "say \"hi\"\n");
    }

    #[test]
    fn a_value_of_dots_is_never_a_path_segment() {
        let vars = Variables::from([
            ("up".to_owned(), "..".to_owned()),
            ("file".to_owned(), "a.b".to_owned()),
        ]);
        assert_eq!(
            render("https://h/{{up}}/x/{{file}}", &vars, Escape::Url),
            "https://h/%2E%2E/x/a.b"
        );
    }

    #[test]
    fn form_values_cannot_add_fields() {
        let vars = Variables::from([("q".to_owned(), "1&admin=1 ok".to_owned())]);
        assert_eq!(
            render("qty={{q}}&x=1", &vars, Escape::Form),
            "qty=1%26admin%3D1+ok&x=1"
        );
    }

    #[test]
    fn json_placeholders_must_stand_inside_strings() {
        assert_eq!(outside_json_strings(r#"{"qty": {{qty}}}"#), vec!["qty"]);
        assert!(outside_json_strings(r#"{"qty": "{{qty}}", "n": "a {{ n }} b"}"#).is_empty());
        // Escaped quotes do not end a string; a closed string does.
        assert!(outside_json_strings(r#"{"a": "say \"{{x}}\" now"}"#).is_empty());
        assert_eq!(
            outside_json_strings(r#"{"a": "{{x}}", "b": [{{y}}]}"#),
            vec!["y"]
        );
        assert_eq!(outside_json_strings(r#"{"{{k}}": 1, {{v}}: 2}"#), vec!["v"]);
    }

    #[test]
    fn header_values_lose_line_breaks() {
        assert_eq!(
            render("x {{note}}", &vars(), Escape::Header),
            "x say \"hi\""
        );
    }

    #[test]
    fn references_lists_each_placeholder() {
        assert_eq!(references("{{a}} {{ b.c }} {{bad name}}"), vec!["a", "b.c"]);
        assert!(!is_variable_name("a..b"));
        assert!(!is_variable_name(""));
    }
}
