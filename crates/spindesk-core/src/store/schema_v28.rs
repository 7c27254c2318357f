//! Version 28: attachments no longer point into the help center's tables by foreign key.
//!
//! The help center moved to a database of its own (`help_center/database.rs`): its tables are
//! copied there and then dropped from this one, and a foreign key cannot cross databases. With
//! `attachments.article_id REFERENCES hc_articles` left in place, dropping `hc_articles` would
//! delete every article's attachment rows (CASCADE), and afterwards SQLite refuses any write to
//! `attachments` ("no such table: main.hc_articles"). `article_id` stays, as a plain number the
//! help center's code keeps right (an article's deletion removes its files itself).
//!
//! SQLite cannot drop a constraint: the table is rebuilt, as version 23 rebuilt `integrations`.
//! Its one child, `media_fetches` (`attachment_public_id REFERENCES attachments ON DELETE
//! CASCADE`), is copied first into a table that references the new parent, because dropping the
//! old parent with foreign keys on (they cannot be turned off inside the migration's
//! transaction) would delete the child's rows; renaming the new parent then rewrites the child's
//! reference. Every index of both tables is made again, as it was.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 28,
    name: "attachments_without_help_center_key",
    statements: &[
        "CREATE TABLE attachments_next (
            id INTEGER PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
            message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
            comment_id INTEGER REFERENCES ticket_comments (id) ON DELETE SET NULL,
            article_id INTEGER,
            uploader_type TEXT NOT NULL
                CHECK (uploader_type IN ('user', 'agent', 'channel', 'api')),
            uploader_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            upload_token TEXT,
            file_name TEXT NOT NULL,
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
            status TEXT NOT NULL CHECK (status IN ('pending', 'stored', 'failed')),
            position INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL
        )",
        "INSERT INTO attachments_next (id, public_id, conversation_id, message_id, comment_id,
             article_id, uploader_type, uploader_id, upload_token, file_name, content_type, size,
             status, position, created_at)
         SELECT id, public_id, conversation_id, message_id, comment_id, article_id,
             uploader_type, uploader_id, upload_token, file_name, content_type, size, status,
             position, created_at
         FROM attachments",
        "CREATE TABLE media_fetches_next (
            id INTEGER PRIMARY KEY,
            integration_id INTEGER REFERENCES integrations (id) ON DELETE SET NULL,
            attachment_public_id TEXT NOT NULL UNIQUE
                REFERENCES attachments_next (public_id) ON DELETE CASCADE,
            media TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'fetching', 'stored', 'failed', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            claimed_at INTEGER,
            last_error TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        "INSERT INTO media_fetches_next (id, integration_id, attachment_public_id, media, status,
             attempts, next_attempt_at, claimed_at, last_error, created_at, updated_at)
         SELECT id, integration_id, attachment_public_id, media, status, attempts,
             next_attempt_at, claimed_at, last_error, created_at, updated_at
         FROM media_fetches",
        "DROP TABLE media_fetches",
        "DROP TABLE attachments",
        "ALTER TABLE attachments_next RENAME TO attachments",
        "ALTER TABLE media_fetches_next RENAME TO media_fetches",
        "CREATE INDEX attachments_message ON attachments (message_id, position)",
        "CREATE INDEX attachments_comment ON attachments (comment_id, position)",
        "CREATE INDEX attachments_conversation ON attachments (conversation_id)",
        "CREATE INDEX attachments_article ON attachments (article_id)",
        "CREATE INDEX attachments_upload_token ON attachments (upload_token)",
        "CREATE INDEX attachments_unsent ON attachments (created_at)
            WHERE message_id IS NULL AND comment_id IS NULL AND article_id IS NULL",
        "CREATE INDEX media_fetches_due ON media_fetches (status, next_attempt_at)",
    ],
};
