//! How work that leaves the process is retried: the channel outbox (`channels::outbox`) and
//! outbound webhooks (`webhooks::delivery`) share the backoff, the claim lease and the time
//! budgets of a round of sends; with the customers' files to fetch (`channels::media_fetch`),
//! also how a drain takes its rows ([`DueRows`]).

use crate::error::Result;
use crate::ports::Millis;
use std::collections::VecDeque;
use std::time::Duration;

/// A row's states: `pending` (due at `next_attempt_at`), `sending` (claimed), `sent`, `failed`
/// (to be retried), `dead` (given up: an admin may replay it).
pub const STATUSES: [&str; 5] = ["pending", "sending", "sent", "failed", "dead"];

/// How long a claim may last before the row counts as interrupted.
pub const CLAIM_LEASE_MS: Millis = 5 * 60 * 1000;

/// Backoff after the nth failed attempt: 30 s, 1 min, 2 min, ... capped at one hour.
pub fn backoff_ms(attempts: i64) -> Millis {
    let exp = attempts.clamp(1, 8) - 1;
    (30_000i64 << exp).min(3_600_000)
}

/// Time limits for a round of sends.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Per request (the Outbound port's timeout).
    pub request: Duration,
    /// For the whole round; rows not reached stay due for the next round.
    pub total: Duration,
}

/// Inside a request, before its response: short, so the caller gets its answer in time (Slack
/// waits 3 s for a webhook's acknowledgement).
pub const IMMEDIATE: Budget = Budget {
    request: Duration::from_millis(2500),
    total: Duration::from_millis(2500),
};

/// After the response, and in the drain route a scheduler calls: 10 s per request.
pub const FULL: Budget = Budget {
    request: Duration::from_secs(10),
    total: Duration::from_secs(25),
};

/// The rows a round of sends claims, one at a time, from batches of due row ids read outside
/// any write lock (plain reads: when a receiver is down, the rows held back behind a failed
/// one are many, and going through them must not stop other writers). Each id is then claimed
/// by an UPDATE that checks again that it may go, so a row taken meanwhile by another instance
/// is skipped. A batch is read again when it is used up: a row due once the one before it is
/// sent goes in the same round.
#[derive(Debug)]
pub struct DueRows {
    batch: VecDeque<i64>,
    /// Whether the last batch claimed anything: a batch lost whole to other instances means
    /// they are draining, and the round stops rather than read the queue again and again.
    progress: bool,
}

impl Default for DueRows {
    fn default() -> DueRows {
        DueRows {
            batch: VecDeque::new(),
            progress: true,
        }
    }
}

impl DueRows {
    /// The next row claimed: `read(left)` lists up to `left` due ids, `claim(id)` claims one
    /// (`None`: no longer claimable). `None` when nothing more is due.
    pub fn next<T>(
        &mut self,
        left: i64,
        mut read: impl FnMut(i64) -> Result<Vec<i64>>,
        mut claim: impl FnMut(i64) -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        loop {
            while let Some(id) = self.batch.pop_front() {
                if let Some(row) = claim(id)? {
                    self.progress = true;
                    return Ok(Some(row));
                }
            }
            if !self.progress || left <= 0 {
                return Ok(None);
            }
            self.batch = read(left)?.into();
            if self.batch.is_empty() {
                return Ok(None);
            }
            self.progress = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_to_an_hour() {
        assert_eq!(backoff_ms(0), 30_000);
        assert_eq!(backoff_ms(1), 30_000);
        assert_eq!(backoff_ms(2), 60_000);
        assert_eq!(backoff_ms(7), 1_920_000);
        assert_eq!(backoff_ms(8), 3_600_000);
        assert_eq!(backoff_ms(i64::MAX), 3_600_000);
    }

    #[test]
    fn due_rows_read_again_after_a_batch_and_stop_when_a_batch_is_lost_whole() {
        use std::cell::RefCell;
        // The queue: ids 1..=5 due; 3 is claimed by another instance between read and claim.
        let queue = RefCell::new(vec![1, 2, 3, 4, 5]);
        let reads = RefCell::new(Vec::new());
        let mut rows = DueRows::default();
        let mut claimed = Vec::new();
        loop {
            let next = rows.next(
                2,
                |left| {
                    reads.borrow_mut().push(left);
                    Ok(queue.borrow().iter().take(left as usize).copied().collect())
                },
                |id| {
                    let mut q = queue.borrow_mut();
                    let Some(at) = q.iter().position(|&x| x == id) else {
                        return Ok(None);
                    };
                    q.remove(at);
                    if id == 2 {
                        q.retain(|&x| x != 3); // taken by someone else meanwhile
                    }
                    Ok(Some(id))
                },
            );
            match next.expect("no error") {
                Some(id) => claimed.push(id),
                None => break,
            }
        }
        assert_eq!(claimed, [1, 2, 4, 5]);
        // [1, 2], [4, 5], then an empty read ends it.
        assert_eq!(reads.into_inner().len(), 3);

        // Every id of a batch gone before its claim: one read, then the round stops.
        let reads = RefCell::new(0);
        let mut rows = DueRows::default();
        let none: Option<i64> = rows
            .next(
                10,
                |_| {
                    *reads.borrow_mut() += 1;
                    Ok(vec![7, 8])
                },
                |_| Ok(None),
            )
            .expect("no error");
        assert_eq!((none, reads.into_inner()), (None, 1));
    }
}
