//! The ticket search index (tables and triggers in `store/schema_v9.rs`): for every ticket, one
//! `ticket_terms` row per distinct term of its subject, description and comments, analysed by
//! [`crate::text`] like help-center search, so a Korean word is found whatever particle follows
//! it and an English word whatever its ending.
//!
//! Plain (term, ticket) rows rather than help-center style posting blocks: a comment adds only
//! the terms the ticket did not have yet (an insert of a few rows, no blob rewritten), and a
//! search reads a term's tickets as one range of the key. What made common words slow was not
//! this index but reading a `tickets` row per match for the count and the sort; since version
//! 13 those columns come from the facet records of `search/facets.rs` instead.
//! `benches/search_tickets.rs` measures both over 100,000 tickets with 1,000,000 comments.
//!
//! Since version 17 the same pass also keeps the ticket's adjacent term pairs
//! (`ticket_pairs`, [`super::term_pairs`]), and since version 25 where each sits, which answer
//! quoted phrases.
//!
//! Triggers queue every ticket whose text changes, and every ticket created or deleted (schema
//! v29: they only queue); [`index_ticket`] indexes one — or, for a ticket gone, removes its
//! entries — and takes it off the queue, and [`catch_up_in`] drains what is left (tickets from
//! before the index or the pairs, a change of analysis rules) a batch per write — searches
//! never write.

use super::term_pairs::{self, Space};
use crate::error::{Error, Result};
use crate::ports::Value;
use crate::store::Db;
use crate::text::{self, Analyzer};
use std::collections::{BTreeMap, BTreeSet};

/// Tickets indexed per [`catch_up`] call (a ticket with ten comments takes ~0.3 ms with its
/// pairs): for a maintenance loop or a bench.
pub const CATCH_UP_BATCH: i64 = 200;

/// One rule set for every ticket, whatever the requester's language, so a query is analysed the
/// way every text was: Hangul and CJK do not depend on the locale, and letter words get English
/// stemming, which is also what Korean-locale text gets (`text::Language`).
const LOCALE: &str = "en";

/// The analysis rules the stored index is built with (see [`catch_up`]).
pub fn index_version() -> i64 {
    i64::from(text::ANALYSIS_VERSION)
}

/// Whether nothing waits for `tickets::search::upkeep` — the three checks of [`catch_up_in`] and the facets' `drain_in` —
/// as one SQL expression without parameters, so a write can ask it with its other checks in
/// one read ([`crate::api::commit`]): under the write lock each statement is a host round trip
/// on Spin.
pub fn settled_sql() -> String {
    format!(
        "(coalesce((SELECT analysis FROM ticket_search_state WHERE id = 1), 0) = {}
          AND NOT EXISTS (SELECT 1 FROM ticket_search_queue)
          AND NOT EXISTS (SELECT 1 FROM ticket_facet_queue))",
        index_version()
    )
}

/// The analyser both the index and the query use.
pub fn analyzer() -> Analyzer {
    Analyzer::new(LOCALE)
}

/// A pair's positions, written as `ticket_pairs.positions` holds them.
type Pairs = BTreeMap<String, String>;

struct Doc {
    terms: BTreeSet<String>,
    head: BTreeSet<String>,
    /// The subject's and description's adjacent pairs with their positions (`None`: indexed
    /// before positions were, which makes the next indexing a rebuild).
    head_pairs: Option<Pairs>,
    last_comment_id: i64,
    /// The comments' next free position.
    next_position: i64,
    analysis: i64,
    /// Its ticket was deleted (the id can come back with another ticket).
    deleted: bool,
}

fn set_of(json: &str) -> BTreeSet<String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn json_of<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(Error::corrupt)
}

fn add_terms(analyzer: &Analyzer, text: &str, into: &mut BTreeSet<String>) {
    into.extend(analyzer.analyze(text).into_iter().map(|t| t.text));
}

