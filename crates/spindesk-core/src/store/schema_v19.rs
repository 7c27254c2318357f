//! Version 19: the Sunshine Conversations v2 API (`/v2/apps/{appId}/...`).
//!
//! - `sunshine_keys`: API keys (`/v2/apps/{appId}/keys`). The secret is shown once; it is kept
//!   as a SHA-256 digest (Basic auth compares digests) and sealed with the vault
//!   (`credentials_key`), because verifying a JWT signed with it needs the secret itself.
//! - users' Sunshine profile fields Spindesk had no column for (given name, surname, avatar)
//!   and their `metadata`, as JSON objects.
//! - conversations' `displayName`, `metadata` and the switchboard integration control was
//!   offered to (`offerControl`, until accepted).

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 19,
    name: "sunshine_api",
    statements: &[
        "CREATE TABLE sunshine_keys (
            id TEXT PRIMARY KEY,
            app_id TEXT NOT NULL,
            display_name TEXT NOT NULL,
            secret_digest TEXT NOT NULL,
            secret_sealed TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )",
        "CREATE INDEX sunshine_keys_app ON sunshine_keys (app_id, created_at)",
        "ALTER TABLE users ADD COLUMN sunshine_profile TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE users ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE conversations ADD COLUMN display_name TEXT",
        "ALTER TABLE conversations ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE conversations ADD COLUMN offered_to TEXT",
    ],
};
