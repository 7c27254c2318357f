//! What a write transaction's last step asks of the database before it commits, and when a
//! write of the work itself may bring it along.

use crate::ports::SqlError;
use crate::store::Row;
use crate::tickets::search_index;
use crate::webhooks;

/// What a write transaction's last step ([`crate::api::commit`]) asks before it commits:
/// whether the ticket search structures wait for upkeep, and whether a webhook hears
/// `conversation:message`. Each statement under the write lock is a host round trip on Spin,
/// so a work's write can bring these along (a `RETURNING` of [`CommitChecks::columns`]).
///
/// Read anywhere under the write lock, they still hold at the commit unless the work itself
/// changed them: search upkeep is queued only by writes to tickets and their comments (the
/// triggers of schema v12 and v29), which every work reports in `Committed::tickets`; the
/// webhooks are not written by a work that posts messages. So they are used only when
/// `tickets` is empty (`Committed::checks_at_commit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitChecks {
    /// Nothing waits for the ticket search's upkeep.
    pub settled: bool,
    /// An active webhook hears `conversation:message`.
    pub heard: bool,
}

impl CommitChecks {
    /// The checks as result columns (`settled`, `heard`), for a `SELECT` or a `RETURNING`.
    pub fn columns() -> String {
        format!(
            "{} AS settled, {} AS heard",
            search_index::settled_sql(),
            webhooks::events::messages_heard_sql()
        )
    }

    pub fn from_row(r: &Row) -> Result<Self, SqlError> {
        Ok(CommitChecks {
            settled: r.bool("settled")?,
            heard: r.bool("heard")?,
        })
    }
}
