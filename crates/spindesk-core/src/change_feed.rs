//! "Something new in conversation N": the signal long-polls wait on.
//!
//! Writers publish the conversation's last sequence number to the key-value store after they
//! commit; waiters poll that key (cheap, Redis in production) and read SQL only when it moves.
//! SQL stays the source of truth: the key is a hint, checked again before giving up, so a lost
//! signal delays nothing beyond the wait. A push hub could replace this module behind the same
//! two functions.

use crate::ports::Env;
use std::time::Duration;

/// How often a waiting request looks at the key.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

fn key(conversation_id: i64) -> String {
    format!("conversation:{conversation_id}:last_seq")
}

/// Announces that the conversation now ends at `last_seq`. Best effort: a failure only means
/// waiters notice at their next SQL check.
pub fn publish(env: &Env, conversation_id: i64, last_seq: i64) {
    if let Err(e) = env
        .kv
        .set(&key(conversation_id), last_seq.to_string().as_bytes())
    {
        env.warn("change_feed.publish", e);
    }
}

/// The last sequence number announced, if any.
fn announced(env: &Env, conversation_id: i64) -> Option<i64> {
    let raw = env.kv.get(&key(conversation_id)).ok()??;
    std::str::from_utf8(&raw).ok()?.parse().ok()
}

/// Waits until the conversation has moved past `after` or `wait` has passed. Returns whether
/// the announcement moved (callers then read SQL either way).
pub fn wait_past(env: &Env, conversation_id: i64, after: i64, wait: Duration) -> bool {
    let deadline = env.clock.now_ms() + wait.as_millis() as i64;
    loop {
        if announced(env, conversation_id).is_some_and(|seq| seq > after) {
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
