//! Version 25: quoted phrases of any length answered by the index alone
//! (`tickets::term_pairs`). Each (pair, ticket) row of version 17 now also says *where* the
//! pair sits: the positions of its first term in the ticket's texts, so a phrase of three
//! terms or more is the tickets whose pairs follow one another (`a b` at k, `b c` at k + 1),
//! with no text read. A ticket's doc keeps the next free position, so a new comment only adds
//! to its pairs' positions, and the head's pairs with their positions (an edited subject or
//! description re-indexes the ticket).
//!
//! The old rows have no positions: the table is made again and every ticket queued for the
//! catch-up (`tickets::search_index`); until the queue is empty, phrases are checked in the
//! text as they were before version 17. Dropping the table frees its pages at once, where a
//! `DELETE` of millions of rows would write each.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 25,
    name: "ticket_search_pair_positions",
    statements: &[
        "DROP TABLE ticket_pairs",
        // `positions`: the first term's position of each occurrence, space-separated: `h3` in
        // the subject and description (numbered from 0 there), `12` in the comments (numbered
        // from 0 across them), so an edited head never renumbers the comments.
        "CREATE TABLE ticket_pairs (
            pair TEXT NOT NULL,
            ticket_id INTEGER NOT NULL,
            positions TEXT NOT NULL,
            PRIMARY KEY (pair, ticket_id)
        ) WITHOUT ROWID",
        "ALTER TABLE ticket_search_docs ADD COLUMN next_position INTEGER NOT NULL DEFAULT 0",
        // A doc without head pairs is rebuilt rather than added to.
        "UPDATE ticket_search_docs SET head_pairs = NULL",
        "INSERT OR IGNORE INTO ticket_search_queue (ticket_id) SELECT id FROM tickets",
    ],
};
