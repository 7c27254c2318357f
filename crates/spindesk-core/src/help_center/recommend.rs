//! Article suggestions for the bot: what a customer wrote → the few published articles that
//! answer it, or nothing. Suggesting a wrong article is worse than suggesting none (the customer
//! stops trusting the suggestions), so BM25 only orders the candidates; whether one is shown
//! depends on how much of the message it covers.

use super::language::language;
use super::rank::{self, Scope};
use super::search::prepare;
use super::vocabulary::{self, Selection};
use crate::ports::SqlError;
use crate::store::Db;
use crate::text::Query;

/// Characters of an article's text a recommendation carries, for the excerpt shown with it
/// (read with the candidates: no read of its own).
pub const TEXT_CHARS: usize = 560;

/// Below this coverage, an article is not suggested. Chosen on the relevance set in
/// `tests/data/help_center/` (see `docs/help-center.md`).
pub const MIN_CONFIDENCE: f64 = 0.3;

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub article_id: i64,
    pub title: String,
    pub locale: String,
    pub section_id: i64,
    /// The start of its text (at most [`TEXT_CHARS`] characters).
    pub text: String,
    /// 0..=1: how much of the message the article covers, weighted by how specific each word
    /// is and where the article has it (title and labels count more than the body).
    pub confidence: f64,
    /// BM25, higher is better; comparable only within one call.
    pub score: f64,
}

/// At most `limit` published articles in `locale`'s language (`ko` matches `ko` and `ko-kr`)
/// for `text`, best first, each at least [`MIN_CONFIDENCE`]. Empty when nothing is relevant.
pub fn recommend(
    db: &Db,
    text: &str,
    locale: &str,
    limit: usize,
) -> Result<Vec<Recommendation>, SqlError> {
    recommend_with(db, text, locale, limit, MIN_CONFIDENCE)
}

/// [`recommend`] with another confidence floor (0 keeps every candidate: for tuning).
pub fn recommend_with(
    db: &Db,
    text: &str,
    locale: &str,
    limit: usize,
    min_confidence: f64,
) -> Result<Vec<Recommendation>, SqlError> {
    Ok(recommend_in(db, text, locale, limit, min_confidence, false)?.unwrap_or_default())
}

/// [`recommend`] for a reader of `locale`, if its language has a published article: `None`
/// when it has none, or that could not be told (a message without words, no index yet), for
/// the caller to choose the language to read in. Whether it has comes with the search's
/// first read: on Spin every statement is a round trip to the host.
pub fn recommend_for_reader(
    db: &Db,
    text: &str,
    locale: &str,
    limit: usize,
) -> Result<Option<Vec<Recommendation>>, SqlError> {
    recommend_in(db, text, locale, limit, MIN_CONFIDENCE, true)
}

/// Recommendations in `locale`'s language; with `ask`, `None` unless the first read found an
/// article published in it.
fn recommend_in(
    db: &Db,
    text: &str,
    locale: &str,
    limit: usize,
    min_confidence: f64,
    ask: bool,
) -> Result<Option<Vec<Recommendation>>, SqlError> {
    // Nothing to show reads nothing (a reader's language need not be known then: no other
    // would show anything either); a locale without a language has no articles to read.
    if limit == 0 {
        return Ok(Some(Vec::new()));
    }
    let Some(language) = language(locale) else {
        return Ok((!ask).then(Vec::new));
    };
    let (query, vocabulary) = prepare(db, text, locale, ask.then_some(language.as_str()))?;
    if ask && vocabulary.in_language != Some(true) {
        return Ok(None);
    }
    if query.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let selection = vocabulary::selective_units(&query, &vocabulary);
    let candidates = candidates(db, &selection, &language, (limit * 3).max(10))?;
    if candidates.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let n = selection.totals.articles;
    // The counts were read with the query's other words ([`prepare`]).
    let weights: Vec<f64> = query
        .terms
        .iter()
        .map(|t| {
            let phrases = t.alternatives.iter().map(|alt| vocabulary.unit_df(alt));
            idf(n, phrases.fold(vocabulary.df(&t.term), i64::max))
        })
        .collect();
    let mut out: Vec<Recommendation> = candidates
        .into_iter()
        .map(|c| {
            let confidence = coverage(&query, &weights, &c.fields);
            Recommendation {
                article_id: c.id,
                title: c.title,
                locale: c.locale,
                section_id: c.section_id,
                text: c.text,
                confidence,
                score: c.score,
            }
        })
        .filter(|r| r.confidence >= min_confidence)
        .collect();
    out.sort_by(|a, b| {
        (b.confidence * b.score)
            .total_cmp(&(a.confidence * a.score))
            .then(a.article_id.cmp(&b.article_id))
    });
    out.truncate(limit);
    Ok(Some(out))
}

