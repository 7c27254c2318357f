//! Version 11: the Zendesk API breadth of the agent desk. Macros (canned replies with field
//! changes, `/api/v2/macros`) and admin-defined views (saved ticket filters, `/api/v2/views`),
//! both as JSON documents validated by the API before they are stored; an index to find an
//! end-user requester by email (`POST /api/v2/tickets`); and indexes the view counts use.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 11,
    name: "macros_and_views",
    statements: &[
        // `actions` is Zendesk's `[{"field", "value"}]`, checked on write.
        "CREATE TABLE macros (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            actions TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        // Ids 1 to 100 belong to the built-in system views (defined in code, never stored), so
        // an admin-defined view's id can't collide with one: the insert takes max(100, max)+1.
        "CREATE TABLE views (
            id INTEGER PRIMARY KEY CHECK (id > 100),
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            conditions TEXT NOT NULL,
            execution TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        // A ticket created through the API finds its requester by email among end-users
        // (staff emails already have their own unique index).
        "CREATE INDEX users_email ON users (email) WHERE role = 'end-user'",
        // A customer's other tickets (`GET /api/v2/users/{id}/tickets/requested`).
        "CREATE INDEX tickets_requester ON tickets (requester_id, id)",
        // "Unassigned tickets" counts `assignee_id IS NULL AND status IN (...)`; the v8 index
        // (assignee_id, status) serves it, and (status, updated_at) serves the rest.
    ],
};
