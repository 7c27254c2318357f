//! Per-language rules. Adding a language is adding a variant here (see `docs/help-center.md`,
//! "Adding a language").

use rust_stemmers::{Algorithm, Stemmer};

/// The language of a locale, as far as text analysis cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    English,
    Korean,
    Japanese,
    Chinese,
    /// Any other locale: words are case-folded but neither stemmed nor stop-filtered.
    Other,
}

impl Language {
    /// `en`, `en-US`, `en_gb` → English; `ko`, `ko-KR` → Korean; and so on. Case-insensitive.
    pub fn from_locale(locale: &str) -> Language {
        let primary = locale
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Language::English,
            "ko" => Language::Korean,
            "ja" => Language::Japanese,
            "zh" => Language::Chinese,
            _ => Language::Other,
        }
    }

    /// The rules for words written in letters (Latin, Cyrillic, ...). Korean, Japanese and
    /// Chinese text mixes in English product names and loanwords (`iPhone`, `PIN`, `app`), so
    /// their letter words follow the English rules; that also keeps a Korean query for `refund`
    /// matching the same way as an English one.
    pub(super) fn word_rules(self) -> WordRules {
        match self {
            Language::English | Language::Korean | Language::Japanese | Language::Chinese => {
                WordRules {
                    stemmer: Some(Algorithm::English),
                    stop_words: super::stopwords::ENGLISH,
                }
            }
            Language::Other => WordRules {
                stemmer: None,
                stop_words: &[],
            },
        }
    }
}

pub(super) struct WordRules {
    pub stemmer: Option<Algorithm>,
    /// Sorted; matched before stemming.
    pub stop_words: &'static [&'static str],
}

impl WordRules {
    pub fn stemmer(&self) -> Option<Stemmer> {
        self.stemmer.map(Stemmer::create)
    }
}

#[cfg(test)]
mod tests {
    use super::Language;

    #[test]
    fn locales_map_to_languages() {
        assert_eq!(Language::from_locale("en-us"), Language::English);
        assert_eq!(Language::from_locale("EN_GB"), Language::English);
        assert_eq!(Language::from_locale("ko"), Language::Korean);
        assert_eq!(Language::from_locale("zh-tw"), Language::Chinese);
        assert_eq!(Language::from_locale("fr"), Language::Other);
        assert_eq!(Language::from_locale(""), Language::Other);
    }
}
