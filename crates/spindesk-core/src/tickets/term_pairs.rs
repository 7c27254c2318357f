//! What a quoted phrase means in ticket search, and the index that answers it fast: a phrase
//! matches a ticket when its analysed terms (the index's analysis, [`super::search_index`])
//! appear one after the other, in order, inside one line of one of the ticket's texts — the
//! subject, the description (a hand-off's transcript, a message a line), or one comment. Stop
//! words and punctuation between words are skipped, as the analysis skips them everywhere
//! (`"cancel the order"` is `cancel order`), and words take the index's stemming
//! (`"refund requested"` finds `refunds requested`).
//!
//! Korean needs nothing special: a Hangul word is its chain of overlapping syllable bigrams,
//! so `"환불을 요청"` is `환불 불을 요청` and is found in `환불을 요청합니다` (whose chain goes on)
//! but not in `환불이 요청` — the particle is written in the phrase, so it must be in the text.
//!
//! The index stores every adjacent pair of one text (`ticket_pairs`, schema v17): a phrase of
//! two terms is exactly its pair's key range, and a longer phrase is narrowed to the tickets
//! with all its pairs and then checked in their text ([`contains`]).

use crate::text::Analyzer;
use std::collections::BTreeSet;

/// The terms of `text` in order, stop words left out (the index side of the analysis).
pub fn sequence(analyzer: &Analyzer, text: &str) -> Vec<String> {
    analyzer.analyze(text).into_iter().map(|t| t.text).collect()
}

/// The index key of two adjacent terms (a term never holds a space).
pub fn key(first: &str, second: &str) -> String {
    format!("{first} {second}")
}

/// The keys of every adjacent pair of a sequence, each once.
pub fn keys(sequence: &[String]) -> BTreeSet<String> {
    sequence.windows(2).map(|w| key(&w[0], &w[1])).collect()
}

/// Adds the pairs of one text to `into`: a pair never reaches into the next line or text.
pub fn add_text(analyzer: &Analyzer, text: &str, into: &mut BTreeSet<String>) {
    for line in text.lines() {
        into.extend(keys(&sequence(analyzer, line)));
    }
}

/// Whether `phrase` (a non-empty sequence) occurs in one line of `text`.
pub fn in_text(analyzer: &Analyzer, text: &str, phrase: &[String]) -> bool {
    may_hold(text, literal_term(phrase))
        && text
            .lines()
            .any(|line| contains(&sequence(analyzer, line), phrase))
}

pub fn is_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// The longest term of the phrase that a text holding it contains as written: one of Hangul
/// syllables only, which the analysis takes from the text unchanged (unless the text has
/// conjoining jamo, which it composes first: see [`JAMO_GLOB`]).
fn literal_term(phrase: &[String]) -> Option<&str> {
    phrase
        .iter()
        .map(String::as_str)
        .filter(|t| t.chars().all(is_syllable))
        .max_by_key(|t| t.chars().count())
}

/// A GLOB pattern for texts with conjoining jamo, which may spell a syllable term otherwise.
pub const JAMO_GLOB: &str = "*[\u{1100}-\u{11FF}]*";

/// Whether `text` may hold a phrase with that literal term, judged without analysing it (the
/// analysis composes conjoining jamo first, so a text with any may spell the term otherwise).
fn may_hold(text: &str, literal: Option<&str>) -> bool {
    match literal {
        None => true,
        Some(term) => {
            text.contains(term) || text.chars().any(|c| matches!(c as u32, 0x1100..=0x11FF))
        }
    }
}

/// Whether `phrase` (a non-empty sequence) occurs, contiguously and in order, in `text`.
pub fn contains(text: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && text.windows(phrase.len()).any(|w| w == phrase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::search_index::analyzer;

    fn seq(text: &str) -> Vec<String> {
        sequence(&analyzer(), text)
    }

    #[test]
    fn phrases_match_adjacent_terms_of_one_text() {
        let text = seq("My orders were cancelled. Refund the money, please");
        assert!(contains(&text, &seq("order were cancelled")));
        assert!(contains(&text, &seq("cancelled refund")));
        assert!(!contains(&text, &seq("cancelled order")));
        assert!(!contains(&text, &[]));
        assert!(!in_text(
            &analyzer(),
            "order\ncancelled",
            &seq("order cancelled")
        ));
        assert!(in_text(
            &analyzer(),
            "x\norders cancelled",
            &seq("order cancelled")
        ));
        let korean = seq("환불을 요청합니다");
        assert!(contains(&korean, &seq("환불을 요청")));
        assert!(!contains(&seq("환불이 요청"), &seq("환불을 요청")));
        // Jamo the analysis composes: the literal shortcut must not rule the text out.
        let jamo = "\u{1112}\u{116A}\u{11AB}\u{1107}\u{116E}\u{11AF}을 요청";
        assert!(in_text(&analyzer(), jamo, &seq("환불을 요청")));
        assert!(!in_text(&analyzer(), "환불이 요청", &seq("환불을 요청")));
        assert_eq!(
            keys(&seq("환불을 요청")),
            ["불을 요청", "환불 불을"].map(String::from).into()
        );
    }
}
