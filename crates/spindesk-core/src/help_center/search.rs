//! Article search: the query analysed like the articles were, ranked by BM25 over the index's
//! posting blocks (title above labels above body, `rank.rs`), filtered, with highlighted snippets.

use super::article::{Article, ARTICLE_COLUMNS};
use super::rank::{self, Scope};
use super::vocabulary::{self, Vocabulary};
use crate::html;
use crate::ports::{SqlError, Value};
use crate::store::Db;
use crate::text::{self, Analyzer, Query};
use std::collections::{HashMap, HashSet, VecDeque};

/// The longest query the help-center API and the public pages accept: one limit, so a search
/// that works on the pages works through the API too.
pub const MAX_QUERY_CHARS: usize = 1_000;

/// How the Latin words of a query are treated when no locale is given (all locales searched).
pub const DEFAULT_ANALYSIS_LOCALE: &str = "en";

#[derive(Debug, Clone, Default)]
pub struct SearchRequest<'a> {
    pub query: &'a str,
    /// Only articles in this locale; `None` searches every locale.
    pub locale: Option<&'a str>,
    pub category_id: Option<i64>,
    pub section_id: Option<i64>,
    /// Any of these labels (case-insensitive); empty means no label filter.
    pub label_names: Vec<String>,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub article: Article,
    /// BM25, higher is better (`rank.rs`).
    pub score: f64,
    /// Body text around the first match, HTML-escaped, matched words in `<em>`.
    pub snippet: String,
}

#[derive(Debug)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// Matches on all pages.
    pub count: i64,
}

#[derive(Debug)]
pub enum SearchError {
    /// The query has nothing searchable in it (only stop words, punctuation), or there is no
    /// query and no filter.
    EmptyQuery,
    Sql(SqlError),
}

impl From<SqlError> for SearchError {
    fn from(e: SqlError) -> Self {
        SearchError::Sql(e)
    }
}

/// The analysed query with spelling corrections from the index vocabulary, and what the index
/// knows of its words (and, asked for, whether `language` has a published article).
pub fn prepare(
    db: &Db,
    text: &str,
    locale: &str,
    language: Option<&str>,
) -> Result<(Query, Vocabulary), SqlError> {
    let mut q = text::query(text, locale);
    let mut vocabulary = Vocabulary::of(db, &q, language)?;
    vocabulary::add_corrections(&mut q, &mut vocabulary);
    Ok((q, vocabulary))
}

/// Articles for the query, best first; with no words (an empty `query`) but filters, the
/// filtered articles ([`browse`]).
pub fn search(db: &Db, req: &SearchRequest) -> Result<SearchResults, SearchError> {
    if req.query.trim().is_empty() {
        return browse(db, req);
    }
    let locale = req.locale.unwrap_or(DEFAULT_ANALYSIS_LOCALE);
    let (query, vocabulary) = prepare(db, req.query, locale, None)?;
    if query.is_empty() {
        return Err(SearchError::EmptyQuery);
    }
    let selection = vocabulary::selective_units(&query, &vocabulary);
    if selection.is_empty() {
        return Ok(SearchResults {
            hits: Vec::new(),
            count: 0,
        });
    }
    let only = filtered_articles(db, req)?;
    let scope = req.locale.map_or(Scope::All, Scope::Locale);
    let skip = usize::try_from(req.offset).unwrap_or(0);
    let take = usize::try_from(req.limit).unwrap_or(0);
    let ranked = rank::rank(
        db,
        &selection,
        scope,
        only.as_ref(),
        skip.saturating_add(take),
    )?;
    let count = ranked.len() as i64;
    let page: Vec<(i64, f64)> = ranked
        .iter()
        .skip(skip)
        .take(take)
        .map(|s| (s.article_id, s.score))
        .collect();
    let ids: Vec<i64> = page.iter().map(|(id, _)| *id).collect();
    // `body_text` is the body's text as stored at write time: snippets need not parse the HTML.
    let mut articles = db.query(
        &format!(
            "SELECT {ARTICLE_COLUMNS}, a.body_text FROM hc_articles a \
             WHERE a.id IN (SELECT value FROM json_each(?)) AND a.draft = 0"
        ),
        &[serde_json::to_string(&ids)
            .unwrap_or_else(|_| "[]".into())
            .into()],
        |r| Ok((Article::from_row(r)?, r.string("body_text")?)),
    )?;
    let rows: Vec<(Article, String, f64)> = page
        .into_iter()
        .filter_map(|(id, score)| {
            let i = articles.iter().position(|(a, _)| a.id == id)?;
            let (article, text) = articles.swap_remove(i);
            Some((article, text, score))
        })
        .collect();
    let highlight = Highlighter::new(&query);
    let hits = rows
        .into_iter()
        .map(|(article, text, score)| {
            let snippet = highlight.snippet_of_text(&text, &article.locale);
            Hit {
                article,
                score,
                snippet,
            }
        })
        .collect();
    Ok(SearchResults { hits, count })
}

