//! A ticket's status and every rule about how it may change, in one place: Zendesk's states
//! (`new`, `open`, `pending`, `hold`, `solved`, `closed`) with Spindesk's switchboard rules.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketStatus {
    New,
    Open,
    Pending,
    Hold,
    Solved,
    Closed,
}

/// What happens to a ticket that may move its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusEvent {
    /// A person (an agent, an admin, an API client) changes other fields (subject, tags, ...).
    Edit,
    /// A person (an agent, an admin, an API client) sets the status.
    Set(TicketStatus),
    /// An agent comments (public reply or internal note).
    AgentComment,
    /// The customer writes in the conversation the ticket follows.
    CustomerMessage,
}

/// Why a status change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error("a ticket can't be set back to new")]
    BackToNew,
    #[error("closed prevents ticket update")]
    Closed,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 6] = [
        TicketStatus::New,
        TicketStatus::Open,
        TicketStatus::Pending,
        TicketStatus::Hold,
        TicketStatus::Solved,
        TicketStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::New => "new",
            TicketStatus::Open => "open",
            TicketStatus::Pending => "pending",
            TicketStatus::Hold => "hold",
            TicketStatus::Solved => "solved",
            TicketStatus::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<TicketStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The status after `event`. The rules: nothing moves a closed ticket (Zendesk's "closed
    /// prevents ticket update"); no one sets a ticket back to `new`; an agent's comment takes a
    /// new ticket into work (`open`); a customer's message reopens a `solved` or `pending`
    /// ticket (they answered, or were not helped after all). A `hold` ticket waits on a third
    /// party, so the customer writing does not move it.
    pub fn transition(self, event: StatusEvent) -> Result<TicketStatus, StatusError> {
        use TicketStatus::*;
        match (self, event) {
            (Closed, _) => Err(StatusError::Closed),
            (_, StatusEvent::Set(New)) => Err(StatusError::BackToNew),
            (_, StatusEvent::Set(status)) => Ok(status),
            (New, StatusEvent::AgentComment) => Ok(Open),
            (Solved | Pending, StatusEvent::CustomerMessage) => Ok(Open),
            (
                status,
                StatusEvent::Edit | StatusEvent::AgentComment | StatusEvent::CustomerMessage,
            ) => Ok(status),
        }
    }

    /// The status after `events`, in order; the first refusal stops it.
    pub fn after(self, events: &[StatusEvent]) -> Result<TicketStatus, StatusError> {
        events
            .iter()
            .try_fold(self, |status, event| status.transition(*event))
    }

    /// Whether reaching this status gives the conversation back to the bot: a closed ticket is
    /// done, and the customer's next hand-off opens a follow-up ticket.
    pub fn hands_back(self) -> bool {
        self == TicketStatus::Closed
    }

    /// Whether the ticket still needs work (Zendesk's "unsolved").
    pub fn is_unsolved(self) -> bool {
        matches!(
            self,
            TicketStatus::New | TicketStatus::Open | TicketStatus::Pending | TicketStatus::Hold
        )
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::StatusEvent::*;
    use super::TicketStatus::*;
    use super::*;

    /// Every status × every event, written out as the product's rules say, not derived from
    /// the code: a change to any rule changes one row here.
    #[test]
    fn every_transition() {
        let e_closed = Err(StatusError::Closed);
        let e_new = Err(StatusError::BackToNew);
        #[rustfmt::skip]
        let table: &[(TicketStatus, StatusEvent, Result<TicketStatus, StatusError>)] = &[
            (New, Set(New), e_new), (New, Set(Open), Ok(Open)), (New, Set(Pending), Ok(Pending)),
            (New, Set(Hold), Ok(Hold)), (New, Set(Solved), Ok(Solved)), (New, Set(Closed), Ok(Closed)),
            (New, Edit, Ok(New)), (New, AgentComment, Ok(Open)), (New, CustomerMessage, Ok(New)),

            (Open, Set(New), e_new), (Open, Set(Open), Ok(Open)), (Open, Set(Pending), Ok(Pending)),
            (Open, Set(Hold), Ok(Hold)), (Open, Set(Solved), Ok(Solved)), (Open, Set(Closed), Ok(Closed)),
            (Open, Edit, Ok(Open)), (Open, AgentComment, Ok(Open)), (Open, CustomerMessage, Ok(Open)),

            (Pending, Set(New), e_new), (Pending, Set(Open), Ok(Open)), (Pending, Set(Pending), Ok(Pending)),
            (Pending, Set(Hold), Ok(Hold)), (Pending, Set(Solved), Ok(Solved)), (Pending, Set(Closed), Ok(Closed)),
            (Pending, Edit, Ok(Pending)), (Pending, AgentComment, Ok(Pending)), (Pending, CustomerMessage, Ok(Open)),

            (Hold, Set(New), e_new), (Hold, Set(Open), Ok(Open)), (Hold, Set(Pending), Ok(Pending)),
            (Hold, Set(Hold), Ok(Hold)), (Hold, Set(Solved), Ok(Solved)), (Hold, Set(Closed), Ok(Closed)),
            (Hold, Edit, Ok(Hold)), (Hold, AgentComment, Ok(Hold)), (Hold, CustomerMessage, Ok(Hold)),

            (Solved, Set(New), e_new), (Solved, Set(Open), Ok(Open)), (Solved, Set(Pending), Ok(Pending)),
            (Solved, Set(Hold), Ok(Hold)), (Solved, Set(Solved), Ok(Solved)), (Solved, Set(Closed), Ok(Closed)),
            (Solved, Edit, Ok(Solved)), (Solved, AgentComment, Ok(Solved)), (Solved, CustomerMessage, Ok(Open)),

            (Closed, Set(New), e_closed), (Closed, Set(Open), e_closed), (Closed, Set(Pending), e_closed),
            (Closed, Set(Hold), e_closed), (Closed, Set(Solved), e_closed), (Closed, Set(Closed), e_closed),
            (Closed, Edit, e_closed), (Closed, AgentComment, e_closed), (Closed, CustomerMessage, e_closed),
        ];
        assert_eq!(table.len(), 6 * 9, "every status with every event");
        for (from, event, want) in table {
            assert_eq!(from.transition(*event), *want, "{from} on {event:?}");
        }
    }

    #[test]
    fn events_apply_in_order() {
        // An agent replies and sets pending in one update: the reply's "new → open" is
        // overridden by the explicit status.
        assert_eq!(New.after(&[Edit, AgentComment, Set(Pending)]), Ok(Pending));
        assert_eq!(New.after(&[Edit, AgentComment]), Ok(Open));
        assert_eq!(Closed.after(&[Edit]), Err(StatusError::Closed));
        assert_eq!(Open.after(&[]), Ok(Open));
    }

    #[test]
    fn only_closing_hands_back() {
        for status in TicketStatus::ALL {
            assert_eq!(status.hands_back(), status == Closed, "{status}");
        }
    }

    #[test]
    fn names_round_trip() {
        for status in TicketStatus::ALL {
            assert_eq!(TicketStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(TicketStatus::parse("Open"), None);
        assert_eq!(TicketStatus::parse(""), None);
    }
}
