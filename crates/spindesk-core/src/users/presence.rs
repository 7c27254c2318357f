//! An agent's presence (`online`, `away`, `offline`), set from the workspace, and what automatic
//! assignment needs to know about them: capacity, activity, the tickets they hold.
//!
//! There are no timers, so automatic `away` is computed on read: an agent set `online` whose
//! workspace has been silent (no request) for their `away_after_seconds` reads as `away`, and is
//! passed over by assignment, until their next request ([`touch`]).

use crate::error::Result;
use crate::ports::Millis;
use crate::store::Db;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Online,
    Away,
    Offline,
}

impl Presence {
    pub const ALL: [Presence; 3] = [Presence::Online, Presence::Away, Presence::Offline];

    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }

    pub fn parse(raw: &str) -> Option<Presence> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }
}

/// Requests refresh `last_seen_at` at most this often (ms), so a busy workspace does not write
/// on every read.
pub const TOUCH_EVERY_MS: Millis = 30_000;

/// The presence others see: `online` turns `away` after `away_after_seconds` of silence.
/// [`crate::tickets::routing`]'s SQL applies the same rule.
pub fn effective(
    set: Presence,
    last_seen_at: Option<Millis>,
    away_after_seconds: i64,
    now: Millis,
) -> Presence {
    let silent = last_seen_at.is_none_or(|seen| seen < now - away_after_seconds * 1000);
    match set {
        Presence::Online if silent => Presence::Away,
        other => other,
    }
}

/// A staff member as routing sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentStatus {
    pub user_id: i64,
    /// What the agent chose.
    pub set: Presence,
    /// What applies now ([`effective`]).
    pub presence: Presence,
    pub last_seen_at: Option<Millis>,
    pub capacity: i64,
    pub away_after_seconds: i64,
    pub requeue_on_offline: bool,
    pub active: bool,
    /// Tickets assigned to them that still need work (`new`, `open`, `pending`, `hold`).
    pub assigned_unsolved: i64,
}

/// The staff member's status; `None` for unknown ids and customers.
pub fn status(db: &Db, now: Millis, user_id: i64) -> Result<Option<AgentStatus>> {
    Ok(db.query_opt(
        "SELECT id, presence, last_seen_at, capacity, away_after_seconds, requeue_on_offline,
                active,
                (SELECT count(*) FROM tickets t WHERE t.assignee_id = users.id
                   AND t.status IN ('new', 'open', 'pending', 'hold')) AS assigned
         FROM users WHERE id = ? AND role IN ('agent', 'admin')",
        &[user_id.into()],
        |r| {
            let set = Presence::parse(&r.string("presence")?).unwrap_or(Presence::Offline);
            let last_seen_at = r.opt_i64("last_seen_at")?;
            let away_after_seconds = r.i64("away_after_seconds")?;
            Ok(AgentStatus {
                user_id: r.i64("id")?,
                set,
                presence: effective(set, last_seen_at, away_after_seconds, now),
                last_seen_at,
                capacity: r.i64("capacity")?,
                away_after_seconds,
                requeue_on_offline: r.bool("requeue_on_offline")?,
                active: r.bool("active")?,
                assigned_unsolved: r.i64("assigned")?,
            })
        },
    )?)
}

/// Stores the agent's chosen presence; choosing is activity, so `last_seen_at` moves too.
pub fn set(db: &Db, now: Millis, user_id: i64, presence: Presence) -> Result<()> {
    db.execute(
        "UPDATE users SET presence = ?, last_seen_at = ?, updated_at = ? WHERE id = ?",
        &[
            presence.as_str().into(),
            now.into(),
            now.into(),
            user_id.into(),
        ],
    )?;
    Ok(())
}

/// Notes that the agent's workspace is alive (any authenticated request), at most every
/// [`TOUCH_EVERY_MS`]: one small autocommit write, outside the request's own transaction.
pub fn touch(db: &Db, now: Millis, user_id: i64) -> Result<()> {
    db.execute(
        "UPDATE users SET last_seen_at = ?
         WHERE id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)",
        &[now.into(), user_id.into(), (now - TOUCH_EVERY_MS).into()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_turns_away_after_silence_and_only_online_does() {
        let now = 1_000_000_000;
        let away = 600;
        assert_eq!(
            effective(Presence::Online, Some(now - 599_000), away, now),
            Presence::Online
        );
        assert_eq!(
            effective(Presence::Online, Some(now - 600_001), away, now),
            Presence::Away
        );
        assert_eq!(effective(Presence::Online, None, away, now), Presence::Away);
        assert_eq!(
            effective(Presence::Offline, Some(now), away, now),
            Presence::Offline
        );
        assert_eq!(
            effective(Presence::Away, Some(now), away, now),
            Presence::Away
        );
    }

    #[test]
    fn names_round_trip() {
        for p in Presence::ALL {
            assert_eq!(Presence::parse(p.as_str()), Some(p));
        }
        assert_eq!(Presence::parse("busy"), None);
    }
}
