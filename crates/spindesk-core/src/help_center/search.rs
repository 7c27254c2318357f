//! Article search: the query analysed like the articles were, matched in the FTS5 index, ranked
//! by BM25 (title above labels above body), filtered, with highlighted snippets.

use super::catalog::{Article, ARTICLE_COLUMNS};
use super::{html, index};
use crate::ports::{SqlError, Value};
use crate::store::Db;
use crate::text::{self, Analyzer, Query};
use std::collections::HashSet;

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
    /// BM25, higher is better (FTS5's own sign flipped).
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
    /// The query has nothing searchable in it (only stop words, punctuation, or nothing).
    EmptyQuery,
    Sql(SqlError),
}

impl From<SqlError> for SearchError {
    fn from(e: SqlError) -> Self {
        SearchError::Sql(e)
    }
}

/// The analysed query with spelling corrections from the index vocabulary.
pub fn prepare(db: &Db, text: &str, locale: &str) -> Result<Query, SqlError> {
    let mut q = text::query(text, locale);
    index::add_corrections(db, &mut q)?;
    Ok(q)
}

pub fn search(db: &Db, req: &SearchRequest) -> Result<SearchResults, SearchError> {
    let locale = req.locale.unwrap_or(DEFAULT_ANALYSIS_LOCALE);
    let query = prepare(db, req.query, locale)?;
    if query.is_empty() {
        return Err(SearchError::EmptyQuery);
    }
    let units = query.all_terms();
    let mut from = String::from(
        "FROM hc_article_index JOIN hc_articles a ON a.id = hc_article_index.rowid \
         WHERE hc_article_index MATCH ? AND a.draft = 0",
    );
    let mut params: Vec<Value> = vec![index::match_any(&units).into()];
    if let Some(l) = req.locale {
        from.push_str(" AND a.locale = ?");
        params.push(l.into());
    }
    if let Some(s) = req.section_id {
        from.push_str(" AND a.section_id = ?");
        params.push(s.into());
    }
    if let Some(c) = req.category_id {
        from.push_str(" AND a.section_id IN (SELECT id FROM hc_sections WHERE category_id = ?)");
        params.push(c.into());
    }
    if !req.label_names.is_empty() {
        from.push_str(
            " AND EXISTS (SELECT 1 FROM hc_article_labels l WHERE l.article_id = a.id \
             AND l.name IN (SELECT value FROM json_each(?)))",
        );
        let labels = serde_json::to_string(&req.label_names).unwrap_or_else(|_| "[]".into());
        params.push(labels.into());
    }
    let (w_title, w_body, w_labels) = index::WEIGHTS;
    let sql = format!(
        "SELECT {ARTICLE_COLUMNS}, \
         -bm25(hc_article_index, {w_title}, {w_body}, {w_labels}) AS score \
         {from} ORDER BY score DESC, a.id LIMIT ? OFFSET ?"
    );
    let page_params = [params.clone(), vec![req.limit.into(), req.offset.into()]].concat();
    let rows = db.query(&sql, &page_params, |r| {
        Ok((Article::from_row(r)?, r.f64("score")?))
    })?;
    // A short first page is all there is; otherwise count (without ranking, which is cheaper).
    let count = if req.offset == 0 && (rows.len() as i64) < req.limit {
        rows.len() as i64
    } else {
        db.query_i64(&format!("SELECT count(*) {from}"), &params)?
            .unwrap_or(0)
    };
    let highlight = Highlighter::new(&query);
    let hits = rows
        .into_iter()
        .map(|(article, score)| {
            let snippet = highlight.snippet(&article.body, &article.locale);
            Hit {
                article,
                score,
                snippet,
            }
        })
        .collect();
    Ok(SearchResults { hits, count })
}

/// Marks the written words whose terms the query searched for.
pub struct Highlighter {
    terms: HashSet<String>,
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
            .collect();
        Highlighter { terms }
    }

    /// The body text from a little before its first matching word, up to about
    /// [`SNIPPET_CHARS`] characters, HTML-escaped, with each matching word in `<em>`.
    pub fn snippet(&self, body_html: &str, locale: &str) -> String {
        let text = html::to_text(body_html);
        let scan_end = text
            .char_indices()
            .nth(SNIPPET_SCAN_CHARS)
            .map_or(text.len(), |(i, _)| i);
        let analyzer = Analyzer::new(locale);
        let tokens = text::tokens(&text[..scan_end]);
        let hit = |t: &text::Token| {
            analyzer
                .token_terms(t)
                .iter()
                .any(|term| self.terms.contains(term))
        };
        let first = tokens.iter().position(hit).unwrap_or(0);
        // Start a few words before the first match, at a word boundary.
        let start = tokens.get(first.saturating_sub(6)).map_or(0, |t| t.start);
        let end = text[start..]
            .char_indices()
            .nth(SNIPPET_CHARS)
            .map_or(text.len(), |(i, _)| start + i);
        // Do not cut the last word in half.
        let end = tokens
            .iter()
            .find(|t| t.start < end && t.end > end)
            .map_or(end, |t| t.start);
        let mut out = String::new();
        let mut at = start;
        for t in tokens.iter().filter(|t| t.start >= start && t.end <= end) {
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
