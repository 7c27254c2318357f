//! Version 29: the ticket index's triggers only queue; the indexing is code's.
//!
//! Every Spin instance opens a fresh connection, and a fresh connection parses the whole schema
//! before its first statement: each object costs allocations, and each allocation passes
//! SQLite's process-wide memory mutex (memory statistics on, as in Spin's host), so every
//! request pays for every object whatever it reads (`tests/benches/write_contention.rs`, "Where
//! the time goes under 32 writers"). A trigger is the dearest kind (~120 allocations and frees
//! against ~55 for a table, ~10 for an index), and nine of the eleven served the ticket index:
//! three per event on `tickets`, the delete one with three `json_each` subqueries. They did
//! three things: queue the ticket for its facet record, queue it for its text, and keep the
//! tag index (`ticket_tags`) in the writing statement.
//!
//! Now one trigger per event on `tickets` does only the queueing (insert: both queues; update:
//! the facet queue; delete: both), `ticket_search_on_text` (text really changed) and
//! `ticket_search_on_comment` stay as they were, and the rest is code that already ran before
//! every write of a ticket or a message commits (`tickets::search::upkeep`):
//! - the tag index is rewritten with the facet records of the same queued tickets
//!   (`tickets::search::facets::drain_in`), and a search reads the tags of a ticket still queued
//!   from the ticket itself (`tickets::search`, `Filter::Tag`), so a tag is exact either way;
//! - a deleted ticket's terms and pairs are removed by the text indexer, which finds the ticket
//!   gone (`tickets::search_index::index_ticket`); it needs the ticket's doc for that, so the doc
//!   no longer goes with the ticket by foreign key: `ticket_search_docs` is rebuilt without it
//!   (SQLite cannot drop a constraint), its rows copied as they are. A ticket's id can come back
//!   after a delete (no AUTOINCREMENT), possibly before the queue is drained, so the delete
//!   trigger also marks the doc (`deleted`): a marked doc's entries are forgotten before the
//!   ticket that took the id is indexed.
//!
//! The main database's schema: ~5,430 allocations and frees per connection before, ~4,620 after.
//! The rebuild copies every doc once, in the first request after the upgrade: the search
//! bench's 100,000 tickets (124 MB of docs) took 1.8 s, on a machine busy with other work.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 29,
    name: "ticket_index_triggers_only_queue",
    statements: &[
        "DROP TRIGGER ticket_search_on_insert",
        "DROP TRIGGER ticket_search_on_delete",
        "DROP TRIGGER ticket_facets_on_insert",
        "DROP TRIGGER ticket_facets_on_update",
        "DROP TRIGGER ticket_facets_on_delete",
        "DROP TRIGGER ticket_tags_on_insert",
        "DROP TRIGGER ticket_tags_on_update",
        "DROP TRIGGER ticket_tags_on_delete",
        "CREATE TABLE ticket_search_docs_next (
            ticket_id INTEGER PRIMARY KEY,
            terms TEXT NOT NULL,
            head_terms TEXT NOT NULL,
            last_comment_id INTEGER NOT NULL DEFAULT 0,
            analysis INTEGER NOT NULL,
            head_pairs TEXT,
            next_position INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0
        )",
        "INSERT INTO ticket_search_docs_next (ticket_id, terms, head_terms, last_comment_id,
             analysis, head_pairs, next_position)
         SELECT ticket_id, terms, head_terms, last_comment_id, analysis, head_pairs, next_position
         FROM ticket_search_docs",
        "DROP TABLE ticket_search_docs",
        "ALTER TABLE ticket_search_docs_next RENAME TO ticket_search_docs",
        // `ON CONFLICT DO NOTHING`, not `INSERT OR IGNORE`: a trigger fired by a foreign key's
        // action (a conversation deleted sets its tickets' `conversation_id` to NULL) runs its
        // statements under that action's ABORT, which overrides an `OR` clause; an upsert clause
        // it leaves alone.
        "CREATE TRIGGER ticket_queued_on_insert AFTER INSERT ON tickets BEGIN
            INSERT INTO ticket_facet_queue (ticket_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
            INSERT INTO ticket_search_queue (ticket_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
        END",
        "CREATE TRIGGER ticket_queued_on_update AFTER UPDATE ON tickets BEGIN
            INSERT INTO ticket_facet_queue (ticket_id) VALUES (OLD.id), (NEW.id)
                ON CONFLICT DO NOTHING;
        END",
        "CREATE TRIGGER ticket_queued_on_delete AFTER DELETE ON tickets BEGIN
            INSERT INTO ticket_facet_queue (ticket_id) VALUES (OLD.id) ON CONFLICT DO NOTHING;
            INSERT INTO ticket_search_queue (ticket_id) VALUES (OLD.id) ON CONFLICT DO NOTHING;
            UPDATE ticket_search_docs SET deleted = 1 WHERE ticket_id = OLD.id;
        END",
    ],
};
