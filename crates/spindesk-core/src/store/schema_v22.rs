//! Version 22: knowing the customer (issue 13).
//!
//! - `identities` gains `verified`. A verified identity is a proven fact — a channel account
//!   the channel vouches for, an e-mail address the site's signed token or the e-mail channel
//!   proved — and is unique per (channel, address), so it links a person across channels. An
//!   unverified one (an address typed into a bot form) is only a claim: several customers may
//!   claim the same address, so it is unique per user only. SQLite cannot drop a table's
//!   UNIQUE constraint, so the table is rebuilt (nothing references it; ids are kept).
//! - `signing_keys`: the keys a customer's site signs widget identity tokens (HS256 JWTs) with.
//!   HS256 verification needs the secret itself, so it is sealed with the vault
//!   (`credentials_key`). `slot` (1 or 2) is unique among keys not revoked: at most two active
//!   keys (the old and the new during a rotation), decided by the database, not by a count.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 22,
    name: "identity",
    statements: &[
        "CREATE TABLE identities_v22 (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            channel TEXT NOT NULL,
            address TEXT NOT NULL,
            verified INTEGER NOT NULL DEFAULT 1 CHECK (verified IN (0, 1)),
            created_at INTEGER NOT NULL,
            UNIQUE (user_id, channel, address)
        )",
        "INSERT INTO identities_v22 (id, user_id, channel, address, verified, created_at)
            SELECT id, user_id, channel, address, 1, created_at FROM identities",
        "DROP TABLE identities",
        "ALTER TABLE identities_v22 RENAME TO identities",
        "CREATE UNIQUE INDEX identities_verified ON identities (channel, address)
            WHERE verified = 1",
        "CREATE INDEX identities_user ON identities (user_id)",
        "CREATE TABLE signing_keys (
            kid TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            secret_sealed TEXT NOT NULL,
            slot INTEGER NOT NULL CHECK (slot IN (1, 2)),
            created_at INTEGER NOT NULL,
            revoked_at INTEGER,
            last_used_at INTEGER
        )",
        "CREATE UNIQUE INDEX signing_keys_active ON signing_keys (slot)
            WHERE revoked_at IS NULL",
    ],
};
