//! Version 16: what each side of a conversation is doing right now (`crate::activity`): typing
//! until when, and the last message it has read. Ephemeral state, never messages: one row per
//! conversation and side, overwritten in place, so it cannot grow with use.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 16,
    name: "conversation_activity",
    statements: &[
        // `changed_at` lets a waiting long-poll see a change without comparing every column.
        "CREATE TABLE conversation_activity (
            conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            side TEXT NOT NULL CHECK (side IN ('customer', 'agent')),
            typing_until INTEGER NOT NULL DEFAULT 0,
            read_seq INTEGER NOT NULL DEFAULT 0,
            changed_at INTEGER NOT NULL,
            PRIMARY KEY (conversation_id, side)
        ) WITHOUT ROWID",
    ],
};
