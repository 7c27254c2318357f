//! Fixed-window request limits, counted in SQLite (`rate_limits`, schema v15).
//!
//! Why SQLite and not the key-value store: the store has no atomic increment (two instances
//! would both read the same count) and no expiry (every window's key would live forever), and
//! Spin's embedded store costs ~44 ms a request on a quiet desk. The database counts exactly
//! with one upsert inside the request's own write transaction, a refused request rolls back with
//! the rest of its writes, and a row is overwritten by its subject's next window; rows of windows
//! long past are swept a few at a time by the requests that open new windows.
//!
//! A request is checked twice: [`check`] reads before the expensive work (a bot turn) so a
//! flood costs one indexed read, and [`count`] counts inside the write transaction, where it is
//! exact across instances.

use crate::ports::{Env, Millis, SqlError};
use crate::store::Db;
use crate::web::ApiError;

/// One kind of limit: at most `per_window` requests per subject in each window.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub name: &'static str,
    pub per_window: i64,
    pub window_ms: Millis,
}

/// Rows of expired windows removed per new window opened.
const SWEEP_BATCH: i64 = 50;

impl Limit {
    fn subject(&self, who: &str) -> String {
        format!("{}:{who}", self.name)
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
    let used = db
        .query_i64(
            "SELECT count FROM rate_limits WHERE subject = ? AND window_start = ?",
            &[limit.subject(who).into(), limit.window_start(now).into()],
        )?
        .unwrap_or(0);
    if used >= limit.per_window {
        return Err(limit.refused(now));
    }
    Ok(())
}

/// Counts one request of `who` (inside the caller's write transaction) and refuses it (429)
/// past the limit, so the caller's transaction rolls back with nothing written.
pub fn count(env: &Env, db: &Db, limit: Limit, who: &str) -> Result<(), ApiError> {
    let now = env.clock.now_ms();
    let start = limit.window_start(now);
    let used = db
        .query_i64(
            "INSERT INTO rate_limits (subject, window_start, count, expires_at)
             VALUES (?1, ?2, 1, ?3)
             ON CONFLICT (subject) DO UPDATE SET
                 count = CASE WHEN window_start = excluded.window_start THEN count + 1 ELSE 1 END,
                 window_start = excluded.window_start,
                 expires_at = excluded.expires_at
             RETURNING count",
            &[
                limit.subject(who).into(),
                start.into(),
                (start + limit.window_ms).into(),
            ],
        )?
        // RETURNING always gives the upserted row.
        .unwrap_or(1);
    if used > limit.per_window {
        return Err(limit.refused(now));
    }
    if used == 1 {
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
