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
//! The index stores every adjacent pair of one text (`ticket_pairs`, schema v17) with where it
//! sits (schema v25): the position of its first term, counting the ticket's terms text after
//! text. A phrase of two terms is its pair's key range; a longer one is the tickets where its
//! pairs follow one another — `a b` at k, `b c` at k + 1, ... — which is exactly the phrase,
//! since a pair never spans two lines ([`chained`]). No text is read.
//!
//! Positions are counted in two spaces, written differently: the head (subject, then
//! description) as `h0`, `h1`, ...; the comments as `0`, `1`, ... across them, continuing where
//! the last comment ended. Comments never change, so a new comment only appends positions; an
//! edited head renumbers only its own.

use crate::text::Analyzer;
use std::collections::BTreeMap;

/// The terms of `text` in order, stop words left out (the index side of the analysis).
pub fn sequence(analyzer: &Analyzer, text: &str) -> Vec<String> {
    analyzer.analyze(text).into_iter().map(|t| t.text).collect()
}

/// The index key of two adjacent terms (a term never holds a space).
pub fn key(first: &str, second: &str) -> String {
    format!("{first} {second}")
}

/// Which of a ticket's texts a position is in: the head's are written `h<n>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    Head,
    Comments,
}

/// Where head positions start once parsed ([`parse_positions`]): far past any comment's, so
/// no chain of pairs runs from one space into the other.
const HEAD_BASE: i64 = 1 << 40;

/// The pairs of one text with their positions, added to `into` (pair → positions written
/// space-separated): the text's terms are numbered from `*next`, which is left after its last.
pub fn add_positioned(
    analyzer: &Analyzer,
    text: &str,
    space: Space,
    next: &mut i64,
    into: &mut BTreeMap<String, String>,
) {
    for line in text.lines() {
        let terms = sequence(analyzer, line);
        for (i, w) in terms.windows(2).enumerate() {
            let at = *next + i as i64;
            let entry = into.entry(key(&w[0], &w[1])).or_default();
            if !entry.is_empty() {
                entry.push(' ');
            }
            if space == Space::Head {
                entry.push('h');
            }
            entry.push_str(&at.to_string());
        }
        *next += terms.len() as i64;
    }
}

/// The positions a row holds, ascending (a token that is not one is skipped: positions only
/// ever make a phrase match where its pairs follow one another).
pub fn parse_positions(text: &str) -> Vec<i64> {
    let mut out: Vec<i64> = text
        .split(' ')
        .filter_map(|token| match token.strip_prefix('h') {
            Some(head) => head.parse::<i64>().ok().map(|n| HEAD_BASE + n),
            None => token.parse::<i64>().ok(),
        })
        .collect();
    out.sort_unstable();
    out
}

/// Whether pairs at these positions (`each[i]`: the positions of the phrase's `i`-th pair,
/// ascending) follow one another somewhere: some k with pair `i` at k + i for every `i`.
pub fn chained(each: &[&[i64]]) -> bool {
    let Some((first, rest)) = each.split_first() else {
        return false;
    };
    first.iter().any(|k| {
        rest.iter()
            .enumerate()
            .all(|(i, at)| at.binary_search(&(k + 1 + i as i64)).is_ok())
    })
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
        let korean_pairs: Vec<String> = positioned(&[("환불을 요청", Space::Comments)])
            .into_keys()
            .collect();
        assert_eq!(korean_pairs, ["불을 요청", "환불 불을"]);
    }

    fn positioned(texts: &[(&str, Space)]) -> BTreeMap<String, Vec<i64>> {
        let mut into = BTreeMap::new();
        let (mut head, mut comments) = (0, 0);
        for (text, space) in texts {
            let next = if *space == Space::Head {
                &mut head
            } else {
                &mut comments
            };
            add_positioned(&analyzer(), text, *space, next, &mut into);
        }
        into.into_iter()
            .map(|(k, v)| (k, parse_positions(&v)))
            .collect()
    }

    /// Whether `phrase` is found in texts through their positioned pairs alone.
    fn found(texts: &[(&str, Space)], phrase: &str) -> bool {
        let pairs = positioned(texts);
        let empty = Vec::new();
        let phrase = seq(phrase);
        let each: Vec<&[i64]> = phrase
            .windows(2)
            .map(|w| pairs.get(&key(&w[0], &w[1])).unwrap_or(&empty).as_slice())
            .collect();
        chained(&each)
    }

    #[test]
    fn positions_chain_exactly_where_the_phrase_is() {
        use Space::{Comments, Head};
        let texts = [
            ("Kettle lid", Head),
            ("kettle lid is fine\nlid broke", Head),
            ("the kettle lid broke off", Comments),
            ("order order shipped order order", Comments),
        ];
        assert!(found(&texts, "kettle lid broke off"));
        assert!(!found(&texts, "order order order"));
        assert!(found(&texts, "order order"));
        // Pairs of the phrase in two lines, two texts or two spaces never chain.
        assert!(!found(
            &[("kettle lid\nlid broke", Head)],
            "kettle lid broke"
        ));
        assert!(!found(
            &[("kettle lid", Head), ("lid broke", Comments)],
            "kettle lid broke"
        ));
        assert!(!found(
            &[("kettle lid", Comments), ("lid broke", Comments)],
            "kettle lid broke"
        ));
        assert!(found(
            &[("a kettle lid broke", Comments)],
            "kettle lid broke"
        ));
        assert!(found(
            &[("x", Comments), ("환불을 요청합니다", Comments)],
            "환불을 요청"
        ));
        assert!(!found(&[("환불이 요청", Comments)], "환불을 요청"));
        // Head numbering is its own: the same numbers in the comments do not chain with it.
        let pairs = positioned(&[("alpha beta", Head), ("beta gamma", Comments)]);
        assert_eq!(pairs["alpha beta"][0], HEAD_BASE);
        assert_eq!(pairs["beta gamma"], [0]);
        assert_eq!(parse_positions("h2 7 x h0"), [7, HEAD_BASE, HEAD_BASE + 2]);
        assert!(!chained(&[]));
    }
}
