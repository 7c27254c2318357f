//! `/api/admin/search_index`: how far the help-center search index is built, a full rebuild
//! on demand, and a step of it. The index rebuilds itself on help-center requests after an
//! upgrade or a change of analysis rules (`help_center::index::catch_up`); these routes let an
//! admin watch that and drive it without waiting for traffic.
//!
//! `/api/admin/search_index/tickets[/catch_up]`: the same for the desk's ticket search (text
//! index, phrase pairs and facet records), which every ticket write advances a little
//! (`tickets::search::upkeep`): after an upgrade on a quiet desk, an admin can finish it now.

use crate::help_center::{self, index};
use crate::ports::Env;
use crate::store::database;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::tickets::{search as ticket_search, search_index as ticket_index};
use crate::web::{json, ApiError};
use http::Method;
use serde_json::json;

pub fn route(env: &Env, req: &Request, segs: &[&str]) -> Option<Result<Response, ApiError>> {
    let method = req.method();
    Some(match segs {
        ["api", "admin", "search_index"] => match *method {
            Method::GET => status(env),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "admin", "search_index", "rebuild"] => match *method {
            Method::POST => rebuild(env),
            _ => Err(ApiError::method_not_allowed(method, "POST")),
        },
        ["api", "admin", "search_index", "catch_up"] => match *method {
            Method::POST => catch_up(env),
            _ => Err(ApiError::method_not_allowed(method, "POST")),
        },
        ["api", "admin", "search_index", "tickets"] => match *method {
            Method::GET => tickets_status(env),
            _ => Err(ApiError::method_not_allowed(method, "GET")),
        },
        ["api", "admin", "search_index", "tickets", "catch_up"] => match *method {
            Method::POST => tickets_catch_up(env),
            _ => Err(ApiError::method_not_allowed(method, "POST")),
        },
        _ => return None,
    })
}

/// `{"search_index": {published_articles, indexed_articles, complete, progress, batch}}`:
/// `indexed_articles` counts the published articles indexed under the current rules.
fn view(db: &Db) -> Result<Response, ApiError> {
    let published = db
        .query_i64("SELECT count(*) FROM hc_articles WHERE draft = 0", &[])?
        .unwrap_or(0);
    let indexed = db
        .query_i64(
            "SELECT count(*) FROM hc_article_terms t JOIN hc_articles a ON a.id = t.article_id \
             WHERE a.draft = 0 AND t.analysis = ?",
            &[index::index_version().into()],
        )?
        .unwrap_or(0);
    // With nothing published there is nothing to index, whatever rules the (empty) index
    // names: a fresh desk is not "rebuilding".
    let complete = published == 0 || index::totals(db)?.analysis == index::index_version();
    let progress = if published == 0 {
        1.0
    } else {
        indexed as f64 / published as f64
    };
    Ok(json(&json!({"search_index": {
        "published_articles": published,
        "indexed_articles": indexed,
        "complete": complete,
        "progress": (progress * 1000.0).round() / 1000.0,
        "batch": index::CATCH_UP_BATCH,
    }})))
}

fn status(env: &Env) -> Result<Response, ApiError> {
    view(&help_center::database::open(env)?)
}

/// Marks every article as indexed under old rules: help-center requests (or `catch_up`) then
/// index them again, a batch at a time. Searches keep answering from the old entries meanwhile.
fn rebuild(env: &Env) -> Result<Response, ApiError> {
    let db = help_center::database::open(env)?;
    db.transaction(|db| {
        db.execute("UPDATE hc_article_terms SET analysis = 0", &[])?;
        db.execute("UPDATE hc_index_stats SET analysis = 0 WHERE id = 1", &[])
    })?;
    view(&db)
}

/// Indexes the next batch of articles that are behind, and says how far the index is.
fn catch_up(env: &Env) -> Result<Response, ApiError> {
    let db = help_center::database::open(env)?;
    index::catch_up(&db)?;
    view(&db)
}

/// `{"ticket_search_index": {tickets, waiting_tickets, waiting_facets, complete, progress,
/// batch}}`: `waiting_tickets` still to be indexed under the current rules (all of them when
/// the rules changed and the catch-up has not queued them yet), `waiting_facets` whose facet
/// records are behind.
fn tickets_view(db: &Db) -> Result<Response, ApiError> {
    let count = |sql: &str| -> Result<i64, ApiError> { Ok(db.query_i64(sql, &[])?.unwrap_or(0)) };
    let tickets = count("SELECT count(*) FROM tickets")?;
    let analysis = count("SELECT analysis FROM ticket_search_state WHERE id = 1")?;
    let waiting = if analysis == ticket_index::index_version() {
        count("SELECT count(*) FROM ticket_search_queue")?
    } else {
        tickets
    };
    let facets = count("SELECT count(*) FROM ticket_facet_queue")?;
    let progress = if tickets == 0 {
        1.0
    } else {
        (tickets - waiting.min(tickets)) as f64 / tickets as f64
    };
    Ok(json(&json!({"ticket_search_index": {
        "tickets": tickets,
        "waiting_tickets": waiting,
        "waiting_facets": facets,
        "complete": waiting == 0 && facets == 0,
        "progress": (progress * 1000.0).round() / 1000.0,
        "batch": ticket_index::CATCH_UP_BATCH,
    }})))
}

fn tickets_status(env: &Env) -> Result<Response, ApiError> {
    tickets_view(&database(env)?)
}

/// Indexes the next batch of tickets that are behind (and drains a batch of facet records),
/// and says how far the ticket search is.
fn tickets_catch_up(env: &Env) -> Result<Response, ApiError> {
    let db = database(env)?;
    ticket_search::catch_up(&db)?;
    tickets_view(&db)
}
