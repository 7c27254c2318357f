//! The help center: categories, sections and articles per locale (Zendesk Help Center's
//! model), their search index, search, and article suggestions for the bot.
//!
//! HTTP lives in `api::help_center` (the API) and `help_center_site` (the public pages); this
//! module takes a [`Db`](crate::store::Db) and plain values, so the bot calls
//! [`recommend::recommend`] directly.

pub mod article;
pub mod catalog;
pub mod index;
pub mod postings;
pub mod rank;
pub mod recommend;
pub mod search;
pub mod vocabulary;

pub use recommend::{recommend, Recommendation};

/// A help-center locale as Zendesk writes it: `en-us`, `ko`, `pt-br`, `zh-tw` (lower case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locale(String);

impl Locale {
    /// Accepts a language code of 2–3 letters and up to two subtags of 2–8 letters or digits,
    /// separated by `-` or `_`, in any case; stores it lower case with `-`.
    pub fn parse(s: &str) -> Option<Locale> {
        let lower = s.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = lower.split('-');
        let language = parts.next()?;
        if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let mut subtags = 0;
        for part in parts {
            subtags += 1;
            if subtags > 2
                || !(2..=8).contains(&part.len())
                || !part.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return None;
            }
        }
        Some(Locale(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Locale;

    #[test]
    fn locales() {
        assert_eq!(Locale::parse("en-US").unwrap().as_str(), "en-us");
        assert_eq!(Locale::parse("ko").unwrap().as_str(), "ko");
        assert_eq!(Locale::parse("zh_TW").unwrap().as_str(), "zh-tw");
        for bad in [
            "",
            "e",
            "english",
            "en-",
            "en-u",
            "en-us-x-y",
            "12",
            "en us",
        ] {
            assert!(Locale::parse(bad).is_none(), "{bad}");
        }
    }
}