/// The section, category and label filters as SQL conditions on `hc_articles a` (empty when
/// none is asked for).
fn filter_clauses(req: &SearchRequest) -> (Vec<&'static str>, Vec<Value>) {
    let mut clauses: Vec<&str> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    if let Some(s) = req.section_id {
        clauses.push("a.section_id = ?");
        params.push(s.into());
    }
    if let Some(c) = req.category_id {
        clauses.push("a.section_id IN (SELECT id FROM hc_sections WHERE category_id = ?)");
        params.push(c.into());
    }
    if !req.label_names.is_empty() {
        clauses.push(
            "a.id IN (SELECT l.article_id FROM hc_article_labels l \
             WHERE l.name IN (SELECT value FROM json_each(?)))",
        );
        let labels = serde_json::to_string(&req.label_names).unwrap_or_else(|_| "[]".into());
        params.push(labels.into());
    }
    (clauses, params)
}

/// The published articles the filters allow (`None`: no filter asked for).
fn filtered_articles(db: &Db, req: &SearchRequest) -> Result<Option<HashSet<i64>>, SqlError> {
    let (clauses, params) = filter_clauses(req);
    if clauses.is_empty() {
        return Ok(None);
    }
    let ids = db.query(
        &format!(
            "SELECT a.id FROM hc_articles a WHERE a.draft = 0 AND {}",
            clauses.join(" AND ")
        ),
        &params,
        |r| r.i64("id"),
    )?;
    Ok(Some(ids.into_iter().collect()))
}

/// A search with filters and no words (Zendesk allows it): the published articles the filters
/// allow, promoted first, then the most recently updated; snippets from the start of the body.
fn browse(db: &Db, req: &SearchRequest) -> Result<SearchResults, SearchError> {
    let (mut clauses, mut params) = filter_clauses(req);
    if clauses.is_empty() {
        return Err(SearchError::EmptyQuery);
    }
    if let Some(locale) = req.locale {
        clauses.push("a.locale = ?");
        params.push(locale.into());
    }
    let filter = format!("a.draft = 0 AND {}", clauses.join(" AND "));
    let count = db
        .query_i64(
            &format!("SELECT count(*) FROM hc_articles a WHERE {filter}"),
            &params,
        )?
        .unwrap_or(0);
    let page_params = [params, vec![req.limit.into(), req.offset.into()]].concat();
    let rows = db.query(
        &format!(
            "SELECT {ARTICLE_COLUMNS}, a.body_text FROM hc_articles a WHERE {filter} \
             ORDER BY a.promoted DESC, a.updated_at DESC, a.id LIMIT ? OFFSET ?"
        ),
        &page_params,
        |r| Ok((Article::from_row(r)?, r.string("body_text")?)),
    )?;
    let highlight = Highlighter::new(&Query::default());
    let hits = rows
        .into_iter()
        .map(|(article, text)| Hit {
            snippet: highlight.snippet_of_text(&text, &article.locale),
            article,
            score: 0.0,
        })
        .collect();
    Ok(SearchResults { hits, count })
}

/// Marks the written words whose terms the query searched for.
pub struct Highlighter {
    terms: HashSet<String>,
    /// The first two characters of every term. A written word can only yield a term if it
    /// contains that term's first two characters (stems and bigrams keep them), so most words
    /// are ruled out without being analysed.
    keys: Vec<String>,
}

/// Snippet length in characters, about Zendesk's.
const SNIPPET_CHARS: usize = 200;
/// How far into a long body to look for the first match.
const SNIPPET_SCAN_CHARS: usize = 20_000;

impl Highlighter {
    pub fn new(query: &Query) -> Self {
        let terms = query
            .all_terms()
            .iter()
            .flat_map(|unit| unit.split(' '))
            .map(str::to_owned)
            .collect::<HashSet<String>>();
        let mut keys: Vec<String> = terms.iter().map(|t| t.chars().take(2).collect()).collect();
        keys.sort();
        keys.dedup();
        Highlighter { terms, keys }
    }

    /// Whether `token` can yield one of the terms at all: most words cannot, and are ruled out
    /// here without being analysed.
    fn may_match(&self, token: &text::Token) -> bool {
        // Full-width and other compatibility forms only compare after NFKC: analyse those.
        let plain = token.script != text::Script::Word || token.text.is_ascii();
        !plain
            || self
                .keys
                .iter()
                .any(|k| contains_ignoring_ascii_case(token.text, k))
    }

    fn is_match(&self, analyzer: &Analyzer, token: &text::Token) -> bool {
        analyzer
            .token_terms(token)
            .iter()
            .any(|term| self.terms.contains(term))
    }

