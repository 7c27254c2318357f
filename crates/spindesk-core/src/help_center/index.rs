//! The search index (tables in `store/schema_v6.rs`): for every published article, its
//! analysed fields; per term and locale, posting blocks (`postings.rs`) saying which articles
//! have the term, how often and how long each is; per term, how many articles have it; and the
//! index's totals. Kept in step with `hc_articles` by the transaction that writes an article.

use super::catalog::Article;
use super::postings::{self, Entry};
use crate::html;
use crate::ports::{SqlError, Value};
use crate::store::Db;
use crate::text::{self, Analyzer, Query, QueryTerm};
use std::collections::{BTreeMap, BTreeSet};

/// How much an occurrence counts, by field: title, body, labels. A title says what an article
/// is about; labels are the author's own keywords; the body mentions many things in passing.
pub const FIELD_WEIGHTS: [u16; 3] = [4, 1, 2];

/// The analysis rules and index layout the stored index is built with: stored per article and
/// for the whole index, so a change of rules rebuilds the index (see [`catch_up`]).
pub const INDEX_VERSION: i64 = text::ANALYSIS_VERSION as i64;

/// Articles indexed per request while the index catches up after an upgrade: about 0.1 s.
pub const CATCH_UP_BATCH: i64 = 200;

/// An article as the index sees it: its locale and the analysed terms of title, body, labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Indexed {
    pub locale: String,
    pub fields: [Vec<String>; 3],
}

impl Indexed {
    pub fn of(article: &Article) -> Indexed {
        let analyzer = Analyzer::new(&article.locale);
        let terms = |text: &str| -> Vec<String> {
            analyzer.analyze(text).into_iter().map(|t| t.text).collect()
        };
        Indexed {
            locale: article.locale.clone(),
            fields: [
                terms(&article.title),
                terms(&html::to_text(&article.body)),
                terms(&article.label_names.join(" \n ")),
            ],
        }
    }

    /// BM25's document length: the terms in all fields.
    pub fn length(&self) -> u32 {
        self.fields
            .iter()
            .map(Vec::len)
            .sum::<usize>()
            .min(u32::MAX as usize) as u32
    }

    /// Every unit a query can search for — each term, and each multi-term alternative
    /// ([`text::phrases`]) where its terms follow each other in a field — with its occurrences
    /// weighted by field.
    pub fn units(&self) -> BTreeMap<String, u16> {
        let mut out: BTreeMap<String, u32> = BTreeMap::new();
        let phrases = text::phrases(&self.locale);
        for (field, weight) in self.fields.iter().zip(FIELD_WEIGHTS) {
            let weight = u32::from(weight);
            for (i, term) in field.iter().enumerate() {
                *out.entry(term.clone()).or_default() += weight;
                for phrase in phrases.iter().filter(|p| p[0] == *term) {
                    if field[i..].starts_with(phrase) {
                        *out.entry(phrase.join(" ")).or_default() += weight;
                    }
                }
            }
        }
        out.into_iter()
            .map(|(unit, f)| (unit, f.min(u32::from(u16::MAX)) as u16))
            .collect()
    }
}

/// What the article was last indexed as, if it is in the index.
fn stored(db: &Db, article_id: i64) -> Result<Option<Indexed>, SqlError> {
    let split = |s: String| -> Vec<String> {
        s.split(' ')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect()
    };
    db.query_opt(
        "SELECT locale, title, body, labels FROM hc_article_terms WHERE article_id = ?",
        &[article_id.into()],
        |r| {
            Ok(Indexed {
                locale: r.string("locale")?,
                fields: [
                    split(r.string("title")?),
                    split(r.string("body")?),
                    split(r.string("labels")?),
                ],
            })
        },
    )
}

/// Brings the index in line with the article: out of it when it is a draft, in it with its
/// current title, body text, labels and locale when published.
pub fn sync(db: &Db, article: &Article) -> Result<(), SqlError> {
    let new = (!article.draft).then(|| Indexed::of(article));
    replace(db, article.id, new.as_ref())
}

/// Takes the article out of the index (it was deleted or unpublished).
pub fn unindex(db: &Db, article_id: i64) -> Result<(), SqlError> {
    replace(db, article_id, None)
}

/// Takes out of the index the articles that no longer exist (deleted with their section or
/// category by a cascade, which no Rust code sees).
pub fn remove_orphans(db: &Db) -> Result<usize, SqlError> {
    let orphans = db.query(
        "SELECT t.article_id AS id FROM hc_article_terms t \
         WHERE NOT EXISTS (SELECT 1 FROM hc_articles a WHERE a.id = t.article_id)",
        &[],
        |r| r.i64("id"),
    )?;
    for id in &orphans {
        unindex(db, *id)?;
    }
    Ok(orphans.len())
}

