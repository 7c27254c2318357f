//! The query side of analysis: the distinct terms of what someone typed, each with the
//! alternatives that also count as a match for it (synonyms here; the search adds spelling
//! corrections from the index vocabulary).

use super::analysis::{Analyzer, RawTerm};
use super::language::Language;
use super::synonym_terms;

/// A query keeps at most this many distinct terms; the rest of a long message is ignored, which
/// bounds the cost of a search whatever is pasted into it.
pub const MAX_QUERY_TERMS: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub struct QueryTerm {
    pub term: String,
    /// The token of the query text the term came from.
    pub word: usize,
    /// What else matches in its place (synonyms, spelling corrections): phrases of one or more
    /// terms, space-separated, to be matched as consecutive terms (`비밀 밀번 번호`).
    pub alternatives: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub terms: Vec<QueryTerm>,
}

impl Query {
    /// True when nothing searchable is left (only stop words, punctuation or nothing).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Everything that should match: the terms and their alternative phrases, each once.
    pub fn all_terms(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for t in &self.terms {
            for s in std::iter::once(&t.term).chain(&t.alternatives) {
                if !out.contains(&s.as_str()) {
                    out.push(s);
                }
            }
        }
        out
    }

    /// Adds `alternative` to the term at `index` unless it is already there.
    pub fn add_alternative(&mut self, index: usize, alternative: &str) {
        if let Some(t) = self.terms.get_mut(index) {
            if t.term != alternative && !t.alternatives.iter().any(|a| a == alternative) {
                t.alternatives.push(alternative.to_owned());
            }
        }
    }
}

/// Analyses a query: the distinct terms of `text` in `locale` (at most [`MAX_QUERY_TERMS`]),
/// with the synonyms of any synonym phrase it contains as alternatives.
pub fn query(text: &str, locale: &str) -> Query {
    let analyzer = Analyzer::new(locale);
    let raw = analyzer.analyze_raw(text);
    let mut q = Query::default();
    for t in raw.iter().filter(|t| !t.stop) {
        if q.terms.len() >= MAX_QUERY_TERMS {
            break;
        }
        if !q.terms.iter().any(|e| e.term == t.text) {
            q.terms.push(QueryTerm {
                term: t.text.clone(),
                word: t.word,
                alternatives: Vec::new(),
            });
        }
    }
    for group in synonym_phrases(locale) {
        for (i, phrase) in group.iter().enumerate() {
            for start in occurrences(&raw, phrase) {
                let matched: Vec<usize> = raw[start..start + phrase.len()]
                    .iter()
                    .filter(|t| !t.stop)
                    .filter_map(|t| q.terms.iter().position(|e| e.term == t.text))
                    .collect();
                let others = group.iter().enumerate().filter(|&(j, _)| j != i);
                for (_, other) in others {
                    let alternative = other
                        .iter()
                        .filter(|(_, stop)| !stop)
                        .map(|(t, _)| *t)
                        .collect::<Vec<_>>()
                        .join(" ");
                    for &m in &matched {
                        q.add_alternative(m, &alternative);
                    }
                }
            }
        }
    }
    q
}

/// The alternatives of more than one term that [`query`] can search for under `locale`'s rules
/// (synonym phrases such as `money back`, and single words that analyse to several terms such
/// as `이메일` → `이메 메일`), each as its terms, each once. The search index counts these
/// sequences as units of their own, so a search matches them without reading positions.
/// Written with the analysed table ([`synonym_terms`]).
pub fn phrases(locale: &str) -> impl Iterator<Item = &'static [&'static str]> {
    let own = match Language::from_locale(locale) {
        Language::Other => synonym_terms::OTHER_UNITS,
        _ => synonym_terms::ENGLISH_UNITS,
    };
    own.iter().chain(synonym_terms::BOTH_UNITS).copied()
}

/// Where `phrase` occurs in `raw` as consecutive terms of consecutive tokens.
fn occurrences(raw: &[RawTerm], phrase: Phrase) -> Vec<usize> {
    if phrase.is_empty() || phrase.len() > raw.len() {
        return Vec::new();
    }
    (0..=raw.len() - phrase.len())
        .filter(|&start| {
            raw[start..start + phrase.len()]
                .iter()
                .zip(phrase)
                .all(|(t, (p, _))| t.text == *p)
        })
        .collect()
}

