//! Version 1: people, conversations, messages, tickets.
//!
//! Shaped for the Zendesk Support and Sunshine Conversations APIs: one `users` table for
//! customers and staff (Zendesk's `role`), identities per channel account, one conversation per
//! customer with a switchboard, messages with a per-conversation sequence, tickets with comments.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 1,
    name: "core",
    statements: &[
        "CREATE TABLE schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at INTEGER NOT NULL
        )",
        // Customers ('end-user') and staff ('agent', 'admin'). `public_id` is the opaque id the
        // widget and the conversations API show; Zendesk APIs use the integer id.
        "CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('end-user', 'agent', 'admin')),
            name TEXT NOT NULL DEFAULT '',
            email TEXT COLLATE NOCASE,
            external_id TEXT,
            locale TEXT NOT NULL DEFAULT 'en-US',
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        "CREATE UNIQUE INDEX users_staff_email ON users (email) WHERE role <> 'end-user'",
        "CREATE UNIQUE INDEX users_external_id ON users (external_id) WHERE external_id IS NOT NULL",
        // One row per channel account: ('web', device), ('whatsapp', '+8210...'), ...
        "CREATE TABLE identities (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            channel TEXT NOT NULL,
            address TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            UNIQUE (channel, address)
        )",
        "CREATE INDEX identities_user ON identities (user_id)",
        // Staff API tokens, stored as SHA-256 digests: a leaked database leaks no token.
        "CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            created_at INTEGER NOT NULL,
            last_used_at INTEGER
        )",
        "CREATE INDEX api_tokens_user ON api_tokens (user_id)",
        // Widget visitors' sessions, by the digest of the token the browser keeps.
        "CREATE TABLE widget_sessions (
            token_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            created_at INTEGER NOT NULL
        )",
        "CREATE INDEX widget_sessions_user ON widget_sessions (user_id)",
        // One persistent conversation per customer. The switchboard says who answers now; the
        // bot's own progress lives in `bot_state` so any instance can continue it.
        "CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            user_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
            switchboard TEXT NOT NULL DEFAULT 'bot' CHECK (switchboard IN ('bot', 'agent')),
            ticket_id INTEGER REFERENCES tickets (id),
            last_seq INTEGER NOT NULL DEFAULT 0,
            last_channel TEXT NOT NULL DEFAULT 'web',
            greeted INTEGER NOT NULL DEFAULT 0,
            bot_state TEXT NOT NULL DEFAULT '{}',
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        // `seq` is assigned from conversations.last_seq in the inserting transaction, so it is
        // gap-free and strictly increasing per conversation. (source, source_message_id) is
        // the channel's own message id — or the widget's client id — so a retried delivery
        // inserts nothing.
        "CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            author_type TEXT NOT NULL CHECK (author_type IN ('user', 'bot', 'agent', 'system')),
            author_id INTEGER REFERENCES users (id),
            author_name TEXT NOT NULL DEFAULT '',
            channel TEXT NOT NULL,
            source TEXT,
            source_message_id TEXT,
            content_type TEXT NOT NULL DEFAULT 'text',
            text TEXT NOT NULL DEFAULT '',
            payload TEXT,
            content TEXT NOT NULL DEFAULT '{}',
            created_at INTEGER NOT NULL,
            UNIQUE (conversation_id, seq),
            UNIQUE (source, source_message_id)
        )",
        "CREATE TABLE tickets (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
            requester_id INTEGER NOT NULL REFERENCES users (id),
            submitter_id INTEGER REFERENCES users (id),
            assignee_id INTEGER REFERENCES users (id),
            subject TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'open', 'pending', 'hold', 'solved', 'closed')),
            priority TEXT CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
            type TEXT CHECK (type IN ('problem', 'incident', 'question', 'task')),
            tags TEXT NOT NULL DEFAULT '[]',
            via_channel TEXT NOT NULL,
            external_id TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        "CREATE INDEX tickets_conversation ON tickets (conversation_id)",
        "CREATE INDEX tickets_updated ON tickets (updated_at)",
        // Public comments mirror the conversation; private ones are internal notes.
        "CREATE TABLE ticket_comments (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
            author_id INTEGER NOT NULL REFERENCES users (id),
            body TEXT NOT NULL,
            public INTEGER NOT NULL CHECK (public IN (0, 1)),
            message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
            via_channel TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )",
        "CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_id, id)",
        // Small documents the admin edits (the starter bot's texts, ...), as JSON by key.
        "CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at INTEGER NOT NULL
        )",
    ],
};
