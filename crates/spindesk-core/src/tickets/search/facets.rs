//! Ticket facets: every column a search filters or sorts tickets by, in a fixed-size record per
//! ticket, [`BLOCK_TICKETS`] records to a blob (`ticket_facets`, version 13). A search reads the
//! blocks of its candidates (or all of them, ~3,000 rows of 2 KB for 100,000 tickets) instead of
//! one `tickets` row per match, which is what made common words and broad filters slow.
//!
//! Triggers queue every ticket whose filtered columns change (`ticket_facet_queue`), whatever
//! code path changed them; [`drain`] rewrites the queued tickets' records, so a search that
//! drains the queue completely reads records as exact as the table.

use crate::error::Result;
use crate::ports::Value;
use crate::store::Db;
use crate::tickets::TicketStatus;
use std::collections::BTreeMap;

/// Tickets per block, as a power of two: a block is 2 KB, small enough to stay inside one
/// database page and cheap to rewrite when one of its tickets changes.
pub const BLOCK_BITS: u32 = 5;
pub const BLOCK_TICKETS: i64 = 1 << BLOCK_BITS;
const RECORD_BYTES: usize = 64;
const BLOCK_BYTES: usize = RECORD_BYTES * BLOCK_TICKETS as usize;
/// The longest channel name a record holds; a longer one is stored as [`LONG_VIA`], which no
/// `via:` value the parser accepts (lowercase letters and `_`) can equal.
pub const VIA_BYTES: usize = 16;
const LONG_VIA: u8 = 0xFF;

/// Queued tickets a search rewrites before it reads (a ticket is ~20 µs): more than this waiting
/// (right after the upgrade) sends the search down the plain SQL path while the queue drains.
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
/// `tickets::TYPES`, 0 for none; ids are 0 for none (ids start at 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Record {
    pub status: u8,
    pub priority: u8,
    pub ticket_type: u8,
    via_len: u8,
    via: [u8; VIA_BYTES],
    pub created_at: i64,
    pub updated_at: i64,
    pub assignee_id: i64,
    pub requester_id: i64,
    pub group_id: i64,
}

impl Record {
    /// Whether the ticket came in through `channel` (at most [`VIA_BYTES`] long).
    pub fn via_is(&self, channel: &str) -> bool {
        self.via_len != LONG_VIA && self.via[..usize::from(self.via_len)] == *channel.as_bytes()
    }

    fn encode(&self, out: &mut [u8]) {
        out[0] = self.status;
        out[1] = self.priority;
        out[2] = self.ticket_type;
        out[3] = self.via_len;
        out[4..20].copy_from_slice(&self.via);
        for (i, v) in [
            self.created_at,
            self.updated_at,
            self.assignee_id,
            self.requester_id,
            self.group_id,
        ]
        .into_iter()
        .enumerate()
        {
            out[20 + 8 * i..28 + 8 * i].copy_from_slice(&v.to_le_bytes());
        }
    }

    fn decode(bytes: &[u8]) -> Record {
        let int = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[20 + 8 * i..28 + 8 * i]);
            i64::from_le_bytes(b)
        };
        let mut via = [0u8; VIA_BYTES];
        via.copy_from_slice(&bytes[4..20]);
        Record {
            status: bytes[0],
            priority: bytes[1],
            ticket_type: bytes[2],
            via_len: bytes[3],
            via,
            created_at: int(0),
            updated_at: int(1),
            assignee_id: int(2),
            requester_id: int(3),
            group_id: int(4),
        }
    }
}

fn code<T: PartialEq>(list: &[T], value: &T) -> u8 {
    list.iter()
        .position(|v| v == value)
        .map_or(0, |i| i as u8 + 1)
}

/// A record from a ticket's columns as stored.
#[allow(clippy::too_many_arguments)]
pub fn record(
    status: &str,
    priority: Option<&str>,
    ticket_type: Option<&str>,
    via_channel: &str,
    created_at: i64,
    updated_at: i64,
    assignee_id: Option<i64>,
    requester_id: i64,
    group_id: Option<i64>,
) -> Record {
    let mut via = [0u8; VIA_BYTES];
    let via_len = if via_channel.len() <= VIA_BYTES {
        via[..via_channel.len()].copy_from_slice(via_channel.as_bytes());
        via_channel.len() as u8
    } else {
        LONG_VIA
    };
    Record {
        // The CHECK constraints of `tickets` allow only the listed values; anything else would
        // read as "no such ticket" rather than as a wrong status.
        status: TicketStatus::parse(status).map_or(0, |s| code(&STATUSES, &s)),
        priority: priority.map_or(0, |p| code(&PRIORITIES, &p)),
        ticket_type: ticket_type.map_or(0, |t| code(crate::tickets::TYPES, &t)),
        via_len,
        via,
        created_at,
        updated_at,
        assignee_id: assignee_id.unwrap_or(0),
        requester_id,
        group_id: group_id.unwrap_or(0),
    }
}

