//! Version 18: outbound webhooks (`webhooks` module). A subscription (`webhooks`), the events
//! recorded in the write transaction that caused them (`webhook_events`, one row per event,
//! its payload stored once), and one delivery row per event and subscribed webhook
//! (`webhook_deliveries`), which carries that webhook's retry state — so one failing receiver
//! neither holds back nor re-sends to the others.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 18,
    name: "webhooks",
    statements: &[
        "CREATE TABLE webhooks (
            id INTEGER PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            -- The custom integration it belongs to (Sunshine's shape: one per integration).
            integration_public_id TEXT NOT NULL,
            display_name TEXT NOT NULL DEFAULT '',
            app_id TEXT NOT NULL,
            target TEXT NOT NULL,
            -- A JSON array of trigger names.
            triggers TEXT NOT NULL,
            include_full_user INTEGER NOT NULL DEFAULT 0,
            include_full_source INTEGER NOT NULL DEFAULT 0,
            -- Sealed with credentials_key (vault owner `webhook:<public_id>`); never returned
            -- after creation.
            secret TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
            -- The first failed attempt since the last success: the webhook is disabled once
            -- this is older than webhook_disable_after_days.
            failing_since INTEGER,
            disabled_reason TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        "CREATE TABLE webhook_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            -- What makes the event unique (`message:42`): a retried write records nothing new.
            dedup_key TEXT UNIQUE,
            type TEXT NOT NULL,
            -- Events of one key (a conversation, or a ticket without one) go out in order.
            order_key TEXT,
            payload TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )",
        "CREATE TABLE webhook_deliveries (
            id INTEGER PRIMARY KEY,
            webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
            event_id INTEGER NOT NULL REFERENCES webhook_events (id),
            order_key TEXT,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            claimed_at INTEGER,
            last_error TEXT,
            last_status INTEGER,
            sent_at INTEGER,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            UNIQUE (webhook_id, event_id)
        )",
        "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
        "CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, order_key, status)",
        "CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id)",
    ],
};
