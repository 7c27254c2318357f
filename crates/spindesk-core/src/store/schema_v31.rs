//! Version 31: people indexed by name.
//!
//! Agents find tickets by the person on them (`requester:"Kim Minji"`, `assignee:Ada`): the
//! name becomes the ids of the users called so (`tickets::search`), and without an index that
//! read every user — every customer the desk ever had, ~5 ms per 100,000 (Python's SQLite on a
//! copy of the schema), on every such search. The index compares without case, as the search
//! does (`name = ? COLLATE NOCASE`), so SQLite seeks it.
//!
//! Cost: one more index for each connection to load with the schema, and one more index entry
//! for each user written.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 31,
    name: "users_by_name",
    statements: &["CREATE INDEX users_name ON users (name COLLATE NOCASE)"],
};
