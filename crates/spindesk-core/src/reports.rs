//! Reports over what is stored: conversations, what the bot solved alone, hand-offs, first
//! reply and full resolution times, reopens and satisfaction, per day (in a time zone), channel,
//! agent or group. Counting happens in SQL; the medians and 90th percentiles are taken in Rust
//! from the SQL-selected durations (SQLite has no percentile function), one number per ticket.
//!
//! What each figure counts (times are the rows' own, in `[start, end)`):
//! - conversations: conversations with a customer message in the range — per day of those
//!   messages, per channel they came through; per agent or group, the assignee or group of the
//!   latest ticket the conversation opened in the range (`0`, "none", when it opened none).
//! - bot alone: of those, the ones where no ticket was opened (in the same bucket) and no
//!   customer message went to agents (a ticket comment mirrors it).
//! - hand-offs: tickets opened from a conversation, by their creation.
//! - first reply: creation → the first public comment by staff, for tickets created in range.
//! - resolution: creation → the ticket's last `solved` in the range (audit events).
//! - reopens: audit events `status` `solved` → an unsolved status.
//! - CSAT: ratings good or bad by the time they were given; percent = good / (good + bad).

pub mod tz;

use crate::error::Result;
use crate::ports::{Millis, Value};
use crate::store::Db;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Day,
    Channel,
    Agent,
    Group,
    /// One bucket for the whole range (the totals).
    All,
}

impl By {
    pub fn parse(raw: &str) -> Option<By> {
        match raw {
            "day" => Some(By::Day),
            "channel" => Some(By::Channel),
            "agent" => Some(By::Agent),
            "group" => Some(By::Group),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            By::Day => "day",
            By::Channel => "channel",
            By::Agent => "agent",
            By::Group => "group",
            By::All => "all",
        }
    }

    /// The bucket of a ticket-related row (`t` is the ticket), as text. Fixed SQL fragments;
    /// a day is the local date of `time` in the range's zone.
    fn of_ticket(self, time: &str, range: &Range) -> String {
        match self {
            By::Day => format!(
                "strftime('%Y-%m-%d', ({time} + {}) / 1000, 'unixepoch')",
                range.offset_at(time)
            ),
            By::Channel => "t.via_channel".into(),
            By::Agent => "CAST(coalesce(t.assignee_id, 0) AS TEXT)".into(),
            By::Group => "CAST(coalesce(t.group_id, 0) AS TEXT)".into(),
            By::All => "'all'".into(),
        }
    }

    /// The bucket of a customer message `m`.
    fn of_message(self, range: &Range) -> String {
        let latest_ticket = |column: &str| {
            format!(
                "CAST(coalesce((SELECT t.{column} FROM tickets t
                    WHERE t.conversation_id = m.conversation_id
                      AND t.created_at >= ?1 AND t.created_at < ?2
                    ORDER BY t.id DESC LIMIT 1), 0) AS TEXT)"
            )
        };
        match self {
            By::Day => By::Day.of_ticket("m.created_at", range),
            By::Channel => "m.channel".into(),
            By::Agent => latest_ticket("assignee_id"),
            By::Group => latest_ticket("group_id"),
            By::All => "'all'".into(),
        }
    }
}

/// A report's range in UTC milliseconds, `[start, end)`, and the zone's offsets over it (one,
/// or one per daylight-saving transition), which decide each instant's local day.
#[derive(Debug, Clone)]
pub struct Range {
    pub start: Millis,
    pub end: Millis,
    pub offsets: Vec<tz::Piece>,
}

impl Range {
    /// SQL for the local offset in ms at `time`: the pieces as one CASE. The numbers are our
    /// own (computed from the zone), never the caller's text.
    fn offset_at(&self, time: &str) -> String {
        let Some((first, rest)) = self.offsets.split_first() else {
            return "0".into();
        };
        if rest.is_empty() {
            return first.offset_ms.to_string();
        }
        let mut sql = String::from("CASE");
        let mut current = first.offset_ms;
        for piece in rest {
            sql.push_str(&format!(" WHEN {time} < {} THEN {current}", piece.start));
            current = piece.offset_ms;
        }
        sql.push_str(&format!(" ELSE {current} END"));
        sql
    }
}

/// Median and 90th percentile of durations in seconds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Times {
    pub count: i64,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
}