/// A synonym phrase as analysed: its terms in order, each with whether it is a stop word.
type Phrase = &'static [(&'static str, bool)];

/// The synonym table as `locale`'s rules analyse it (the phrases' terms depend on how the
/// locale treats letter words; Hangul is the same everywhere). Analysed when the table was
/// written, not per request ([`synonym_terms`]): a Spin instance lives for one request, so a
/// table analysed on first use was analysed by every search, twice with the index's version
/// check: a sixth of a help-center search's own work.
fn synonym_phrases(locale: &str) -> impl Iterator<Item = &'static [Phrase]> {
    let other_rules = Language::from_locale(locale) == Language::Other;
    synonym_terms::GROUPS
        .iter()
        .map(move |&(english, other)| match other {
            Some(other) if other_rules => other,
            _ => english,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_terms_in_order() {
        let q = query("refund refund order", "en");
        let terms: Vec<_> = q.terms.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(terms, ["refund", "order"]);
    }

    #[test]
    fn stop_words_only_is_empty() {
        assert!(query("how do I ... ?", "en").is_empty());
        assert!(query("안녕하세요 ㅠㅠ", "ko").is_empty());
    }

    #[test]
    fn synonyms_become_alternatives() {
        let q = query("비번을 잊어버렸어요", "ko");
        let bibeon = q.terms.iter().find(|t| t.term == "비번").expect("비번");
        assert!(bibeon.alternatives.contains(&"비밀 밀번 번호".to_owned()));
        let q = query("can't sign in", "en");
        assert!(q.all_terms().contains(&"login"), "{:?}", q.all_terms());
    }

    #[test]
    fn a_stop_word_alone_does_not_trigger_a_synonym() {
        // `in` is a stop word: "sign up" must not pull in the login synonyms.
        let q = query("sign up", "en");
        assert!(!q.all_terms().contains(&"login"), "{:?}", q.all_terms());
    }

    /// `synonym_terms.rs` is [`synonyms::GROUPS`] as the analyser reads it today, under both
    /// rule sets. When the groups or the analysis change, this fails;
    /// `SPINDESK_REGENERATE=1 cargo test -p spindesk-core synonym_terms` writes the file anew.
    #[test]
    fn synonym_terms_are_the_analysed_synonym_groups() {
        use crate::text::synonyms;
        let analysed = |rules: &str| -> Vec<Vec<Vec<(String, bool)>>> {
            let analyzer = Analyzer::new(rules);
            synonyms::GROUPS
                .iter()
                .map(|group| {
                    group
                        .iter()
                        .map(|phrase| {
                            let terms = analyzer.analyze_raw(phrase);
                            terms
                                .into_iter()
                                .map(|t| (t.text, t.stop))
                                .collect::<Vec<_>>()
                        })
                        .filter(|p| p.iter().any(|(_, stop)| !stop))
                        .collect()
                })
                .collect()
        };
        let stored = |locale: &str| -> Vec<Vec<Vec<(String, bool)>>> {
            synonym_phrases(locale)
                .map(|g| {
                    g.iter()
                        .map(|p| p.iter().map(|(t, s)| ((*t).to_owned(), *s)).collect())
                        .collect()
                })
                .collect()
        };
        // The multi-term units: each phrase's terms without its stop words, each once.
        let units = |groups: &[Vec<Vec<(String, bool)>>]| -> Vec<Vec<String>> {
            let mut out: Vec<Vec<String>> = Vec::new();
            for phrase in groups.iter().flatten() {
                let terms: Vec<String> = phrase
                    .iter()
                    .filter(|(_, stop)| !stop)
                    .map(|(t, _)| t.clone())
                    .collect();
                if terms.len() > 1 && !out.contains(&terms) {
                    out.push(terms);
                }
            }
            out
        };
        let stored_units = |own: &[&[&str]]| -> Vec<Vec<String>> {
            own.iter()
                .chain(synonym_terms::BOTH_UNITS)
                .map(|u| u.iter().map(|t| (*t).to_owned()).collect())
                .collect()
        };
        let (english, other) = (analysed("en"), analysed("und"));
        if english == stored("en")
            && other == stored("und")
            && units(&english) == stored_units(synonym_terms::ENGLISH_UNITS)
            && units(&other) == stored_units(synonym_terms::OTHER_UNITS)
        {
            return;
        }
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/text/synonym_terms.rs");
        if std::env::var_os("SPINDESK_REGENERATE").is_some() {
            let source = render(&english, &other, &units(&english), &units(&other));
            std::fs::write(path, source).expect("write synonym_terms.rs");
            return;
        }
        panic!(
            "{path} is not what the analyser makes of synonyms::GROUPS; write it anew with \
             SPINDESK_REGENERATE=1 cargo test -p spindesk-core synonym_terms"
        );
    }

    /// The file: each rule set's own groups (and units), then those both share (a common tail:
    /// Hangul analyses alike under both), each written once.
    fn render(
        english: &[Vec<Vec<(String, bool)>>],
        other: &[Vec<Vec<(String, bool)>>],
        english_units: &[Vec<String>],
        other_units: &[Vec<String>],
    ) -> String {
        fn shared_tail<T: PartialEq>(a: &[T], b: &[T]) -> usize {
            a.iter()
                .rev()
                .zip(b.iter().rev())
                .take_while(|(x, y)| x == y)
                .count()
        }
        let group = |group: &[Vec<(String, bool)>]| -> String {
            let mut out = String::from("&[\n");
            for phrase in group {
                let terms: Vec<String> = phrase
                    .iter()
                    .map(|(t, s)| format!("({t:?}, {s})"))
                    .collect();
                out.push_str(&format!("            &[{}],\n", terms.join(", ")));
            }
            out.push_str("        ]");
            out
        };
        let mut groups = String::from("&[\n");
        for (english, other) in english.iter().zip(other) {
            let other = if other == english {
                "None".to_owned()
            } else {
                format!("Some({})", group(other))
            };
            groups.push_str(&format!(
                "    (\n        {},\n        {other},\n    ),\n",
                group(english)
            ));
        }
        groups.push_str("];\n");
        let units = |units: &[Vec<String>]| -> String {
            let mut out = String::from("&[\n");
            for unit in units {
                let terms: Vec<String> = unit.iter().map(|t| format!("{t:?}")).collect();
                out.push_str(&format!("    &[{}],\n", terms.join(", ")));
            }
            out.push_str("];\n");
            out
        };
        let both_units = shared_tail(english_units, other_units);
        format!(
            "//! The synonym groups (`synonyms::GROUPS`) analysed, under the English rules and under\n\
             //! everyone else's: each phrase's terms with whether each is a stop word. Written by\n\
             //! `SPINDESK_REGENERATE=1 cargo test -p spindesk-core synonym_terms` (a test checks it\n\
             //! against the analyser); do not edit by hand. Phrases of stop words only are left out.\n\
             //! The units are the phrases of more than one term without their stop words, each once\n\
             //! (`text::phrases`). Each group is written as the English rules analyse it, then as\n\
             //! the others do where that differs; a rule set's units are its own, then both's.\n\
             \n\
             type Group = &'static [&'static [(&'static str, bool)]];\n\
             type Units = &'static [&'static [&'static str]];\n\
             \n\
             pub(super) const GROUPS: &[(Group, Option<Group>)] = {groups}\n\
             pub(super) const ENGLISH_UNITS: Units = {}\n\
             pub(super) const OTHER_UNITS: Units = {}\n\
             pub(super) const BOTH_UNITS: Units = {}",
            units(&english_units[..english_units.len() - both_units]),
            units(&other_units[..other_units.len() - both_units]),
            units(&english_units[english_units.len() - both_units..]),
        )
    }

    #[test]
    fn queries_are_capped() {
        let long: String = (0..100).map(|i| format!("word{i} ")).collect();
        assert_eq!(query(&long, "en").terms.len(), MAX_QUERY_TERMS);
    }
}
