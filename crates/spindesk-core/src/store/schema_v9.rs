//! Version 9: per-agent routing settings. How long a silent workspace stays `online` before the
//! agent reads as `away` (presence is computed on read from `last_seen_at`: no timers exist), and
//! whether going offline hands the agent's `new` and `open` tickets back to their group's queue.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 9,
    name: "agent_routing_settings",
    statements: &[
        "ALTER TABLE users ADD COLUMN away_after_seconds INTEGER NOT NULL DEFAULT 600
            CHECK (away_after_seconds BETWEEN 60 AND 86400)",
        "ALTER TABLE users ADD COLUMN requeue_on_offline INTEGER NOT NULL DEFAULT 0
            CHECK (requeue_on_offline IN (0, 1))",
        // Admin audit log filtered by action, newest first.
        "CREATE INDEX admin_audit_log_action ON admin_audit_log (action, id)",
    ],
};