impl Times {
    /// Median: the middle value, or the mean of the two middle ones. 90th percentile: the
    /// nearest-rank value (the smallest with at least 90% of the values at or below it).
    pub fn of(mut ms: Vec<i64>) -> Times {
        ms.sort_unstable();
        let n = ms.len();
        if n == 0 {
            return Times::default();
        }
        let median = if n % 2 == 1 {
            ms[n / 2] as f64
        } else {
            (ms[n / 2 - 1] as f64 + ms[n / 2] as f64) / 2.0
        };
        let rank = (n * 9).div_ceil(10).max(1);
        Times {
            count: n as i64,
            median_seconds: Some(median / 1000.0),
            p90_seconds: Some(ms[rank - 1] as f64 / 1000.0),
        }
    }
}

/// One bucket's figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bucket {
    /// The day (`YYYY-MM-DD`), channel, agent id or group id (`0`: none).
    pub key: String,
    pub conversations: i64,
    pub bot_alone: i64,
    pub handoffs: i64,
    pub first_reply: Times,
    pub resolution: Times,
    pub reopens: i64,
    pub csat_good: i64,
    pub csat_bad: i64,
}

impl Bucket {
    /// good / (good + bad) in percent, one decimal; none without ratings.
    pub fn csat_percent(&self) -> Option<f64> {
        let rated = self.csat_good + self.csat_bad;
        (rated > 0).then(|| (self.csat_good as f64 * 1000.0 / rated as f64).round() / 10.0)
    }
}

/// The figures of `range` per bucket of `by`, in the buckets' order (days in order, every day
/// of `days` present even when empty; other keys sorted, `0` last).
pub fn compute(db: &Db, range: &Range, by: By, days: &[String]) -> Result<Vec<Bucket>> {
    let params: Vec<Value> = vec![range.start.into(), range.end.into()];
    let mut buckets: BTreeMap<String, Bucket> = BTreeMap::new();
    if by == By::Day {
        for day in days {
            buckets.entry(day.clone()).or_default();
        }
    }
    let (mb, tb) = (by.of_message(range), by.of_ticket("t.created_at", range));
    let conversations = db.query(
        &format!(
            "WITH units AS (
                SELECT {mb} AS bucket, m.conversation_id AS c,
                       max(EXISTS (SELECT 1 FROM ticket_comments tc WHERE tc.message_id = m.id))
                           AS to_agents
                FROM messages m
                WHERE m.author_type = 'user' AND m.created_at >= ?1 AND m.created_at < ?2
                GROUP BY 1, 2)
             SELECT u.bucket AS bucket, count(*) AS n,
                    sum(NOT u.to_agents AND NOT EXISTS (
                        SELECT 1 FROM tickets t WHERE t.conversation_id = u.c
                          AND t.created_at >= ?1 AND t.created_at < ?2 AND {tb} = u.bucket))
                        AS bot_alone
             FROM units u GROUP BY u.bucket"
        ),
        &params,
        |r| Ok((r.string("bucket")?, r.i64("n")?, r.i64("bot_alone")?)),
    )?;
    for (key, n, alone) in conversations {
        let b = buckets.entry(key).or_default();
        b.conversations = n;
        b.bot_alone = alone;
    }
    let counts = |sql: String| -> Result<Vec<(String, i64)>> {
        Ok(db.query(&sql, &params, |r| Ok((r.string("bucket")?, r.i64("n")?)))?)
    };
    for (key, n) in counts(format!(
        "SELECT {tb} AS bucket, count(*) AS n FROM tickets t
         WHERE t.conversation_id IS NOT NULL AND t.created_at >= ?1 AND t.created_at < ?2
         GROUP BY 1"
    ))? {
        buckets.entry(key).or_default().handoffs = n;
    }
    let eb = by.of_ticket("e.created_at", range);
    for (key, n) in counts(format!(
        "SELECT {eb} AS bucket, count(*) AS n
         FROM ticket_audit_events e JOIN tickets t ON t.id = e.ticket_id
         WHERE e.type = 'Change' AND e.field_name = 'status' AND e.previous_value = 'solved'
           AND e.value IN ('new', 'open', 'pending', 'hold')
           AND e.created_at >= ?1 AND e.created_at < ?2
         GROUP BY 1"
    ))? {
        buckets.entry(key).or_default().reopens = n;
    }
    let rb = by.of_ticket("r.rated_at", range);
    let rated = db.query(
        &format!(
            "SELECT {rb} AS bucket, sum(r.score = 'good') AS good, sum(r.score = 'bad') AS bad
             FROM satisfaction_ratings r JOIN tickets t ON t.id = r.ticket_id
             WHERE r.score IN ('good', 'bad') AND r.rated_at >= ?1 AND r.rated_at < ?2
             GROUP BY 1"
        ),
        &params,
        |r| Ok((r.string("bucket")?, r.i64("good")?, r.i64("bad")?)),
    )?;
    for (key, good, bad) in rated {
        let b = buckets.entry(key).or_default();
        b.csat_good = good;
        b.csat_bad = bad;
    }
    let durations = |sql: String| -> Result<BTreeMap<String, Vec<i64>>> {
        let mut by_bucket: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for (key, v) in db.query(&sql, &params, |r| Ok((r.string("bucket")?, r.i64("v")?)))? {
            by_bucket.entry(key).or_default().push(v);
        }
        Ok(by_bucket)
    };
    for (key, values) in durations(format!(
        "SELECT bucket, v FROM (
            SELECT {tb} AS bucket,
                   (SELECT min(tc.created_at) FROM ticket_comments tc
                    JOIN users u ON u.id = tc.author_id
                    WHERE tc.ticket_id = t.id AND tc.public = 1 AND u.role IN ('agent', 'admin'))
                   - t.created_at AS v
            FROM tickets t WHERE t.created_at >= ?1 AND t.created_at < ?2)
         WHERE v IS NOT NULL"
    ))? {
        buckets.entry(key).or_default().first_reply = Times::of(values);
    }
    let sb = by.of_ticket("s.solved_at", range);
    for (key, values) in durations(format!(
        "SELECT {sb} AS bucket, s.solved_at - t.created_at AS v
         FROM (SELECT ticket_id, max(created_at) AS solved_at FROM ticket_audit_events
               WHERE type = 'Change' AND field_name = 'status' AND value = 'solved'
                 AND created_at < ?2
               GROUP BY ticket_id) s
         JOIN tickets t ON t.id = s.ticket_id
         WHERE s.solved_at >= ?1"
    ))? {
        buckets.entry(key).or_default().resolution = Times::of(values);
    }
    let mut list: Vec<Bucket> = buckets
        .into_iter()
        .map(|(key, mut b)| {
            b.key = key;
            b
        })
        .collect();
    // "0" (no agent, no group) after the named ones.
    if matches!(by, By::Agent | By::Group) {
        list.sort_by_key(|b| (b.key == "0", b.key.parse::<i64>().unwrap_or(0)));
    }
    Ok(list)
}

