//! Limits on long-polls held at once, so that no visitor, address or flood can take every
//! instance the runtime has (Spin holds at most 1,000 waiting requests per process, each a whole
//! instance, and a request beyond that gets a bare 500 — whatever route it was for).
//!
//! Each held poll is a row of `held_polls` in the `live` database ([`database`]), shared by
//! every instance and process: at most one per widget session (the primary key), at most
//! [`config::LONG_POLL_PER_ADDRESS`] per client address and [`config::LONG_POLL_MAX_HELD`] in
//! all. A poll over a limit is not held: it answers at once and tells the widget when to try
//! again. The newer poll is the one refused, never the one already waiting: that one is what
//! keeps the visitor's live updates flowing. A session's second poll is refused by [`before`],
//! a read of the `live` database before the main one is opened, so a flood from one session
//! costs a read of a one-table database per poll. SQLite rather than the key-value store,
//! because the limits need an atomic check-and-insert (the key-value store has no increment)
//! and Spin's embedded key-value store costs ~44 ms per request at low concurrency. Rows
//! expire: a poll whose instance died stops counting when its wait would have ended.

pub mod database;

use crate::config;
use crate::ports::{Env, SqlError};
use crate::store::Db;
use std::time::Duration;

/// Default of [`config::LONG_POLL_PER_ADDRESS`]: offices and mobile carriers put many visitors
/// behind one address, each with one chat window.
pub const DEFAULT_PER_ADDRESS: i64 = 100;
/// Default of [`config::LONG_POLL_MAX_HELD`]: well under Spin's 1,000 instances per process,
/// so the help center, webhooks and agents always find one free.
pub const DEFAULT_MAX_HELD: i64 = 600;
/// A row outlives its wait by this much: the poll still reads its answer and deletes the row.
const EXPIRY_SLACK_MS: i64 = 5_000;

/// Which limit refused a poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Another poll of the same session is waiting (another tab, or a page reloaded while
    /// its old poll still waits).
    Session,
    /// Too many polls from the client address.
    Address,
    /// Too many polls held in all.
    Capacity,
    /// The held polls could not be counted (the database is busy): not held, to be safe.
    Unavailable,
}

impl Limit {
    /// What the widget API answers as `"limited"`.
    pub fn code(self) -> &'static str {
        match self {
            Limit::Session => "session",
            Limit::Address => "address",
            Limit::Capacity => "capacity",
            Limit::Unavailable => "unavailable",
        }
    }

    /// Seconds the client should wait before polling again. A session's other poll answers
    /// its tab within the wait anyway; the shared limits leave room for polls to end.
    pub fn retry_after_secs(self) -> i64 {
        match self {
            Limit::Session => 5,
            Limit::Address | Limit::Capacity | Limit::Unavailable => 15,
        }
    }
}

/// A poll being held: its row, deleted by [`release`].
#[derive(Debug)]
pub struct Held {
    session: String,
    holder: i64,
}

/// The configured limits; a value that is not a whole number ≥ 0 falls back to its default
/// (logged), so a typo cannot switch the limits off.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_address: i64,
    pub max_held: i64,
}

impl Limits {
    pub fn from_config(env: &Env) -> Self {
        Limits {
            per_address: config::whole_number(
                env,
                config::LONG_POLL_PER_ADDRESS,
                DEFAULT_PER_ADDRESS,
            ),
            max_held: config::whole_number(env, config::LONG_POLL_MAX_HELD, DEFAULT_MAX_HELD),
        }
    }
}

/// Before a poll of `session` (a widget session's token digest) reads its conversation:
/// `Err(Limit::Session)` when another poll of the session is waiting (the poll is refused at
/// once, without opening the main database); otherwise the `live` database to [`hold`] the
/// poll in if it must wait, or `Err(Limit::Unavailable)` when that database failed (logged: the
/// poll may answer what there is, but not wait).
pub fn before<'a>(env: &Env<'a>, session: &str) -> Result<Db<'a>, Limit> {
    let now = env.clock.now_ms();
    let opened = database::open_with(env, |live| {
        live.query_i64(
            &format!(
                "SELECT count(*){} FROM held_polls WHERE session = ? AND expires_at > ?",
                live.schema_check_columns()
            ),
            &[session.into(), now.into()],
        )
    });
    match opened {
        Ok((_, Some(waiting))) if waiting > 0 => Err(Limit::Session),
        Ok((live, _)) => Ok(live),
        Err(e) => {
            env.warn("held_polls.before", e);
            Err(Limit::Unavailable)
        }
    }
}

/// Takes a place in `live` (from [`before`]) for a poll of `session` from `client_addr` (the
/// per-address limit applies only when the runtime names the address) that waits up to
/// `wait`, or says which limit refuses it.
pub fn hold(
    env: &Env,
    live: &Db,
    session: &str,
    client_addr: Option<&str>,
    wait: Duration,
    limits: Limits,
) -> Result<Held, Limit> {
    try_hold(env, live, session, client_addr, wait, limits).unwrap_or_else(|e| {
        env.warn("held_polls.hold", e);
        Err(Limit::Unavailable)
    })
}

fn try_hold(
    env: &Env,
    db: &Db,
    session: &str,
    client_addr: Option<&str>,
    wait: Duration,
    limits: Limits,
) -> Result<Result<Held, Limit>, SqlError> {
    let now = env.clock.now_ms();
    let mut bytes = [0u8; 8];
    env.random.fill(&mut bytes);
    let holder = i64::from_le_bytes(bytes);
    let expires_at = now + wait.as_millis() as i64 + EXPIRY_SLACK_MS;
    let addr = client_addr.unwrap_or("");
    db.transaction(|db| {
        // Rows of polls that died with their instance: the index makes this a no-op usually.
        db.execute(
            "DELETE FROM held_polls WHERE expires_at <= ?",
            &[now.into()],
        )?;
        let held = db.query_i64("SELECT count(*) FROM held_polls", &[])?;
        if held.unwrap_or(0) >= limits.max_held {
            return Ok(Err(Limit::Capacity));
        }
        if client_addr.is_some() {
            let from_addr = db.query_i64(
                "SELECT count(*) FROM held_polls WHERE client_addr = ?",
                &[addr.into()],
            )?;
            if from_addr.unwrap_or(0) >= limits.per_address {
                return Ok(Err(Limit::Address));
            }
        }
        // The primary key settles a race between two polls of one session (both found none
        // waiting in `before`).
        let inserted = db.query_i64(
            "INSERT INTO held_polls (session, client_addr, holder, expires_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (session) DO NOTHING RETURNING holder",
            &[
                session.into(),
                addr.into(),
                holder.into(),
                expires_at.into(),
            ],
        )?;
        Ok(match inserted {
            Some(_) => Ok(Held {
                session: session.to_owned(),
                holder,
            }),
            None => Err(Limit::Session),
        })
    })
}

/// Gives the poll's place in `live` back. One statement, so its own transaction; if it fails
/// the row still stops counting when it expires.
pub fn release(env: &Env, live: &Db, held: Held) {
    if let Err(e) = live.execute(
        "DELETE FROM held_polls WHERE session = ? AND holder = ?",
        &[held.session.into(), held.holder.into()],
    ) {
        env.warn("held_polls.release", e);
    }
}
