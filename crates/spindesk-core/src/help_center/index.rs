//! The search index (tables in `store/schema_v6.rs`): for every published article, its
//! analysed fields; per term and locale, posting blocks (`postings.rs`) saying which articles
//! have the term, how often and how long each is; per term, how many articles have it; and the
//! index's totals. Kept in step with `hc_articles` by the transaction that writes an article.

use super::article::{self, Article};
use super::database;
use super::postings::{self, Entry};
use crate::html;
use crate::ports::{Env, SqlError, Value};
use crate::store::{Db, Row};
use crate::text::{self, Analyzer};
use std::collections::{BTreeMap, BTreeSet};

/// How much an occurrence counts, by field: title, body, labels. A title says what an article
/// is about; labels are the author's own keywords; the body mentions many things in passing.
pub const FIELD_WEIGHTS: [u16; 3] = [4, 1, 2];

/// The analysis rules the stored index is built with: stored per article and for the whole
/// index, so a change of rules rebuilds the index (see [`catch_up`]). It is the analysis
/// version (high 32 bits) and a fingerprint of the multi-term units the index counts (low 32
/// bits: [`text::phrases`] under both rule sets), so editing the synonym table rebuilds the
/// index by itself, without anyone remembering to bump a number.
pub fn index_version() -> i64 {
    static VERSION: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *VERSION.get_or_init(|| {
        // FNV-1a: a stable fingerprint (std's hasher may change between Rust releases).
        let mut hash: u32 = 0x811c_9dc5;
        for rules in ["en", "und"] {
            for phrase in text::phrases(rules) {
                for byte in phrase.join(" ").bytes().chain([0]) {
                    hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
                }
            }
        }
        (i64::from(text::ANALYSIS_VERSION) << 32) | i64::from(hash)
    })
}

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
        // Phrases by their first term: a 1 MB body has ~200,000 terms to look up.
        let mut phrases: std::collections::HashMap<&str, Vec<&[&str]>> =
            std::collections::HashMap::new();
        for phrase in text::phrases(&self.locale) {
            phrases.entry(phrase[0]).or_default().push(phrase);
        }
        for (field, weight) in self.fields.iter().zip(FIELD_WEIGHTS) {
            let weight = u32::from(weight);
            for (i, term) in field.iter().enumerate() {
                *out.entry(term.clone()).or_default() += weight;
                for phrase in phrases.get(term.as_str()).into_iter().flatten() {
                    let follows = field[i..].len() >= phrase.len()
                        && field[i..].iter().zip(phrase.iter()).all(|(t, p)| t == p);
                    if follows {
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
                index_version().into(),
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

/// The index's totals: indexed articles and their terms in all fields (all 0 before the
/// index has any).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub articles: i64,
    pub terms: i64,
    /// The version the whole index is known to be built with.
    pub analysis: i64,
}

impl Totals {
    /// The totals in a row that has `hc_index_stats`' `articles`, `terms` and `analysis`.
    pub fn from_row(r: &Row) -> Result<Totals, SqlError> {
        Ok(Totals {
            articles: r.i64("articles")?,
            terms: r.i64("terms")?,
            analysis: r.i64("analysis")?,
        })
    }

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
            Totals::from_row,
        )?
        .unwrap_or_default())
}

/// After an upgrade or a change of the analysis rules, indexes (again) up to [`CATCH_UP_BATCH`]
/// published articles that are not in the index as the current rules make it; when none is
/// left, records that the index is complete. Cheap once it is: one row read. Returns whether
/// the index is complete.
pub fn catch_up(db: &Db) -> Result<bool, SqlError> {
    catch_up_from(db, totals(db)?)
}

/// The request's help-center database, up to date, with its index caught up ([`catch_up`]):
/// what every help-center page and API request opens. The schema check rides on the index's
/// row read ([`database::open_with`]): one statement for both.
pub fn open_caught_up<'a>(env: &Env<'a>) -> Result<Db<'a>, SqlError> {
    let read_totals = |db: &Db<'a>| {
        Ok(db
            .query_opt(
                &format!(
                    "SELECT articles, terms, analysis{} FROM hc_index_stats WHERE id = 1",
                    db.schema_check_columns()
                ),
                &[],
                Totals::from_row,
            )?
            .unwrap_or_default())
    };
    let (db, _) = open_caught_up_with(env, read_totals, |totals| Some(*totals))?;
    Ok(db)
}

/// [`open_caught_up`] with the request's own first read in place of the index's row: one
/// statement fewer when that read brings the index's totals anyway (a search's vocabulary).
/// `first_read` ends its first row with the schema check's columns ([`database::open_with`]);
/// `totals_of` finds the totals in what it read (`None`: it read nothing). When the index is
/// behind, a batch is caught up and `first_read` runs again, on the index as it is now.
pub fn open_caught_up_with<'a, T>(
    env: &Env<'a>,
    first_read: impl Fn(&Db<'a>) -> Result<T, SqlError>,
    totals_of: impl Fn(&T) -> Option<Totals>,
) -> Result<(Db<'a>, T), SqlError> {
    let (db, read) = database::open_with(env, &first_read)?;
    match totals_of(&read) {
        Some(totals) if totals.analysis != index_version() => {
            catch_up_from(&db, totals)?;
            let read = first_read(&db)?;
            Ok((db, read))
        }
        _ => Ok((db, read)),
    }
}

/// [`catch_up`] with the index's totals read already.
fn catch_up_from(db: &Db, totals: Totals) -> Result<bool, SqlError> {
    if totals.analysis == index_version() {
        return Ok(true);
    }
    db.transaction(|db| {
        let behind = db.query(
            "SELECT a.id FROM hc_articles a LEFT JOIN hc_article_terms t ON t.article_id = a.id \
             WHERE (a.draft = 0 AND (t.article_id IS NULL OR t.analysis != ?)) \
             OR (a.draft = 1 AND t.article_id IS NOT NULL) ORDER BY a.id LIMIT ?",
            &[index_version().into(), CATCH_UP_BATCH.into()],
            |r| r.i64("id"),
        )?;
        for id in &behind {
            if let Some(article) = article::by_id(db, *id)? {
                sync(db, &article)?;
            }
        }
        remove_orphans(db)?;
        let done = (behind.len() as i64) < CATCH_UP_BATCH;
        if done {
            db.execute(
                "UPDATE hc_index_stats SET analysis = ? WHERE id = 1",
                &[index_version().into()],
            )?;
        }
        Ok(done)
    })
}
