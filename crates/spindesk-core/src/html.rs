//! HTML in and out. Article bodies and ticket comments' `html_body` are HTML: search indexes their
//! text, not their tags, and a comment reaches the customer as text. Snippets and `html_body`
//! going out are text with only our own markup in it, so the two helpers here are the way in and
//! the way out. Article bodies shown as HTML on the help-center pages go through [`sanitize`].

mod entities;
mod sanitize;

pub use entities::escape;
pub use sanitize::sanitize;

use entities::entity;

/// Tags that end a line of text: a word never continues across them (`<p>a</p><p>b</p>` is two
/// words), while inline tags (`pass<b>word</b>`) join.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "img",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// The text of an HTML fragment: tags dropped (block tags become spaces), `<script>`, `<style>`
/// and comments dropped with their content, character references decoded, whitespace collapsed.
/// Not a validating parser; it only has to find the words an author wrote.
pub fn to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_decoded(&mut out, &rest[..lt]);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else {
            // A lone `<` is text (`a < b`).
            push_decoded(&mut out, rest);
            rest = "";
            break;
        };
        let tag = &rest[1..gt];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            push_decoded(&mut out, "<");
            rest = &rest[1..];
            continue;
        }
        rest = &rest[gt + 1..];
        if (name == "script" || name == "style") && !tag.starts_with('/') {
            let close = format!("</{name}");
            rest = find_ascii_ci(rest, &close)
                .and_then(|i| rest[i..].find('>').map(|j| &rest[i + j + 1..]))
                .unwrap_or("");
            out.push(' ');
        } else if BLOCK_TAGS.binary_search(&name.as_str()).is_ok() {
            out.push(' ');
        }
    }
    push_decoded(&mut out, rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

fn push_decoded(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|end| entity(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_tags_separate_inline_tags_join() {
        assert_eq!(
            to_text("<h1>Reset</h1><p>your pass<b>word</b> here</p>"),
            "Reset your password here"
        );
    }

    #[test]
    fn scripts_styles_and_comments_vanish() {
        assert_eq!(
            to_text("a<script>var x = '<p>';</script>b<!-- c --><STYLE>p{}</STYLE>d"),
            "a b d"
        );
    }

    #[test]
    fn entities_are_decoded_and_stray_brackets_kept() {
        assert_eq!(
            to_text("1 &lt; 2 &amp;&amp; 3 > 2 &#xD658;&#48520; &bogus;"),
            "1 < 2 && 3 > 2 환불 &bogus;"
        );
        assert_eq!(to_text("a < b"), "a < b");
    }

    #[test]
    fn block_tag_list_is_sorted() {
        assert!(BLOCK_TAGS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn escape_covers_markup_characters() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
