//! Ticket and user search with Zendesk's query syntax ([`parse`]). Tickets are searched in
//! memory ([`memory`]): candidates from the search index ([`super::search_index`]) and the tag
//! index, filtered, counted and sorted by their facet records ([`facets`]), so no `tickets` row
//! is read per match. The SQL path below — each clause one SQL condition on `tickets`, the count
//! and the page two statements, phrases of several terms checked afterwards ([`phrase`]) —
//! answers while facet records wait to be rewritten, and searches users. Every value is a bound
//! parameter; the SQL text comes only from fixed fragments. Searching only reads: the writes
//! keep the structures up to date ([`upkeep`]).

mod facets;
mod like;
mod memory;
mod page;
pub mod parse;
mod phrase;

use super::{search_index, Ticket, COLUMNS};
use crate::error::Result;
use crate::ports::Value;
use crate::store::Db;
use crate::users::{self, User};
pub use page::{Page, Searcher, SortBy};
pub use parse::{
    parse, Clause, Filter, Operator, Person, QueryError, Range, ResultType, SearchQuery,
};
pub use search_index::settled_sql;

/// One condition: SQL with `?` placeholders and the values they bind.
struct Condition {
    sql: String,
    params: Vec<Value>,
}

impl Condition {
    fn new(sql: impl Into<String>, params: Vec<Value>) -> Self {
        Condition {
            sql: sql.into(),
            params,
        }
    }

