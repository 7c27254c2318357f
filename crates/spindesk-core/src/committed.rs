//! What a write transaction committed. Domain operations return it instead of publishing,
//! sending or calling out themselves; after the commit, one step
//! ([`crate::api::commit::after_commit`]) turns it into effects: the change feed, channel
//! sends, and the API calls bots wait for.

use crate::bot::PendingCall;
use crate::channels::outbox::Queued;
use crate::channels::ChannelType;
pub use crate::commit_checks::CommitChecks;
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
    /// What the commit's last step asks of the database, read by one of the work's writes
    /// (the customer's message insert) instead of a read of its own. See [`CommitChecks`].
    pub checks: Option<CommitChecks>,
}

impl Committed {
    pub fn merge(&mut self, other: Committed) {
        self.messages.extend(other.messages);
        self.awaited.extend(other.awaited);
        self.queued.extend(other.queued);
        self.tickets.extend(other.tickets);
        self.media_fetches.extend(other.media_fetches);
        self.routes.extend(other.routes);
        self.checks = self.checks.or(other.checks);
    }

    /// Nothing was committed that has effects (the checks are not an effect).
    pub fn is_empty(&self) -> bool {
        let Committed {
            messages,
            awaited,
            queued,
            tickets,
            media_fetches,
            routes,
            checks: _,
        } = self;
        messages.is_empty()
            && awaited.is_empty()
            && queued.is_empty()
            && tickets.is_empty()
            && media_fetches.is_empty()
            && routes.is_empty()
    }

    /// The [`CommitChecks`] a write brought along, if they still hold: the work changed no
    /// ticket. `None`: the commit's last step must read them.
    pub fn checks_at_commit(&self) -> Option<CommitChecks> {
        self.checks.filter(|_| self.tickets.is_empty())
    }
}
