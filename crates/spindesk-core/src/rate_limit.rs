//! Fixed-window request limits, counted in SQLite (`rate_limits`, schema v15).
//!
//! Why SQLite and not the key-value store: the store has no atomic increment (two instances
//! would both read the same count) and no expiry (every window's key would live forever), and
//! Spin's embedded store costs ~44 ms a request on a quiet desk. The database counts exactly
//! with one upsert inside the request's own write transaction, a refused request rolls back with
//! the rest of its writes, and a row is overwritten by its subject's next window; rows of windows
//! long past are swept a few at a time, by the first count of every ten minutes and one count in
//! sixteen (`SWEEPS`).
//!
//! A request is checked twice: [`check`] reads before the expensive work (a bot turn) so a
//! flood costs one indexed read — or none of its own, when a read the request makes anyway
//! brings the counters ([`used_sql`], [`check_used`]: a widget message's session read) — and
//! [`count`] counts inside the write transaction, where it is exact across instances.

use crate::ports::{Env, Millis, SqlError, Value};
use crate::store::Db;
use crate::web::ApiError;

/// One kind of limit: at most `per_window` requests per subject in each window.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub name: &'static str,
    pub per_window: i64,
    pub window_ms: Millis,
}

/// Rows of expired windows removed per sweep.
const SWEEP_BATCH: i64 = 50;

/// When a count sweeps: a counter of its own (subject `sweep:`), counted by every
/// [`count_all`] in the same upsert, whose window is ten minutes. The first count of each of
/// its windows sweeps, and every [`SWEEP_EVERY`]th after it. A sweep is a statement under the
/// write lock (a host round trip on Spin): sweeping whenever any counter opened a window, as
/// before, was most of a quiet desk's widget messages (a visitor's counters open a window with
/// their first message of each minute). A busy desk sweeps up to 50 / 16 rows per count, more
/// than the two counters at most one count adds; a quiet desk's few rows wait ten minutes.
const SWEEPS: Limit = Limit {
    name: "sweep",
    per_window: i64::MAX,
    window_ms: 10 * 60_000,
};

/// See [`SWEEPS`].
const SWEEP_EVERY: i64 = 16;

impl Limit {
    /// The counter's name for `who`: [`Limit::subject_prefix`] and `who`.
    pub fn subject(&self, who: &str) -> String {
        format!("{}{who}", self.subject_prefix())
    }

    /// What every subject of this limit starts with (for a subject put together in SQL).
    pub fn subject_prefix(&self) -> String {
        format!("{}:", self.name)
    }

    fn window_start(&self, now: Millis) -> Millis {
        now - now.rem_euclid(self.window_ms.max(1))
    }

    fn refused(&self, now: Millis) -> ApiError {
        let retry_after = ((self.window_start(now) + self.window_ms - now) + 999) / 1000;
        let mut e = ApiError::new(
            http::StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "Too many requests: at most {} per {} seconds ({}); try again in {retry_after} \
                 seconds",
                self.per_window,
                self.window_ms / 1000,
                self.name
            ),
        );
        e.retry_after = Some(retry_after.max(1));
        e
    }
}

/// Read-only: refuses (429) when `who` has already used its window. Cheap enough to run before
/// anything expensive; racing requests may each pass it, [`count`] is the exact check.
pub fn check(db: &Db, limit: Limit, who: &str, now: Millis) -> Result<(), ApiError> {
    check_all(db, &[(limit, who)], now)
}

/// [`check`] of several limits (each with its subject) in one read, refused by the first used
/// up in the order given: [`used_sql`]'s read on its own, then [`check_used`].
pub fn check_all(db: &Db, limits: &[(Limit, &str)], now: Millis) -> Result<(), ApiError> {
    if limits.is_empty() {
        return Ok(());
    }
    let marks: Vec<String> = (1..=limits.len()).map(|i| format!("?{i}")).collect();
    let params: Vec<Value> = limits
        .iter()
        .map(|(l, who)| l.subject(who).into())
        .collect();
    let used = db.query_opt(
        &format!("SELECT {} AS used", used_sql(&marks)),
        &params,
        |r| r.string("used"),
    )?;
    check_used(limits, used.as_deref().unwrap_or("[]"), now)
}

