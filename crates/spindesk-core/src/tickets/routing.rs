//! Automatic assignment. A hand-off ticket goes to a group (the one the bot's transfer step
//! names, else the default group) and joins its queue; tickets leave the queue oldest first, each
//! to the group's member who is online, has free capacity (fewer unsolved tickets assigned than
//! their `capacity`) and waited longest since their last assignment (`last_assigned_at`: round
//! robin). With nobody free a ticket waits, and is assigned when someone comes online or frees
//! capacity — callers drain the queue inside the transaction of the request that changed that.
//!
//! Races: every function runs in the caller's write transaction (`BEGIN IMMEDIATE`, so two
//! instances routing at once queue behind each other), the pick and the UPDATE happen in the
//! same transaction, and the UPDATE only takes a ticket that is still unassigned.

use crate::error::Result;
use crate::groups;
use crate::ports::Millis;
use crate::store::Db;
use crate::tickets::audit::{self, Event};

/// Why a ticket was (un)assigned, recorded as the audit event's `reason`.
pub const ROUND_ROBIN: &str = "round_robin";
pub const QUEUE: &str = "queue";
pub const MANUAL: &str = "manual";
pub const AGENT_OFFLINE: &str = "agent_offline";
pub const AGENT_DEACTIVATED: &str = "agent_deactivated";

/// The statuses that occupy an agent's capacity and may wait in a queue.
const UNSOLVED: &str = "('new', 'open', 'pending', 'hold')";

/// The most tickets one drain assigns: a request's work stays bounded; the next event drains on.
const MAX_DRAIN: usize = 200;

/// A ticket given to an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub ticket_id: i64,
    pub agent_id: i64,
    pub group_id: i64,
    pub reason: &'static str,
}

/// The group a hand-off goes to: the one named (case-insensitively), else the default. The
/// second value is a name that matched no group (renamed or deleted since the bot was published).
pub fn hand_off_group(db: &Db, named: Option<&str>) -> Result<(Option<i64>, Option<String>)> {
    if let Some(name) = named.filter(|n| !n.trim().is_empty()) {
        if let Some(group) = groups::by_name(db, name)? {
            return Ok((Some(group.id), None));
        }
        return Ok((
            groups::default_group(db)?.map(|g| g.id),
            Some(name.to_owned()),
        ));
    }
    Ok((groups::default_group(db)?.map(|g| g.id), None))
}

/// Puts a new ticket in `group_id`'s queue and drains the queue: the ticket is assigned at once
/// when someone is free (after any older ticket waiting there). Returns what was assigned.
pub fn route_new(db: &Db, now: Millis, ticket_id: i64, group_id: i64) -> Result<Vec<Assignment>> {
    db.execute(
        "UPDATE tickets SET group_id = ?, queued_at = ? WHERE id = ?",
        &[group_id.into(), now.into(), ticket_id.into()],
    )?;
    drain(db, now, group_id, Some(ticket_id))
}

/// Assigns the group's queued tickets, oldest first, while a member is free.
pub fn drain_group(db: &Db, now: Millis, group_id: i64) -> Result<Vec<Assignment>> {
    drain(db, now, group_id, None)
}

/// Drains every group `user_id` belongs to (they came online, or freed capacity).
pub fn drain_groups_of(db: &Db, now: Millis, user_id: i64) -> Result<Vec<Assignment>> {
    let mut assigned = Vec::new();
    for group_id in groups::of_user(db, user_id)? {
        assigned.extend(drain_group(db, now, group_id)?);
    }
    Ok(assigned)
}

fn drain(db: &Db, now: Millis, group_id: i64, fresh: Option<i64>) -> Result<Vec<Assignment>> {
    let mut assigned = Vec::new();
    while assigned.len() < MAX_DRAIN {
        let oldest = db.query_i64(
            &format!(
                "SELECT id FROM tickets WHERE group_id = ? AND queued_at IS NOT NULL
                   AND assignee_id IS NULL AND status IN {UNSOLVED}
                 ORDER BY queued_at, id LIMIT 1"
            ),
            &[group_id.into()],
        )?;
        let Some(ticket_id) = oldest else { break };
        let Some(agent_id) = pick_agent(db, now, group_id)? else {
            break;
        };
        let reason = if fresh == Some(ticket_id) {
            ROUND_ROBIN
        } else {
            QUEUE
        };
        if !assign(db, now, ticket_id, agent_id, reason)? {
            break;
        }
        assigned.push(Assignment {
            ticket_id,
            agent_id,
            group_id,
            reason,
        });
    }
    Ok(assigned)
}