/// Names for agent or group ids (staff names, group names).
pub fn labels(db: &Db, by: By, keys: &[String]) -> Result<BTreeMap<String, String>> {
    let table = match by {
        By::Agent => "users",
        By::Group => "groups",
        _ => return Ok(BTreeMap::new()),
    };
    let ids: Vec<i64> = keys.iter().filter_map(|k| k.parse().ok()).collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let params: Vec<Value> = ids.iter().map(|&id| id.into()).collect();
    // The table name comes from the match above; the ids are bound.
    let sql = format!(
        "SELECT id, name FROM {table} WHERE id IN ({})",
        vec!["?"; ids.len()].join(", ")
    );
    Ok(db
        .query(&sql, &params, |r| {
            Ok((r.i64("id")?.to_string(), r.string("name")?))
        })?
        .into_iter()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::Times;

    #[test]
    fn medians_and_nearest_rank_p90() {
        assert_eq!(Times::of(vec![]), Times::default());
        let t = Times::of(vec![3000, 1000, 2000]);
        assert_eq!(
            (t.count, t.median_seconds, t.p90_seconds),
            (3, Some(2.0), Some(3.0))
        );
        let t = Times::of(vec![1000, 2000, 3000, 10000]);
        assert_eq!((t.median_seconds, t.p90_seconds), (Some(2.5), Some(10.0)));
        let t = Times::of((1..=10).map(|s| s * 1000).collect());
        assert_eq!((t.median_seconds, t.p90_seconds), (Some(5.5), Some(9.0)));
        let t = Times::of((1..=11).map(|s| s * 1000).collect());
        assert_eq!((t.median_seconds, t.p90_seconds), (Some(6.0), Some(10.0)));
    }
}