/// Replaces what the index holds for the article (`old`, read from `hc_article_terms`) with
/// `new` (nothing: out of the index). Only the posting blocks whose entry changes are written.
fn replace(db: &Db, article_id: i64, new: Option<&Indexed>) -> Result<(), SqlError> {
    let old = stored(db, article_id)?;
    if old.is_none() && new.is_none() {
        return Ok(());
    }
    let block = postings::block_of(article_id);
    let entries = |ix: Option<&Indexed>| -> BTreeMap<(String, String), Entry> {
        ix.map(|ix| {
            let length = ix.length();
            ix.units()
                .into_iter()
                .map(|(unit, frequency)| {
                    let entry = Entry {
                        article_id,
                        frequency,
                        length,
                    };
                    ((unit, ix.locale.clone()), entry)
                })
                .collect()
        })
        .unwrap_or_default()
    };
    let before = entries(old.as_ref());
    let after = entries(new);
    let changed: BTreeSet<&(String, String)> = before
        .keys()
        .chain(after.keys())
        .filter(|key| before.get(*key) != after.get(*key))
        .collect();
    write_postings(db, block, article_id, &changed, &after)?;

    // Document frequencies: units the article gains or loses (in any locale).
    let units = |m: &BTreeMap<(String, String), Entry>| -> BTreeSet<String> {
        m.keys().map(|(unit, _)| unit.clone()).collect()
    };
    let (had, has) = (units(&before), units(&after));
    let lost: Vec<&String> = had.difference(&has).collect();
    let gained: Vec<&String> = has.difference(&had).collect();
    if !lost.is_empty() {
        let lost = json_list(&lost);
        db.execute(
            "UPDATE hc_terms SET articles = articles - 1 \
             WHERE term IN (SELECT value FROM json_each(?))",
            std::slice::from_ref(&lost),
        )?;
        db.execute(
            "DELETE FROM hc_terms WHERE articles = 0 AND term IN (SELECT value FROM json_each(?))",
            &[lost],
        )?;
    }
    if !gained.is_empty() {
        db.execute(
            "INSERT INTO hc_terms (term, articles) SELECT value, 1 FROM json_each(?) WHERE true \
             ON CONFLICT (term) DO UPDATE SET articles = articles + 1",
            &[json_list(&gained)],
        )?;
    }

    let count = |ix: Option<&Indexed>| i64::from(ix.is_some());
    let length = |ix: Option<&Indexed>| ix.map_or(0, |ix| i64::from(ix.length()));
    db.execute(
        "UPDATE hc_index_stats SET articles = articles + ?, terms = terms + ? WHERE id = 1",
        &[
            (count(new) - count(old.as_ref())).into(),
            (length(new) - length(old.as_ref())).into(),
        ],
    )?;
    db.execute(
        "DELETE FROM hc_article_terms WHERE article_id = ?",
        &[article_id.into()],
    )?;
    if let Some(ix) = new {
        db.execute(
            "INSERT INTO hc_article_terms (article_id, locale, title, body, labels, analysis) \
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                article_id.into(),
                ix.locale.clone().into(),
                ix.fields[0].join(" ").into(),
                ix.fields[1].join(" ").into(),
                ix.fields[2].join(" ").into(),
                INDEX_VERSION.into(),
            ],
        )?;
    }
    Ok(())
}

/// Rewrites the article's block of every changed (unit, locale): read in one statement,
/// changed in memory, written back in one statement per locale (blocks left empty deleted).
fn write_postings(
    db: &Db,
    block: i64,
    article_id: i64,
    changed: &BTreeSet<&(String, String)>,
    after: &BTreeMap<(String, String), Entry>,
) -> Result<(), SqlError> {
    if changed.is_empty() {
        return Ok(());
    }
    let locales: BTreeSet<&str> = changed.iter().map(|(_, l)| l.as_str()).collect();
    for locale in locales {
        let units: Vec<&String> = changed
            .iter()
            .filter(|(_, l)| l == locale)
            .map(|(u, _)| u)
            .collect();
        let rows = db
            .execute(
                "SELECT term, entries FROM hc_postings WHERE locale = ? AND block = ? \
                 AND term IN (SELECT value FROM json_each(?))",
                &[locale.into(), block.into(), json_list(&units)],
            )?
            .rows;
        let mut current: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for row in rows {
            if let [Value::Text(term), Value::Blob(bytes)] = &row[..] {
                current.insert(term.clone(), bytes.clone());
            }
        }
        let mut upserts: Vec<(String, String)> = Vec::new();
        let mut emptied: Vec<&String> = Vec::new();
        for unit in units {
            let bytes = current.get(unit.as_str()).map_or(&[][..], Vec::as_slice);
            let bytes = match after.get(&(unit.clone(), locale.to_owned())) {
                Some(entry) => postings::upsert(bytes, *entry),
                None => postings::remove(bytes, article_id),
            };
            if bytes.is_empty() {
                emptied.push(unit);
            } else {
                upserts.push((unit.clone(), hex(&bytes)));
            }
        }
        if !upserts.is_empty() {
            let list = serde_json::to_string(&upserts).unwrap_or_else(|_| "[]".into());
            db.execute(
                "INSERT INTO hc_postings (term, locale, block, entries) \
                 SELECT value ->> 0, ?, ?, unhex(value ->> 1) FROM json_each(?) WHERE true \
                 ON CONFLICT (term, locale, block) DO UPDATE SET entries = excluded.entries",
                &[locale.into(), block.into(), list.into()],
            )?;
        }
        if !emptied.is_empty() {
            db.execute(
                "DELETE FROM hc_postings WHERE locale = ? AND block = ? \
                 AND term IN (SELECT value FROM json_each(?))",
                &[locale.into(), block.into(), json_list(&emptied)],
            )?;
        }
    }
    Ok(())
}

