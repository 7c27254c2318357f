//! Version 23 (the lead renumbers at merge):
//! the e-mail channel, notices to customers who left, and WhatsApp message templates.
//!
//! `integrations.type` has a CHECK listing the channel types, which SQLite cannot alter. The
//! table is rebuilt with `email` allowed — and with it its two child tables, because dropping a
//! parent with foreign keys on deletes the children's rows (CASCADE), and `PRAGMA foreign_keys`
//! cannot be turned off inside the migration's transaction. The children are copied into new
//! tables that reference the new parent first; renaming the parent then rewrites their
//! references (SQLite >= 3.26, `legacy_alter_table` off, as in rusqlite's and Spin's builds).

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 23,
    name: "email_channel",
    statements: &[
        "CREATE TABLE integrations_next (
            id INTEGER PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL CHECK (type IN ('whatsapp', 'messenger', 'instagram', 'telegram',
                                               'line', 'viber', 'slack', 'twilio', 'email')),
            display_name TEXT NOT NULL,
            credentials TEXT NOT NULL,
            api_base_url TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        "INSERT INTO integrations_next SELECT id, public_id, type, display_name, credentials,
             api_base_url, created_at, updated_at FROM integrations",
        "CREATE TABLE conversation_routes_next (
            conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
            integration_id INTEGER NOT NULL REFERENCES integrations_next (id) ON DELETE CASCADE,
            channel TEXT NOT NULL,
            address TEXT NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        "INSERT INTO conversation_routes_next SELECT conversation_id, integration_id, channel,
             address, updated_at FROM conversation_routes",
        "CREATE TABLE outbox_next (
            id INTEGER PRIMARY KEY,
            integration_id INTEGER NOT NULL REFERENCES integrations_next (id) ON DELETE CASCADE,
            conversation_id INTEGER REFERENCES conversations (id) ON DELETE CASCADE,
            message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
            dedup_key TEXT NOT NULL UNIQUE,
            endpoint TEXT NOT NULL,
            body TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            claimed_at INTEGER,
            last_error TEXT,
            vendor_message_id TEXT,
            sent_at INTEGER,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        "INSERT INTO outbox_next SELECT id, integration_id, conversation_id, message_id, dedup_key,
             endpoint, body, idempotency_key, status, attempts, next_attempt_at, claimed_at,
             last_error, vendor_message_id, sent_at, created_at, updated_at FROM outbox",
        "DROP TABLE outbox",
        "DROP TABLE conversation_routes",
        "DROP TABLE integrations",
        "ALTER TABLE integrations_next RENAME TO integrations",
        "ALTER TABLE conversation_routes_next RENAME TO conversation_routes",
        "ALTER TABLE outbox_next RENAME TO outbox",
        "CREATE INDEX conversation_routes_integration ON conversation_routes (integration_id)",
        "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
        "CREATE INDEX outbox_conversation ON outbox (conversation_id, status)",
        // A conversation's e-mail thread: the secret part of its reply address
        // (`reply+<token>@<inbound domain>`) and the subject replies keep.
        "CREATE TABLE email_threads (
            conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
            reply_token TEXT NOT NULL UNIQUE,
            subject TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )",
        // Every Message-ID we sent or received, for threading a reply by its In-Reply-To /
        // References and for the References chain of our next e-mail.
        "CREATE TABLE email_message_ids (
            message_id TEXT PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            created_at INTEGER NOT NULL
        )",
        "CREATE INDEX email_message_ids_conversation
             ON email_message_ids (conversation_id, created_at)",
        // The last notice e-mailed to a customer who left: the upsert that records one only
        // succeeds an hour after the previous one and for a newer reply (`seq`), so two drains
        // racing send one notice.
        "CREATE TABLE email_notices (
            conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            sent_at INTEGER NOT NULL
        )",
        // Agent replies in widget conversations not yet noticed: written with the reply (the
        // first unseen reply's time stays), read by the outbox drain, which e-mails the
        // customer once `email_notice_after_minutes` have passed without a read receipt.
        "CREATE TABLE email_notice_due (
            conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            posted_at INTEGER NOT NULL
        )",
        "CREATE INDEX email_notice_due_by_time ON email_notice_due (posted_at)",
        // Addresses that asked for no more notices (the unsubscribe link).
        "CREATE TABLE email_unsubscribes (
            address TEXT PRIMARY KEY COLLATE NOCASE,
            created_at INTEGER NOT NULL
        ) WITHOUT ROWID",
        // WhatsApp message templates an admin registered (approved at Meta): sent instead of
        // text outside the 24-hour customer-service window.
        "CREATE TABLE whatsapp_templates (
            id INTEGER PRIMARY KEY,
            integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            language TEXT NOT NULL,
            parameters TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            UNIQUE (integration_id, name, language)
        )",
        // The template an agent chose for a reply (with its parameters), written with the reply
        // and read when it is queued for WhatsApp outside the 24-hour window.
        "CREATE TABLE message_templates (
            message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            language TEXT NOT NULL,
            parameters TEXT NOT NULL
        )",
    ],
};
