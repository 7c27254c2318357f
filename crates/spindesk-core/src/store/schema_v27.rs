//! Version 27: a message moves its conversation on by itself. Every message insert used to be
//! followed by an `UPDATE conversations SET last_seq …`: under Spin each statement is a host
//! round trip, and both ran inside the write transaction, so a widget message the bot answers
//! held SQLite's write lock for two more round trips. This trigger does the same in the insert's
//! own statement: the conversation's `last_seq` becomes the message's (never lower: the number
//! only grows), its `updated_at` the message's time, and a customer's message also sets the
//! channel replies go back on (`last_channel`), as `conversation::store_customer_message` did.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 27,
    name: "messages_advance_conversation",
    statements: &[
        "CREATE TRIGGER messages_advance_conversation AFTER INSERT ON messages BEGIN
            UPDATE conversations SET
                last_seq = max(last_seq, NEW.seq),
                updated_at = NEW.created_at,
                last_channel = CASE WHEN NEW.author_type = 'user' THEN NEW.channel
                                    ELSE last_channel END
            WHERE id = NEW.conversation_id;
        END",
    ],
};
