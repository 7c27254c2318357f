//! Version 10: customer satisfaction. One rating per ticket (Zendesk's `satisfaction_rating`):
//! offered when the ticket is solved, then `good` or `bad` with an optional comment, changeable
//! until the ticket closes; and an indexes for the reports.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 10,
    name: "satisfaction_ratings",
    statements: &[
        "CREATE TABLE satisfaction_ratings (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL UNIQUE REFERENCES tickets (id) ON DELETE CASCADE,
            score TEXT NOT NULL DEFAULT 'offered' CHECK (score IN ('offered', 'good', 'bad')),
            comment TEXT NOT NULL DEFAULT '',
            -- Set after a rating: the customer's next free text is the rating's comment.
            awaiting_comment INTEGER NOT NULL DEFAULT 0 CHECK (awaiting_comment IN (0, 1)),
            created_at INTEGER NOT NULL,
            -- When the current score was given (reports count ratings by it); NULL while offered.
            rated_at INTEGER,
            updated_at INTEGER NOT NULL
        )",
        "CREATE INDEX satisfaction_ratings_created ON satisfaction_ratings (created_at)",
        "CREATE INDEX satisfaction_ratings_rated ON satisfaction_ratings (rated_at)
            WHERE rated_at IS NOT NULL",
        // Reports count conversations by their customers' messages in a time range.
        "CREATE INDEX messages_customer_created ON messages (created_at)
            WHERE author_type = 'user'",
        "CREATE INDEX reports_tickets_created ON tickets (created_at)",
        // Whether a customer's message went to agents (a comment mirrors it): bot-alone counts.
        "CREATE INDEX reports_comments_message ON ticket_comments (message_id)
            WHERE message_id IS NOT NULL",
    ],
};