/// Brings the ticket's entry in the index up to date with its subject, description and
/// comments, and takes it off the queue. Incremental when only comments were added (the usual
/// case): only the new comments are analysed and only the ticket's new terms are written. A
/// subject or description that lost words, or older analysis rules, rebuild the ticket's entry.
pub fn index_ticket(db: &Db, ticket_id: i64) -> Result<()> {
    let head_text = db.query_opt(
        "SELECT subject, description FROM tickets WHERE id = ?",
        &[ticket_id.into()],
        |r| Ok((r.string("subject")?, r.string("description")?)),
    )?;
    let Some((subject, description)) = head_text else {
        forget_entries(db, ticket_id)?;
        db.execute(
            "DELETE FROM ticket_search_queue WHERE ticket_id = ?",
            &[ticket_id.into()],
        )?;
        return Ok(());
    };
    let analyzer = analyzer();
    let mut head = BTreeSet::new();
    add_terms(&analyzer, &subject, &mut head);
    add_terms(&analyzer, &description, &mut head);
    let mut head_pairs = Pairs::new();
    let mut at = 0;
    for text in [&subject, &description] {
        term_pairs::add_positioned(&analyzer, text, Space::Head, &mut at, &mut head_pairs);
    }
    let old = db.query_opt(
        "SELECT terms, head_terms, head_pairs, last_comment_id, next_position, analysis, \
         deleted FROM ticket_search_docs WHERE ticket_id = ?",
        &[ticket_id.into()],
        |r| {
            Ok(Doc {
                terms: set_of(&r.string("terms")?),
                head: set_of(&r.string("head_terms")?),
                // A JSON array here is a doc from before positions: no head pairs.
                head_pairs: r
                    .opt_string("head_pairs")?
                    .and_then(|json| serde_json::from_str(&json).ok()),
                last_comment_id: r.i64("last_comment_id")?,
                next_position: r.i64("next_position")?,
                analysis: r.i64("analysis")?,
                deleted: r.i64("deleted")? != 0,
            })
        },
    )?;
    // The doc of a deleted ticket whose id was taken again before the queue was drained (the
    // delete trigger marked it): its entries go first, then this ticket is indexed anew.
    let old = match old {
        Some(doc) if doc.deleted => {
            forget_entries(db, ticket_id)?;
            None
        }
        old => old,
    };
    // Comments never change, so only new comments are read unless the head changed (its
    // positions with it), the rules did, or the doc is from before positions.
    let incremental = old.as_ref().filter(|d| {
        d.analysis == index_version()
            && d.head.is_subset(&head)
            && d.head_pairs.as_ref() == Some(&head_pairs)
    });
    let (mut terms, since, mut next_position) = match incremental {
        Some(doc) => (doc.terms.clone(), doc.last_comment_id, doc.next_position),
        None => (BTreeSet::new(), 0, 0),
    };
    terms.extend(head.iter().cloned());
    let comments = db.query(
        "SELECT id, body FROM ticket_comments WHERE ticket_id = ? AND id > ? ORDER BY id",
        &[ticket_id.into(), since.into()],
        |r| Ok((r.i64("id")?, r.string("body")?)),
    )?;
    let mut last_comment_id = since;
    let mut pairs = Pairs::new();
    for (id, body) in &comments {
        add_terms(&analyzer, body, &mut terms);
        term_pairs::add_positioned(
            &analyzer,
            body,
            Space::Comments,
            &mut next_position,
            &mut pairs,
        );
        last_comment_id = last_comment_id.max(*id);
    }
    match incremental {
        Some(_) => add_positions(db, ticket_id, &pairs)?,
        None => rewrite_pairs(db, ticket_id, old.as_ref(), &head_pairs, pairs)?,
    }
    let empty = BTreeSet::new();
    let before = old.as_ref().map_or(&empty, |d| &d.terms);
    let added: BTreeSet<String> = terms.difference(before).cloned().collect();
    let removed: BTreeSet<String> = before.difference(&terms).cloned().collect();
    if !added.is_empty() {
        db.execute(
            "INSERT OR IGNORE INTO ticket_terms (term, ticket_id) \
             SELECT value, ? FROM json_each(?)",
            &[ticket_id.into(), json_of(&added)?.into()],
        )?;
    }
    if !removed.is_empty() {
        db.execute(
            "DELETE FROM ticket_terms WHERE ticket_id = ? \
             AND term IN (SELECT value FROM json_each(?))",
            &[ticket_id.into(), json_of(&removed)?.into()],
        )?;
    }
    let unchanged = old.as_ref().is_some_and(|d| {
        added.is_empty()
            && removed.is_empty()
            && d.head == head
            && d.head_pairs.as_ref() == Some(&head_pairs)
            && d.last_comment_id == last_comment_id
            && d.next_position == next_position
            && d.analysis == index_version()
    });
    if !unchanged {
        db.execute(
            "INSERT INTO ticket_search_docs \
             (ticket_id, terms, head_terms, head_pairs, last_comment_id, next_position, analysis, \
              deleted) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 0) \
             ON CONFLICT (ticket_id) DO UPDATE SET terms = excluded.terms, \
             head_terms = excluded.head_terms, head_pairs = excluded.head_pairs, \
             last_comment_id = excluded.last_comment_id, \
             next_position = excluded.next_position, analysis = excluded.analysis, \
             deleted = 0",
            &[
                ticket_id.into(),
                json_of(&terms)?.into(),
                json_of(&head)?.into(),
                json_of(&head_pairs)?.into(),
                last_comment_id.into(),
                next_position.into(),
                index_version().into(),
            ],
        )?;
    }
    db.execute(
        "DELETE FROM ticket_search_queue WHERE ticket_id = ?",
        &[ticket_id.into()],
    )?;
    Ok(())
}