    /// The body text from a little before its first matching word, up to about
    /// [`SNIPPET_CHARS`] characters, HTML-escaped, with each matching word in `<em>`.
    pub fn snippet(&self, body_html: &str, locale: &str) -> String {
        self.snippet_of_text(&html::to_text(body_html), locale)
    }

    /// [`Highlighter::snippet`] of a body already turned into text (`html::to_text`). The body
    /// is read word by word only as far as its first match and the window after it: a search
    /// makes 25 snippets, and reading whole bodies was the larger part of their time.
    pub fn snippet_of_text(&self, text: &str, locale: &str) -> String {
        // A body no longer in bytes than the limit in characters is all scanned.
        let scan_end = if text.len() <= SNIPPET_SCAN_CHARS {
            text.len()
        } else {
            text.char_indices()
                .nth(SNIPPET_SCAN_CHARS)
                .map_or(text.len(), |(i, _)| i)
        };
        let scanned = &text[..scan_end];
        let analyzer = Analyzer::new(locale);
        // A body says the same words again and again: each that may match is analysed once.
        let mut analysed: HashMap<&str, bool> = HashMap::new();
        let mut hit = |t: &text::Token| {
            self.may_match(t)
                && *analysed
                    .entry(&text[t.start..t.end])
                    .or_insert_with(|| self.is_match(&analyzer, t))
        };
        // Start a few words before the first match (at the first word without one).
        const WORDS_BEFORE: usize = 6;
        let mut recent: VecDeque<usize> = VecDeque::with_capacity(WORDS_BEFORE + 1);
        let mut first_word = None;
        let mut matched = None;
        for t in text::token_iter(scanned) {
            first_word.get_or_insert(t.start);
            if recent.len() > WORDS_BEFORE {
                recent.pop_front();
            }
            recent.push_back(t.start);
            if hit(&t) {
                matched = recent.front().copied();
                break;
            }
        }
        let start = matched.or(first_word).unwrap_or(0);
        let end = text[start..]
            .char_indices()
            .nth(SNIPPET_CHARS)
            .map_or(text.len(), |(i, _)| start + i);
        // The window's words, read again from its first (a word's start is where reading from
        // it splits the same words), and not the last word cut in half.
        let mut words = Vec::new();
        let mut end = end;
        for t in text::token_iter(&scanned[start..]) {
            let t = text::Token {
                start: start + t.start,
                end: start + t.end,
                ..t
            };
            if t.start >= end {
                break;
            }
            if t.end > end {
                end = t.start;
                break;
            }
            words.push(t);
        }
        let mut out = String::new();
        let mut at = start;
        for t in &words {
            if hit(t) {
                out.push_str(&html::escape(&text[at..t.start]));
                out.push_str("<em>");
                out.push_str(&html::escape(t.text));
                out.push_str("</em>");
                at = t.end;
            }
        }
        out.push_str(&html::escape(&text[at..end]));
        let mut out = out.trim().to_owned();
        if start > 0 {
            out.insert_str(0, "… ");
        }
        if end < text.len() {
            out.push_str(" …");
        }
        out
    }
}

/// Whether `text`, its ASCII letters lowercased, contains `key` (lowercase): `to_ascii_lowercase`
/// and `contains` without making the lowercased copy. Byte windows are enough for UTF-8 text: a
/// whole character's bytes only ever match at a character's start.
fn contains_ignoring_ascii_case(text: &str, key: &str) -> bool {
    let key = key.as_bytes();
    !key.is_empty()
        && text
            .as_bytes()
            .windows(key.len())
            .any(|w| w.eq_ignore_ascii_case(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_searched_word_is_marked_each_time_whatever_its_case_or_ending() {
        let highlight = Highlighter::new(&text::query("refunds", "en"));
        assert_eq!(
            highlight.snippet_of_text(
                "REFUND policy: a Refund, two refunds, refunded once. Fund: refund.",
                "en"
            ),
            "<em>REFUND</em> policy: a <em>Refund</em>, two <em>refunds</em>, \
             <em>refunded</em> once. Fund: <em>refund</em>."
        );
    }

    #[test]
    fn the_quick_check_compares_ascii_letters_without_case_and_other_characters_exactly() {
        assert!(contains_ignoring_ascii_case("RePassword", "pa"));
        assert!(contains_ignoring_ascii_case("비밀번호를", "번호"));
        assert!(!contains_ignoring_ascii_case("비밀번호를", "비번"));
        assert!(!contains_ignoring_ascii_case("ÉTÉ", "ét"));
        assert!(!contains_ignoring_ascii_case("a", "ab"));
        assert!(!contains_ignoring_ascii_case("abc", ""));
    }
}
