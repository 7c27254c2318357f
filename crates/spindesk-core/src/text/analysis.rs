//! The index side of text analysis: normalise, segment, stem, drop stop words.

use super::language::Language;
use super::segment::{tokens, Script, Token};
use super::stopwords;
use rust_stemmers::Stemmer;
use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// The version of the analysis rules. Bump it whenever a change here changes the terms some
/// text analyses to (a stemmer, a stop word, segmentation): terms stored from an
/// earlier analysis (the bot's phrase index, `bot::phrases`) are then rebuilt instead of being
/// compared with terms the new rules produce.
pub const ANALYSIS_VERSION: u32 = 1;

/// Words longer than this are not words (URLs, hashes, base64) and are not indexed.
pub const MAX_WORD_CHARS: usize = 40;

/// One analysed term, with the index of the token it came from (so callers can group the
/// bigrams of one word, or map a term back to what was written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub word: usize,
}

/// NFKC normalisation and case folding: the form every comparison in this module uses.
pub fn normalize(text: &str) -> String {
    // ASCII is already in NFKC; most Latin text is ASCII, and this is the hot path of indexing.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.nfkc().flat_map(char::to_lowercase).collect()
}

/// The terms of `text` written in `locale` (a locale like `en-us` or `ko`), stop words removed,
/// in text order, repeats kept (term frequency matters to ranking).
pub fn analyze(text: &str, locale: &str) -> Vec<Term> {
    Analyzer::new(locale).analyze(text)
}

/// [`analyze`], as plain strings.
pub fn terms(text: &str, locale: &str) -> Vec<String> {
    analyze(text, locale).into_iter().map(|t| t.text).collect()
}

/// A Korean word without its trailing particle (조사) when at least two syllables remain
/// (`환불을` → `환불`, `배송지에서` → `배송지`), else as written. For searches that must find
/// every term of a word (ticket search): the particle's bigram (`불을`) is not in a text that
/// writes the noun alone. A noun that happens to end like a particle only loses a syllable,
/// which widens the match and never hides one.
pub fn strip_particle(word: &str) -> &str {
    stopwords::KOREAN_PARTICLES
        .iter()
        .find_map(|p| word.strip_suffix(p))
        .filter(|noun| noun.chars().count() >= 2)
        .unwrap_or(word)
}

/// The analyser for one locale; build it once to analyse many texts.
pub struct Analyzer {
    stemmer: Option<Stemmer>,
    stop_words: &'static [&'static str],
}

/// A term before stop-word removal; synonyms match phrases that include stop words (`log in`).
pub(crate) struct RawTerm {
    pub text: String,
    pub word: usize,
    pub stop: bool,
}

impl Analyzer {
    pub fn new(locale: &str) -> Self {
        let rules = Language::from_locale(locale).word_rules();
        Analyzer {
            stemmer: rules.stemmer(),
            stop_words: rules.stop_words,
        }
    }

    pub fn analyze(&self, text: &str) -> Vec<Term> {
        self.analyze_raw(text)
            .into_iter()
            .filter(|t| !t.stop)
            .map(|t| Term {
                text: t.text,
                word: t.word,
            })
            .collect()
    }

    /// The terms of one token of [`tokens`], stop words removed (snippets use this to decide
    /// which written words to highlight).
    pub fn token_terms(&self, token: &Token) -> Vec<String> {
        let mut out = Vec::new();
        self.token_raw(token, 0, &mut out);
        out.into_iter()
            .filter(|t| !t.stop)
            .map(|t| t.text)
            .collect()
    }

    pub(crate) fn analyze_raw(&self, text: &str) -> Vec<RawTerm> {
        // Decomposed Hangul (conjoining jamo, as some systems send it) must be composed before
        // segmentation sees it; NFC leaves everything else as it is.
        let text: Cow<str> = if text.chars().any(|c| matches!(c as u32, 0x1100..=0x11FF)) {
            Cow::Owned(text.nfc().collect())
        } else {
            Cow::Borrowed(text)
        };
        let mut out = Vec::new();
        for (word, token) in tokens(&text).iter().enumerate() {
            self.token_raw(token, word, &mut out);
        }
        out
    }

    fn token_raw(&self, token: &Token, word: usize, out: &mut Vec<RawTerm>) {
        match token.script {
            Script::Word => {
                if let Some((text, stop)) = self.word(token.text) {
                    out.push(RawTerm { text, word, stop });
                }
            }
            Script::Hangul => hangul(token.text, word, out),
            Script::Cjk => cjk(&normalize(token.text), word, out),
        }
    }

    /// A letter word: folded, possessive and apostrophes dropped, stemmed; `None` when it is not
    /// worth indexing at all (too long).
    fn word(&self, raw: &str) -> Option<(String, bool)> {
        let mut w = normalize(raw);
        for possessive in ["'s", "\u{2019}s"] {
            if let Some(stripped) = w.strip_suffix(possessive) {
                w.truncate(stripped.len());
            }
        }
        w.retain(char::is_alphanumeric);
        let chars = w.chars().count();
        if chars == 0 || chars > MAX_WORD_CHARS {
            return None;
        }
        let single_letter = chars == 1 && !w.chars().all(|c| c.is_numeric());
        let stop = single_letter || stopwords::contains(self.stop_words, &w);
        let stemmed = match &self.stemmer {
            Some(stemmer) if !w.chars().all(|c| c.is_numeric()) => stemmer.stem(&w).into_owned(),
            _ => w,
        };
        Some((stemmed, stop))
    }
}