pub fn block_of(ticket_id: i64) -> i64 {
    ticket_id >> BLOCK_BITS
}

fn slot(ticket_id: i64) -> usize {
    (ticket_id & (BLOCK_TICKETS - 1)) as usize * RECORD_BYTES
}

/// The records of the given blocks (ascending; every block when `None`), in ticket id order,
/// existing tickets only (the caller keeps the ones it asked for).
pub fn load(db: &Db, blocks: Option<&[i64]>) -> Result<Vec<(i64, Record)>> {
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
    let mut out = Vec::new();
    for row in &rows.rows {
        let [Value::Integer(block), Value::Blob(bytes)] = &row[..] else {
            continue;
        };
        for (i, chunk) in bytes.chunks_exact(RECORD_BYTES).enumerate() {
            if chunk[0] != 0 {
                out.push(((block << BLOCK_BITS) | i as i64, Record::decode(chunk)));
            }
        }
    }
    Ok(out)
}

/// Rewrites the records of up to [`DRAIN_BATCH`] queued tickets, in one transaction. Cheap when
/// nothing waits (one one-row read). Returns whether the queue is now empty.
pub fn drain(db: &Db) -> Result<bool> {
    if db
        .query_i64("SELECT ticket_id FROM ticket_facet_queue LIMIT 1", &[])?
        .is_none()
    {
        return Ok(true);
    }
    db.transaction(|db| {
        let queued = db.query(
            "SELECT q.ticket_id AS queued, t.status, t.priority, t.type, t.via_channel, \
             t.created_at, t.updated_at, t.assignee_id, t.requester_id, t.group_id \
             FROM ticket_facet_queue q LEFT JOIN tickets t ON t.id = q.ticket_id \
             ORDER BY q.ticket_id LIMIT ?",
            &[DRAIN_BATCH.into()],
            |r| {
                let id = r.i64("queued")?;
                let Some(status) = r.opt_string("status")? else {
                    return Ok((id, Record::default()));
                };
                Ok((
                    id,
                    record(
                        &status,
                        r.opt_string("priority")?.as_deref(),
                        r.opt_string("type")?.as_deref(),
                        &r.string("via_channel")?,
                        r.i64("created_at")?,
                        r.i64("updated_at")?,
                        r.opt_i64("assignee_id")?,
                        r.i64("requester_id")?,
                        r.opt_i64("group_id")?,
                    ),
                ))
            },
        )?;
        let mut by_block: BTreeMap<i64, Vec<(i64, Record)>> = BTreeMap::new();
        for (id, rec) in &queued {
            by_block.entry(block_of(*id)).or_default().push((*id, *rec));
        }
        let blocks: Vec<i64> = by_block.keys().copied().collect();
        let json = serde_json::to_string(&blocks).map_err(crate::error::Error::corrupt)?;
        let stored = db.execute(
            "SELECT block, records FROM ticket_facets WHERE block IN (SELECT value FROM json_each(?))",
            &[json.into()],
        )?;
        let mut current: BTreeMap<i64, Vec<u8>> = BTreeMap::new();
        for row in stored.rows {
            if let [Value::Integer(block), Value::Blob(bytes)] = &row[..] {
                current.insert(*block, bytes.clone());
            }
        }
        for (block, records) in by_block {
            let mut bytes = current.remove(&block).unwrap_or_default();
            // A damaged or short blob is rebuilt to full size; its missing records read as
            // "no such ticket" until their tickets are queued again.
            bytes.resize(BLOCK_BYTES, 0);
            for (id, rec) in records {
                let at = slot(id);
                rec.encode(&mut bytes[at..at + RECORD_BYTES]);
            }
            db.execute(
                "INSERT INTO ticket_facets (block, records) VALUES (?, ?) \
                 ON CONFLICT (block) DO UPDATE SET records = excluded.records",
                &[block.into(), Value::Blob(bytes)],
            )?;
        }
        if let Some((last, _)) = queued.last() {
            // Nothing can be queued below `last` meanwhile: this transaction holds the write lock.
            db.execute(
                "DELETE FROM ticket_facet_queue WHERE ticket_id <= ?",
                &[(*last).into()],
            )?;
        }
        Ok((queued.len() as i64) < DRAIN_BATCH)
    })
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
            "whatsapp",
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
        assert!(back.via_is("whatsapp") && !back.via_is("whatsap") && !back.via_is("web"));
        let long = record(
            "new",
            None,
            None,
            "a_very_long_channel_name",
            0,
            0,
            None,
            1,
            None,
        );
        assert!(!long.via_is("a_very_long_chan"));
        assert_eq!((long.priority, long.ticket_type, long.group_id), (0, 0, 0));
    }
}
