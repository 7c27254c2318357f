//! Version 8: the agent desk's people and history. Groups (teams) and their members; each
//! staff member's activity, presence and capacity for automatic assignment; the group a ticket
//! belongs to and since when it waits in that group's queue; and the audit trail — every ticket
//! change as Zendesk's audits (one audit per update, its events one row each so reports can
//! count them in SQL), and the admin actions.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 8,
    name: "agent_desk_people",
    statements: &[
        "CREATE TABLE groups (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL COLLATE NOCASE UNIQUE,
            description TEXT NOT NULL DEFAULT '',
            is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        // At most one default group: the one hand-offs go to when the bot names none.
        "CREATE UNIQUE INDEX groups_one_default ON groups (is_default) WHERE is_default = 1",
        "CREATE TABLE group_memberships (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
            created_at INTEGER NOT NULL,
            UNIQUE (user_id, group_id)
        )",
        "CREATE INDEX group_memberships_group ON group_memberships (group_id)",
        // A deactivated staff member's tokens stop working; their tickets go back to the queue.
        "ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))",
        "ALTER TABLE users ADD COLUMN presence TEXT NOT NULL DEFAULT 'offline'
            CHECK (presence IN ('online', 'away', 'offline'))",
        // When the agent's workspace last showed signs of life (automatic `away` after silence).
        "ALTER TABLE users ADD COLUMN last_seen_at INTEGER",
        // Most open tickets assigned at once before automatic assignment passes them over.
        "ALTER TABLE users ADD COLUMN capacity INTEGER NOT NULL DEFAULT 5 CHECK (capacity >= 0)",
        // Round robin: the online member with free capacity who waited longest gets the next.
        "ALTER TABLE users ADD COLUMN last_assigned_at INTEGER",
        // Zendesk's user fields an agent edits (`PUT /api/v2/users/{id}`).
        "ALTER TABLE users ADD COLUMN phone TEXT",
        "ALTER TABLE users ADD COLUMN notes TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE users ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE tickets ADD COLUMN group_id INTEGER REFERENCES groups (id) ON DELETE SET NULL",
        // Set while an unassigned ticket waits in its group's queue: oldest first is assigned
        // first when someone comes online or frees capacity.
        "ALTER TABLE tickets ADD COLUMN queued_at INTEGER",
        "CREATE INDEX tickets_queue ON tickets (group_id, queued_at) WHERE queued_at IS NOT NULL",
        "CREATE INDEX tickets_assignee ON tickets (assignee_id, status)",
        "CREATE INDEX tickets_group ON tickets (group_id, status)",
        // One audit per change to a ticket (who, when, through what), Zendesk's shape.
        "CREATE TABLE ticket_audits (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
            author_id INTEGER REFERENCES users (id),
            via TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )",
        "CREATE INDEX ticket_audits_ticket ON ticket_audits (ticket_id, id)",
        // Its events: `Create` and `Change` (a field, its value and previous value), `Comment`,
        // `SatisfactionRating`; `reason` says why (an assignment's rule, a reopen's cause).
        "CREATE TABLE ticket_audit_events (
            id INTEGER PRIMARY KEY,
            audit_id INTEGER NOT NULL REFERENCES ticket_audits (id) ON DELETE CASCADE,
            ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
            type TEXT NOT NULL,
            field_name TEXT,
            value TEXT,
            previous_value TEXT,
            reason TEXT,
            created_at INTEGER NOT NULL
        )",
        "CREATE INDEX ticket_audit_events_audit ON ticket_audit_events (audit_id)",
        "CREATE INDEX ticket_audit_events_field ON ticket_audit_events (field_name, created_at)",
        // What admins did (agents, tokens, groups, integrations, bot publishes), newest first.
        "CREATE TABLE admin_audit_log (
            id INTEGER PRIMARY KEY,
            actor_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '{}',
            created_at INTEGER NOT NULL
        )",
        "CREATE INDEX admin_audit_log_created ON admin_audit_log (created_at)",
    ],
};
