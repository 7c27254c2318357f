//! Ticket facets: every column a search filters or sorts tickets by, in a fixed-size record per
//! ticket, [`BLOCK_TICKETS`] records to a blob (`ticket_facets`, version 13). A search reads the
//! blocks of its candidates (or all of them, ~3,000 rows of 1 KB for 100,000 tickets) instead of
//! one `tickets` row per match, which is what made common words and broad filters slow.
//!
//! Triggers queue every ticket created, changed or deleted (`ticket_facet_queue`), whatever
//! code path did it; every write rewrites the queued tickets' records — and their rows of the
//! tag index, `ticket_tags` — before it commits ([`drain_in`], from `search::upkeep`), so a
//! search that finds the queue empty ([`settled`]) reads records and tags as exact as the
//! table — and never writes.

use crate::error::{Error, Result};
use crate::ports::Value;
use crate::store::Db;
use crate::tickets::TicketStatus;

/// Tickets per block, as a power of two: a block is 1 KB, small enough to stay inside one
/// database page and cheap to rewrite when one of its tickets changes.
pub const BLOCK_BITS: u32 = 5;
pub const BLOCK_TICKETS: i64 = 1 << BLOCK_BITS;
/// 32 bytes: a search that reads every record (keyword filters alone) reads 3.2 MB for 100,000
/// tickets, and that reading is most of its time.
const RECORD_BYTES: usize = 32;
const BLOCK_BYTES: usize = RECORD_BYTES * BLOCK_TICKETS as usize;
/// A value a record cannot hold exactly: an id above `u32::MAX - 1`, or a channel beyond the
/// 254 the `ticket_via_codes` dictionary numbers. A search that would test one takes the SQL
/// path instead.
const TOO_BIG: u32 = u32::MAX;
const NO_VIA_CODE: u8 = u8::MAX;

/// Queued tickets [`drain`] rewrites per call (a ticket is ~20 µs), for a maintenance loop or a
/// bench.
pub const DRAIN_BATCH: i64 = 10_000;

pub const STATUSES: [TicketStatus; 6] = [
    TicketStatus::New,
    TicketStatus::Open,
    TicketStatus::Pending,
    TicketStatus::Hold,
    TicketStatus::Solved,
    TicketStatus::Closed,
];
pub const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

/// One ticket's facets. Codes are 1-based positions in [`STATUSES`], [`PRIORITIES`] and
/// `tickets::TYPES`, 0 for none; `via` is the channel's code in `ticket_via_codes`; ids are 0
/// for none (ids start at 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Record {
    pub status: u8,
    pub priority: u8,
    pub ticket_type: u8,
    via: u8,
    pub created_at: i64,
    pub updated_at: i64,
    assignee_id: u32,
    requester_id: u32,
    group_id: u32,
}

/// An id as a record holds it.
fn small(id: Option<i64>) -> u32 {
    match id {
        None => 0,
        Some(id) => u32::try_from(id)
            .ok()
            .filter(|v| *v != TOO_BIG)
            .unwrap_or(TOO_BIG),
    }
}

/// An id column's value, if the record holds it exactly (`Some(0)`: none).
fn exact(v: u32) -> Option<i64> {
    (v != TOO_BIG).then_some(i64::from(v))
}

impl Record {
    pub fn assignee_id(&self) -> Option<i64> {
        exact(self.assignee_id)
    }

    pub fn requester_id(&self) -> Option<i64> {
        exact(self.requester_id)
    }

    pub fn group_id(&self) -> Option<i64> {
        exact(self.group_id)
    }

    /// Whether the ticket came in through the channel coded `code` (`None`: a channel with no
    /// code yet, which only a record without a code can have); `None` when the record cannot
    /// tell.
    pub fn via_is(&self, code: Option<u8>) -> Option<bool> {
        if self.via == NO_VIA_CODE {
            return None;
        }
        Some(code == Some(self.via))
    }

    fn encode(&self, out: &mut [u8]) {
        out[0] = self.status;
        out[1] = self.priority;
        out[2] = self.ticket_type;
        out[3] = self.via;
        out[4..12].copy_from_slice(&self.created_at.to_le_bytes());
        out[12..20].copy_from_slice(&self.updated_at.to_le_bytes());
        out[20..24].copy_from_slice(&self.assignee_id.to_le_bytes());
        out[24..28].copy_from_slice(&self.requester_id.to_le_bytes());
        out[28..32].copy_from_slice(&self.group_id.to_le_bytes());
    }

