//! The query side of analysis: the distinct terms of what someone typed, each with the
//! alternatives that also count as a match for it (synonyms here; the search adds spelling
//! corrections from the index vocabulary).

use super::analysis::{Analyzer, RawTerm};
use super::language::Language;
use super::synonyms;
use std::sync::OnceLock;

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
                        .map(|(t, _)| t.as_str())
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

/// Where `phrase` occurs in `raw` as consecutive terms of consecutive tokens.
/// The alternatives of more than one term that [`query`] can search for under `locale`'s rules
/// (synonym phrases such as `money back`, and single words that analyse to several terms such
/// as `이메일` → `이메 메일`), each as its terms. The search index counts these sequences as
/// units of their own, so a search matches them without reading positions.
pub fn phrases(locale: &str) -> &'static [Vec<String>] {
    static ENGLISH_RULES: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    static OTHER_RULES: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    let cell = match Language::from_locale(locale) {
        Language::Other => &OTHER_RULES,
        _ => &ENGLISH_RULES,
    };
    cell.get_or_init(|| {
        let mut out: Vec<Vec<String>> = Vec::new();
        for phrase in synonym_phrases(locale).iter().flatten() {
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
    })
}

fn occurrences(raw: &[RawTerm], phrase: &[(String, bool)]) -> Vec<usize> {
    if phrase.is_empty() || phrase.len() > raw.len() {
        return Vec::new();
    }
    (0..=raw.len() - phrase.len())
        .filter(|&start| {
            raw[start..start + phrase.len()]
                .iter()
                .zip(phrase)
                .all(|(t, (p, _))| &t.text == p)
        })
        .collect()
}

type Phrase = Vec<(String, bool)>;

/// The synonym table analysed once per rule set (the phrases' terms depend on how the locale
/// treats letter words; Hangul is the same everywhere).
fn synonym_phrases(locale: &str) -> &'static [Vec<Phrase>] {
    static ENGLISH_RULES: OnceLock<Vec<Vec<Phrase>>> = OnceLock::new();
    static OTHER_RULES: OnceLock<Vec<Vec<Phrase>>> = OnceLock::new();
    let (cell, rules_locale) = match Language::from_locale(locale) {
        Language::Other => (&OTHER_RULES, "und"),
        _ => (&ENGLISH_RULES, "en"),
    };
    cell.get_or_init(|| {
        let analyzer = Analyzer::new(rules_locale);
        synonyms::GROUPS
            .iter()
            .map(|group| {
                group
                    .iter()
                    .map(|phrase| {
                        analyzer
                            .analyze_raw(phrase)
                            .into_iter()
                            .map(|t| (t.text, t.stop))
                            .collect::<Phrase>()
                    })
                    .filter(|p| p.iter().any(|(_, stop)| !stop))
                    .collect()
            })
            .collect()
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

    #[test]
    fn queries_are_capped() {
        let long: String = (0..100).map(|i| format!("word{i} ")).collect();
        assert_eq!(query(&long, "en").terms.len(), MAX_QUERY_TERMS);
    }
}
