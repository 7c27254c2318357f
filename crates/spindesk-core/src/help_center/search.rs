//! Article search: the query analysed like the articles were, ranked by BM25 over the index's
//! posting blocks (title above labels above body, `rank.rs`), filtered, with highlighted snippets.

use super::article::{Article, ARTICLE_COLUMNS};
use super::index;
use super::rank::{self, Scope};
use super::vocabulary::{self, Vocabulary};
use crate::html;
use crate::ports::{Env, SqlError, Value};
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
    let prepared = prepare(db, req.query, analysis_locale(req), None)?;
    search_prepared(db, req, prepared)
}

/// A query analysed and its vocabulary read ([`prepare`]).
pub type Prepared = (Query, Vocabulary);

/// The request's help-center database, caught up ([`index::open_caught_up_with`]), opened with
/// `query`'s vocabulary (analysed in `locale`) as its first read, and that vocabulary: the read
/// brings the index's totals and the schema check, so a search makes one statement fewer. A
/// query without words reads nothing (and [`search_prepared`] refuses it).
pub fn open_prepared<'a>(
    env: &Env<'a>,
    query: &str,
    locale: &str,
) -> Result<(Db<'a>, Prepared), SqlError> {
    index::open_caught_up_with(
        env,
        |db| prepare(db, query, locale, None),
        |(words, vocabulary)| (!words.is_empty()).then_some(vocabulary.totals),
    )
}

/// The locale `req`'s query is analysed in ([`prepare`]).
pub fn analysis_locale<'a>(req: &SearchRequest<'a>) -> &'a str {
    req.locale.unwrap_or(DEFAULT_ANALYSIS_LOCALE)
}

/// [`search`] of a query with words, analysed and its vocabulary read already ([`prepare`] in
/// [`analysis_locale`]): for a request whose first read of the database was the vocabulary's
/// ([`open_prepared`]).
pub fn search_prepared(
    db: &Db,
    req: &SearchRequest,
    (query, vocabulary): Prepared,
) -> Result<SearchResults, SearchError> {
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
    keys: Keys,
}

/// The terms' first two characters ([`Highlighter`]), looked for in a written word with ASCII
/// letters compared without case, in one pass over the word: the all-ASCII keys as a table of
/// byte pairs (and of single bytes, for one-letter terms), the others (Hangul and CJK bigrams,
/// accented letters) as pairs of characters. Comparing characters is comparing their bytes: a
/// whole character's bytes only ever match at a character's start.
struct Keys {
    /// Bit `256 × a + b`: the key `ab`, lowercase.
    pairs: Box<[u64; 1024]>,
    /// Bit `a`: the one-letter key `a`, lowercase.
    singles: u128,
    /// The keys with a character that is not ASCII: `(first, second)`, a one-character key
    /// with no second.
    wide: Vec<(char, Option<char>)>,
}

impl Keys {
    fn new(terms: &HashSet<String>) -> Self {
        let mut keys = Keys {
            pairs: Box::new([0; 1024]),
            singles: 0,
            wide: Vec::new(),
        };
        for term in terms {
            let mut chars = term.chars().map(|c| c.to_ascii_lowercase());
            match (chars.next(), chars.next()) {
                (None, _) => {}
                (Some(a), None) if a.is_ascii() => keys.singles |= 1 << u32::from(a),
                (Some(a), Some(b)) if a.is_ascii() && b.is_ascii() => {
                    let bit = (u32::from(a) << 8 | u32::from(b)) as usize;
                    keys.pairs[bit / 64] |= 1 << (bit % 64);
                }
                (Some(a), b) => {
                    if !keys.wide.contains(&(a, b)) {
                        keys.wide.push((a, b));
                    }
                }
            }
        }
        keys
    }

    /// Whether `word` contains one of the keys.
    fn in_word(&self, word: &str) -> bool {
        let lower = |b: u8| b.to_ascii_lowercase();
        let bytes = word.as_bytes();
        if (self.singles != 0
            && bytes
                .iter()
                .any(|&b| b.is_ascii() && self.singles & (1 << lower(b)) != 0))
            || bytes.windows(2).any(|w| {
                let bit = usize::from(lower(w[0])) << 8 | usize::from(lower(w[1]));
                self.pairs[bit / 64] & (1 << (bit % 64)) != 0
            })
        {
            return true;
        }
        if self.wide.is_empty() || word.is_ascii() {
            return false;
        }
        let mut before = None;
        word.chars().map(|c| c.to_ascii_lowercase()).any(|c| {
            let found = self
                .wide
                .iter()
                .any(|&(a, b)| (b.is_none() && a == c) || (b == Some(c) && before == Some(a)));
            before = Some(c);
            found
        })
    }
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
        let keys = Keys::new(&terms);
        Highlighter { terms, keys }
    }

    /// Whether `token` can yield one of the terms at all: most words cannot, and are ruled out
    /// here without being analysed.
    fn may_match(&self, token: &text::Token) -> bool {
        // Full-width and other compatibility forms only compare after NFKC: analyse those.
        let plain = token.script != text::Script::Word || token.text.is_ascii();
        !plain || self.keys.in_word(token.text)
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
        // Start a few words before the first match; with no match, at the first word.
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
        let keys = |terms: &[&str]| Keys::new(&terms.iter().map(|t| t.to_string()).collect());
        // A term's first two characters, anywhere in the word, ASCII letters without case.
        assert!(keys(&["password"]).in_word("RePassword"));
        assert!(keys(&["PAss"]).in_word("repassword"));
        assert!(!keys(&["password"]).in_word("apsword"));
        // Hangul bigrams, and a key that is neither all ASCII nor all Hangul.
        assert!(keys(&["번호"]).in_word("비밀번호를"));
        assert!(!keys(&["비번"]).in_word("비밀번호를"));
        assert!(keys(&["a가"]).in_word("xa가y"));
        assert!(!keys(&["a가"]).in_word("a"));
        // Letters beyond ASCII compare exactly: `ÉTÉ` is analysed, not ruled in here.
        assert!(!keys(&["été"]).in_word("ÉTÉ"));
        assert!(keys(&["été"]).in_word("ÉTÉ été"));
        // One-character terms.
        assert!(keys(&["5"]).in_word("x5"));
        assert!(keys(&["가"]).in_word("가나"));
        assert!(!keys(&["5", "가"]).in_word("abc"));
        // No terms, or an empty one: nothing passes.
        assert!(!keys(&[]).in_word("abc"));
        assert!(!keys(&[""]).in_word("abc"));
    }

    #[test]
    fn a_snippet_starts_six_words_before_the_first_match_and_ends_on_a_whole_word() {
        // 200 words of five characters each ("x000 "), the 51st replaced by the match.
        let word = |i: usize| {
            if i == 50 {
                "refund".to_owned()
            } else {
                format!("x{i:03}")
            }
        };
        let text = (0..200).map(word).collect::<Vec<_>>().join(" ");
        let highlight = Highlighter::new(&text::query("refund", "en"));
        // From word 44; 200 characters reach into word 83 (the match is two characters longer
        // than the others), which is left out whole.
        let expected = (44..83)
            .map(|i| {
                if i == 50 {
                    "<em>refund</em>".to_owned()
                } else {
                    word(i)
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            highlight.snippet_of_text(&text, "en"),
            format!("… {expected} …")
        );
        // No match: the body's first 200 characters, which end between two words.
        let nothing = Highlighter::new(&text::query("zebra", "en"));
        let first = (0..40).map(word).collect::<Vec<_>>().join(" ");
        assert_eq!(nothing.snippet_of_text(&text, "en"), format!("{first} …"));
    }
}