    fn decode(bytes: &[u8]) -> Record {
        let long = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            i64::from_le_bytes(b)
        };
        let short = |at: usize| {
            let mut b = [0u8; 4];
            b.copy_from_slice(&bytes[at..at + 4]);
            u32::from_le_bytes(b)
        };
        Record {
            status: bytes[0],
            priority: bytes[1],
            ticket_type: bytes[2],
            via: bytes[3],
            created_at: long(4),
            updated_at: long(12),
            assignee_id: short(20),
            requester_id: short(24),
            group_id: short(28),
        }
    }
}

fn code<T: PartialEq>(list: &[T], value: &T) -> u8 {
    list.iter()
        .position(|v| v == value)
        .map_or(0, |i| i as u8 + 1)
}

/// A record from a ticket's columns as stored (`via` already coded).
#[allow(clippy::too_many_arguments)]
pub fn record(
    status: &str,
    priority: Option<&str>,
    ticket_type: Option<&str>,
    via: Option<u8>,
    created_at: i64,
    updated_at: i64,
    assignee_id: Option<i64>,
    requester_id: i64,
    group_id: Option<i64>,
) -> Record {
    Record {
        // The CHECK constraints of `tickets` allow only the listed values; anything else would
        // read as "no such ticket" rather than as a wrong status.
        status: TicketStatus::parse(status).map_or(0, |s| code(&STATUSES, &s)),
        priority: priority.map_or(0, |p| code(&PRIORITIES, &p)),
        ticket_type: ticket_type.map_or(0, |t| code(crate::tickets::TYPES, &t)),
        via: via.unwrap_or(NO_VIA_CODE),
        created_at,
        updated_at,
        assignee_id: small(assignee_id),
        requester_id: small(Some(requester_id)),
        group_id: small(group_id),
    }
}

/// The code of a channel, if it has one.
pub fn via_code(db: &Db, channel: &str) -> Result<Option<u8>> {
    Ok(db
        .query_i64(
            "SELECT code FROM ticket_via_codes WHERE channel = ?",
            &[channel.into()],
        )?
        .and_then(|c| u8::try_from(c).ok()))
}

/// The channels' codes, giving a new channel the next one while there are codes left (a few
/// channels: a list, which also keeps the writing components small).
struct ViaCodes {
    known: Vec<(String, u8)>,
}

impl ViaCodes {
    fn load(db: &Db) -> Result<ViaCodes> {
        let rows = db.query("SELECT code, channel FROM ticket_via_codes", &[], |r| {
            Ok((r.string("channel")?, r.i64("code")?))
        })?;
        Ok(ViaCodes {
            known: rows
                .into_iter()
                .filter_map(|(ch, c)| u8::try_from(c).ok().map(|c| (ch, c)))
                .collect(),
        })
    }

    fn code(&mut self, db: &Db, channel: &str) -> Result<Option<u8>> {
        if let Some((_, c)) = self.known.iter().find(|(ch, _)| ch == channel) {
            return Ok(Some(*c));
        }
        let next = self
            .known
            .iter()
            .map(|(_, c)| *c)
            .max()
            .map_or(1, |m| m.saturating_add(1));
        if next == NO_VIA_CODE {
            return Ok(None);
        }
        db.execute(
            "INSERT INTO ticket_via_codes (code, channel) VALUES (?, ?)",
            &[i64::from(next).into(), channel.into()],
        )?;
        self.known.push((channel.to_owned(), next));
        Ok(Some(next))
    }
}

pub fn block_of(ticket_id: i64) -> i64 {
    ticket_id >> BLOCK_BITS
}

fn slot(ticket_id: i64) -> usize {
    (ticket_id & (BLOCK_TICKETS - 1)) as usize * RECORD_BYTES
}