    fn never() -> Self {
        Condition::new("0", Vec::new())
    }
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Every term in the ticket's index entry: one primary-key probe of `ticket_terms` each, for
/// the candidates the driving term (see [`from_clause`]) or the other filters produced.
fn all_terms(terms: &[String]) -> Condition {
    let sql = vec![
        "EXISTS (SELECT 1 FROM ticket_terms WHERE term = ? AND ticket_id = t.id)";
        terms.len()
    ]
    .join(" AND ");
    Condition::new(
        format!("({sql})"),
        terms.iter().map(|t| t.clone().into()).collect(),
    )
}

fn person(column: &str, who: &Person, searcher: Searcher) -> Condition {
    match who {
        Person::Me => match searcher.user_id {
            Some(id) => Condition::new(format!("t.{column} = ?"), vec![id.into()]),
            None => Condition::never(),
        },
        Person::Nobody => Condition::new(format!("t.{column} IS NULL"), Vec::new()),
        Person::Id(id) => Condition::new(format!("t.{column} = ?"), vec![(*id).into()]),
        Person::Email(email) => Condition::new(
            format!("t.{column} IN ({})", crate::users::IDS_BY_EMAIL),
            vec![email.clone().into(), email.clone().into()],
        ),
        Person::Name(name) => Condition::new(
            format!("t.{column} IN (SELECT id FROM users WHERE name = ? COLLATE NOCASE)"),
            vec![name.clone().into()],
        ),
    }
}

fn range(column: &str, r: &Range) -> Condition {
    let mut parts = Vec::new();
    let mut params = Vec::new();
    if let Some(from) = r.from {
        parts.push(format!("{column} >= ?"));
        params.push(from.into());
    }
    if let Some(until) = r.until {
        parts.push(format!("{column} < ?"));
        params.push(until.into());
    }
    if parts.is_empty() {
        return Condition::new("1", Vec::new());
    }
    Condition::new(format!("({})", parts.join(" AND ")), params)
}

fn ticket_condition(filter: &Filter, searcher: Searcher) -> Condition {
    match filter {
        Filter::Status(statuses) if statuses.is_empty() => Condition::never(),
        Filter::Status(statuses) => Condition::new(
            format!("t.status IN ({})", placeholders(statuses.len())),
            statuses.iter().map(|s| s.as_str().into()).collect(),
        ),
        Filter::Priority(priorities) => {
            let named: Vec<Value> = priorities.iter().flatten().map(|p| (*p).into()).collect();
            let none = priorities.iter().any(Option::is_none);
            match (named.is_empty(), none) {
                (true, true) => Condition::new("t.priority IS NULL", Vec::new()),
                (true, false) => Condition::never(),
                (false, none) => {
                    let or_null = if none { " OR t.priority IS NULL" } else { "" };
                    let sql = format!("(t.priority IN ({}){or_null})", placeholders(named.len()));
                    Condition::new(sql, named)
                }
            }
        }
        Filter::TicketType(None) => Condition::new("t.type IS NULL", Vec::new()),
        Filter::TicketType(Some(kind)) => Condition::new("t.type = ?", vec![kind.clone().into()]),
        Filter::Assignee(who) => person("assignee_id", who, searcher),
        Filter::Requester(who) => person("requester_id", who, searcher),
        Filter::Group(Person::Me) => Condition::new(
            "t.group_id IN (SELECT group_id FROM group_memberships WHERE user_id = ?)",
            vec![searcher.user_id.unwrap_or(0).into()],
        ),
        Filter::Group(Person::Nobody) => Condition::new("t.group_id IS NULL", Vec::new()),
        Filter::Group(Person::Id(id)) => Condition::new("t.group_id = ?", vec![(*id).into()]),
        Filter::Group(Person::Name(name) | Person::Email(name)) => Condition::new(
            "t.group_id IN (SELECT id FROM groups WHERE name = ?)",
            vec![name.clone().into()],
        ),
        // The tag index, rewritten with the facet records before every write commits; a
        // ticket still queued (changed behind the app's back) is read from its own tags
        // column instead, so the answer is exact either way. A tags column that is not JSON
        // reads as no tags instead of failing, in both.
        Filter::Tag(tag) => Condition::new(
            "CASE WHEN EXISTS (SELECT 1 FROM ticket_facet_queue WHERE ticket_id = t.id)
             THEN EXISTS (SELECT 1 FROM json_each(
                     CASE WHEN json_valid(t.tags) THEN t.tags ELSE '[]' END)
                  WHERE value IS NOT NULL AND lower(value) = lower(?))
             ELSE EXISTS (SELECT 1 FROM ticket_tags WHERE tag = lower(?) AND ticket_id = t.id)
             END",
            vec![tag.clone().into(), tag.clone().into()],
        ),
        Filter::Created(r) => range("t.created_at", r),
        Filter::Updated(r) => range("t.updated_at", r),
        Filter::Via(channel) => Condition::new("t.via_channel = ?", vec![channel.clone().into()]),
        Filter::Words(terms) => all_terms(terms),
        // A phrase of several terms needs all of them here and is checked afterwards
        // (`verified`).
        Filter::Phrase(terms, _) => all_terms(terms),
        Filter::Role(_)
        | Filter::Email(_)
        | Filter::Name(_)
        | Filter::ExternalId(_)
        | Filter::Nothing => Condition::never(),
    }
}

fn user_condition(filter: &Filter) -> Condition {
    match filter {
        Filter::Role(role) => Condition::new("u.role = ?", vec![role.as_str().into()]),
        Filter::Email(email) => Condition::new(
            format!("u.id IN ({})", crate::users::IDS_BY_EMAIL),
            vec![email.clone().into(), email.clone().into()],
        ),
        Filter::Name(name) => {
            Condition::new("u.name LIKE ? ESCAPE '\\'", vec![like::contains(name)])
        }
        Filter::ExternalId(id) => Condition::new("u.external_id = ?", vec![id.clone().into()]),
        Filter::Tag(tag) => Condition::new(
            "EXISTS (SELECT 1 FROM json_each(u.tags) WHERE lower(value) = lower(?))",
            vec![tag.clone().into()],
        ),
        Filter::Created(r) => range("u.created_at", r),
        Filter::Updated(r) => range("u.updated_at", r),
        // Users have no analysed text: a word is a part of their name or email, as in Zendesk.
        Filter::Words(_) | Filter::Phrase(..) => Condition::never(),
        _ => Condition::never(),
    }
}

/// A user's free-text clause: the word as written, in the name or the email.
fn user_text(written: &str) -> Condition {
    let text = written.trim_matches('"');
    Condition::new(
        "(u.name LIKE ? ESCAPE '\\' OR u.email LIKE ? ESCAPE '\\')",
        vec![like::contains(text), like::contains(text)],
    )
}

/// The conditions joined with AND; a negated clause is true where its condition is false or
/// unknown (`-priority:high` includes tickets without a priority).
fn where_clause(conditions: Vec<(bool, Condition)>) -> (String, Vec<Value>) {
    let mut sql = Vec::new();
    let mut params = Vec::new();
    for (negated, c) in conditions {
        if negated {
            sql.push(format!("NOT coalesce(({}), 0)", c.sql));
        } else {
            sql.push(c.sql);
        }
        params.extend(c.params);
    }
    if sql.is_empty() {
        ("1".to_owned(), params)
    } else {
        (sql.join(" AND "), params)
    }
}

/// A phrase the SQL cannot settle: one of two terms or more, checked afterwards.
fn verified(filter: &Filter) -> Option<&[String]> {
    match filter {
        Filter::Phrase(terms, _) if terms.len() > 1 => Some(terms),
        _ => None,
    }
}

fn ticket_where(query: &SearchQuery, searcher: Searcher) -> (String, Vec<Value>) {
    where_clause(
        query
            .clauses
            .iter()
            .map(|c| match verified(&c.filter) {
                // Having the terms or not says nothing about not having the phrase.
                Some(_) if c.negated => (false, Condition::new("1", Vec::new())),
                _ => (c.negated, ticket_condition(&c.filter, searcher)),
            })
            .collect(),
    )
}

fn user_where(query: &SearchQuery) -> (String, Vec<Value>) {
    where_clause(
        query
            .clauses
            .iter()
            .map(|c| {
                let condition = match &c.filter {
                    Filter::Words(_) | Filter::Phrase(..) | Filter::Nothing => {
                        user_text(c.written.trim_start_matches('-'))
                    }
                    other => user_condition(other),
                };
                (c.negated, condition)
            })
            .collect(),
    )
}

fn direction(page: &Page) -> &'static str {
    if page.descending {
        "DESC"
    } else {
        "ASC"
    }
}