/// A scalar subquery for [`check_used`]: the counters of `subjects` (SQL expressions — a
/// bound value, or a prefix joined to a column of the read it goes into) as one JSON column,
/// so a read the caller makes anyway brings them (one host round trip fewer under Spin).
pub fn used_sql(subjects: &[String]) -> String {
    format!(
        "(SELECT json_group_array(json_array(subject, window_start, count)) FROM rate_limits
          WHERE subject IN ({}))",
        subjects.join(", ")
    )
}

/// [`check_all`] on the counters another read brought ([`used_sql`]'s column).
pub fn check_used(limits: &[(Limit, &str)], used: &str, now: Millis) -> Result<(), ApiError> {
    let used: Vec<(String, i64, i64)> = serde_json::from_str(used)
        .map_err(|e| crate::Error::corrupt(format!("rate limit counters: {e}")))?;
    refuse_used(limits, &used, now)
}

/// Refused by the first of `limits` whose subject has used its window (`used`: subject,
/// window start, count).
fn refuse_used(
    limits: &[(Limit, &str)],
    used: &[(String, Millis, i64)],
    now: Millis,
) -> Result<(), ApiError> {
    for (limit, who) in limits {
        let (subject, start) = (limit.subject(who), limit.window_start(now));
        let count = used
            .iter()
            .find(|(s, w, _)| *s == subject && *w == start)
            .map_or(0, |(_, _, c)| *c);
        if count >= limit.per_window {
            return Err(limit.refused(now));
        }
    }
    Ok(())
}

/// Counts one request of `who` (inside the caller's write transaction) and refuses it (429)
/// past the limit, so the caller's transaction rolls back with nothing written.
pub fn count(env: &Env, db: &Db, limit: Limit, who: &str) -> Result<(), ApiError> {
    count_all(env, db, &[(limit, who)])
}

/// [`count`] of several limits in one statement (a multi-row upsert: it runs under the write
/// lock, where each statement is a host round trip on Spin), refused by the first past its
/// limit in the order given.
pub fn count_all(env: &Env, db: &Db, limits: &[(Limit, &str)]) -> Result<(), ApiError> {
    if limits.is_empty() {
        return Ok(());
    }
    let now = env.clock.now_ms();
    let mut rows = Vec::with_capacity(limits.len() + 1);
    let mut params: Vec<Value> = Vec::with_capacity((limits.len() + 1) * 3);
    let counted_too = [(SWEEPS, "")];
    for (i, (limit, who)) in limits.iter().chain(&counted_too).enumerate() {
        let start = limit.window_start(now);
        rows.push(format!(
            "(?{}, ?{}, 1, ?{})",
            3 * i + 1,
            3 * i + 2,
            3 * i + 3
        ));
        params.extend([
            limit.subject(who).into(),
            start.into(),
            (start + limit.window_ms).into(),
        ]);
    }
    // RETURNING's row order is unspecified: each count is matched back by its subject.
    let counted = db.query(
        &format!(
            "INSERT INTO rate_limits (subject, window_start, count, expires_at)
             VALUES {}
             ON CONFLICT (subject) DO UPDATE SET
                 count = CASE WHEN window_start = excluded.window_start THEN count + 1 ELSE 1 END,
                 window_start = excluded.window_start,
                 expires_at = excluded.expires_at
             RETURNING subject, count",
            rows.join(", ")
        ),
        &params,
        |r| Ok((r.string("subject")?, r.i64("count")?)),
    )?;
    for (limit, who) in limits {
        let subject = limit.subject(who);
        // The highest count of the subject (two limits of one subject count it twice).
        let used = counted
            .iter()
            .filter(|(s, _)| *s == subject)
            .map(|(_, c)| *c)
            .max()
            .unwrap_or(1);
        if used > limit.per_window {
            return Err(limit.refused(now));
        }
    }
    let sweeps = SWEEPS.subject("");
    if counted
        .iter()
        .any(|(s, c)| *s == sweeps && c % SWEEP_EVERY == 1)
    {
        sweep(db, now)?;
    }
    Ok(())
}

/// Deletes a few counters whose window has ended.
fn sweep(db: &Db, now: Millis) -> Result<(), SqlError> {
    db.execute(
        "DELETE FROM rate_limits WHERE subject IN
             (SELECT subject FROM rate_limits WHERE expires_at <= ? LIMIT ?)",
        &[now.into(), SWEEP_BATCH.into()],
    )?;
    Ok(())
}
