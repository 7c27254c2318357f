//! Version 3: channel integrations, where each conversation's replies go, and the outbox.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 3,
    name: "channels",
    statements: &[
        // One connected account per row. `credentials` is a JSON object of the type's
        // write-only fields: the API never returns it and nothing logs it.
        "CREATE TABLE integrations (
            id INTEGER PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL CHECK (type IN ('whatsapp', 'messenger', 'instagram', 'telegram',
                                               'line', 'viber', 'slack', 'twilio')),
            display_name TEXT NOT NULL,
            credentials TEXT NOT NULL,
            api_base_url TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        // Where the customer last wrote from on a channel: the integration and the address
        // replies go to. Used while the conversation's last_channel is that channel.
        "CREATE TABLE conversation_routes (
            conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
            integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
            channel TEXT NOT NULL,
            address TEXT NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        "CREATE INDEX conversation_routes_integration ON conversation_routes (integration_id)",
        // One row per vendor request. `dedup_key` (message id + piece, or the acknowledged
        // event) makes enqueueing idempotent; a row is claimed ('sending') in a transaction
        // before it is sent, so no two instances send the same row.
        "CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
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
        "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
        "CREATE INDEX outbox_conversation ON outbox (conversation_id, status)",
    ],
};
