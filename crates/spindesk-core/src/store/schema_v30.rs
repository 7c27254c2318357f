//! Version 30: conversations whose bot awaits an API call, indexed by when it began.
//!
//! The outbox drain (`POST /api/admin/outbox/drain`, run by a scheduler) looks for bot calls
//! lost with the instance that was to make them (`bot::reply::stalled_conversations`). The
//! call lives in the conversation's `bot_state` JSON, so without an index that look-up read
//! every conversation and parsed its state, on every drain, whether anything had stalled or
//! not: 200,000 bot conversations took ~20 ms of a read each time (Python's SQLite on a copy
//! of the schema), growing with the desk. The partial index holds only the conversations that
//! await a call right now (a handful), so the look-up is a range read of it: ~0.1 ms.
//!
//! Its `WHERE` is the look-up's own terms, word for word (SQLite uses a partial index only
//! when the query implies its `WHERE`, and an expression index only for the same expression);
//! the look-up orders by the same expression, oldest call first, so the planner, which has no
//! statistics here, takes the index rather than walking the table in id order.
//!
//! Cost: 42 more allocations and frees when a connection loads the schema (5,252 -> 5,294,
//! counted through SQLite's malloc hooks), and a bot turn that starts or ends a call writes
//! one index entry.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 30,
    name: "conversations_awaiting_call",
    statements: &["CREATE INDEX conversations_awaiting_call
         ON conversations (json_extract(bot_state, '$.awaiting_call.since'))
         WHERE switchboard = 'bot' AND json_extract(bot_state, '$.awaiting_call.since') IS NOT NULL"],
};
