//! BM25 over the posting blocks: every article that has at least one of the query's units,
//! scored in memory from one read of the units' blocks.
//!
//! The formula is FTS5's `bm25()` (k1 = 1.2, b = 0.75, the field weights of
//! [`index::FIELD_WEIGHTS`] applied to occurrences), with each unit — a term or a multi-term
//! alternative — scored on its own:
//! `idf(u) × f × (k1 + 1) / (f + k1 × (1 − b + b × length / average length))`, where
//! `idf(u) = ln((N − n(u) + 0.5) / (n(u) + 0.5))` (at least 10⁻⁶), N the indexed articles and
//! n(u) those with the unit, in any locale.

use super::index::Totals;
use super::postings;
use super::vocabulary::Selection;
use crate::ports::{SqlError, Value};
use crate::store::Db;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

const K1: f64 = 1.2;
const B: f64 = 0.75;

/// Which articles a ranking considers, by locale.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Exactly this locale (`en-us`).
    Locale(&'a str),
    /// Every locale of this language: `ko` is `ko`, `ko-kr`, ...
    Language(&'a str),
    /// Every locale.
    All,
}

/// An article and its BM25 score (higher is better).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub article_id: i64,
    pub score: f64,
}

/// Every article in `scope` (and in `only`, when given) with at least one of the selection's
/// units: the `best` first in order (best first, ties by id), the rest after them in no order
/// (a page needs its own and the count, not thousands of matches sorted). The document
/// frequencies and totals come with the selection: one read of the posting blocks is all this
/// adds.
pub fn rank(
    db: &Db,
    selection: &Selection,
    scope: Scope,
    only: Option<&HashSet<i64>>,
    best: usize,
) -> Result<Vec<Scored>, SqlError> {
    if selection.is_empty() {
        return Ok(Vec::new());
    }
    let totals = &selection.totals;
    let units = selection.texts();
    let weights: HashMap<&str, f64> = selection
        .units
        .iter()
        .map(|u| (u.text.as_str(), idf(totals, u.articles)))
        .collect();

    let marks = vec!["?"; units.len()].join(", ");
    let mut params: Vec<Value> = units.iter().map(|u| (*u).into()).collect();
    let locale_clause = match scope {
        Scope::Locale(locale) => {
            params.push(locale.into());
            " AND locale = ?"
        }
        Scope::Language(language) => {
            // `ko` and `ko-...`: `.` sorts right after `-`.
            params.push(language.into());
            params.push(format!("{language}-").into());
            params.push(format!("{language}.").into());
            " AND (locale = ? OR (locale >= ? AND locale < ?))"
        }
        Scope::All => "",
    };
    let rows = db
        .execute(
            &format!(
                "SELECT term, block, entries FROM hc_postings \
                 WHERE term IN ({marks}){locale_clause}"
            ),
            &params,
        )?
        .rows;

    let average = totals.average_length();
    // Room for the articles of the unit in most of them, at least that many match (in every
    // locale): the map grows once or not at all while scoring.
    let room = selection
        .units
        .iter()
        .map(|u| u.articles)
        .max()
        .unwrap_or(0);
    let mut scores: HashMap<i64, f64, BuildHasherDefault<IdHasher>> =
        HashMap::with_capacity_and_hasher(usize::try_from(room).unwrap_or(0), Default::default());
    for row in &rows {
        let [Value::Text(term), Value::Integer(block), Value::Blob(bytes)] = &row[..] else {
            continue;
        };
        let Some(&idf) = weights.get(term.as_str()) else {
            continue;
        };
        for entry in postings::decode(*block, bytes) {
            if only.is_some_and(|only| !only.contains(&entry.article_id)) {
                continue;
            }
            let f = f64::from(entry.frequency);
            let norm = K1 * (1.0 - B + B * f64::from(entry.length) / average);
            *scores.entry(entry.article_id).or_default() += idf * f * (K1 + 1.0) / (f + norm);
        }
    }
    let mut ranked: Vec<Scored> = scores
        .into_iter()
        .map(|(article_id, score)| Scored { article_id, score })
        .collect();
    let order = |a: &Scored, b: &Scored| {
        b.score
            .total_cmp(&a.score)
            .then(a.article_id.cmp(&b.article_id))
    };
    if best < ranked.len() {
        if let Some(last) = best.checked_sub(1) {
            ranked.select_nth_unstable_by(last, order);
        }
        ranked[..best].sort_by(order);
    } else {
        ranked.sort_by(order);
    }
    Ok(ranked)
}

/// Hashes an article id for the scores' map. The ids are the help center's own row ids, never
/// chosen by a caller, so a multiply (Fibonacci hashing) is enough, and costs far less than the
/// standard hasher's SipHash for thousands of matches a query.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(FIBONACCI);
        }
    }

    fn write_i64(&mut self, id: i64) {
        self.0 = (id as u64).wrapping_mul(FIBONACCI);
    }
}

/// 2⁶⁴ divided by the golden ratio, odd: multiplying by it spreads consecutive ids apart.
const FIBONACCI: u64 = 0x9E37_79B9_7F4A_7C15;

/// FTS5's inverse document frequency: never below 10⁻⁶, so a unit in most articles still
/// counts a little.
fn idf(totals: &Totals, articles_with_unit: i64) -> f64 {
    let n = totals.articles as f64;
    let with = articles_with_unit as f64;
    ((n - with + 0.5) / (with + 0.5)).ln().max(1e-6)
}