/// The stored blocks (ascending; every block when `None`), in block order.
fn blocks(db: &Db, blocks: Option<&[i64]>) -> Result<Vec<(i64, Vec<u8>)>> {
    let rows = match blocks {
        None => db.execute(
            "SELECT block, records FROM ticket_facets ORDER BY block",
            &[],
        )?,
        Some([]) => return Ok(Vec::new()),
        // Most blocks of their span (a common word): one pass over the span reads fewer pages
        // than a lookup per block.
        Some(list @ [first, .., last]) if (list.len() as i64) * 2 > last - first => db.execute(
            "SELECT block, records FROM ticket_facets WHERE block BETWEEN ? AND ? ORDER BY block",
            &[(*first).into(), (*last).into()],
        )?,
        Some(list) => {
            let json = serde_json::to_string(list).map_err(crate::error::Error::corrupt)?;
            db.execute(
                "SELECT block, records FROM ticket_facets \
                 WHERE block IN (SELECT value FROM json_each(?)) ORDER BY block",
                &[json.into()],
            )?
        }
    };
    Ok(rows
        .rows
        .into_iter()
        .filter_map(|row| match <[Value; 2]>::try_from(row) {
            Ok([Value::Integer(block), Value::Blob(bytes)]) => Some((block, bytes)),
            _ => None,
        })
        .collect())
}

/// Every existing ticket's record, in ticket id order.
pub fn load_all(db: &Db) -> Result<Vec<(i64, Record)>> {
    let mut out = Vec::new();
    for (block, bytes) in blocks(db, None)? {
        for (i, chunk) in bytes.chunks_exact(RECORD_BYTES).enumerate() {
            if chunk[0] != 0 {
                out.push(((block << BLOCK_BITS) | i as i64, Record::decode(chunk)));
            }
        }
    }
    Ok(out)
}

/// The records of the tickets `ids` (ascending) that exist, in id order: their blocks read,
/// only their own records decoded (a word in 6,000 tickets touches most blocks, but decoding
/// every record of them would be 100,000).
pub fn load(db: &Db, ids: &[i64]) -> Result<Vec<(i64, Record)>> {
    let mut wanted: Vec<i64> = ids.iter().map(|id| block_of(*id)).collect();
    wanted.dedup();
    let mut out = Vec::with_capacity(ids.len());
    let mut rest = ids;
    for (block, bytes) in blocks(db, Some(&wanted))? {
        while rest.first().is_some_and(|id| block_of(*id) < block) {
            rest = &rest[1..];
        }
        while let Some((&id, tail)) = rest.split_first().filter(|(id, _)| block_of(**id) == block) {
            let at = slot(id);
            if let Some(chunk) = bytes.get(at..at + RECORD_BYTES).filter(|c| c[0] != 0) {
                out.push((id, Record::decode(chunk)));
            }
            rest = tail;
        }
    }
    Ok(out)
}

/// Whether no record waits to be rewritten, so the records are as exact as the table (one
/// one-row read; searches check it instead of writing).
pub fn settled(db: &Db) -> Result<bool> {
    Ok(db
        .query_i64("SELECT ticket_id FROM ticket_facet_queue LIMIT 1", &[])?
        .is_none())
}

/// Rewrites the records of up to [`DRAIN_BATCH`] queued tickets, in one transaction (for a
/// maintenance loop or a bench). Returns whether the queue is now empty.
pub fn drain(db: &Db) -> Result<bool> {
    if settled(db)? {
        return Ok(true);
    }
    db.transaction(|db| drain_in(db, DRAIN_BATCH))
}

