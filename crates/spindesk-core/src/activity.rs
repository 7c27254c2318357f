//! Typing indicators and read receipts: what each side of a conversation is doing right now.
//!
//! Ephemeral, never messages: one `conversation_activity` row per conversation and side,
//! overwritten in place. It lives in SQLite rather than the key-value store because Spin's
//! embedded key-value store costs ~44 ms per request at low concurrency, and because a waiting
//! long-poll already reads the conversation's row every 200 ms: watching this row too costs
//! that read a join, not another round trip. With a push hub the same change is also published
//! (`change_feed::publish_activity`), so held clients hear it at once.

use crate::ports::{Millis, SqlError};
use crate::store::{Db, Row};
use serde_json::json;

/// A typing indicator lasts this long unless refreshed; clients hide it after this too.
pub const TYPING_TTL_MS: Millis = 6_000;
/// A typing client that says so again within this much of its last word writes nothing: a
/// keystroke-driven client cannot turn into a write per key.
pub const TYPING_REFRESH_MS: Millis = TYPING_TTL_MS / 2;

/// Which side of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Customer,
    Agent,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Customer => "customer",
            Side::Agent => "agent",
        }
    }
}

/// One side's activity as of a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Activity {
    pub typing: bool,
    /// The highest sequence number this side has read (0: none).
    pub read_seq: i64,
}

impl Activity {
    pub fn to_json(self) -> serde_json::Value {
        json!({"typing": self.typing, "read_seq": self.read_seq})
    }
}

/// Records that `side` is typing (or stopped). Returns whether anything changed: a repeat
/// within [`TYPING_REFRESH_MS`], or a "stopped" from a side that was not typing, writes nothing
/// and needs no publish.
pub fn set_typing(
    db: &Db,
    conversation_id: i64,
    side: Side,
    typing: bool,
    now: Millis,
) -> Result<bool, SqlError> {
    let (until, changes_when) = if typing {
        // Only when less than half of the last indicator is left.
        (
            now + TYPING_TTL_MS,
            "conversation_activity.typing_until < ?",
        )
    } else {
        (0, "conversation_activity.typing_until > ?")
    };
    let threshold = if typing {
        now + TYPING_TTL_MS - TYPING_REFRESH_MS
    } else {
        now
    };
    let changed = db.query_i64(
        &format!(
            "INSERT INTO conversation_activity (conversation_id, side, typing_until, changed_at)
             VALUES (?, ?, ?, ?)
             ON CONFLICT (conversation_id, side) DO UPDATE
             SET typing_until = excluded.typing_until, changed_at = excluded.changed_at
             WHERE {changes_when}
             RETURNING 1"
        ),
        &[
            conversation_id.into(),
            side.as_str().into(),
            until.into(),
            now.into(),
            threshold.into(),
        ],
    )?;
    Ok(changed.is_some())
}

/// Records that `side` has read up to `seq` (never moves back). Returns the new mark, or
/// `None` if it was already there.
pub fn mark_read(
    db: &Db,
    conversation_id: i64,
    side: Side,
    seq: i64,
    now: Millis,
) -> Result<Option<i64>, SqlError> {
    db.query_i64(
        "INSERT INTO conversation_activity (conversation_id, side, read_seq, changed_at)
         VALUES (?, ?, ?, ?)
         ON CONFLICT (conversation_id, side) DO UPDATE
         SET read_seq = excluded.read_seq, changed_at = excluded.changed_at
         WHERE excluded.read_seq > conversation_activity.read_seq
         RETURNING read_seq",
        &[
            conversation_id.into(),
            side.as_str().into(),
            seq.into(),
            now.into(),
        ],
    )
}

/// [`of`] as one column of another read of the conversation (aliased `c`, its `c.id` NULL when
/// there is none): `side`'s typing deadline and read position as text, for [`from_column`]. A
/// widget's poll reads it with its session: on Spin every statement is a host round trip.
pub fn column_sql(side: Side) -> String {
    format!(
        "(SELECT typing_until || ' ' || read_seq FROM conversation_activity
          WHERE conversation_id = c.id AND side = '{}')",
        side.as_str()
    )
}

/// The activity [`column_sql`] read, at `now`; none recorded (NULL) is no activity.
pub fn from_column(text: Option<&str>, now: Millis) -> Result<Activity, SqlError> {
    let Some(text) = text else {
        return Ok(Activity::default());
    };
    let mut numbers = text.split(' ').map(str::parse::<i64>);
    match (numbers.next(), numbers.next()) {
        (Some(Ok(typing_until)), Some(Ok(read_seq))) => Ok(Activity {
            typing: typing_until > now,
            read_seq,
        }),
        _ => Err(Row::invalid(
            "conversation_activity",
            format!("read as {text:?}"),
        )),
    }
}

/// `side`'s activity in the conversation at `now`.
pub fn of(db: &Db, conversation_id: i64, side: Side, now: Millis) -> Result<Activity, SqlError> {
    let found = db.query_opt(
        "SELECT typing_until, read_seq FROM conversation_activity
         WHERE conversation_id = ? AND side = ?",
        &[conversation_id.into(), side.as_str().into()],
        |r| {
            Ok(Activity {
                typing: r.i64("typing_until")? > now,
                read_seq: r.i64("read_seq")?,
            })
        },
    )?;
    Ok(found.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_activity_column_reads_back_as_the_activity_at_the_moment() {
        let read = |text: Option<&str>, now| from_column(text, now).expect("read");
        assert_eq!(read(None, 5), Activity::default(), "nothing recorded");
        let seen = read(Some("1000 7"), 999);
        assert!(seen.typing);
        assert_eq!(seen.read_seq, 7);
        assert!(!read(Some("1000 7"), 1000).typing, "the indicator lapsed");
        assert!(from_column(Some("1000"), 5).is_err());
    }
}
