//! Version 5: each bot version keeps its analysed training phrases next to its document, instead
//! of in `settings` rows named after the version.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 5,
    name: "bot_version_phrases",
    statements: &[
        // The phrase index built at publish (JSON); NULL until built, rebuilt when the text
        // analysis rules change.
        "ALTER TABLE bot_versions ADD COLUMN phrases TEXT",
        "UPDATE bot_versions SET phrases =
            (SELECT value FROM settings WHERE key = 'bot.phrases.' || bot_versions.version)",
        "DELETE FROM settings WHERE key LIKE 'bot.phrases.%'",
    ],
};
