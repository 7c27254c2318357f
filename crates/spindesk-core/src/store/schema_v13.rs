//! Version 13: ticket search without a `tickets` row per match. Every keyword filter and sort
//! key of a ticket is copied into a 32-byte record (`tickets::search::facets`), 32 tickets
//! to a blob, so a search reads a few hundred small blobs and filters, counts and sorts in
//! memory; tags get their own (tag, ticket) index. Measured in
//! `crates/spindesk-bench/benches/search_tickets.rs`.
//!
//! Triggers queue every ticket whose filtered columns change, whichever code path wrote it; a
//! search rewrites the queued tickets' records before it reads (a batch at a time, falling back
//! to plain SQL until the queue is empty, as right after this migration). The tag index is
//! kept by triggers alone, in the writing transaction.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 13,
    name: "ticket_search_facets",
    statements: &[
        // `block` is the ticket id >> 5; `records` holds 32 records of 32 bytes in id order.
        "CREATE TABLE ticket_facets (
            block INTEGER PRIMARY KEY,
            records BLOB NOT NULL
        )",
        "CREATE TABLE ticket_facet_queue (ticket_id INTEGER PRIMARY KEY)",
        // A record holds its ticket's channel as a one-byte code.
        "CREATE TABLE ticket_via_codes (
            code INTEGER PRIMARY KEY CHECK (code BETWEEN 1 AND 254),
            channel TEXT NOT NULL UNIQUE
        )",
        "CREATE TRIGGER ticket_facets_on_insert AFTER INSERT ON tickets BEGIN
            INSERT OR IGNORE INTO ticket_facet_queue (ticket_id) VALUES (NEW.id);
        END",
        "CREATE TRIGGER ticket_facets_on_update AFTER UPDATE ON tickets
         WHEN OLD.id IS NOT NEW.id OR OLD.status IS NOT NEW.status
           OR OLD.priority IS NOT NEW.priority OR OLD.type IS NOT NEW.type
           OR OLD.via_channel IS NOT NEW.via_channel OR OLD.created_at IS NOT NEW.created_at
           OR OLD.updated_at IS NOT NEW.updated_at OR OLD.assignee_id IS NOT NEW.assignee_id
           OR OLD.requester_id IS NOT NEW.requester_id OR OLD.group_id IS NOT NEW.group_id BEGIN
            INSERT OR IGNORE INTO ticket_facet_queue (ticket_id) VALUES (OLD.id);
            INSERT OR IGNORE INTO ticket_facet_queue (ticket_id) VALUES (NEW.id);
        END",
        "CREATE TRIGGER ticket_facets_on_delete AFTER DELETE ON tickets BEGIN
            INSERT OR IGNORE INTO ticket_facet_queue (ticket_id) VALUES (OLD.id);
        END",
        // The `tags:` filter as an index: `lower()` is the same function the SQL filter
        // compares with, so both paths agree on every tag. A tags column that is not a JSON
        // array indexes nothing rather than failing the ticket's write.
        "CREATE TABLE ticket_tags (
            tag TEXT NOT NULL,
            ticket_id INTEGER NOT NULL,
            PRIMARY KEY (tag, ticket_id)
        ) WITHOUT ROWID",
        "CREATE INDEX ticket_tags_ticket ON ticket_tags (ticket_id)",
        "CREATE TRIGGER ticket_tags_on_insert AFTER INSERT ON tickets BEGIN
            INSERT OR IGNORE INTO ticket_tags (tag, ticket_id)
            SELECT lower(value), NEW.id FROM json_each(
                CASE WHEN json_valid(NEW.tags) THEN NEW.tags ELSE '[]' END)
            WHERE value IS NOT NULL;
        END",
        "CREATE TRIGGER ticket_tags_on_update AFTER UPDATE OF id, tags ON tickets
         WHEN OLD.id IS NOT NEW.id OR OLD.tags IS NOT NEW.tags BEGIN
            DELETE FROM ticket_tags WHERE ticket_id = OLD.id;
            INSERT OR IGNORE INTO ticket_tags (tag, ticket_id)
            SELECT lower(value), NEW.id FROM json_each(
                CASE WHEN json_valid(NEW.tags) THEN NEW.tags ELSE '[]' END)
            WHERE value IS NOT NULL;
        END",
        "CREATE TRIGGER ticket_tags_on_delete AFTER DELETE ON tickets BEGIN
            DELETE FROM ticket_tags WHERE ticket_id = OLD.id;
        END",
        "INSERT OR IGNORE INTO ticket_tags (tag, ticket_id)
         SELECT lower(j.value), t.id FROM tickets t, json_each(
             CASE WHEN json_valid(t.tags) THEN t.tags ELSE '[]' END) j
         WHERE j.value IS NOT NULL",
        // Every existing ticket's record is written by the searches that follow, a batch each.
        "INSERT INTO ticket_facet_queue (ticket_id) SELECT id FROM tickets",
    ],
};