/// The group's member who may take a ticket now and waited longest: active staff, set online
/// and heard from within their `away_after_seconds` (see [`crate::users::presence::effective`]),
/// with fewer unsolved tickets than their capacity. Ties go to the lower id.
fn pick_agent(db: &Db, now: Millis, group_id: i64) -> Result<Option<i64>> {
    Ok(db.query_i64(
        &format!(
            "SELECT u.id FROM group_memberships m JOIN users u ON u.id = m.user_id
             WHERE m.group_id = ? AND u.active = 1 AND u.role IN ('agent', 'admin')
               AND u.presence = 'online' AND u.last_seen_at >= ? - u.away_after_seconds * 1000
               AND (SELECT count(*) FROM tickets t
                    WHERE t.assignee_id = u.id AND t.status IN {UNSOLVED}) < u.capacity
             ORDER BY coalesce(u.last_assigned_at, 0), u.id LIMIT 1"
        ),
        &[group_id.into(), now.into()],
    )?)
}

/// Gives a still-unassigned ticket to `agent_id` and records why; `false` when another request
/// assigned it first (the guard `assignee_id IS NULL`).
fn assign(db: &Db, now: Millis, ticket_id: i64, agent_id: i64, reason: &str) -> Result<bool> {
    let taken = db.query_i64(
        &format!(
            "UPDATE tickets SET assignee_id = ?, queued_at = NULL, updated_at = ?
             WHERE id = ? AND assignee_id IS NULL AND status IN {UNSOLVED} RETURNING id"
        ),
        &[agent_id.into(), now.into(), ticket_id.into()],
    )?;
    if taken.is_none() {
        return Ok(false);
    }
    // Strictly later than every earlier assignment, even within one millisecond (a drain assigns
    // several at once): equal stamps would hand every tie to the lowest id, not round robin.
    db.execute(
        "UPDATE users SET last_assigned_at =
             max(?, coalesce((SELECT max(last_assigned_at) FROM users), 0) + 1)
         WHERE id = ?",
        &[now.into(), agent_id.into()],
    )?;
    let event = Event::change("assignee_id", None, Some(agent_id.to_string())).because(reason);
    audit::record(db, now, ticket_id, None, "system", &[event])?;
    Ok(true)
}

/// Hands `user_id`'s tickets in `statuses` back to their group's queue (a ticket without a group
/// goes to the default group; with no group at all it is just unassigned), records it with
/// `reason`, and drains the queues so other members take them. The caller has already made the
/// agent unavailable (offline, deactivated), so they are not picked again.
pub fn requeue_agent(
    db: &Db,
    now: Millis,
    user_id: i64,
    statuses: &[&str],
    reason: &str,
    author_id: Option<i64>,
) -> Result<(Vec<i64>, Vec<Assignment>)> {
    if statuses.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let marks = vec!["?"; statuses.len()].join(", ");
    let mut params: Vec<crate::ports::Value> = vec![user_id.into()];
    params.extend(statuses.iter().map(|s| (*s).into()));
    let held = db.query(
        &format!(
            "SELECT id, group_id FROM tickets WHERE assignee_id = ? AND status IN ({marks})
             ORDER BY id"
        ),
        &params,
        |r| Ok((r.i64("id")?, r.opt_i64("group_id")?)),
    )?;
    let default = groups::default_group(db)?.map(|g| g.id);
    let mut requeued = Vec::new();
    let mut touched: Vec<i64> = Vec::new();
    for (ticket_id, group_id) in held {
        let group = group_id.or(default);
        db.execute(
            "UPDATE tickets SET assignee_id = NULL, group_id = ?, queued_at = ?, updated_at = ?
             WHERE id = ?",
            &[
                group.into(),
                group.map(|_| now).into(),
                now.into(),
                ticket_id.into(),
            ],
        )?;
        let mut events =
            vec![Event::change("assignee_id", Some(user_id.to_string()), None).because(reason)];
        if group_id.is_none() {
            if let Some(g) = group {
                events.push(Event::change("group_id", None, Some(g.to_string())).because(reason));
            }
        }
        audit::record(db, now, ticket_id, author_id, "system", &events)?;
        requeued.push(ticket_id);
        if let Some(g) = group {
            if !touched.contains(&g) {
                touched.push(g);
            }
        }
    }
    let mut assigned = Vec::new();
    for group_id in touched {
        assigned.extend(drain_group(db, now, group_id)?);
    }
    Ok((requeued, assigned))
}
