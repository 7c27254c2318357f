//! What the customer wrote in a reply, without the quoted history and signature their mail
//! program added below it: agents read the new words, and the conversation does not repeat
//! itself every e-mail.
//!
//! Heuristics, as every help desk has them: the first line that starts a quote block, an
//! attribution ("On Mon, ... wrote:"), Outlook's header block or separator, a signature
//! delimiter ("-- ") or a "Sent from my phone" line ends the reply. If nothing would be left,
//! the whole text is kept: losing a customer's words is worse than showing a quote.

/// Lines that end the reply by themselves.
fn ends_reply(line: &str, next: Option<&str>) -> bool {
    let t = line.trim();
    let lower = t.to_lowercase();
    if t.starts_with('>') || t == "--" || line.trim_end() == "--" || line.starts_with("-- ") {
        return true;
    }
    if lower.starts_with("-----original message")
        || lower.starts_with("-----ursprüngliche nachricht")
        || (t.len() >= 20 && t.chars().all(|c| c == '_'))
        || lower.starts_with("sent from my ")
        || lower.starts_with("get outlook for ")
    {
        return true;
    }
    // Attributions: "On <date>, <name> wrote:", possibly wrapped onto the next line; Korean
    // Gmail's "...님이 작성:".
    let attribution = |s: &str| {
        let s = s.trim_end();
        s.ends_with("wrote:") || s.ends_with("작성:") || s.ends_with("schrieb:")
    };
    if (lower.starts_with("on ")
        || t.contains('@')
        || t.chars().next().is_some_and(|c| c.is_ascii_digit()))
        && attribution(t)
    {
        return true;
    }
    if lower.starts_with("on ")
        && next.is_some_and(|n| attribution(n) && !n.trim().starts_with('>'))
    {
        return true;
    }
    // Outlook's header block: "From: ..." followed by "Sent:" or "Date:".
    if lower.starts_with("from:") {
        if let Some(n) = next.map(|n| n.trim().to_lowercase()) {
            return n.starts_with("sent:") || n.starts_with("date:") || n.starts_with("to:");
        }
    }
    false
}

/// The new part of a plain-text reply, trimmed.
pub fn reply_text(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if ends_reply(line, lines.get(i + 1).copied()) {
            break;
        }
        kept.push(*line);
    }
    let reply = kept.join("\n").trim().to_owned();
    if reply.is_empty() {
        text.trim().to_owned()
    } else {
        reply
    }
}

/// Markers where mail programs start the quoted history in HTML.
const HTML_QUOTE_STARTS: [&str; 6] = [
    "<blockquote",
    "class=\"gmail_quote",
    "id=\"appendonsend",
    "id=\"divrplyfwdmsg",
    "class=\"moz-cite-prefix",
    "id=\"stopspelling",
];

/// The new part of an HTML reply, cut before the quoted history and sanitized with the same
/// sanitizer as articles (no scripts, handlers or foreign styles survive).
pub fn reply_html(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let cut = HTML_QUOTE_STARTS
        .iter()
        .filter_map(|marker| lower.find(marker))
        // A marker inside a tag (`<div class="gmail_quote">`): cut at that tag's `<`.
        .map(|at| {
            lower[..at]
                .rfind('<')
                .filter(|_| !lower[at..].starts_with('<'))
                .unwrap_or(at)
        })
        .min();
    let reply = match cut {
        Some(at) if !crate::html::to_text(&html[..at]).trim().is_empty() => &html[..at],
        _ => html,
    };
    crate::html::sanitize(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_history_and_signatures_are_cut() {
        let cases = [
            ("Thanks, that worked!\n\nOn Tue, Dec 1, 2026 at 10:00 AM Acme <support@acme.example> wrote:\n> Try again", "Thanks, that worked!"),
            ("Still broken.\n\nOn Tue, Dec 1, 2026 at 10:00 AM Acme Support\n<support@acme.example> wrote:\n> Try again", "Still broken."),
            ("Yes please\n-- \nAda Lovelace\nCEO", "Yes please"),
            ("Ok\n\nSent from my iPhone", "Ok"),
            ("See below\n\n-----Original Message-----\nFrom: Acme", "See below"),
            ("Hi\n\nFrom: Acme Support <support@acme.example>\nSent: Tuesday\nTo: Ada", "Hi"),
            ("네 감사합니다\n\n2026년 12월 1일 (화) 오전 10:00, Acme <support@acme.example>님이 작성:\n> 다시", "네 감사합니다"),
            ("Line one\nLine two", "Line one\nLine two"),
            // Nothing but a quote: kept whole rather than lost.
            ("> only a quote", "> only a quote"),
        ];
        for (input, want) in cases {
            assert_eq!(reply_text(input), want, "{input:?}");
        }
    }

    #[test]
    fn html_history_is_cut_and_the_rest_sanitized() {
        let html = "<div dir=\"ltr\">New words<script>alert(1)</script></div><div class=\"gmail_quote\"><div>On Tue wrote:</div><blockquote>old</blockquote></div>";
        let out = reply_html(html);
        assert!(out.contains("New words"), "{out}");
        assert!(
            !out.contains("old") && !out.contains("wrote") && !out.contains("script"),
            "{out}"
        );
        // Only a quote: kept (sanitized).
        assert!(reply_html("<blockquote>old</blockquote>").contains("old"));
    }
}
