//! Help-center articles: fixed ids, or a search (by default on the customer's last words).

use crate::bot::checker::{At, Checker};
use crate::bot::model::Text;
use crate::bot::run::{Flow, Run};
use crate::bot::state::Output;
use crate::bot::template::{render, Escape};
use crate::ports::SqlError;

pub const MAX_ARTICLES: usize = 6;

pub fn check(
    c: &mut Checker,
    at: &At,
    text: Option<&Text>,
    article_ids: &[i64],
    search: Option<&str>,
) {
    if let Some(t) = text {
        c.text(&at.field("text"), t, false);
    }
    c.limit(
        &at.field("article_ids"),
        article_ids.len(),
        MAX_ARTICLES,
        "articles",
    );
    if !article_ids.is_empty() && search.is_some() {
        c.at(
            &at.field("search"),
            "not_applicable",
            "give either article_ids or search, not both",
        );
    }
    if let Some(s) = search {
        c.template(&at.field("search"), s);
    }
}

pub fn run(
    run: &mut Run,
    answer_id: &str,
    text: Option<&Text>,
    article_ids: &[i64],
    search: Option<&str>,
    next: &Option<String>,
) -> Result<Flow, SqlError> {
    let locale = run.ctx.locale;
    let articles = if article_ids.is_empty() {
        let query = render(
            search.unwrap_or("{{conversation.last_message}}"),
            &run.state.variables,
            Escape::Plain,
        );
        run.ctx.articles.search(&query, locale, 3)?
    } else {
        run.ctx.articles.by_ids(article_ids, locale)?
    };
    if !articles.is_empty() {
        if let Some(t) = text {
            let t = run.tr(t);
            run.say(t, Vec::new());
        }
        run.outputs.push(Output::Articles { articles });
    } else {
        run.trace.push("no articles to show".into());
    }
    Ok(Flow::within(answer_id, next))
}
