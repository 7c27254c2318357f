//! "Something new in conversation N": the signal long-polls wait on.
//!
//! SQLite already holds the answer: every write transaction that posts a message moves
//! `conversations.last_seq` in the same commit. Waiters read that column (one primary-key read
//! in WAL mode, which never waits for a writer) instead of a key-value signal: Spin's embedded
//! key-value store costs ~44 ms per request at low concurrency, and a signal beside the truth
//! could only ever be a hint that SQL had to confirm. So neither a send nor a long-poll touches
//! the key-value store.
//!
//! [`publish`] is where a push hub goes (Pushpin's GRIP publish): today it has nothing to do.

use crate::ports::Env;
use crate::store::Db;
use std::time::Duration;

/// How often a waiting request reads the conversation's last sequence number.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Tells live clients that the conversation now ends at `last_seq`; called after the commit
/// that moved it. Without a push hub there is nothing to tell: waiters read
/// `conversations.last_seq`, which that commit wrote. A hub's publish (outbound HTTP to
/// Pushpin's publish endpoint) belongs here and must stay best effort, as waiters re-read SQL.
pub fn publish(_env: &Env, _conversation_id: i64, _last_seq: i64) {}

/// The conversation's last sequence number as committed; `None` if it cannot be read (the
/// waiter then keeps waiting and its caller's final read reports any real failure).
fn committed_last_seq(db: &Db, conversation_id: i64) -> Option<i64> {
    db.query_i64(
        "SELECT last_seq FROM conversations WHERE id = ?",
        &[conversation_id.into()],
    )
    .ok()
    .flatten()
}

/// Waits until the conversation has moved past `after` or `wait` has passed. Returns whether
/// it moved (callers read the messages either way).
pub fn wait_past(env: &Env, db: &Db, conversation_id: i64, after: i64, wait: Duration) -> bool {
    let deadline = env.clock.now_ms() + wait.as_millis() as i64;
    loop {
        if committed_last_seq(db, conversation_id).is_some_and(|seq| seq > after) {
            return true;
        }
        let left = deadline - env.clock.now_ms();
        if left <= 0 {
            return false;
        }
        env.clock
            .sleep(POLL_INTERVAL.min(Duration::from_millis(left as u64)));
    }
}
