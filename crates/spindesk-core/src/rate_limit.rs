//! A fixed-window request limit kept in the key-value store, for public routes that create
//! state (a widget session makes a user and a conversation).
//!
//! The store has no atomic increment, so two instances counting at the same moment may both
//! read the same count: the limit is approximate by a few requests, which is fine for stopping
//! a flood. Keys carry the window number, so old windows simply stop being read.

use crate::ports::Env;
use crate::web::ApiError;

/// Counts one request for `subject` in its current window; refuses with 429 past `limit`.
pub fn check(
    env: &Env,
    name: &str,
    subject: &str,
    limit: u32,
    window_secs: i64,
) -> Result<(), ApiError> {
    let now_secs = env.clock.now_ms().div_euclid(1000);
    let window = now_secs.div_euclid(window_secs);
    let key = format!("rate:{name}:{subject}:{window}");
    // A store failure must not lock visitors out: count as zero.
    let count: u32 = env
        .kv
        .get(&key)
        .ok()
        .flatten()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if count >= limit {
        let retry_after = (window + 1) * window_secs - now_secs;
        let mut e = ApiError::new(
            http::StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("Too many requests; try again in {retry_after} seconds"),
        );
        e.retry_after = Some(retry_after);
        return Err(e);
    }
    let _ = env.kv.set(&key, (count + 1).to_string().as_bytes());
    Ok(())
}
