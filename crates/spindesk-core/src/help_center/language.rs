//! Which articles are in a reader's language: `en` reads `en` and `en-*` (help-center locales
//! are stored lower case). Shared by the bot's article choice and the search's first read.

/// `a.locale` is in the language bound to `?1` (`en` matches `en` and `en-*`). A range rather
/// than `LIKE`, so the locale index serves it.
pub const IN_LANGUAGE: &str = "(a.locale = ?1 OR (a.locale > ?1 || '-' AND a.locale < ?1 || '.'))";

/// The language subtag of a locale, lower case (`ko-KR` → `ko`); `None` if it is not one.
pub fn language(locale: &str) -> Option<String> {
    let language = locale.split(['-', '_']).next()?.to_ascii_lowercase();
    ((2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_lowercase()))
        .then_some(language)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_of_locales() {
        assert_eq!(language("ko-KR").as_deref(), Some("ko"));
        assert_eq!(language("en_us").as_deref(), Some("en"));
        assert_eq!(language("x").as_deref(), None);
        assert_eq!(language("e'n").as_deref(), None);
    }
}
