//! The media-fetch queue (`crate::channels::media_fetch`): one row per customer's file a
//! channel's vendor still owes us, fetched after the webhook's answer and retried like the
//! outbox.
//!
//! `media` keeps the vendor's reference (ids, URLs) as JSON: it is never shown to a customer or
//! an agent, and goes with the row. The integration may be deleted before the fetch: the row
//! stays (`integration_id` NULL) so the fetch can fail its attachment rather than leave it
//! pending for ever.
//!
//! Version 24, after the e-mail channel's version 23, which rebuilds `integrations`: a table
//! referring to it that existed then would have had its references cleared by the rebuild.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 24,
    name: "media_fetches",
    statements: &[
        "CREATE TABLE media_fetches (
            id INTEGER PRIMARY KEY,
            integration_id INTEGER REFERENCES integrations (id) ON DELETE SET NULL,
            attachment_public_id TEXT NOT NULL UNIQUE
                REFERENCES attachments (public_id) ON DELETE CASCADE,
            media TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'fetching', 'stored', 'failed', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            claimed_at INTEGER,
            last_error TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        "CREATE INDEX media_fetches_due ON media_fetches (status, next_attempt_at)",
    ],
};