fn ticket_order(page: &Page) -> String {
    let key = match page.sort_by {
        SortBy::CreatedAt => "t.created_at",
        SortBy::UpdatedAt => "t.updated_at",
        SortBy::Priority => {
            "CASE t.priority WHEN 'low' THEN 1 WHEN 'normal' THEN 2 WHEN 'high' THEN 3 \
             WHEN 'urgent' THEN 4 ELSE 0 END"
        }
        SortBy::Status => {
            "CASE t.status WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 \
             WHEN 'hold' THEN 3 WHEN 'solved' THEN 4 ELSE 5 END"
        }
        SortBy::TicketType => "coalesce(t.type, '')",
    };
    let dir = direction(page);
    format!("{key} {dir}, t.id {dir}")
}

/// Terms counted at most this far when choosing the driving term: enough to tell a rare term
/// from a common one, without reading all of a common one.
const DRIVER_PROBE: i64 = 2_000;

/// Where the candidates come from. With free words, the rarest term's key range drives the
/// search (`CROSS JOIN` keeps SQLite from turning it around): a word in 7 tickets reads 7 rows,
/// not the 100,000 tickets in `updated_at` order that the planner, with no statistics,
/// otherwise prefers for `ORDER BY ... LIMIT`. Without free words, SQLite picks an index
/// for the keyword filters.
fn from_clause(db: &Db, query: &SearchQuery) -> Result<(String, Vec<Value>)> {
    let mut terms: Vec<&String> = Vec::new();
    for clause in query.clauses.iter().filter(|c| !c.negated) {
        match &clause.filter {
            Filter::Words(ts) | Filter::Phrase(ts, _) => terms.extend(ts),
            _ => {}
        }
    }
    terms.sort();
    terms.dedup();
    if terms.is_empty() {
        return Ok(("tickets t".to_owned(), Vec::new()));
    }
    let mut rarest: Option<(i64, &String)> = None;
    for term in terms {
        let n = db
            .query_i64(
                "SELECT count(*) FROM (SELECT 1 FROM ticket_terms WHERE term = ? LIMIT ?)",
                &[term.clone().into(), DRIVER_PROBE.into()],
            )?
            .unwrap_or(0);
        if rarest.is_none_or(|(least, _)| n < least) {
            rarest = Some((n, term));
        }
        if n == 0 {
            break;
        }
    }
    let driver = rarest.map(|(_, t)| t.clone()).unwrap_or_default();
    Ok((
        "ticket_terms d CROSS JOIN tickets t ON t.id = d.ticket_id AND d.term = ?".to_owned(),
        vec![driver.into()],
    ))
}

