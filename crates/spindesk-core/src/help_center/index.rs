//! The search index: an FTS5 table of analysed terms (see `store/schema_v2.rs`), kept in step
//! with `hc_articles` by the transaction that writes an article.

use super::catalog::Article;
use crate::html;
use crate::ports::{SqlError, Value};
use crate::store::Db;
use crate::text::{Analyzer, Query};

/// BM25 column weights: title, body, labels (and 0 for `scope`, which only filters). A title
/// says what an article is about; labels are the author's own keywords; the body mentions many
/// things in passing.
pub const WEIGHTS: (f64, f64, f64) = (4.0, 1.0, 2.0);

/// `-bm25(...)` over the index with [`WEIGHTS`]: higher is better.
pub fn score_expression() -> String {
    let (title, body, labels) = WEIGHTS;
    format!("-bm25(hc_article_index, {title}, {body}, {labels}, 0.0)")
}

/// The `scope` token of a locale (`en-us` → `0locenus`): ASCII letters and digits only, so the
/// tokenizer keeps it whole; the leading digit keeps it apart from words.
pub fn locale_token(locale: &str) -> String {
    let alnum: String = locale
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    format!("0loc{alnum}")
}

/// The `scope` token of a locale's language (`ko-kr` → `0langko`).
pub fn language_token(locale: &str) -> String {
    let language = locale.split(['-', '_']).next().unwrap_or("");
    let alnum: String = language
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    format!("0lang{alnum}")
}

/// `match_any(units)`, restricted to articles whose `scope` has `token`.
pub fn match_in_scope(units: &[&str], token: Option<&str>) -> String {
    match token {
        Some(token) => format!("({}) AND scope : \"{token}\"", match_any(units)),
        None => match_any(units),
    }
}

/// Removes the article from the index and, when it is published, adds it back with its current
/// title, body text and labels. Drafts are never in the index.
pub fn sync(db: &Db, article: &Article) -> Result<(), SqlError> {
    db.execute(
        "DELETE FROM hc_article_index WHERE rowid = ?",
        &[article.id.into()],
    )?;
    if article.draft {
        return Ok(());
    }
    let analyzer = Analyzer::new(&article.locale);
    let joined = |text: &str| {
        analyzer
            .analyze(text)
            .into_iter()
            .map(|t| t.text)
            .collect::<Vec<_>>()
            .join(" ")
    };
    db.execute(
        "INSERT INTO hc_article_index (rowid, title, body, labels, scope) VALUES (?, ?, ?, ?, ?)",
        &[
            article.id.into(),
            joined(&article.title).into(),
            joined(&html::to_text(&article.body)).into(),
            joined(&article.label_names.join(" \n ")).into(),
            format!(
                "{} {}",
                locale_token(&article.locale),
                language_token(&article.locale)
            )
            .into(),
        ],
    )?;
    Ok(())
}

