//! "Something new in conversation N": the signal long-polls wait on.
//!
//! SQLite already holds the answer: every write transaction that posts a message moves
//! `conversations.last_seq` in the same commit. Waiters read that column (one primary-key read
//! in WAL mode, which never waits for a writer) instead of a key-value signal: Spin's embedded
//! key-value store costs ~44 ms per request at low concurrency, and a signal beside the truth
//! could only ever be a hint that SQL had to confirm. So neither a send nor a long-poll touches
//! the key-value store.
//!
//! With a push hub (Pushpin, `crate::grip`), [`publish`] also sends what a commit posted to the
//! hub's channels, and [`publish_activity`] a side's typing and reads, so held clients hear
//! them at once; waiters on SQLite are unaffected, and a lost publish costs a client one read.

use crate::activity::{Activity, Side};
use crate::grip::{self, publish::item};
use crate::message::{Message, WidgetMessage};
use crate::ports::Env;
use crate::store::Db;
use serde::Serialize;
use serde_json::json;
use std::time::Duration;

/// How often a waiting request reads the conversation's last sequence number.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Tells live clients what a commit posted (called after it): each conversation's new messages
/// to its widget tabs (as the long-poll's answer, sequence numbers included, so a client can see
/// a gap and re-read) and a nudge to the agents on its ticket; tickets created or changed to
/// every agent workspace. Without a push hub there is nothing to tell: waiters read
/// `conversations.last_seq`, which the commit wrote.
pub fn publish(env: &Env, messages: &[Message], tickets: &[i64]) {
    if !grip::publish::enabled(env) {
        return;
    }
    let mut items = Vec::new();
    let mut conversations: Vec<i64> = messages.iter().map(|m| m.conversation_id).collect();
    conversations.sort_unstable();
    conversations.dedup();
    for conversation_id in conversations {
        let posted: Vec<WidgetMessage> = messages
            .iter()
            .filter(|m| m.conversation_id == conversation_id)
            .map(Message::widget_view)
            .collect();
        let last_seq = posted.iter().map(|m| m.seq()).max().unwrap_or(0);
        let update = WidgetUpdate {
            last_seq,
            messages: posted,
        };
        let data = serde_json::to_string(&update).unwrap_or_default();
        items.push(item(
            &grip::widget_channel(conversation_id),
            "update",
            &data,
            true,
        ));
        let nudge = format!("{{\"last_seq\":{last_seq}}}");
        items.push(item(
            &grip::agents_channel(conversation_id),
            "update",
            &nudge,
            false,
        ));
    }
    let mut tickets = tickets.to_vec();
    tickets.sort_unstable();
    tickets.dedup();
    if !tickets.is_empty() {
        let ids: Vec<String> = tickets.iter().map(i64::to_string).collect();
        let changed = format!("{{\"tickets\":[{}]}}", ids.join(","));
        items.push(item(grip::DESK_CHANNEL, "tickets", &changed, false));
    }
    grip::publish::send(env, items);
}

/// What a widget's held long-poll or stream gets when messages are posted: the same shape as
/// the answer of `GET /api/widget/messages`.
#[derive(Serialize)]
struct WidgetUpdate<'a> {
    last_seq: i64,
    messages: Vec<WidgetMessage<'a>>,
}

/// Tells the other side of a conversation that `side` is typing or has read (called after the
/// write). `last_seq` is the conversation's, so a widget long-poll released by it keeps its
/// cursor.
pub fn publish_activity(
    env: &Env,
    conversation_id: i64,
    last_seq: i64,
    side: Side,
    activity: Activity,
) {
    if !grip::publish::enabled(env) {
        return;
    }
    let item = match side {
        Side::Agent => {
            let update = json!({"messages": [], "last_seq": last_seq, "agent": activity.to_json()});
            item(
                &grip::widget_channel(conversation_id),
                "update",
                &grip::hold::json_text(&update),
                true,
            )
        }
        Side::Customer => {
            let update = json!({"last_seq": last_seq, "customer": activity.to_json()});
            item(
                &grip::agents_channel(conversation_id),
                "update",
                &grip::hold::json_text(&update),
                false,
            )
        }
    };
    grip::publish::send(env, vec![item]);
}

/// Tells every agent workspace that an agent's presence changed (called after the write): the
/// agent's other tabs and devices show it at once instead of on their next presence poll.
/// Automatic `away` (silence) is computed when read, not written, so it is not published.
pub fn publish_presence(env: &Env, user_id: i64, status: &str) {
    if !grip::publish::enabled(env) {
        return;
    }
    let data = format!(
        r#"{{"user_id":{user_id},"status":{}}}"#,
        serde_json::to_string(status).unwrap_or_default()
    );
    grip::publish::send(
        env,
        vec![item(grip::DESK_CHANNEL, "presence", &data, false)],
    );
}

/// The conversation's last sequence number as committed and when `side`'s activity last
/// changed (0: never); `None` if it cannot be read (the waiter then keeps waiting and its
/// caller's final read reports any real failure).
fn committed_state(db: &Db, conversation_id: i64, side: Side) -> Option<(i64, i64)> {
    db.query_opt(
        "SELECT c.last_seq, coalesce(a.changed_at, 0) AS changed_at
         FROM conversations c
         LEFT JOIN conversation_activity a ON a.conversation_id = c.id AND a.side = ?
         WHERE c.id = ?",
        &[side.as_str().into(), conversation_id.into()],
        |r| Ok((r.i64("last_seq")?, r.i64("changed_at")?)),
    )
    .ok()
    .flatten()
}

/// Waits until the conversation has moved past `after`, `side`'s activity (typing, reads) has
/// changed, or `wait` has passed. Returns whether anything moved (callers read either way).
pub fn wait_past(
    env: &Env,
    db: &Db,
    conversation_id: i64,
    after: i64,
    side: Side,
    wait: Duration,
) -> bool {
    let deadline = env.clock.now_ms() + wait.as_millis() as i64;
    let mut seen = None;
    loop {
        if let Some((seq, changed_at)) = committed_state(db, conversation_id, side) {
            if seq > after || seen.is_some_and(|at| at != changed_at) {
                return true;
            }
            seen.get_or_insert(changed_at);
        }
        let left = deadline - env.clock.now_ms();
        if left <= 0 {
            return false;
        }
        env.clock
            .sleep(POLL_INTERVAL.min(Duration::from_millis(left as u64)));
    }
}