/// The entries of a ticket that is gone (deleted, by whatever statement: the delete trigger
/// queued it): its terms and pairs, found through its doc (the terms' and pairs' keys start with
/// the term), then the doc. Only [`index_ticket`] writes a ticket's entries, so under its id
/// they are all the gone ticket's.
fn forget_entries(db: &Db, ticket_id: i64) -> Result<()> {
    let id = [ticket_id.into()];
    db.execute(
        "DELETE FROM ticket_pairs WHERE ticket_id = ?1 AND pair IN (
             SELECT a.value || ' ' || b.value
             FROM ticket_search_docs d, json_each(d.terms) a, json_each(d.terms) b
             WHERE d.ticket_id = ?1)",
        &id,
    )?;
    db.execute(
        "DELETE FROM ticket_terms WHERE ticket_id = ?1 AND term IN (
             SELECT t.value FROM ticket_search_docs d, json_each(d.terms) t
             WHERE d.ticket_id = ?1)",
        &id,
    )?;
    db.execute("DELETE FROM ticket_search_docs WHERE ticket_id = ?", &id)?;
    Ok(())
}

/// Adds new comments' pairs: their positions follow every position the ticket has.
fn add_positions(db: &Db, ticket_id: i64, pairs: &Pairs) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    db.execute(
        "INSERT INTO ticket_pairs (pair, ticket_id, positions) \
         SELECT key, ?, value FROM json_each(?) WHERE true \
         ON CONFLICT (pair, ticket_id) \
         DO UPDATE SET positions = ticket_pairs.positions || ' ' || excluded.positions",
        &[ticket_id.into(), json_of(pairs)?.into()],
    )?;
    Ok(())
}

