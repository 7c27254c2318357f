//! Version 17: quoted phrases answered by an index (`tickets::term_pairs`). Every adjacent pair
//! of analysed terms of a ticket's texts (subject, description, each comment on its own) is one
//! (pair, ticket) row, so a phrase of two terms is one key range and a longer one the
//! intersection of its pairs' ranges, checked in the text. Measured in
//! `crates/spindesk-bench/benches/search_tickets.rs`.
//!
//! Existing tickets are indexed again by the ticket-search catch-up (their docs have no
//! `head_pairs` yet, which makes it rebuild rather than add to them); until the queue is empty
//! a phrase is checked in the text of the tickets with all its terms, as before.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 17,
    name: "ticket_search_pairs",
    statements: &[
        "CREATE TABLE ticket_pairs (
            pair TEXT NOT NULL,
            ticket_id INTEGER NOT NULL,
            PRIMARY KEY (pair, ticket_id)
        ) WITHOUT ROWID",
        // The subject's and description's pairs (a JSON array): an edit that loses one must
        // know to remove it. NULL: indexed before this version.
        "ALTER TABLE ticket_search_docs ADD COLUMN head_pairs TEXT",
        // A deleted ticket's pairs go with its terms: each is two of its terms, so the doc's
        // terms name every key it can have.
        "DROP TRIGGER ticket_search_on_delete",
        "CREATE TRIGGER ticket_search_on_delete BEFORE DELETE ON tickets BEGIN
            DELETE FROM ticket_pairs WHERE ticket_id = OLD.id AND pair IN (
                SELECT a.value || ' ' || b.value
                FROM json_each((SELECT terms FROM ticket_search_docs WHERE ticket_id = OLD.id)) a,
                     json_each((SELECT terms FROM ticket_search_docs WHERE ticket_id = OLD.id)) b);
            DELETE FROM ticket_terms WHERE ticket_id = OLD.id AND term IN (
                SELECT value FROM json_each(
                    (SELECT terms FROM ticket_search_docs WHERE ticket_id = OLD.id)));
            DELETE FROM ticket_search_queue WHERE ticket_id = OLD.id;
        END",
        "INSERT OR IGNORE INTO ticket_search_queue (ticket_id) SELECT id FROM tickets",
    ],
};
