//! The addresses of the public help-center pages, as Zendesk shapes them:
//! `/hc/{locale}/articles/{id}-{title-slug}` (also sections and categories). The API's
//! `html_url` and every link on the pages come from here; the pages accept the id with any
//! slug or none, so links stay valid when a title changes.

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

/// The slug is cut to about this many bytes once percent-encoded.
const MAX_SLUG_BYTES: usize = 120;

pub fn home(locale: &str) -> String {
    format!("/hc/{locale}")
}

pub fn search(locale: &str) -> String {
    format!("/hc/{locale}/search")
}

pub fn category(locale: &str, id: i64, name: &str) -> String {
    with_slug(format!("/hc/{locale}/categories/{id}"), name)
}

pub fn section(locale: &str, id: i64, name: &str) -> String {
    with_slug(format!("/hc/{locale}/sections/{id}"), name)
}

pub fn article(locale: &str, id: i64, title: &str) -> String {
    with_slug(format!("/hc/{locale}/articles/{id}"), title)
}

fn with_slug(mut path: String, title: &str) -> String {
    let slug = slug(title);
    if !slug.is_empty() {
        path.push('-');
        path.push_str(&slug);
    }
    path
}

/// Zendesk's title slug: letters and digits of any script, lower case, every other run of
/// characters one `-`; percent-encoded (UTF-8), so `비밀번호 재설정` is
/// `%EB%B9%84%EB%B0%80%EB%B2%88%ED%98%B8-%EC%9E%AC%EC%84%A4%EC%A0%95`.
pub fn slug(title: &str) -> String {
    // Every search result and article list builds one per article: written straight into the
    // output, no allocation per character.
    let mut out = String::with_capacity(title.len().min(MAX_SLUG_BYTES));
    let mut gap = false;
    for c in title.chars() {
        if !c.is_alphanumeric() {
            gap = true;
            continue;
        }
        let before = out.len();
        if gap && before > 0 {
            out.push('-');
        }
        gap = false;
        let mut buf = [0u8; 4];
        for lower in c.to_lowercase() {
            out.extend(utf8_percent_encode(
                lower.encode_utf8(&mut buf),
                NON_ALPHANUMERIC,
            ));
        }
        // A character that does not fit whole ends the slug.
        if out.len() > MAX_SLUG_BYTES {
            out.truncate(before);
            break;
        }
    }
    out
}

/// The id at the start of a path segment: `12`, `12-any-slug` (the slug is not checked).
pub fn id_of(segment: &str) -> Option<i64> {
    let digits = segment.split_once('-').map_or(segment, |(id, _)| id);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i64>().ok().filter(|&id| id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_letters_of_any_script() {
        assert_eq!(slug("How to get a refund?"), "how-to-get-a-refund");
        assert_eq!(slug("  Wi-Fi & 5G: FAQ  "), "wi-fi-5g-faq");
        assert_eq!(
            slug("비밀번호 재설정"),
            "%EB%B9%84%EB%B0%80%EB%B2%88%ED%98%B8-%EC%9E%AC%EC%84%A4%EC%A0%95"
        );
        assert_eq!(slug("Ärger"), "%C3%A4rger");
        assert_eq!(slug("?!"), "");
        let long = slug(&"word ".repeat(100));
        assert!(long.len() <= MAX_SLUG_BYTES && long.starts_with("word-word"));
        assert!(!long.ends_with('-'));
    }

    #[test]
    fn paths() {
        assert_eq!(
            article("en-us", 7, "Reset it"),
            "/hc/en-us/articles/7-reset-it"
        );
        assert_eq!(article("en-us", 7, "!!"), "/hc/en-us/articles/7");
        assert_eq!(
            section("ko", 3, "주문"),
            "/hc/ko/sections/3-%EC%A3%BC%EB%AC%B8"
        );
    }

    #[test]
    fn ids() {
        assert_eq!(id_of("12"), Some(12));
        assert_eq!(id_of("12-reset-your-password"), Some(12));
        assert_eq!(id_of("12-"), Some(12));
        for bad in [
            "",
            "-12",
            "0",
            "abc",
            "12abc",
            "+12",
            "1e3",
            "99999999999999999999",
        ] {
            assert_eq!(id_of(bad), None, "{bad}");
        }
    }
}
