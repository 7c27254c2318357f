//! Version 26: uploads nobody sent (`attachments::sweep`). A file uploaded in the widget or
//! through `POST /api/v2/uploads` but never carried by a message or comment is removed when its
//! upload expires; this partial index holds only such files, oldest first, so finding the
//! expired ones reads just them — not every attachment the desk ever stored.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 26,
    name: "attachments_unsent",
    statements: &["CREATE INDEX attachments_unsent ON attachments (created_at)
        WHERE message_id IS NULL AND comment_id IS NULL AND article_id IS NULL"],
};
