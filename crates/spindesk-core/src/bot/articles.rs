//! The help center as the bot in a real conversation sees it: [`HelpCenter`] implements the
//! engine's [`Articles`] over the help-center tables.
//!
//! - A search (the found-articles response, a show-articles step with `search`) is
//!   [`help_center::recommend`]: only articles that cover the customer's words well enough,
//!   nothing rather than a wrong one.
//! - Fixed ids (a show-articles step with `article_ids`) keep the admin's order.
//! - Featured articles (under the greeting) are the promoted ones, then the most voted.
//!
//! Only published articles are shown, in the conversation's language (`ko-KR` reads `ko` and
//! `ko-kr` articles). A conversation whose language has no published article at all reads the
//! bot's default locale instead (a French visitor of an English help center still gets its
//! articles); a list of fixed ids none of which is in either language is shown as it is.

use super::context::Articles;
use super::state::ArticleCard;
use super::template::{render, Escape, Variables};
use crate::help_center;
use crate::help_center::language::{language, IN_LANGUAGE};
use crate::ports::{Env, SqlError, Value};
use crate::store::Db;
use std::cell::OnceCell;

/// Characters of an article's text shown when there is no link to it.
pub const EXCERPT_CHARS: usize = 140;

/// Characters of an article's text read for its excerpt: four times what is shown, as
/// whitespace is collapsed first (the same as a recommendation carries).
const TEXT_CHARS: usize = help_center::recommend::TEXT_CHARS;
const _: () = assert!(TEXT_CHARS == EXCERPT_CHARS * 4);

pub struct HelpCenter<'a> {
    env: &'a Env<'a>,
    /// The help center's database, opened (and brought up to date) on the first read: a turn
    /// that shows no article never opens it.
    db: OnceCell<Db<'a>>,
    /// `article_url` of the bot: where an article is read.
    article_url: Option<&'a str>,
    /// The bot's default locale, read when the conversation's language has no articles.
    fallback_locale: &'a str,
}

impl<'a> HelpCenter<'a> {
    pub fn new(env: &'a Env<'a>, article_url: Option<&'a str>, fallback_locale: &'a str) -> Self {
        HelpCenter {
            env,
            db: OnceCell::new(),
            article_url,
            fallback_locale,
        }
    }

    fn db(&self) -> Result<&Db<'a>, SqlError> {
        if let Some(db) = self.db.get() {
            return Ok(db);
        }
        let db = help_center::database::open(self.env)?;
        Ok(self.db.get_or_init(|| db))
    }

    /// `read` on the help center's database; when it is the request's first use of it, the
    /// database is opened with `read` as its first read ([`help_center::database::open_with`]).
    fn with_db<T>(&self, read: impl Fn(&Db<'a>) -> Result<T, SqlError>) -> Result<T, SqlError> {
        if let Some(db) = self.db.get() {
            return read(db);
        }
        let (db, found) = help_center::database::open_with(self.env, &read)?;
        self.db.get_or_init(|| db);
        Ok(found)
    }

    /// The locale to read articles in: `locale` when its language has a published article,
    /// else the fallback when its language has one; `None` when neither has. One statement
    /// asks for both languages (under Spin each statement is a host round trip).
    fn reading_locale<'l>(&self, locale: &'l str) -> Result<Option<&'l str>, SqlError>
    where
        'a: 'l,
    {
        let candidates: Vec<(&'l str, String)> = [locale, self.fallback_locale]
            .into_iter()
            .filter_map(|c| language(c).map(|l| (c, l)))
            .collect();
        let (Some((first_locale, first)), second) = (candidates.first(), candidates.get(1)) else {
            return Ok(None);
        };
        // The second language (the first again when there is one only) as `?2`.
        let other = second.map_or(first, |(_, l)| l);
        let found = self.db()?.query_opt(
            &format!(
                "SELECT EXISTS (SELECT 1 FROM hc_articles a WHERE a.draft = 0 AND {IN_LANGUAGE}), \
                 EXISTS (SELECT 1 FROM hc_articles a WHERE a.draft = 0 AND {})",
                IN_LANGUAGE.replace("?1", "?2")
            ),
            &[first.as_str().into(), other.as_str().into()],
            |r| Ok((r.i64_at(0)?, r.i64_at(1)?)),
        )?;
        Ok(match found {
            Some((1, _)) => Some(*first_locale),
            Some((_, 1)) => second.map(|(c, _)| *c),
            _ => None,
        })
    }

    fn card(&self, row: &Row) -> ArticleCard {
        let url = self.article_url.map_or_else(String::new, |template| {
            let vars = Variables::from([
                ("article.id".to_owned(), row.id.to_string()),
                ("article.locale".to_owned(), row.locale.clone()),
            ]);
            render(template, &vars, Escape::Url)
        });
        let snippet = if url.is_empty() {
            excerpt(&row.text, EXCERPT_CHARS)
        } else {
            String::new()
        };
        ArticleCard {
            id: row.id,
            title: row.title.clone(),
            url,
            snippet,
        }
    }

    /// The published articles with these ids, in the order of `ids`.
    fn rows(&self, ids: &[i64]) -> Result<Vec<Row>, SqlError> {
        // Nothing found (most turns that search): no statement.
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        let mut rows = self.db()?.query(
            &format!(
                "SELECT a.id, a.title, a.locale, substr(a.body_text, 1, {TEXT_CHARS}) AS text \
                 FROM hc_articles a WHERE a.draft = 0 AND a.id IN (SELECT value FROM json_each(?))"
            ),
            &[list.into()],
            Row::from_row,
        )?;
        rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
        Ok(rows)
    }
}

