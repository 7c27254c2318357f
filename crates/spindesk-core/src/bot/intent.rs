//! Which answer a customer's free text is about.
//!
//! Messages and training phrases go through the text analysis help-center search uses
//! ([`crate::text`]): NFKC and case folding, Korean as syllable bigrams (so `비밀번호를` and
//! `비밀번호` share `비밀 밀번 번호`, and `배송조회` matches `배송 조회`), English words stemmed
//! (`refunds`, `refunded` → `refund`), stop words dropped, and the message's synonyms as
//! alternatives (`비번` counts as `비밀번호`, `money back` as `refund`).
//!
//! Each answer is scored by its best training phrase in the conversation's language (every
//! locale's phrases when it has none there): the share of the message's terms found in the
//! phrase and of the phrase's terms found in the message (Dice's coefficient, with a synonym
//! counting as its word); a keyword contained in the message scores 1. Above [`THRESHOLD`] the
//! best answer wins; two answers within [`TIE_MARGIN`] of each other are ambiguous (the bot asks
//! which one was meant).

use super::model::{Answer, Bot};
use crate::text::{self, Analyzer, Language, Query};

pub const THRESHOLD: f64 = 0.4;
pub const TIE_MARGIN: f64 = 0.05;

#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    Answer { id: String, score: f64 },
    Ambiguous(Vec<String>),
    Nothing,
}

/// The phrases `answer` is matched on in `locale`: those of its language (`ko` for `ko-KR`),
/// else every locale's, each with the locale it is written in.
fn phrases_for<'a>(answer: &'a Answer, locale: &str) -> Vec<(&'a str, &'a [String])> {
    let language = locale.split(['-', '_']).next().unwrap_or(locale);
    let local: Vec<(&str, &[String])> = answer
        .phrases
        .iter()
        .filter(|(l, _)| l.eq_ignore_ascii_case(locale) || l.eq_ignore_ascii_case(language))
        .map(|(l, p)| (l.as_str(), p.as_slice()))
        .collect();
    if local.is_empty() {
        answer
            .phrases
            .iter()
            .map(|(l, p)| (l.as_str(), p.as_slice()))
            .collect()
    } else {
        local
    }
}

/// The analysed terms of one training phrase: distinct, sorted (for binary search).
fn phrase_terms(analyzer: &Analyzer, phrase: &str) -> Vec<String> {
    let mut terms: Vec<String> = analyzer
        .analyze(phrase)
        .into_iter()
        .map(|t| t.text)
        .collect();
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// Dice's coefficient of the message's terms and a phrase's terms, where a message term also
/// counts as found when one of its alternatives (synonyms) is in the phrase: (message terms found
/// + phrase terms found) / (message terms + phrase terms), in 0..=1.
fn overlap(message: &Query, phrase: &[String]) -> f64 {
    if message.is_empty() || phrase.is_empty() {
        return 0.0;
    }
    let position = |term: &str| phrase.binary_search_by(|p| p.as_str().cmp(term)).ok();
    let mut covered = vec![false; phrase.len()];
    let mut found = 0;
    for t in &message.terms {
        let mut hit = false;
        for unit in std::iter::once(&t.term).chain(&t.alternatives) {
            let at: Option<Vec<usize>> = unit.split(' ').map(position).collect();
            if let Some(at) = at {
                hit = true;
                for i in at {
                    covered[i] = true;
                }
            }
        }
        found += usize::from(hit);
    }
    let covered = covered.into_iter().filter(|&c| c).count();
    (found + covered) as f64 / (message.terms.len() + phrase.len()) as f64
}

/// The message, analysed with the rules of each language it is compared in (a phrase written in
/// English is compared with the message read as English, even in a German conversation).
struct Message<'m> {
    text: &'m str,
    folded: String,
    analysed: Vec<(Language, Query)>,
    analyzers: Vec<(String, Analyzer)>,
}

impl<'m> Message<'m> {
    fn new(text: &'m str) -> Self {
        Message {
            text,
            folded: text::normalize(text),
            analysed: Vec::new(),
            analyzers: Vec::new(),
        }
    }

