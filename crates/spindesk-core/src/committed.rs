//! What a write transaction committed. Domain operations return it instead of publishing,
//! sending or calling out themselves; after the commit, one step
//! ([`crate::api::commit::after_commit`]) turns it into effects: the change feed, channel
//! sends, and the API calls bots wait for.

use crate::bot::PendingCall;
use crate::channels::outbox::Queued;
use crate::channels::ChannelType;
use crate::message::Message;

/// An API call a conversation's bot waits for, to be made once the transaction that stored
/// the wait has committed (no outbound request is made while SQLite's write lock is held).
#[derive(Debug, Clone, PartialEq)]
pub struct AwaitedCall {
    pub conversation_id: i64,
    pub call: PendingCall,
}

/// Where a conversation's replies on one channel go — its route, and what rendering needs of
/// the route's integration (not the credentials: the send opens them).
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyRoute {
    pub conversation_id: i64,
    pub channel: String,
    pub integration_id: i64,
    /// The customer's address on the channel.
    pub address: String,
    pub kind: ChannelType,
    /// The integration's name, signed under replies where the channel shows one.
    pub display_name: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Committed {
    /// Every message posted, in order (a customer's message first, then what answered it).
    pub messages: Vec<Message>,
    /// The API calls bots now wait for.
    pub awaited: Vec<AwaitedCall>,
    /// Outbox rows queued for conversations' channels, sent right after the commit.
    pub queued: Vec<Queued>,
    /// Tickets created or changed.
    pub tickets: Vec<i64>,
    /// Customers' files queued for fetching from their channel's vendor
    /// (`channels::media_fetch`), fetched by the channels surface after its answer.
    pub media_fetches: Vec<i64>,
    /// Routes written by this transaction, as written (the latest last): the replies it
    /// queues go there without reading them back under the write lock.
    pub routes: Vec<ReplyRoute>,
}

impl Committed {
    pub fn merge(&mut self, other: Committed) {
        self.messages.extend(other.messages);
        self.awaited.extend(other.awaited);
        self.queued.extend(other.queued);
        self.tickets.extend(other.tickets);
        self.media_fetches.extend(other.media_fetches);
        self.routes.extend(other.routes);
    }

    pub fn is_empty(&self) -> bool {
        self == &Committed::default()
    }
}
