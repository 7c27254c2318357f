//! Version 15: rate-limit counters (`crate::rate_limit`), shared by every instance and process
//! on the database. One row per counted subject (`widget-messages:<session>`, ...) holds the
//! current window's count; a new window overwrites it, and rows of windows long past are swept
//! a few at a time, so no counter lives forever. And staff API tokens get an optional expiry
//! (`expires_at`, NULL: until revoked), and widget sessions an index on when they began, so the
//! sweep of sessions past their lifetime (run as new sessions start) is a range probe, not a scan.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 15,
    name: "rate_limits_and_token_expiry",
    statements: &[
        "CREATE TABLE rate_limits (
            subject TEXT PRIMARY KEY,
            window_start INTEGER NOT NULL,
            count INTEGER NOT NULL,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID",
        "CREATE INDEX rate_limits_by_expiry ON rate_limits (expires_at)",
        "ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER",
        "CREATE INDEX widget_sessions_by_start ON widget_sessions (created_at)",
    ],
};
