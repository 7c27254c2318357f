//! Version 7: the agent workspace lists tickets by status (`GET /api/v2/tickets.json?status=`),
//! newest activity first, and counts each view: an index on (status, updated_at) serves both
//! without reading every ticket.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 7,
    name: "tickets_by_status",
    statements: &["CREATE INDEX tickets_status ON tickets (status, updated_at)"],
};