/// Brings the text index and the facet records up to date a batch at a time (for a bench or a
/// maintenance loop). Returns whether both are complete.
pub fn catch_up(db: &Db) -> Result<bool> {
    let text = search_index::catch_up(db)?;
    Ok(facets::drain(db)? && text)
}

/// Facet records rewritten per write while a backlog drains (~20 µs each): what the write
/// itself changed is a few.
const WRITE_DRAIN: i64 = 1_000;
/// Queued tickets indexed per write while the text index catches up after an upgrade (~0.3 ms
/// each); a write that indexed its own tickets finds the queue empty.
const WRITE_CATCH_UP: i64 = 20;

/// What every write does before it commits, so that searches never write: the facet records
/// of the tickets it changed (whatever statement changed them; the triggers queued them), and
/// a little of the text index's backlog. One read when nothing waits.
pub fn upkeep(db: &Db) -> Result<()> {
    if db.query_i64(&format!("SELECT {}", settled_sql()), &[])? == Some(1) {
        return Ok(());
    }
    upkeep_waiting(db)
}

/// [`upkeep`] for a caller that asked [`settled_sql`] itself and found work waiting.
// Not inlined: every write's transaction (one generic copy per kind of write) calls it, and the
// components that write tickets weigh close to the 2 MB they may.
#[inline(never)]
pub fn upkeep_waiting(db: &Db) -> Result<()> {
    search_index::catch_up_in(db, WRITE_CATCH_UP)?;
    facets::drain_in(db, WRITE_DRAIN)?;
    Ok(())
}

/// The tickets with these ids, in this order (the page [`memory::run`] found).
fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<Ticket>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let json = serde_json::to_string(ids).map_err(crate::error::Error::corrupt)?;
    let mut found = db.query(
        &format!("SELECT {COLUMNS} FROM tickets WHERE id IN (SELECT value FROM json_each(?))"),
        &[json.into()],
        super::from_row,
    )?;
    found.sort_by_key(|t| ids.iter().position(|id| *id == t.id));
    Ok(found)
}

/// The tickets matching `query`: how many in all, and the page asked for. Reads only.
pub fn tickets(
    db: &Db,
    query: &SearchQuery,
    searcher: Searcher,
    page: &Page,
) -> Result<(i64, Vec<Ticket>)> {
    if let Some(found) = memory::run(db, query, searcher, Some(page))? {
        return Ok((found.count, by_ids(db, &found.ids)?));
    }
    let (from, mut params) = from_clause(db, query)?;
    let (filter, filter_params) = ticket_where(query, searcher);
    params.extend(filter_params);
    let order = ticket_order(page);
    if query.clauses.iter().any(|c| verified(&c.filter).is_some()) {
        let all = db.query(
            &format!("SELECT t.id FROM {from} WHERE {filter} ORDER BY {order}"),
            &params,
            |r| r.i64_at(0),
        )?;
        let matching = with_phrases(db, query, all)?;
        let offset = usize::try_from(page.offset.max(0)).unwrap_or(usize::MAX);
        let limit = usize::try_from(page.limit.max(0)).unwrap_or(0);
        let ids: Vec<i64> = matching.iter().skip(offset).take(limit).copied().collect();
        return Ok((matching.len() as i64, by_ids(db, &ids)?));
    }
    let count = db
        .query_i64(
            &format!("SELECT count(*) FROM {from} WHERE {filter}"),
            &params,
        )?
        .unwrap_or(0);
    if count <= page.offset {
        return Ok((count, Vec::new()));
    }
    params.push(page.limit.into());
    params.push(page.offset.into());
    // The page's ids in order, then the tickets read as everywhere else (`COLUMNS` reads the
    // unaliased `tickets` table).
    let list = db.query(
        &format!(
            "SELECT {COLUMNS} FROM tickets
             JOIN (SELECT t.id AS hit_id, row_number() OVER (ORDER BY {order}) AS hit_rank
                   FROM {from} WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?) AS hits
               ON tickets.id = hits.hit_id
             ORDER BY hits.hit_rank"
        ),
        &params,
        super::from_row,
    )?;
    Ok((count, list))
}

