//! Attachments (`crate::attachments`): what is known about each file — who sent it, where it
//! belongs, its type as its bytes say — while the bytes themselves live in the `attachments`
//! database behind the files port (`ports/files.rs`).
//!
//! Messages and comments link their attachments through columns of this table rather than the
//! message's `content` JSON: an attachment belongs to at most one message (and, for a private
//! note, one comment), a download looks its row up by public id to check the conversation, and
//! a channel fetch fills a pending row in place without rewriting the message.
//!
//! A deleted conversation leaves its files' rows (`SET NULL`): agents' files stay with their
//! ticket comments, and erasing a customer deletes the customer's own files explicitly
//! (`users/erasure.rs`), bytes included.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 21,
    name: "attachments",
    statements: &[
        "CREATE TABLE attachments (
            id INTEGER PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
            message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
            comment_id INTEGER REFERENCES ticket_comments (id) ON DELETE SET NULL,
            article_id INTEGER REFERENCES hc_articles (id) ON DELETE CASCADE,
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
        "CREATE INDEX attachments_message ON attachments (message_id, position)",
        "CREATE INDEX attachments_comment ON attachments (comment_id, position)",
        "CREATE INDEX attachments_conversation ON attachments (conversation_id)",
        "CREATE INDEX attachments_article ON attachments (article_id)",
        "CREATE INDEX attachments_upload_token ON attachments (upload_token)",
    ],
};
