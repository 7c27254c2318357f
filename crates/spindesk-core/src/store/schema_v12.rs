//! Version 12: ticket search (`GET /api/v2/search.json`). The text of every ticket — subject,
//! description and comments — analysed like help-center search (`crate::text`) into one row per
//! distinct (term, ticket): a search for a word is one range of the primary key, a word of
//! several terms (Korean bigrams) an intersection of ranges. Measured in
//! `crates/spindesk-bench/benches/search_tickets.rs`.
//!
//! Triggers queue every ticket whose text changes, whichever code path wrote it, so nothing can
//! be forgotten by the index: the writing transaction indexes the ticket at once
//! (`tickets::search_index::index_ticket`), and the search drains whatever is still queued (a
//! ticket from before this version, one written by a path that did not index) a batch at a time.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 12,
    name: "ticket_search",
    statements: &[
        "CREATE TABLE ticket_terms (
            term TEXT NOT NULL,
            ticket_id INTEGER NOT NULL,
            PRIMARY KEY (term, ticket_id)
        ) WITHOUT ROWID",
        // What each ticket was indexed as: its distinct terms (a JSON array), the subject's
        // and description's terms on their own (a subject edit must know what it removes), the
        // last comment read, and the analysis rules used.
        "CREATE TABLE ticket_search_docs (
            ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
            terms TEXT NOT NULL,
            head_terms TEXT NOT NULL,
            last_comment_id INTEGER NOT NULL DEFAULT 0,
            analysis INTEGER NOT NULL
        )",
        "CREATE TABLE ticket_search_queue (ticket_id INTEGER PRIMARY KEY)",
        // The analysis rules the whole index is built with: a change of rules queues every
        // ticket again (see `tickets::search_index::catch_up`).
        "CREATE TABLE ticket_search_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            analysis INTEGER NOT NULL
        )",
        "INSERT INTO ticket_search_state (id, analysis) VALUES (1, 0)",
        "CREATE TRIGGER ticket_search_on_insert AFTER INSERT ON tickets BEGIN
            INSERT OR IGNORE INTO ticket_search_queue (ticket_id) VALUES (NEW.id);
        END",
        "CREATE TRIGGER ticket_search_on_text AFTER UPDATE OF subject, description ON tickets
         WHEN OLD.subject IS NOT NEW.subject OR OLD.description IS NOT NEW.description BEGIN
            INSERT OR IGNORE INTO ticket_search_queue (ticket_id) VALUES (NEW.id);
        END",
        "CREATE TRIGGER ticket_search_on_comment AFTER INSERT ON ticket_comments BEGIN
            INSERT OR IGNORE INTO ticket_search_queue (ticket_id) VALUES (NEW.ticket_id);
        END",
        // A deleted ticket's terms go with it, found through its doc row (the terms' key starts
        // with the term); the doc row itself goes by its foreign key.
        "CREATE TRIGGER ticket_search_on_delete BEFORE DELETE ON tickets BEGIN
            DELETE FROM ticket_terms WHERE ticket_id = OLD.id AND term IN (
                SELECT value FROM json_each(
                    (SELECT terms FROM ticket_search_docs WHERE ticket_id = OLD.id)));
            DELETE FROM ticket_search_queue WHERE ticket_id = OLD.id;
        END",
        // Tickets from before this version wait for the catch-up.
        "INSERT INTO ticket_search_queue (ticket_id) SELECT id FROM tickets",
        // The `requester:` and `created>` filters use the indexes of versions 11
        // (`tickets_requester`) and 10 (`reports_tickets_created`).
    ],
};