    /// How well the message fits the phrases (of one locale), in 0..=1.
    fn best(&mut self, locale: &str, phrases: &[String]) -> f64 {
        let language = Language::from_locale(locale);
        if !self.analysed.iter().any(|(l, _)| *l == language) {
            self.analysed
                .push((language, text::query(self.text, locale)));
        }
        if !self.analyzers.iter().any(|(l, _)| l == locale) {
            self.analyzers
                .push((locale.to_owned(), Analyzer::new(locale)));
        }
        let (Some((_, query)), Some((_, analyzer))) = (
            self.analysed.iter().find(|(l, _)| *l == language),
            self.analyzers.iter().find(|(l, _)| l == locale),
        ) else {
            return 0.0;
        };
        phrases
            .iter()
            .map(|p| overlap(query, &phrase_terms(analyzer, p)))
            .fold(0.0, f64::max)
    }

    fn contains_keyword(&self, keyword: &str) -> bool {
        let k = text::normalize(keyword.trim());
        !k.is_empty() && self.folded.contains(&k)
    }
}

/// How well the message fits `answer`, in 0..=1.
fn score(answer: &Answer, message: &mut Message, locale: &str) -> f64 {
    if answer.keywords.iter().any(|k| message.contains_keyword(k)) {
        return 1.0;
    }
    phrases_for(answer, locale)
        .into_iter()
        .map(|(phrase_locale, phrases)| message.best(phrase_locale, phrases))
        .fold(0.0, f64::max)
}