struct Candidate {
    id: i64,
    title: String,
    locale: String,
    section_id: i64,
    /// The start of its text ([`TEXT_CHARS`]).
    text: String,
    score: f64,
    /// The indexed terms of title, body and labels.
    fields: [Vec<String>; 3],
}

fn candidates(
    db: &Db,
    selection: &Selection,
    language: &str,
    limit: usize,
) -> Result<Vec<Candidate>, SqlError> {
    // Rank on the index alone, then read the few candidates' rows and indexed terms.
    let ranked: Vec<(i64, f64)> =
        rank::rank(db, selection, Scope::Language(language), None, limit)?
            .into_iter()
            .take(limit)
            .map(|s| (s.article_id, s.score))
            .collect();
    if ranked.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = ranked.iter().map(|(id, _)| *id).collect();
    let split = |s: String| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
    let mut rows = db.query(
        &format!(
            "SELECT a.id, a.title, a.locale, a.section_id, substr(a.body_text, 1, {TEXT_CHARS}) \
             AS text, i.title AS t, i.body AS b, i.labels AS l \
             FROM hc_articles a JOIN hc_article_terms i ON i.article_id = a.id \
             WHERE a.id IN (SELECT value FROM json_each(?)) AND a.draft = 0"
        ),
        &[serde_json::to_string(&ids)
            .unwrap_or_else(|_| "[]".into())
            .into()],
        |r| {
            Ok(Candidate {
                id: r.i64("id")?,
                title: r.string("title")?,
                locale: r.string("locale")?,
                section_id: r.i64("section_id")?,
                text: r.string("text")?,
                score: 0.0,
                fields: [
                    split(r.string("t")?),
                    split(r.string("b")?),
                    split(r.string("l")?),
                ],
            })
        },
    )?;
    Ok(ranked
        .into_iter()
        .filter_map(|(id, score)| {
            let i = rows.iter().position(|c| c.id == id)?;
            let mut c = rows.swap_remove(i);
            c.score = score;
            Some(c)
        })
        .collect())
}

/// BM25's inverse document frequency (never negative).
fn idf(n: i64, df: i64) -> f64 {
    let (n, df) = (n as f64, df as f64);
    ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
}

/// Where a term was found: title and labels say what an article is about, the body only
/// mentions it.
const FIELD_CREDIT: [f64; 3] = [1.0, 0.6, 0.9];

/// Σ weight × credit over the query's words / Σ weight. A word of several terms (a Korean
/// word's bigrams) counts as found when all but one of its terms are (the odd one is usually the
/// bigram across the noun and its particle, `호를` in `비밀번호를`).
fn coverage(query: &Query, weights: &[f64], fields: &[Vec<String>; 3]) -> f64 {
    let mut words: Vec<usize> = query.terms.iter().map(|t| t.word).collect();
    words.sort_unstable();
    words.dedup();
    let (mut got, mut total) = (0.0, 0.0);
    for word in words {
        let members: Vec<usize> = (0..query.terms.len())
            .filter(|&i| query.terms[i].word == word)
            .collect();
        let weight = members.iter().map(|&i| weights[i]).fold(0.0_f64, f64::max);
        let credits: Vec<f64> = members
            .iter()
            .map(|&i| {
                let t = &query.terms[i];
                (0..3)
                    .filter(|&f| {
                        std::iter::once(t.term.as_str())
                            .chain(t.alternatives.iter().map(String::as_str))
                            .any(|unit| contains_phrase(&fields[f], unit))
                    })
                    .map(|f| FIELD_CREDIT[f])
                    .fold(0.0_f64, f64::max)
            })
            .collect();
        let needed = members.len().saturating_sub(1).max(1);
        let mut sorted = credits;
        sorted.sort_by(|a, b| b.total_cmp(a));
        let credit = sorted.iter().take(needed).sum::<f64>() / needed as f64;
        got += weight * credit;
        total += weight;
    }
    if total == 0.0 {
        0.0
    } else {
        got / total
    }
}

fn contains_phrase(field: &[String], phrase: &str) -> bool {
    let parts: Vec<&str> = phrase.split(' ').collect();
    if parts.len() == 1 {
        return field.iter().any(|t| t == parts[0]);
    }
    field
        .windows(parts.len())
        .any(|w| w.iter().zip(&parts).all(|(a, b)| a == b))
}
