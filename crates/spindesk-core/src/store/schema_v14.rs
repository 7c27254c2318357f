//! Version 14: the long-polls being held right now (`crate::held_polls`; in the `live`
//! database since version 32, which drops this table), shared by every
//! instance and process on the database so the limits hold across them. A row lives only
//! while its poll waits: the poll deletes it when it returns, and a row whose poll died with
//! its instance stops counting at `expires_at` and is swept by the next poll that holds.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 14,
    name: "held_polls",
    statements: &[
        // `session` is the widget session's token digest: its primary key is the "one held
        // poll per session" rule. `holder` tells this poll's row from a later one's.
        "CREATE TABLE held_polls (
            session TEXT PRIMARY KEY,
            client_addr TEXT NOT NULL,
            holder INTEGER NOT NULL,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID",
        "CREATE INDEX held_polls_by_expiry ON held_polls (expires_at)",
        "CREATE INDEX held_polls_by_address ON held_polls (client_addr, expires_at)",
    ],
};