fn json_list<S: serde::Serialize>(items: &[S]) -> Value {
    serde_json::to_string(items)
        .unwrap_or_else(|_| "[]".into())
        .into()
}

/// Blobs go into the one-statement upsert as hex text inside JSON (`unhex` turns them back).
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// The index's totals: indexed articles and their terms in all fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Totals {
    pub articles: i64,
    pub terms: i64,
    /// The version the whole index is known to be built with.
    pub analysis: i64,
}

impl Totals {
    /// BM25's average document length.
    pub fn average_length(&self) -> f64 {
        if self.articles == 0 {
            1.0
        } else {
            (self.terms as f64 / self.articles as f64).max(1.0)
        }
    }
}

pub fn totals(db: &Db) -> Result<Totals, SqlError> {
    Ok(db
        .query_opt(
            "SELECT articles, terms, analysis FROM hc_index_stats WHERE id = 1",
            &[],
            |r| {
                Ok(Totals {
                    articles: r.i64("articles")?,
                    terms: r.i64("terms")?,
                    analysis: r.i64("analysis")?,
                })
            },
        )?
        .unwrap_or(Totals {
            articles: 0,
            terms: 0,
            analysis: 0,
        }))
}

/// The number of articles in the index (the published ones).
pub fn document_count(db: &Db) -> Result<i64, SqlError> {
    Ok(totals(db)?.articles)
}

/// After an upgrade or a change of the analysis rules, indexes (again) up to [`CATCH_UP_BATCH`]
/// published articles that are not in the index as the current rules make it; when none is
/// left, records that the index is complete. Cheap once it is: one row read. Returns whether
/// the index is complete.
pub fn catch_up(db: &Db) -> Result<bool, SqlError> {
    if totals(db)?.analysis == INDEX_VERSION {
        return Ok(true);
    }
    db.transaction(|db| {
        let behind = db.query(
            "SELECT a.id FROM hc_articles a LEFT JOIN hc_article_terms t ON t.article_id = a.id \
             WHERE (a.draft = 0 AND (t.article_id IS NULL OR t.analysis != ?)) \
             OR (a.draft = 1 AND t.article_id IS NOT NULL) ORDER BY a.id LIMIT ?",
            &[INDEX_VERSION.into(), CATCH_UP_BATCH.into()],
            |r| r.i64("id"),
        )?;
        for id in &behind {
            if let Some(article) = super::catalog::article(db, *id)? {
                sync(db, &article)?;
            }
        }
        remove_orphans(db)?;
        let done = (behind.len() as i64) < CATCH_UP_BATCH;
        if done {
            db.execute(
                "UPDATE hc_index_stats SET analysis = ? WHERE id = 1",
                &[INDEX_VERSION.into()],
            )?;
        }
        Ok(done)
    })
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
            "SELECT term, articles FROM hc_terms WHERE term >= ? AND term < ? \
             AND length(term) BETWEEN ? AND ?",
            &[
                prefix.into(),
                upper.into(),
                Value::Integer(chars.len() as i64 - 1),
                Value::Integer(chars.len() as i64 + 1),
            ],
            |r| Ok((r.string("term")?, r.i64("articles")?)),
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
    // `term IN (?, ...)`: one primary-key lookup per term.
    let found = db.query(
        &format!("SELECT term, articles FROM hc_terms WHERE term IN ({marks})"),
        &params,
        |r| Ok((r.string("term")?, r.i64("articles")?)),
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

/// The units (terms and alternative phrases) a search MATCHes on; empty when no article can
/// match.
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
pub fn selective_units(db: &Db, query: &Query) -> Result<Vec<String>, SqlError> {
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
    // A phrase is in no more articles than its rarest word.
    let unit_df = |unit: &str| unit.split(' ').map(df).min().unwrap_or(0);
    let n = document_count(db)?;
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
    let mut units: Vec<String> = Vec::new();
    for t in chosen {
        for unit in units_of(t) {
            if !units.contains(&unit) {
                units.push(unit);
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
}
