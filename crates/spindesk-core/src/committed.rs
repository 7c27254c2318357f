//! What a write transaction committed. Domain operations return it instead of publishing,
//! sending or calling out themselves; after the commit, one step
//! ([`crate::api::commit::after_commit`]) turns it into effects: the change feed, channel
//! sends, and the API calls bots wait for.

use crate::bot::PendingCall;
use crate::message::Message;

/// An API call a conversation's bot waits for, to be made once the transaction that stored
/// the wait has committed (no outbound request is made while SQLite's write lock is held).
#[derive(Debug, Clone, PartialEq)]
pub struct AwaitedCall {
    pub conversation_id: i64,
    pub call: PendingCall,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Committed {
    /// Every message posted, in order (a customer's message first, then what answered it).
    pub messages: Vec<Message>,
    /// The API calls bots now wait for.
    pub awaited: Vec<AwaitedCall>,
    /// Conversations with outbox rows queued for their channel.
    pub queued: Vec<i64>,
    /// Tickets created or changed.
    pub tickets: Vec<i64>,
    /// Customers' files queued for fetching from their channel's vendor
    /// (`channels::media_fetch`), fetched by the channels surface after its answer.
    pub media_fetches: Vec<i64>,
}

impl Committed {
    pub fn merge(&mut self, other: Committed) {
        self.messages.extend(other.messages);
        self.awaited.extend(other.awaited);
        self.queued.extend(other.queued);
        self.tickets.extend(other.tickets);
        self.media_fetches.extend(other.media_fetches);
    }

    pub fn is_empty(&self) -> bool {
        self == &Committed::default()
    }
}
