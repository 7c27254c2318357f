//! How work that leaves the process is retried: the channel outbox (`channels::outbox`) and
//! outbound webhooks (`webhooks::delivery`) share the backoff, the claim lease and the time
//! budgets of a round of sends.

use crate::ports::Millis;
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
}