/// Rewrites the records of up to `limit` queued tickets inside the caller's transaction: every
/// write does, before it commits, so what it changed is in the records when it is visible.
/// Cheap when nothing waits (one one-row read). Returns whether the queue is now empty.
pub fn drain_in(db: &Db, limit: i64) -> Result<bool> {
    if settled(db)? {
        return Ok(true);
    }
    {
        let mut codes = ViaCodes::load(db)?;
        let queued = db.query(
            "SELECT q.ticket_id AS queued, t.status, t.priority, t.type, t.via_channel, \
             t.created_at, t.updated_at, t.assignee_id, t.requester_id, t.group_id \
             FROM ticket_facet_queue q LEFT JOIN tickets t ON t.id = q.ticket_id \
             ORDER BY q.ticket_id LIMIT ?",
            &[limit.into()],
            |r| {
                let id = r.i64("queued")?;
                let Some(status) = r.opt_string("status")? else {
                    return Ok((id, None));
                };
                Ok((
                    id,
                    Some((
                        r.string("via_channel")?,
                        record(
                            &status,
                            r.opt_string("priority")?.as_deref(),
                            r.opt_string("type")?.as_deref(),
                            None,
                            r.i64("created_at")?,
                            r.i64("updated_at")?,
                            r.opt_i64("assignee_id")?,
                            r.i64("requester_id")?,
                            r.opt_i64("group_id")?,
                        ),
                    )),
                ))
            },
        )?;
        let mut coded = Vec::with_capacity(queued.len());
        for (id, row) in &queued {
            let rec = match row {
                None => Record::default(),
                Some((channel, rec)) => Record {
                    via: codes.code(db, channel)?.unwrap_or(NO_VIA_CODE),
                    ..*rec
                },
            };
            coded.push((*id, rec));
        }
        // The queue is read in id order, so each block's tickets come together, blocks ascending.
        let mut wanted: Vec<i64> = coded.iter().map(|(id, _)| block_of(*id)).collect();
        wanted.dedup();
        let mut current = blocks(db, Some(&wanted))?;
        for block in wanted {
            let mut bytes = match current.iter().position(|(b, _)| *b == block) {
                Some(i) => current.swap_remove(i).1,
                None => Vec::new(),
            };
            // A damaged or short blob is rebuilt to full size; its missing records read as
            // "no such ticket" until their tickets are queued again.
            bytes.resize(BLOCK_BYTES, 0);
            for (id, rec) in coded.iter().filter(|(id, _)| block_of(*id) == block) {
                let at = slot(*id);
                rec.encode(&mut bytes[at..at + RECORD_BYTES]);
            }
            db.execute(
                "INSERT INTO ticket_facets (block, records) VALUES (?, ?) \
                 ON CONFLICT (block) DO UPDATE SET records = excluded.records",
                &[block.into(), Value::Blob(bytes)],
            )?;
        }
        if !queued.is_empty() {
            // The tag index of the same tickets (the triggers only queue them, schema v29): what
            // each one's tags column says now — nothing for a ticket gone or a column that is
            // not JSON, as the SQL filter reads it.
            let ids: Vec<i64> = queued.iter().map(|(id, _)| *id).collect();
            let ids = Value::Text(serde_json::to_string(&ids).map_err(Error::corrupt)?);
            db.execute(
                "DELETE FROM ticket_tags WHERE ticket_id IN (SELECT value FROM json_each(?))",
                std::slice::from_ref(&ids),
            )?;
            db.execute(
                "INSERT OR IGNORE INTO ticket_tags (tag, ticket_id)
                 SELECT lower(j.value), t.id
                 FROM tickets t,
                      json_each(CASE WHEN json_valid(t.tags) THEN t.tags ELSE '[]' END) j
                 WHERE t.id IN (SELECT value FROM json_each(?)) AND j.value IS NOT NULL",
                &[ids],
            )?;
        }
        if let Some((last, _)) = queued.last() {
            // Nothing can be queued below `last` meanwhile: this transaction holds the write lock.
            db.execute(
                "DELETE FROM ticket_facet_queue WHERE ticket_id <= ?",
                &[(*last).into()],
            )?;
        }
        Ok((queued.len() as i64) < limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let rec = record(
            "pending",
            Some("high"),
            Some("task"),
            Some(3),
            1,
            -2,
            Some(7),
            9,
            None,
        );
        let mut bytes = [0u8; RECORD_BYTES];
        rec.encode(&mut bytes);
        let back = Record::decode(&bytes);
        assert_eq!(back, rec);
        assert_eq!((back.status, back.priority, back.ticket_type), (3, 3, 4));
        assert_eq!(
            (back.via_is(Some(3)), back.via_is(Some(4))),
            (Some(true), Some(false))
        );
        assert_eq!(back.via_is(None), Some(false));
        assert_eq!((back.assignee_id(), back.group_id()), (Some(7), Some(0)));
        // What a record cannot hold, it says it cannot tell.
        let big = record(
            "new",
            None,
            None,
            None,
            0,
            0,
            Some(1 << 40),
            1,
            Some(u32::MAX as i64),
        );
        assert_eq!((big.assignee_id(), big.group_id()), (None, None));
        assert_eq!(big.via_is(Some(1)), None);
        assert_eq!(
            (big.priority, big.ticket_type, big.requester_id()),
            (0, 0, Some(1))
        );
    }
}