/// The ids (in their order) that pass the query's phrases of several terms, checked by where
/// their pairs sit (or in the text while the pair index catches up): kept when it has a phrase searched for, dropped when it has one negated.
fn with_phrases(db: &Db, query: &SearchQuery, ids: Vec<i64>) -> Result<Vec<i64>> {
    let mut kept = ids;
    let pairs_ready = search_index::pairs_ready(db)?;
    for clause in &query.clauses {
        let Some(terms) = verified(&clause.filter) else {
            continue;
        };
        let mut ascending = kept.clone();
        ascending.sort_unstable();
        let holding = phrase::holding(db, terms, &ascending, pairs_ready)?;
        kept.retain(|id| holding.binary_search(id).is_ok() != clause.negated);
    }
    Ok(kept)
}

/// How many tickets match (`GET /api/v2/search/count`). Reads only.
pub fn count_tickets(db: &Db, query: &SearchQuery, searcher: Searcher) -> Result<i64> {
    if let Some(found) = memory::run(db, query, searcher, None)? {
        return Ok(found.count);
    }
    let (from, mut params) = from_clause(db, query)?;
    let (filter, filter_params) = ticket_where(query, searcher);
    params.extend(filter_params);
    if query.clauses.iter().any(|c| verified(&c.filter).is_some()) {
        let all = db.query(
            &format!("SELECT t.id FROM {from} WHERE {filter}"),
            &params,
            |r| r.i64_at(0),
        )?;
        return Ok(with_phrases(db, query, all)?.len() as i64);
    }
    Ok(db
        .query_i64(
            &format!("SELECT count(*) FROM {from} WHERE {filter}"),
            &params,
        )?
        .unwrap_or(0))
}

/// The users matching `query`: how many in all, and the page asked for. Users sort by
/// `created_at` or `updated_at` (the ticket-only sorts fall back to `created_at`).
pub fn users(db: &Db, query: &SearchQuery, page: &Page) -> Result<(i64, Vec<User>)> {
    let (filter, mut params) = user_where(query);
    let count = db
        .query_i64(
            &format!("SELECT count(*) FROM users u WHERE {filter}"),
            &params,
        )?
        .unwrap_or(0);
    if count <= page.offset {
        return Ok((count, Vec::new()));
    }
    let key = match page.sort_by {
        SortBy::UpdatedAt => "u.updated_at",
        _ => "u.created_at",
    };
    let dir = direction(page);
    params.push(page.limit.into());
    params.push(page.offset.into());
    let ids = db.query(
        &format!(
            "SELECT u.id FROM users u WHERE {filter} ORDER BY {key} {dir}, u.id {dir} \
             LIMIT ? OFFSET ?"
        ),
        &params,
        |r| r.i64("id"),
    )?;
    let mut found = users::by_ids(db, &ids)?;
    found.sort_by_key(|u| ids.iter().position(|id| *id == u.id));
    Ok((count, found))
}

/// How many users match.
pub fn count_users(db: &Db, query: &SearchQuery) -> Result<i64> {
    let (filter, params) = user_where(query);
    Ok(db
        .query_i64(
            &format!("SELECT count(*) FROM users u WHERE {filter}"),
            &params,
        )?
        .unwrap_or(0))
}