fn hangul(token: &str, word: usize, out: &mut Vec<RawTerm>) {
    let whole_stop = stopwords::contains(stopwords::KOREAN_WORDS, token);
    let syllables: Vec<char> = token.chars().collect();
    if syllables.len() == 1 {
        out.push(RawTerm {
            text: token.to_owned(),
            word,
            stop: whole_stop,
        });
        return;
    }
    if syllables.len() > MAX_WORD_CHARS {
        return;
    }
    for pair in syllables.windows(2) {
        let text: String = pair.iter().collect();
        let stop = whole_stop || stopwords::contains(stopwords::KOREAN_BIGRAMS, &text);
        out.push(RawTerm { text, word, stop });
    }
    if whole_stop {
        return;
    }
    // A one-syllable noun with a particle (`앱을`, `폰이`) has no bigram of its own.
    if let Some(noun) = stopwords::KOREAN_PARTICLES
        .iter()
        .find_map(|p| token.strip_suffix(p))
        .filter(|noun| noun.chars().count() == 1)
    {
        out.push(RawTerm {
            text: noun.to_owned(),
            word,
            stop: stopwords::contains(stopwords::KOREAN_WORDS, noun),
        });
    }
}

fn cjk(token: &str, word: usize, out: &mut Vec<RawTerm>) {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() == 1 {
        out.push(RawTerm {
            text: token.to_owned(),
            word,
            stop: false,
        });
        return;
    }
    for pair in chars.windows(2).take(MAX_WORD_CHARS * 8) {
        out.push(RawTerm {
            text: pair.iter().collect(),
            word,
            stop: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str, locale: &str) -> Vec<String> {
        terms(text, locale)
    }

    #[test]
    fn korean_particles_do_not_hide_the_noun() {
        let with_particle = t("비밀번호를", "ko");
        for bigram in t("비밀번호", "ko") {
            assert!(
                with_particle.contains(&bigram),
                "{bigram} in {with_particle:?}"
            );
        }
        assert_eq!(t("환불", "ko"), ["환불"]);
        assert!(t("환불이", "ko").contains(&"환불".to_owned()));
    }

    #[test]
    fn korean_spacing_variants_share_terms() {
        let joined = t("배송조회", "ko");
        let spaced = t("배송 조회", "ko");
        assert!(
            spaced.iter().all(|s| joined.contains(s)),
            "{spaced:?} {joined:?}"
        );
    }

    #[test]
    fn one_syllable_nouns_survive_their_particle() {
        assert!(t("앱을 설치", "ko").contains(&"앱".to_owned()));
        assert_eq!(t("앱", "ko"), ["앱"]);
    }

    #[test]
    fn korean_endings_and_greetings_are_stop_words() {
        assert!(t("안녕하세요", "ko").is_empty());
        let terms = t("환불해주세요", "ko");
        assert!(terms.contains(&"환불".to_owned()));
        assert!(!terms.contains(&"세요".to_owned()), "{terms:?}");
    }

    #[test]
    fn english_is_folded_stemmed_and_stop_filtered() {
        assert_eq!(t("How do I get REFUNDS?", "en-us"), ["get", "refund"]);
        assert_eq!(t("refunded", "en"), t("refunding", "en"));
        assert_eq!(t("the customer's order", "en"), ["custom", "order"]);
        assert_eq!(t("don't", "en"), Vec::<String>::new());
    }

    #[test]
    fn nfkc_makes_full_width_text_plain() {
        assert_eq!(t("ＰＩＮ", "en"), t("pin", "en"));
        assert_eq!(t("ｶﾀｶﾅ", "ja"), t("カタカナ", "ja"));
    }

    #[test]
    fn decomposed_hangul_is_composed_first() {
        let decomposed: String = "환불".nfd().collect();
        assert_eq!(t(&decomposed, "ko"), ["환불"]);
    }

    #[test]
    fn latin_words_in_korean_text_use_english_rules() {
        assert_eq!(t("iPhone에서 passwords", "ko"), ["iphon", "password"]);
    }

    #[test]
    fn cjk_is_bigrammed() {
        assert_eq!(t("東京都", "ja"), ["東京", "京都"]);
        assert_eq!(t("猫", "zh"), ["猫"]);
    }

    #[test]
    fn other_languages_are_folded_only() {
        assert_eq!(t("Rückerstattungen", "de"), ["rückerstattungen"]);
    }

    #[test]
    fn particles_are_stripped_from_long_enough_words() {
        assert_eq!(strip_particle("환불을"), "환불");
        assert_eq!(strip_particle("배송지에서"), "배송지");
        assert_eq!(strip_particle("앱을"), "앱을");
        assert_eq!(strip_particle("환불"), "환불");
    }

    #[test]
    fn term_word_indexes_group_bigrams() {
        let terms = analyze("환불 비밀번호", "ko");
        assert!(terms.iter().filter(|t| t.word == 1).count() == 3);
    }
}
