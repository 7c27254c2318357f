//! `%text%` patterns for LIKE (user search by name and email).

use crate::ports::Value;

/// `%text%` for LIKE, with LIKE's own wildcards in `text` escaped.
pub fn contains(text: &str) -> Value {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out.into()
}