/// Writes every pair of the ticket afresh (`comments`: all its comments' pairs), and removes
/// those of the old head that no text has any more (comments never change, so only the head
/// can lose one).
fn rewrite_pairs(
    db: &Db,
    ticket_id: i64,
    old: Option<&Doc>,
    head: &Pairs,
    comments: Pairs,
) -> Result<()> {
    // The head's positions first, then the comments' (the order they are added in).
    let mut all = head.clone();
    for (pair, positions) in comments {
        let entry = all.entry(pair).or_default();
        if !entry.is_empty() {
            entry.push(' ');
        }
        entry.push_str(&positions);
    }
    if !all.is_empty() {
        db.execute(
            "INSERT INTO ticket_pairs (pair, ticket_id, positions) \
             SELECT key, ?, value FROM json_each(?) WHERE true \
             ON CONFLICT (pair, ticket_id) DO UPDATE SET positions = excluded.positions",
            &[ticket_id.into(), json_of(&all)?.into()],
        )?;
    }
    let gone: BTreeSet<&String> = old
        .and_then(|d| d.head_pairs.as_ref())
        .map(|before| before.keys().filter(|p| !all.contains_key(*p)).collect())
        .unwrap_or_default();
    if !gone.is_empty() {
        db.execute(
            "DELETE FROM ticket_pairs WHERE ticket_id = ? \
             AND pair IN (SELECT value FROM json_each(?))",
            &[ticket_id.into(), json_of(&gone)?.into()],
        )?;
    }
    Ok(())
}

/// Whether the pair index is complete: nothing waits to be indexed and every ticket was
/// indexed under the current rules (after an upgrade, until the catch-up is done, phrases are
/// checked in the text instead).
pub fn pairs_ready(db: &Db) -> Result<bool> {
    let analysis = db
        .query_i64("SELECT analysis FROM ticket_search_state WHERE id = 1", &[])?
        .unwrap_or(0);
    let queued = db.query_i64("SELECT ticket_id FROM ticket_search_queue LIMIT 1", &[])?;
    Ok(analysis == index_version() && queued.is_none())
}

/// After a comment was added to the ticket: the same incremental step as [`index_ticket`]
/// (only comments newer than the last one indexed are read).
pub fn index_comment(db: &Db, ticket_id: i64) -> Result<()> {
    index_ticket(db, ticket_id)
}

/// Indexes up to [`CATCH_UP_BATCH`] queued tickets — tickets from before the index existed,
/// tickets whose text a path changed without indexing it, every ticket after a change of the
/// analysis rules — in one transaction (for a maintenance loop or a bench). Cheap when nothing
/// waits: two one-row reads. Returns whether the queue is empty.
pub fn catch_up(db: &Db) -> Result<bool> {
    if pairs_ready(db)? {
        return Ok(true);
    }
    db.transaction(|db| catch_up_in(db, CATCH_UP_BATCH))
}

/// [`catch_up`] of up to `limit` tickets inside the caller's transaction: every write does a
/// little of it before it commits (searches never write).
pub fn catch_up_in(db: &Db, limit: i64) -> Result<bool> {
    if pairs_ready(db)? {
        return Ok(true);
    }
    let analysis = db
        .query_i64("SELECT analysis FROM ticket_search_state WHERE id = 1", &[])?
        .unwrap_or(0);
    if analysis != index_version() {
        // Every ticket is indexed again under the new rules; the docs' own version tells
        // index_ticket to rebuild each rather than add to it.
        db.execute(
            "INSERT OR IGNORE INTO ticket_search_queue (ticket_id) SELECT id FROM tickets",
            &[],
        )?;
        // Pairs of the old rules cannot be told from the new ones' (the docs keep only the
        // head's): all go, and every ticket writes its own again — from scratch, whatever
        // version its doc claims (a doc already current would only add its new comments').
        db.execute("DELETE FROM ticket_pairs", &[])?;
        db.execute("UPDATE ticket_search_docs SET analysis = 0", &[])?;
        db.execute(
            "UPDATE ticket_search_state SET analysis = ? WHERE id = 1",
            &[index_version().into()],
        )?;
    }
    let batch = db.query(
        "SELECT ticket_id FROM ticket_search_queue ORDER BY ticket_id LIMIT ?",
        &[Value::Integer(limit)],
        |r| r.i64("ticket_id"),
    )?;
    for id in &batch {
        index_ticket(db, *id)?;
    }
    Ok((batch.len() as i64) < limit)
}