pub fn match_answer(bot: &Bot, message: &str, locale: &str) -> Intent {
    let mut analysed = Message::new(message);
    let mut scored: Vec<(f64, &str)> = bot
        .answers
        .iter()
        .map(|a| (score(a, &mut analysed, locale), a.id.as_str()))
        .filter(|(s, _)| *s >= THRESHOLD)
        .collect();
    // Highest first; equal scores keep the admin's order of answers (stable sort).
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    match scored.as_slice() {
        [] => Intent::Nothing,
        [(best, id), rest @ ..] => {
            let tied: Vec<String> = std::iter::once(*id)
                .chain(
                    rest.iter()
                        .take_while(|(s, _)| best - s < TIE_MARGIN)
                        .map(|(_, id)| *id),
                )
                .map(str::to_owned)
                .collect();
            if tied.len() > 1 {
                Intent::Ambiguous(tied.into_iter().take(3).collect())
            } else {
                Intent::Answer {
                    id: (*id).to_owned(),
                    score: *best,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bot() -> Bot {
        serde_json::from_value(json!({
            "answers": [
                {"id": "password", "name": "Reset password",
                 "phrases": {"en": ["I forgot my password", "reset my password"],
                             "ko": ["비밀번호를 잊어버렸어요", "비밀번호 재설정"]},
                 "steps": [{"type": "send_message", "id": "s", "text": "x"}]},
                {"id": "order", "name": "Order status",
                 "phrases": {"en": ["where is my order", "track my order"],
                             "ko": ["주문한 상품이 어디 있나요", "배송 조회"]},
                 "keywords": ["tracking number"],
                 "steps": [{"type": "send_message", "id": "s", "text": "x"}]},
                {"id": "refund-order", "name": "Refund",
                 "phrases": {"en": ["refund my order"]},
                 "steps": [{"type": "send_message", "id": "s", "text": "x"}]},
                {"id": "cancel-order", "name": "Cancel",
                 "phrases": {"en": ["cancel my order"]},
                 "steps": [{"type": "send_message", "id": "s", "text": "x"}]}
            ]
        }))
        .unwrap()
    }

    fn id(i: Intent) -> String {
        match i {
            Intent::Answer { id, .. } => id,
            other => panic!("expected one answer, got {other:?}"),
        }
    }

    #[test]
    fn english_and_korean_messages_find_their_answer() {
        let b = bot();
        assert_eq!(
            id(match_answer(&b, "I forgot the password!", "en")),
            "password"
        );
        assert_eq!(
            id(match_answer(&b, "비밀번호를 까먹었어요", "ko-KR")),
            "password"
        );
        assert_eq!(id(match_answer(&b, "배송 조회 하고 싶어요", "ko")), "order");
        assert_eq!(id(match_answer(&b, "Where's my order?", "en")), "order");
    }

    #[test]
    fn keywords_win_outright() {
        assert_eq!(
            id(match_answer(&bot(), "what is the TRACKING NUMBER", "en")),
            "order"
        );
    }

    #[test]
    fn unrelated_text_matches_nothing() {
        assert_eq!(match_answer(&bot(), "hello there", "en"), Intent::Nothing);
        assert_eq!(match_answer(&bot(), "", "en"), Intent::Nothing);
    }

    /// A bot whose phrases are written one way, matched by messages written another.
    fn shop() -> Bot {
        serde_json::from_value(json!({
            "answers": [
                {"id": "refund", "name": "Refund",
                 "phrases": {"en": ["refund"], "ko": ["환불"]},
                 "steps": [{"type": "send_message", "id": "s", "text": "x"}]},
                {"id": "tracking", "name": "Tracking",
                 "phrases": {"ko": ["배송 조회"], "en": ["where is my parcel"]},
                 "steps": [{"type": "send_message", "id": "s", "text": "x"}]},
                {"id": "app", "name": "App install",
                 "phrases": {"ko": ["앱 설치"]},
                 "steps": [{"type": "send_message", "id": "s", "text": "x"}]},
                {"id": "password", "name": "Password",
                 "phrases": {"ko": ["비밀번호를 잊어버렸어요"], "en": ["forgot password"]},
                 "steps": [{"type": "send_message", "id": "s", "text": "x"}]}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn english_words_match_in_any_inflection() {
        let b = shop();
        for message in [
            "Refunds?",
            "I was never refunded",
            "refunding",
            "ＲＥＦＵＮＤ",
        ] {
            assert_eq!(
                id(match_answer(&b, message, "en-US")),
                "refund",
                "{message}"
            );
        }
        assert_eq!(
            id(match_answer(&b, "I forgot my passwords", "en")),
            "password"
        );
    }

    #[test]
    fn korean_particles_and_endings_do_not_hide_the_word() {
        let b = shop();
        // `환불이`, `환불해주세요`: the noun with a particle or a verb ending.
        assert_eq!(id(match_answer(&b, "환불이 안 됐어요", "ko")), "refund");
        assert_eq!(id(match_answer(&b, "환불해주세요", "ko-KR")), "refund");
        // A one-syllable noun with its particle (`앱을`) still counts as `앱`.
        assert_eq!(id(match_answer(&b, "앱을 설치하고 싶어요", "ko")), "app");
        assert_eq!(
            id(match_answer(
                &b,
                "비밀번호가 생각이 안 나요 잊어버렸어요",
                "ko"
            )),
            "password"
        );
    }

    #[test]
    fn korean_spacing_variants_match() {
        let b = shop();
        assert_eq!(id(match_answer(&b, "배송조회", "ko")), "tracking");
        assert_eq!(id(match_answer(&b, "배송 조회요", "ko")), "tracking");
    }

    #[test]
    fn synonyms_count_as_the_word_they_stand_for() {
        let b = shop();
        assert_eq!(
            id(match_answer(&b, "비번을 잊어버렸어요", "ko")),
            "password"
        );
        assert_eq!(id(match_answer(&b, "I want my money back", "en")), "refund");
        assert_eq!(
            id(match_answer(&b, "where is my package", "en")),
            "tracking"
        );
    }

    #[test]
    fn a_conversation_in_another_language_reads_the_phrases_it_has() {
        // No German phrases: the English ones are compared with the message read as English.
        assert_eq!(id(match_answer(&shop(), "refunds", "de")), "refund");
    }

    #[test]
    fn equally_good_answers_are_ambiguous() {
        assert_eq!(
            match_answer(&bot(), "order refund or cancel", "en"),
            Intent::Ambiguous(vec!["refund-order".into(), "cancel-order".into()])
        );
    }
}
