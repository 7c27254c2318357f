//! Version 30: conversations whose bot awaits an API call, indexed by when the call began.
//!
//! The outbox drain (`POST /api/admin/outbox/drain`, run by a scheduler) looks for bot calls
//! lost with the instance that was to make them (`bot::reply::stalled_conversations`). The
//! call lives in the conversation's `bot_state` JSON, so that look-up read every conversation
//! and parsed its state, on every drain, whether anything had stalled or not: 200,000 bot
//! conversations took ~20 ms of a read each time (Python's SQLite on a copy of the schema),
//! growing with the desk. And one state SQLite could not parse failed the whole drain
//! (`json_extract` raises "malformed JSON").
//!
//! `awaiting_call_since` is a virtual generated column (computed when read, never stored; the
//! only way to add a computed column to an existing table): the call's start, NULL when there
//! is none or the state is not JSON. The partial index holds only the conversations that await
//! a call right now (a handful), so the look-up is a range read of it: ~0.1 ms. Its `WHERE` is
//! the look-up's own terms (SQLite uses a partial index only when the query implies them), and
//! the look-up orders by the column, oldest call first, so the planner, which has no
//! statistics here, takes the index rather than walking the table in id order.
//!
//! Cost: 51 more allocations and frees when a connection loads the schema (5,252 -> 5,303,
//! counted through SQLite's malloc hooks), and a bot turn that starts or ends a call writes one
//! index entry.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 30,
    name: "conversations_awaiting_call",
    statements: &[
        "ALTER TABLE conversations ADD COLUMN awaiting_call_since INTEGER
         GENERATED ALWAYS AS (CASE WHEN json_valid(bot_state)
             THEN json_extract(bot_state, '$.awaiting_call.since') END) VIRTUAL",
        "CREATE INDEX conversations_awaiting_call ON conversations (awaiting_call_since)
         WHERE switchboard = 'bot' AND awaiting_call_since IS NOT NULL",
    ],
};
