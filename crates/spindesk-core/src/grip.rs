//! GRIP: a push hub (Pushpin, or Fastly Fanout, which speaks the same protocol) in front of the
//! realtime routes holds the browsers' connections, so a waiting widget costs Spin nothing.
//!
//! Spin holds one whole instance (~1.4 MB, at most 1,000 per process) for every request that
//! waits; Pushpin holds tens of thousands of idle connections in one process. So when a request
//! comes through Pushpin ([`sig::verified`]), a live route answers at once with instructions
//! ([`hold`]: keep this long-poll or this event stream open on these channels) and its instance
//! is gone; after a commit the writer publishes what changed to the channels ([`publish`]).
//! Without Pushpin (no `grip_key`, or a request that did not come through it) the routes take
//! their SQLite long-poll path, with its limits (`held_polls`).
//!
//! Publishing is best effort by design: a lost publish costs a client one poll (the payloads
//! carry sequence numbers, so a client that sees a gap re-reads from SQLite).

pub mod hold;
pub mod publish;
pub mod sig;

/// Channel of a conversation's widget tabs: its messages, and the agent's typing and reads.
pub fn widget_channel(conversation_id: i64) -> String {
    format!("widget-{conversation_id}")
}

/// Channel of the agents looking at a conversation's ticket: new messages (a nudge to re-read
/// the ticket), and the customer's typing and reads.
pub fn agents_channel(conversation_id: i64) -> String {
    format!("agents-{conversation_id}")
}

/// Channel of every agent workspace: tickets created, assigned or changed.
pub const DESK_CHANNEL: &str = "desk";
