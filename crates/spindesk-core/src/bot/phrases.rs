//! A bot's training phrases, analysed once.
//!
//! Matching a message analyses it once but compares it with every training phrase; analysing
//! the phrases on each message too would cost most of a turn in a large bot (about 18 ms for
//! 10,000 phrases, against about 1 ms to read them analysed — `docs/bot.md`, Performance). So
//! publishing a version stores its [`PhraseIndex`] next to it, and conversations load it with
//! the live bot. The draft (simulator) and any version whose stored index no longer
//! [`fits`](PhraseIndex::fits) build one on the spot.
//!
//! The index holds each distinct term once (sorted, so a term's id is its position) and each
//! phrase as the sorted ids of its distinct terms.

use super::model::Bot;
use crate::text::{self, Analyzer};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhraseIndex {
    /// The [`text::ANALYSIS_VERSION`] the phrases were analysed with.
    analysis: u32,
    /// Every distinct term of every phrase, sorted.
    terms: Vec<String>,
    /// One entry per answer, in the bot's order.
    answers: Vec<AnswerPhrases>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct AnswerPhrases {
    id: String,
    locales: Vec<LocalePhrases>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalePhrases {
    /// The locale key of the phrases in the bot (`en`, `ko-KR`).
    pub locale: String,
    /// Each phrase as the sorted ids of its distinct terms (empty when it is all stop words).
    pub phrases: Vec<Vec<u32>>,
}

impl PhraseIndex {
    /// Analyses every training phrase of `bot`, each with its own locale's rules.
    pub fn build(bot: &Bot) -> PhraseIndex {
        // Terms get ids in order of first sight while phrases are analysed, then the ids are
        // renumbered in term order (so lookups can binary-search the sorted terms).
        let mut seen: HashMap<String, u32> = HashMap::new();
        let mut analyzers: Vec<(&str, Analyzer)> = Vec::new();
        let mut answers: Vec<AnswerPhrases> = Vec::with_capacity(bot.answers.len());
        for answer in &bot.answers {
            let mut locales = Vec::with_capacity(answer.phrases.len());
            for (locale, phrases) in &answer.phrases {
                let at = match analyzers.iter().position(|(l, _)| *l == locale) {
                    Some(at) => at,
                    None => {
                        analyzers.push((locale, Analyzer::new(locale)));
                        analyzers.len() - 1
                    }
                };
                let analyzer = &analyzers[at].1;
                let phrases = phrases
                    .iter()
                    .map(|p| {
                        analyzer
                            .analyze(p)
                            .into_iter()
                            .map(|t| {
                                let next = seen.len() as u32;
                                *seen.entry(t.text).or_insert(next)
                            })
                            .collect()
                    })
                    .collect();
                locales.push(LocalePhrases {
                    locale: locale.clone(),
                    phrases,
                });
            }
            answers.push(AnswerPhrases {
                id: answer.id.clone(),
                locales,
            });
        }
        let mut terms: Vec<(String, u32)> = seen.into_iter().collect();
        terms.sort_unstable();
        let mut renumber = vec![0u32; terms.len()];
        for (sorted, (_, first_seen)) in terms.iter().enumerate() {
            renumber[*first_seen as usize] = sorted as u32;
        }
        for phrase in answers
            .iter_mut()
            .flat_map(|a| a.locales.iter_mut())
            .flat_map(|l| l.phrases.iter_mut())
        {
            for id in phrase.iter_mut() {
                *id = renumber[*id as usize];
            }
            phrase.sort_unstable();
            phrase.dedup();
        }
        PhraseIndex {
            analysis: text::ANALYSIS_VERSION,
            terms: terms.into_iter().map(|(t, _)| t).collect(),
            answers,
        }
    }

    /// Whether this index was built from `bot`'s phrases by today's analysis: same answers in
    /// the same order, same locales, same number of phrases. (Published versions never change,
    /// so an index stored with one only stops fitting when the analysis changes.)
    pub fn fits(&self, bot: &Bot) -> bool {
        self.analysis == text::ANALYSIS_VERSION
            && self.answers.len() == bot.answers.len()
            && self.answers.iter().zip(&bot.answers).all(|(a, b)| {
                a.id == b.id
                    && a.locales.len() == b.phrases.len()
                    && a.locales
                        .iter()
                        .zip(&b.phrases)
                        .all(|(l, (locale, phrases))| {
                            &l.locale == locale && l.phrases.len() == phrases.len()
                        })
            })
    }

    /// The id of `term`, if any phrase has it.
    pub fn term_id(&self, term: &str) -> Option<u32> {
        self.terms
            .binary_search_by(|t| t.as_str().cmp(term))
            .ok()
            .map(|i| i as u32)
    }

    /// The phrases of the answer at `index` (the bot's order), per locale.
    pub fn answer(&self, index: usize) -> &[LocalePhrases] {
        self.answers
            .get(index)
            .map_or(&[], |a| a.locales.as_slice())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// `None` when `json` is not an index (it is then rebuilt).
    pub fn from_json(json: &str) -> Option<PhraseIndex> {
        serde_json::from_str(json).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bot(phrases: serde_json::Value) -> Bot {
        serde_json::from_value(json!({"answers": [
            {"id": "a", "name": "A", "phrases": phrases,
             "steps": [{"type": "send_message", "id": "s", "text": "x"}]}]}))
        .unwrap()
    }

    #[test]
    fn phrases_become_sorted_distinct_term_ids() {
        let index = PhraseIndex::build(&bot(json!({"en": ["Refunds, refunded!", "the"]})));
        let refund = index.term_id("refund").expect("refund is a term");
        assert_eq!(index.answer(0)[0].phrases, vec![vec![refund], vec![]]);
        assert_eq!(index.term_id("the"), None);
        let round_trip = PhraseIndex::from_json(&index.to_json()).unwrap();
        assert_eq!(round_trip, index);
    }

    #[test]
    fn an_index_fits_only_the_phrases_it_was_built_from() {
        let b = bot(json!({"en": ["refund"], "ko": ["환불"]}));
        let index = PhraseIndex::build(&b);
        assert!(index.fits(&b));
        assert!(!index.fits(&bot(
            json!({"en": ["refund", "money back"], "ko": ["환불"]})
        )));
        assert!(!index.fits(&bot(json!({"en": ["refund"]}))));
        assert!(!index.fits(&Bot::default()));
        let mut stale = index.clone();
        stale.analysis += 1;
        assert!(!stale.fits(&b));
    }
}
