//! Version 4: the bot builder.
//!
//! The admin edits one **draft**; **publish** freezes it as a numbered version (immutable, so
//! any version can be exported or made live again); **live** names the version conversations
//! run. With no live row the built-in starter bot answers (a fresh install).

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 4,
    name: "bot builder",
    statements: &[
        "CREATE TABLE bot_versions (
            version INTEGER PRIMARY KEY,
            document TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            published_at INTEGER NOT NULL
        )",
        // One row: the document being edited, with a revision that grows on every save so an
        // editor can refuse to overwrite changes it has not seen (`If-Match`).
        "CREATE TABLE bot_draft (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            document TEXT NOT NULL,
            revision INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        "CREATE TABLE bot_live (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL REFERENCES bot_versions (version),
            changed_at INTEGER NOT NULL
        )",
        // Zendesk's custom ticket fields, `[{"id": 360001, "value": "A-1234"}]`, filled by the
        // bot's forms at hand-off.
        "ALTER TABLE tickets ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '[]'",
    ],
};
