//! Text conditions both search paths share: `%text%` patterns and the phrase test on a
//! ticket's subject, description and comments.

use crate::ports::Value;

/// The phrase test on ticket `t`, with three `?` for [`contains`] of the phrase.
pub const PHRASE_SQL: &str = "(t.subject LIKE ? ESCAPE '\\' OR t.description LIKE ? ESCAPE '\\' \
     OR EXISTS (SELECT 1 FROM ticket_comments c \
                WHERE c.ticket_id = t.id AND c.body LIKE ? ESCAPE '\\'))";

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