/// An FTS5 MATCH expression for any of `units` (terms or space-separated phrases). Every unit is
/// quoted, so nothing a customer types can become an FTS5 operator (`NEAR`, `*`, `-`, `:`).
pub fn match_any(units: &[&str]) -> String {
    units
        .iter()
        .map(|u| format!("\"{}\"", u.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// How many published articles contain `term` (0 when none does).
pub fn document_frequency(db: &Db, term: &str) -> Result<i64, SqlError> {
    Ok(db
        .query_i64(
            "SELECT doc FROM hc_article_vocab WHERE term = ?",
            &[term.into()],
        )?
        .unwrap_or(0))
}

/// The number of articles in the index (the published ones).
pub fn document_count(db: &Db) -> Result<i64, SqlError> {
    // FTS5 keeps one `_docsize` row (a few bytes) per indexed document: counting them takes
    // microseconds where counting `hc_articles WHERE draft = 0` reads every article row
    // (0.2 ms at 10,000 articles, on every search).
    Ok(db
        .query_i64("SELECT count(*) FROM hc_article_index_docsize", &[])?
        .unwrap_or(0))
}

/// Spelling fallback: a letter-word term that no article contains gets, as alternatives, the
/// indexed terms one edit away (insert, delete, substitute, or swap two neighbours), most
/// frequent first. Candidates share the first two letters (a B-tree range on the vocabulary,
/// not a scan of it), so a typo in the first two letters is not corrected. Hangul and CJK need
/// no fallback: a one-syllable typo still leaves the word's other bigrams matching.
pub fn add_corrections(db: &Db, query: &mut Query) -> Result<(), SqlError> {
    const MAX_CORRECTIONS: usize = 3;
    let correctable: Vec<(usize, Vec<char>)> = query
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
        .collect();
    // Usually every word is in the vocabulary: one lookup for all of them settles it.
    let terms: Vec<String> = correctable
        .iter()
        .map(|(i, _)| query.terms[*i].term.clone())
        .collect();
    let terms: Vec<&str> = terms.iter().map(String::as_str).collect();
    let frequencies = document_frequencies(db, &terms)?;
    for ((i, chars), df) in correctable.into_iter().zip(frequencies) {
        if df > 0 {
            continue;
        }
        let prefix: String = chars[..2].iter().collect();
        let mut upper = prefix.clone();
        upper.push(char::MAX);
        let mut candidates: Vec<(String, i64)> = db.query(
            "SELECT term, doc FROM hc_article_vocab WHERE term >= ? AND term < ? \
             AND length(term) BETWEEN ? AND ?",
            &[
                prefix.into(),
                upper.into(),
                Value::Integer(chars.len() as i64 - 1),
                Value::Integer(chars.len() as i64 + 1),
            ],
            |r| Ok((r.string("term")?, r.i64("doc")?)),
        )?;
        candidates.retain(|(c, _)| within_one_edit(&chars, &c.chars().collect::<Vec<_>>()));
        candidates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        for (c, _) in candidates.into_iter().take(MAX_CORRECTIONS) {
            query.add_alternative(i, &c);
        }
    }
    Ok(())
}

/// A term in more than this share of the indexed articles does not select matches by itself
/// (see [`selective_units`]).
pub const COMMON_TERM_SHARE: f64 = 0.2;
/// Below this many articles every term selects: pruning only pays off in large help centers.
pub const COMMON_TERM_MIN_ARTICLES: i64 = 1_000;

/// The document frequencies of `terms` (0 for a term no article has), in one statement: on
/// Spin every statement is a round trip to the host.
pub fn document_frequencies(db: &Db, terms: &[&str]) -> Result<Vec<i64>, SqlError> {
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; terms.len()].join(", ");
    let params: Vec<Value> = terms.iter().map(|t| (*t).into()).collect();
    // `term IN (?, ...)` is one vocabulary lookup per term; `IN (SELECT ... json_each)` would
    // scan the whole vocabulary.
    let found = db.query(
        &format!("SELECT term, doc FROM hc_article_vocab WHERE term IN ({marks})"),
        &params,
        |r| Ok((r.string("term")?, r.i64("doc")?)),
    )?;
    Ok(terms
        .iter()
        .map(|t| {
            found
                .iter()
                .find(|(term, _)| term == t)
                .map_or(0, |(_, doc)| *doc)
        })
        .collect())
}

/// The units (terms and alternative phrases) a search MATCHes on. In a large help center, terms
/// in more than [`COMMON_TERM_SHARE`] of the articles (`order`, `배송` in a shop's help center)
/// are left out whenever the query also has rarer terms: they would make almost every article a
/// match (and BM25 is computed for every match), while their own weight in the ranking is small
/// — the approach of Lucene's common-terms query. A query of common terms only keeps them all.
///
/// The share is of all indexed articles, not of the locale searched: measured on the relevance
/// set among 10,000 generated articles (`benches/search_relevance_scale.rs`), the per-locale
/// share pruned more and lost 13–18% of the hits at 3.
pub fn selective_units(db: &Db, query: &Query) -> Result<Vec<String>, SqlError> {
    let all = || query.all_terms().into_iter().map(str::to_owned).collect();
    let n = document_count(db)?;
    if n < COMMON_TERM_MIN_ARTICLES {
        return Ok(all());
    }
    // Every word the decision needs, looked up at once: the terms and the words of their
    // alternatives.
    let mut words: Vec<&str> = Vec::new();
    for t in &query.terms {
        for word in std::iter::once(t.term.as_str())
            .chain(t.alternatives.iter().flat_map(|alt| alt.split(' ')))
        {
            if !words.contains(&word) {
                words.push(word);
            }
        }
    }
    let frequencies = document_frequencies(db, &words)?;
    let df = |word: &str| {
        words
            .iter()
            .position(|w| *w == word)
            .map_or(0, |i| frequencies[i])
    };
    let limit = (n as f64 * COMMON_TERM_SHARE) as i64;
    let mut selective = Vec::new();
    for t in &query.terms {
        let mut term_df = df(&t.term);
        for alt in &t.alternatives {
            // A phrase is in no more articles than its rarest word.
            let phrase_df = alt.split(' ').map(df).min().unwrap_or(0);
            term_df = term_df.max(phrase_df);
        }
        if term_df <= limit {
            selective.push(t);
        }
    }
    if selective.is_empty() {
        return Ok(all());
    }
    let mut units: Vec<String> = Vec::new();
    for t in selective {
        for unit in std::iter::once(&t.term).chain(&t.alternatives) {
            if !units.contains(unit) {
                units.push(unit.clone());
            }
        }
    }
    Ok(units)
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

    #[test]
    fn match_expressions_quote_everything() {
        assert_eq!(
            match_any(&["a\"b", "NEAR", "비밀 밀번"]),
            "\"a\"\"b\" OR \"NEAR\" OR \"비밀 밀번\""
        );
    }
}
