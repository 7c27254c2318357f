//! Version 20: how often each proactive widget message was shown and clicked
//! (`crate::widget_settings`). The rules live in the widget's settings document; counts are
//! kept apart so that a visitor's count is one small upsert, never a rewrite of the document.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 20,
    name: "widget_proactive_counts",
    statements: &["CREATE TABLE widget_proactive_counts (
            rule_id TEXT PRIMARY KEY,
            shown INTEGER NOT NULL DEFAULT 0,
            clicked INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID"],
};
