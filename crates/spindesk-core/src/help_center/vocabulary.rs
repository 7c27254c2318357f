//! What the index knows about terms, for the query side: how many articles have each term
//! (BM25's document frequency), spelling corrections from the indexed vocabulary, and which of
//! a query's units are selective enough to match on.

use super::index::Totals;
use super::language::IN_LANGUAGE;
use crate::ports::{SqlError, Value};
use crate::store::Db;
use crate::text::{Query, QueryTerm};

/// What the index knows of a query's words: how many articles have each (BM25's document
/// frequency; 0 for a word no article has), and the index's totals. Read at once for the
/// query's words ([`Vocabulary::of`]), added to by the spelling corrections (which come with
/// their own counts): on Spin every statement is a round trip to the host, and a search reads
/// the vocabulary once instead of for each of its steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Vocabulary {
    words: Vec<(String, i64)>,
    pub totals: Totals,
    /// Whether the language [`Vocabulary::of`] was asked about has a published article; `None`
    /// when none was asked about or nothing was read (a query without words, no index yet).
    pub in_language: Option<bool>,
    /// The indexed terms that may correct a query term no article has ([`add_corrections`]),
    /// by the term's position in the query, with their counts: read with the words.
    candidates: Vec<(usize, String, i64)>,
}

impl Vocabulary {
    /// The counts of every word of `query` (its terms, their alternatives and the words of
    /// alternative phrases) and the totals, in one statement; none for a query without words.
    /// With `language` (`ko`), the same statement tells whether it has a published article:
    /// the bot asks before it searches in the customer's language. The same statement brings
    /// the spelling candidates of each term that may need them ([`add_corrections`]), found
    /// only for a term no article has: a search with a typo is one read, not two.
    pub fn of(db: &Db, query: &Query, language: Option<&str>) -> Result<Vocabulary, SqlError> {
        let words = words_of(query);
        let mut vocabulary = Vocabulary {
            words: Vec::new(),
            totals: Totals::default(),
            in_language: None,
            candidates: Vec::new(),
        };
        if words.is_empty() {
            return Ok(vocabulary);
        }
        let mut params: Vec<Value> = Vec::with_capacity(words.len() + 1);
        // An article published in it (`ko` and `ko-...`).
        let in_language = match language {
            Some(language) => {
                params.push(language.into());
                format!("EXISTS (SELECT 1 FROM hc_articles a WHERE a.draft = 0 AND {IN_LANGUAGE})")
            }
            None => "NULL".to_owned(),
        };
        let first = params.len() + 1;
        let marks = (first..first + words.len())
            .map(|n| format!("?{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        params.extend(words.iter().map(|w| Value::from(*w)));
        let candidates = candidates_of(db, &correctable(query), &mut params);
        // The totals' row (its `term` NULL), then `term IN (?, ...)`: one primary-key lookup per
        // word. A word no article has is not among the rows: it counts 0 ([`Vocabulary::df`]).
        // Then the candidates, each row with the position of the term it may correct (`fix`).
        // The totals' row, the first, ends with the schema check's columns when this is the
        // database's first read (`database::open_with`).
        let rows = db.query(
            &format!(
                "SELECT NULL AS term, articles, terms, analysis, {in_language} AS in_language,
                        NULL AS fix{checks}
                 FROM hc_index_stats WHERE id = 1
                 UNION ALL
                 SELECT term, articles, NULL, NULL, NULL, NULL{nulls} FROM hc_terms WHERE term IN ({marks})\
                 {candidates}",
                checks = db.schema_check_columns(),
                nulls = db.schema_check_nulls()
            ),
            &params,
            |r| {
                Ok(match (r.opt_string("term")?, r.opt_i64("fix")?) {
                    (Some(term), None) => Counted::Word(term, r.i64("articles")?),
                    (Some(term), Some(fix)) => Counted::Candidate(
                        usize::try_from(fix).unwrap_or(usize::MAX),
                        term,
                        r.i64("articles")?,
                    ),
                    (None, _) => Counted::Totals(Totals::from_row(r)?, r.opt_i64("in_language")?),
                })
            },
        )?;
        for row in rows {
            match row {
                Counted::Word(term, articles) => vocabulary.words.push((term, articles)),
                Counted::Candidate(i, term, articles) => {
                    vocabulary.candidates.push((i, term, articles));
                }
                Counted::Totals(totals, in_language) => {
                    vocabulary.totals = totals;
                    vocabulary.in_language = in_language.map(|found| found == 1);
                }
            }
        }
        Ok(vocabulary)
    }

    /// The number of articles that have `word` (0 when none has, or it was not looked up).
    pub fn df(&self, word: &str) -> i64 {
        self.words
            .iter()
            .find(|(w, _)| w == word)
            .map_or(0, |(_, articles)| *articles)
    }

    /// The number of articles that have a unit (a word, or a phrase of words that must follow
    /// each other): for a phrase, at most those with its rarest word — an upper bound that is
    /// cheap to get.
    pub fn unit_df(&self, unit: &str) -> i64 {
        unit.split(' ').map(|w| self.df(w)).min().unwrap_or(0)
    }

    fn add(&mut self, word: &str, articles: i64) {
        if !self.words.iter().any(|(w, _)| w == word) {
            self.words.push((word.to_owned(), articles));
        }
    }
}

/// A row of [`Vocabulary::of`]'s read.
enum Counted {
    Word(String, i64),
    /// A spelling candidate for the query's term at this position.
    Candidate(usize, String, i64),
    /// With whether the language asked about has a published article.
    Totals(Totals, Option<i64>),
}

/// The words of `query`, each once: its terms, their alternatives, and the words of each
/// alternative phrase.
fn words_of(query: &Query) -> Vec<&str> {
    let mut words: Vec<&str> = Vec::new();
    for t in &query.terms {
        for word in std::iter::once(t.term.as_str())
            .chain(t.alternatives.iter().map(String::as_str))
            .chain(t.alternatives.iter().flat_map(|alt| alt.split(' ')))
        {
            if !words.contains(&word) {
                words.push(word);
            }
        }
    }
    words
}

/// Spelling fallback: a letter-word term that no article contains gets, as alternatives, the
/// indexed terms one edit away (insert, delete, substitute, or swap two neighbours), most
/// frequent first. Candidates share the first two letters (a B-tree range on the vocabulary,
/// not a scan of it), so a typo in the first two letters is not corrected. Hangul and CJK need
/// no fallback: a one-syllable typo still leaves the word's other bigrams matching. The
/// candidates were read with the vocabulary ([`Vocabulary::of`]); the corrections' counts are
/// added to it.
pub fn add_corrections(query: &mut Query, vocabulary: &mut Vocabulary) {
    const MAX_CORRECTIONS: usize = 3;
    for (i, chars) in correctable(query) {
        if vocabulary.df(&query.terms[i].term) > 0 {
            continue;
        }
        let mut candidates: Vec<(String, i64)> = vocabulary
            .candidates
            .iter()
            .filter(|(of, c, _)| {
                *of == i && within_one_edit(&chars, &c.chars().collect::<Vec<_>>())
            })
            .map(|(_, c, articles)| (c.clone(), *articles))
            .collect();
        candidates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        for (c, articles) in candidates.into_iter().take(MAX_CORRECTIONS) {
            query.add_alternative(i, &c);
            vocabulary.add(&c, articles);
        }
    }
}

/// The query's terms [`add_corrections`] may correct, by position: words of at least four
/// ASCII letters and digits, starting with a letter, not all digits.
fn correctable(query: &Query) -> Vec<(usize, Vec<char>)> {
    query
        .terms
        .iter()
        .enumerate()
        .map(|(i, t)| (i, t.term.chars().collect::<Vec<char>>()))
        .filter(|(_, chars)| {
            chars.len() >= 4
                && chars[0].is_ascii_lowercase()
                && chars
                    .iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && !chars.iter().all(char::is_ascii_digit)
        })
        .collect()
}

/// The part of [`Vocabulary::of`]'s read that finds the spelling candidates of the
/// `correctable` terms, its values added to `params`; nothing when none is. For each term: the
/// indexed terms with its first two letters and a length within one of its own, only when no
/// article has the term itself. One branch for all the terms, a row of `VALUES` each, whatever
/// their number (each branch of a statement costs its parsing on every request's fresh
/// connection). The terms are the outer side of a `CROSS JOIN` (SQLite keeps that order), so
/// for a known term the range is never read: as a `WHERE` term without the join, SQLite
/// evaluates the condition once but still walks the range (~6 ms for a 60,000-term range).
fn candidates_of(db: &Db, correctable: &[(usize, Vec<char>)], params: &mut Vec<Value>) -> String {
    if correctable.is_empty() {
        return String::new();
    }
    // One row per term: its position, the term, the range of its first two letters, and the
    // lengths a candidate may have.
    let mut rows = Vec::with_capacity(correctable.len());
    for (i, chars) in correctable {
        let first = params.len() + 1;
        let prefix: String = chars[..2].iter().collect();
        params.extend([
            Value::Integer(*i as i64),
            Value::from(chars.iter().collect::<String>()),
            Value::from(prefix.clone()),
            Value::from(format!("{prefix}{}", char::MAX)),
            Value::Integer(chars.len() as i64 - 1),
            Value::Integer(chars.len() as i64 + 1),
        ]);
        let marks: Vec<String> = (first..first + 6).map(|n| format!("?{n}")).collect();
        rows.push(format!("({})", marks.join(", ")));
    }
    let nulls = db.schema_check_nulls();
    format!(
        " UNION ALL SELECT c.term, c.articles, NULL, NULL, NULL, w.column1{nulls} \
         FROM (VALUES {rows}) w CROSS JOIN hc_terms c \
         WHERE NOT EXISTS (SELECT 1 FROM hc_terms k WHERE k.term = w.column2 AND k.articles > 0) \
         AND c.term >= w.column3 AND c.term < w.column4 \
         AND length(c.term) BETWEEN w.column5 AND w.column6",
        rows = rows.join(", ")
    )
}

/// A term in more than this share of the indexed articles does not select matches by itself
/// (see [`selective_units`]).
pub const COMMON_TERM_SHARE: f64 = 0.2;
/// Below this many articles every term selects: pruning only pays off in large help centers.
pub const COMMON_TERM_MIN_ARTICLES: i64 = 1_000;

/// The units (terms and alternative phrases) a search matches on, with their document
/// frequencies; no units when no article can match.
///
/// A unit that no indexed article contains (a misspelling, a synonym the help center never
/// uses, a phrase with such a word) is left out: it cannot match and adds nothing to any score,
/// while FTS5 would still read and weigh it for every match.
///
/// In a large help center, terms in more than [`COMMON_TERM_SHARE`] of the articles (`order`,
/// `배송` in a shop's help center) are left out whenever the query also has rarer terms: they
/// would make almost every article a match (and BM25 is computed for every match), while their
/// own weight in the ranking is small — the approach of Lucene's common-terms query. A query of
/// common terms only keeps them all.
///
/// The share is of all indexed articles, not of the locale searched: measured on the relevance
/// set among 10,000 generated articles (`benches/search_relevance_scale.rs`), the per-locale
/// share pruned more and lost 13–18% of the hits at 3.
pub fn selective_units(query: &Query, vocabulary: &Vocabulary) -> Selection {
    // Everything the decision and the ranking need was looked up at once ([`Vocabulary::of`]):
    // the terms, the words of their alternatives, and the multi-term alternatives themselves
    // (indexed as units).
    let df = |word: &str| vocabulary.df(word);
    let unit_df = |unit: &str| vocabulary.unit_df(unit);
    let totals = vocabulary.totals;
    let n = totals.articles;
    let limit = if n < COMMON_TERM_MIN_ARTICLES {
        i64::MAX
    } else {
        (n as f64 * COMMON_TERM_SHARE) as i64
    };
    let units_of = |t: &QueryTerm| -> Vec<String> {
        std::iter::once(&t.term)
            .chain(&t.alternatives)
            .filter(|unit| unit_df(unit) > 0)
            .cloned()
            .collect()
    };
    let selective: Vec<&QueryTerm> = query
        .terms
        .iter()
        .filter(|t| {
            let term_df = std::iter::once(&t.term)
                .chain(&t.alternatives)
                .map(|u| unit_df(u))
                .max()
                .unwrap_or(0);
            term_df > 0 && term_df <= limit
        })
        .collect();
    let chosen: Vec<&QueryTerm> = if selective.is_empty() {
        query.terms.iter().collect()
    } else {
        selective
    };
    let mut units: Vec<Unit> = Vec::new();
    for t in chosen {
        for text in units_of(t) {
            if !units.iter().any(|u| u.text == text) {
                let articles = df(&text);
                units.push(Unit { text, articles });
            }
        }
    }
    Selection { units, totals }
}

/// A unit a search matches on, with the number of articles that have it.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub text: String,
    pub articles: i64,
}

/// What to rank: the selective units and the index's totals, read once per search.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub units: Vec<Unit>,
    pub totals: Totals,
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    pub fn texts(&self) -> Vec<&str> {
        self.units.iter().map(|u| u.text.as_str()).collect()
    }
}

/// Optimal string alignment distance ≤ 1.
fn within_one_edit(a: &[char], b: &[char]) -> bool {
    if a == b {
        return true;
    }
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if la == lb {
        let swapped = prefix + 1 < la
            && a[prefix] == b[prefix + 1]
            && a[prefix + 1] == b[prefix]
            && a[prefix + 2..] == b[prefix + 2..];
        return swapped || a[prefix + 1..] == b[prefix + 1..];
    }
    let (short, long) = if la < lb { (a, b) } else { (b, a) };
    short[prefix..] == long[prefix + 1..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(a: &str, b: &str) -> bool {
        within_one_edit(
            &a.chars().collect::<Vec<_>>(),
            &b.chars().collect::<Vec<_>>(),
        )
    }

    #[test]
    fn one_edit() {
        assert!(one("refnd", "refund"));
        assert!(one("refund", "refnd"));
        assert!(one("pasword", "password"));
        assert!(one("pssword", "password"));
        assert!(one("pasword", "pasword"));
        assert!(one("recieve", "receive"));
        assert!(one("shipe", "ship"));
        assert!(!one("refund", "fund"));
        assert!(!one("abcd", "badc"));
        assert!(!one("order", "other"));
    }
}
