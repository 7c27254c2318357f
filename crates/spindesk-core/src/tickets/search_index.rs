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
//! (`ticket_pairs`, [`super::term_pairs`]), which answer quoted phrases.
//!
//! Triggers queue every ticket whose text changes; [`index_ticket`] indexes one and takes it off
//! the queue, and [`catch_up_in`] drains what is left (tickets from before the index or the
//! pairs, a change of analysis rules) a batch per write — searches never write.

use super::term_pairs;
use crate::error::{Error, Result};
use crate::ports::Value;
use crate::store::Db;
use crate::text::{self, Analyzer};
use std::collections::BTreeSet;

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

/// The analyser both the index and the query use.
pub fn analyzer() -> Analyzer {
    Analyzer::new(LOCALE)
}

struct Doc {
    terms: BTreeSet<String>,
    head: BTreeSet<String>,
    /// The subject's and description's adjacent pairs (`None`: indexed before pairs were).
    head_pairs: Option<BTreeSet<String>>,
    last_comment_id: i64,
    analysis: i64,
}

fn set_of(json: &str) -> BTreeSet<String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn json_of(set: &BTreeSet<String>) -> Result<String> {
    serde_json::to_string(set).map_err(Error::corrupt)
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
    let mut head_pairs = BTreeSet::new();
    term_pairs::add_text(&analyzer, &subject, &mut head_pairs);
    term_pairs::add_text(&analyzer, &description, &mut head_pairs);
    let old = db.query_opt(
        "SELECT terms, head_terms, head_pairs, last_comment_id, analysis FROM ticket_search_docs \
         WHERE ticket_id = ?",
        &[ticket_id.into()],
        |r| {
            Ok(Doc {
                terms: set_of(&r.string("terms")?),
                head: set_of(&r.string("head_terms")?),
                head_pairs: r.opt_string("head_pairs")?.as_deref().map(set_of),
                last_comment_id: r.i64("last_comment_id")?,
                analysis: r.i64("analysis")?,
            })
        },
    )?;
    // Comments never change, so only a head that lost terms or pairs has something to remove.
    let incremental = old.as_ref().filter(|d| {
        d.analysis == index_version()
            && d.head.is_subset(&head)
            && d.head_pairs
                .as_ref()
                .is_some_and(|p| p.is_subset(&head_pairs))
    });
    let (mut terms, since) = match incremental {
        Some(doc) => (doc.terms.clone(), doc.last_comment_id),
        None => (BTreeSet::new(), 0),
    };
    terms.extend(head.iter().cloned());
    let comments = db.query(
        "SELECT id, body FROM ticket_comments WHERE ticket_id = ? AND id > ? ORDER BY id",
        &[ticket_id.into(), since.into()],
        |r| Ok((r.i64("id")?, r.string("body")?)),
    )?;
    let mut last_comment_id = since;
    let mut pairs = head_pairs.clone();
    for (id, body) in &comments {
        add_terms(&analyzer, body, &mut terms);
        term_pairs::add_text(&analyzer, body, &mut pairs);
        last_comment_id = last_comment_id.max(*id);
    }
    write_pairs(db, ticket_id, old.as_ref(), incremental.is_some(), &pairs)?;
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
            && d.analysis == index_version()
    });
    if !unchanged {
        db.execute(
            "INSERT INTO ticket_search_docs \
             (ticket_id, terms, head_terms, head_pairs, last_comment_id, analysis) \
             VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (ticket_id) DO UPDATE SET terms = excluded.terms, \
             head_terms = excluded.head_terms, head_pairs = excluded.head_pairs, \
             last_comment_id = excluded.last_comment_id, analysis = excluded.analysis",
            &[
                ticket_id.into(),
                json_of(&terms)?.into(),
                json_of(&head)?.into(),
                json_of(&head_pairs)?.into(),
                last_comment_id.into(),
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

/// Writes the ticket's adjacent pairs. `pairs` are the head's and those of the comments just
/// read: all of them on a rebuild, which also removes the old head's pairs no text has any
/// more (comments never change, so only the head can lose a pair); the new ones otherwise.
fn write_pairs(
    db: &Db,
    ticket_id: i64,
    old: Option<&Doc>,
    incremental: bool,
    pairs: &BTreeSet<String>,
) -> Result<()> {
    let old_head = old.and_then(|d| d.head_pairs.as_ref());
    let (added, removed): (BTreeSet<String>, BTreeSet<String>) = match old_head {
        Some(before) if incremental => {
            (pairs.difference(before).cloned().collect(), BTreeSet::new())
        }
        Some(before) => (pairs.clone(), before.difference(pairs).cloned().collect()),
        None => (pairs.clone(), BTreeSet::new()),
    };
    if !added.is_empty() {
        db.execute(
            "INSERT OR IGNORE INTO ticket_pairs (pair, ticket_id) SELECT value, ? FROM json_each(?)",
            &[ticket_id.into(), json_of(&added)?.into()],
        )?;
    }
    if !removed.is_empty() {
        db.execute(
            "DELETE FROM ticket_pairs WHERE ticket_id = ? \
             AND pair IN (SELECT value FROM json_each(?))",
            &[ticket_id.into(), json_of(&removed)?.into()],
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