/// An article row as the bot shows it.
struct Row {
    id: i64,
    title: String,
    locale: String,
    /// The start of its text.
    text: String,
}

impl Row {
    fn from_row(r: &crate::store::Row) -> Result<Row, SqlError> {
        Ok(Row {
            id: r.i64("id")?,
            title: r.string("title")?,
            locale: r.string("locale")?,
            text: r.string("text")?,
        })
    }
}

fn in_language(locale: &str, article_locale: &str) -> bool {
    language(locale).is_some_and(|l| language(article_locale).as_deref() == Some(l.as_str()))
}

/// The first `max` characters of `text`, whitespace collapsed, cut at a word boundary when one
/// is in the second half, with `…` when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max {
        return collapsed;
    }
    let cut: String = collapsed.chars().take(max).collect();
    let at_word = cut
        .rfind(' ')
        .filter(|&at| cut[..at].chars().count() >= max / 2)
        .map_or(cut.as_str(), |at| &cut[..at]);
    format!("{}…", at_word.trim_end_matches([' ', ',', '.', ';', ':']))
}

impl Articles for HelpCenter<'_> {
    fn by_ids(&self, ids: &[i64], locale: &str) -> Result<Vec<ArticleCard>, SqlError> {
        let rows = self.rows(ids)?;
        let pick =
            |l: &str| -> Vec<&Row> { rows.iter().filter(|r| in_language(l, &r.locale)).collect() };
        let mut chosen = pick(locale);
        if chosen.is_empty() {
            chosen = pick(self.fallback_locale);
        }
        if chosen.is_empty() {
            chosen = rows.iter().collect();
        }
        Ok(chosen.into_iter().map(|r| self.card(r)).collect())
    }

    fn search(
        &self,
        query: &str,
        locale: &str,
        limit: usize,
    ) -> Result<Vec<ArticleCard>, SqlError> {
        // The customer's language first: whether it has articles comes with the search's first
        // read. Only when it has none (or that could not be told) is the language to read in
        // chosen first, as `featured` chooses it.
        // It is usually the turn's first use of the help center: its schema check rides on
        // the search's first read (`database::open_with`).
        let first_search = |db: &Db| help_center::recommend_for_reader(db, query, locale, limit);
        let found = match self.with_db(first_search)? {
            Some(found) => found,
            None => {
                let Some(locale) = self.reading_locale(locale)? else {
                    return Ok(Vec::new());
                };
                help_center::recommend(self.db()?, query, locale, limit)?
            }
        };
        // The recommendations come with the start of their text: no read of the rows again.
        Ok(found
            .into_iter()
            .map(|r| {
                self.card(&Row {
                    id: r.article_id,
                    title: r.title,
                    locale: r.locale,
                    text: r.text,
                })
            })
            .collect())
    }

    fn featured(&self, locale: &str, limit: usize) -> Result<Vec<ArticleCard>, SqlError> {
        let Some(language) = self.reading_locale(locale)?.and_then(language) else {
            return Ok(Vec::new());
        };
        let rows = self.db()?.query(
            &format!(
                "SELECT a.id, a.title, a.locale, substr(a.body_text, 1, {TEXT_CHARS}) AS text \
                 FROM hc_articles a \
                 WHERE a.draft = 0 AND (a.promoted = 1 OR a.vote_sum > 0) AND {IN_LANGUAGE} \
                 ORDER BY a.promoted DESC, a.vote_sum DESC, a.position, a.id LIMIT ?2"
            ),
            &[language.into(), Value::Integer(limit as i64)],
            Row::from_row,
        )?;
        Ok(rows.iter().map(|r| self.card(r)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_at_a_word() {
        assert_eq!(excerpt("  short \n text ", 20), "short text");
        assert_eq!(
            excerpt("Open Settings, then Account, then Password.", 30),
            "Open Settings, then Account…"
        );
        assert_eq!(excerpt("비밀번호를재설정하려면설정에서", 5), "비밀번호를…");
    }

    #[test]
    fn articles_in_a_locales_language() {
        assert!(in_language("en-GB", "en-us"));
        assert!(!in_language("ko", "en-us"));
    }
}
