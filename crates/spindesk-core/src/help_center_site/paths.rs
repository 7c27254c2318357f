//! The addresses of the public help-center pages, as Zendesk shapes them:
//! `/hc/{locale}/articles/{id}-{title-slug}` (also sections and categories). The API's
//! `html_url` and every link on the pages come from here; the pages accept the id with any
//! slug or none, so links stay valid when a title changes.

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
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    // Every search result and article list builds one per article: no allocation per character.
    let mut out = String::with_capacity(title.len().min(MAX_SLUG_BYTES));
    let mut gap = false;
    for c in title.chars() {
        if !c.is_alphanumeric() {
            gap = true;
            continue;
        }
        let dash = gap && !out.is_empty();
        gap = false;
        // The character lower-cased (at most three characters of four bytes each).
        let mut bytes = [0u8; 12];
        let mut n = 0;
        for lower in c.to_lowercase() {
            n += lower.encode_utf8(&mut bytes[n..]).len();
        }
        let bytes = &bytes[..n];
        let kept = |b: u8| b.is_ascii_alphanumeric();
        let len = usize::from(dash)
            + bytes
                .iter()
                .map(|&b| if kept(b) { 1 } else { 3 })
                .sum::<usize>();
        if out.len() + len > MAX_SLUG_BYTES {
            break;
        }
        if dash {
            out.push('-');
        }
        for &b in bytes {
            if kept(b) {
                out.push(char::from(b));
            } else {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
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
