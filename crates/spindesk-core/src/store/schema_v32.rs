//! Version 32: the held long-polls leave the main database for the `live` one
//! (`held_polls/database.rs`).
//!
//! A poll whose session already has one waiting is now refused after reading only the `live`
//! database, so a flood from one session never loads this database's schema; and the polls'
//! own writes (a row in and out per poll) no longer take this database's write lock. The rows
//! are not moved: each lives for a poll's wait (at most 30 s), and the polls waiting during
//! the upgrade are briefly not counted.
//!
//! Cost: none; one table and two indexes fewer for every connection to load with the schema.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 32,
    name: "held_polls_moved_to_live",
    statements: &["DROP TABLE IF EXISTS held_polls"],
};
