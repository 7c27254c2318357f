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
use super::phrases::{LocalePhrases, PhraseIndex};
use crate::text::{self, Language, Query};

pub const THRESHOLD: f64 = 0.4;
pub const TIE_MARGIN: f64 = 0.05;

#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    Answer { id: String, score: f64 },
    Ambiguous(Vec<String>),
    Nothing,
}

/// The phrases answer number `index` is matched on in `locale`: those of its language (`ko`
/// for `ko-KR`), else every locale's.
fn phrases_for<'p>(phrases: &'p PhraseIndex, index: usize, locale: &str) -> Vec<&'p LocalePhrases> {
    let language = locale.split(['-', '_']).next().unwrap_or(locale);
    let all = phrases.answer(index);
    let local: Vec<&LocalePhrases> = all
        .iter()
        .filter(|l| {
            l.locale.eq_ignore_ascii_case(locale) || l.locale.eq_ignore_ascii_case(language)
        })
        .collect();
    if local.is_empty() {
        all.iter().collect()
    } else {
        local
    }
}

/// A message term as ids of the phrase index: the term itself and its alternatives (each a
/// run of terms), leaving out whatever no phrase contains.
struct MessageTerm {
    units: Vec<Vec<u32>>,
}

/// The message read with one language's rules, as ids of the phrase index.
struct Reading {
    language: Language,
    terms: Vec<MessageTerm>,
}

fn reading(query: &Query, phrases: &PhraseIndex, language: Language) -> Reading {
    let terms = query
        .terms
        .iter()
        .map(|t| MessageTerm {
            units: std::iter::once(&t.term)
                .chain(&t.alternatives)
                .filter_map(|unit| unit.split(' ').map(|part| phrases.term_id(part)).collect())
                .collect(),
        })
        .collect();
    Reading { language, terms }
}

/// Dice's coefficient of the message's terms and a phrase's terms, where a message term also
/// counts as found when one of its alternatives (synonyms) is in the phrase: (message terms found
/// + phrase terms found) / (message terms + phrase terms), in 0..=1.
fn overlap(message: &[MessageTerm], phrase: &[u32]) -> f64 {
    if message.is_empty() || phrase.is_empty() {
        return 0.0;
    }
    let mut covered = vec![false; phrase.len()];
    let mut found = 0;
    for t in message {
        let mut hit = false;
        for unit in &t.units {
            let at: Option<Vec<usize>> = unit
                .iter()
                .map(|id| phrase.binary_search(id).ok())
                .collect();
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
    (found + covered) as f64 / (message.len() + phrase.len()) as f64
}

/// The message, read with the rules of each language it is compared in (a phrase written in
/// English is compared with the message read as English, even in a German conversation).
struct Message<'m> {
    text: &'m str,
    folded: String,
    readings: Vec<Reading>,
}

impl Message<'_> {
    fn reading(&mut self, phrases: &PhraseIndex, locale: &str) -> &Reading {
        let language = Language::from_locale(locale);
        let at = match self.readings.iter().position(|r| r.language == language) {
            Some(at) => at,
            None => {
                let query = text::query(self.text, locale);
                self.readings.push(reading(&query, phrases, language));
                self.readings.len() - 1
            }
        };
        &self.readings[at]
    }

    fn contains_keyword(&self, keyword: &str) -> bool {
        let k = text::normalize(keyword.trim());
        !k.is_empty() && self.folded.contains(&k)
    }
}

/// How well the message fits answer number `index`, in 0..=1.
fn score(
    answer: &Answer,
    index: usize,
    phrases: &PhraseIndex,
    message: &mut Message,
    locale: &str,
) -> f64 {
    if answer.keywords.iter().any(|k| message.contains_keyword(k)) {
        return 1.0;
    }
    let mut best: f64 = 0.0;
    for group in phrases_for(phrases, index, locale) {
        let reading = message.reading(phrases, &group.locale);
        for phrase in &group.phrases {
            best = best.max(overlap(&reading.terms, phrase));
        }
    }
    best
}

/// The answer `message` asks for, analysing the bot's phrases first (the simulator, tests).
pub fn match_answer(bot: &Bot, message: &str, locale: &str) -> Intent {
    match_indexed(bot, &PhraseIndex::build(bot), message, locale)
}

/// The answer `message` asks for, with `phrases` built from `bot` (see [`PhraseIndex::fits`]).
pub fn match_indexed(bot: &Bot, phrases: &PhraseIndex, message: &str, locale: &str) -> Intent {
    let mut analysed = Message {
        text: message,
        folded: text::normalize(message),
        readings: Vec::new(),
    };
    let mut scored: Vec<(f64, &str)> = bot
        .answers
        .iter()
        .enumerate()
        .map(|(i, a)| (score(a, i, phrases, &mut analysed, locale), a.id.as_str()))
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
