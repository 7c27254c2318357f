//! Which tickets hold a phrase (`tickets::term_pairs` says what a phrase means), for phrases
//! of three terms or more, which their pairs' ranges only narrow: by where the pairs sit in
//! the index ([`chained`]), or — while the pair index catches up after an upgrade — in the
//! tickets' text itself ([`in_texts`]). Both search paths use it.

use crate::error::{Error, Result};
use crate::ports::Value;
use crate::store::Db;
use crate::tickets::{search_index, term_pairs};
use std::collections::{BTreeMap, BTreeSet};

/// Those of `among` (ascending) with `phrase` (analysed terms in order) in one line of one of
/// their texts, ascending. `pairs_ready`: the pair index is complete
/// ([`search_index::pairs_ready`]).
pub fn holding(db: &Db, phrase: &[String], among: &[i64], pairs_ready: bool) -> Result<Vec<i64>> {
    if among.is_empty() || phrase.is_empty() {
        return Ok(Vec::new());
    }
    if pairs_ready && phrase.len() > 1 {
        return chained(db, phrase, among);
    }
    in_texts(db, phrase, among)
}

/// Those of `among` (ascending) whose pairs of the phrase follow one another: each distinct
/// pair's positions read for the tickets still in the running (one statement, one row of
/// text), then the chain looked for in memory.
fn chained(db: &Db, phrase: &[String], among: &[i64]) -> Result<Vec<i64>> {
    let pairs: Vec<String> = phrase
        .windows(2)
        .map(|w| term_pairs::key(&w[0], &w[1]))
        .collect();
    let mut distinct = pairs.clone();
    distinct.sort();
    distinct.dedup();
    let mut left: Vec<i64> = among.to_vec();
    let mut positions: BTreeMap<&str, BTreeMap<i64, Vec<i64>>> = BTreeMap::new();
    for pair in &distinct {
        let found = positions_of(db, pair, &left)?;
        left.retain(|id| found.contains_key(id));
        positions.insert(pair, found);
        if left.is_empty() {
            return Ok(left);
        }
    }
    let none = Vec::new();
    left.retain(|id| {
        let each: Vec<&[i64]> = pairs
            .iter()
            .map(|p| {
                positions
                    .get(p.as_str())
                    .and_then(|by_ticket| by_ticket.get(id))
                    .unwrap_or(&none)
                    .as_slice()
            })
            .collect();
        term_pairs::chained(&each)
    });
    Ok(left)
}

/// Ranges are counted this far to choose between lookups and reading the whole range.
const COUNT_CAP: i64 = 4_000;

/// The positions of `pair` in each of `among` (ascending) that has it: a key lookup each
/// while `among` is much smaller than the pair's range, otherwise the whole range read (reading
/// a row of a range costs about an eighth of a lookup).
fn positions_of(db: &Db, pair: &str, among: &[i64]) -> Result<BTreeMap<i64, Vec<i64>>> {
    let size = db
        .query_i64(
            "SELECT count(*) FROM (SELECT 1 FROM ticket_pairs WHERE pair = ? LIMIT ?)",
            &[pair.into(), COUNT_CAP.into()],
        )?
        .unwrap_or(0);
    if size == 0 {
        return Ok(BTreeMap::new());
    }
    let lookups = (among.len() as i64) * 8 < size;
    // One row of text rather than a row per ticket: handing over a row costs more than
    // SQLite's reading it.
    let rows = if lookups {
        let ids = serde_json::to_string(among).map_err(Error::corrupt)?;
        db.execute(
            "SELECT group_concat(ticket_id || ':' || positions, ';') FROM ticket_pairs \
             WHERE pair = ? AND ticket_id IN (SELECT value FROM json_each(?))",
            &[pair.into(), ids.into()],
        )?
    } else {
        db.execute(
            "SELECT group_concat(ticket_id || ':' || positions, ';') FROM ticket_pairs \
             WHERE pair = ?",
            &[pair.into()],
        )?
    }
    .rows;
    let text = match rows.first().and_then(|r| r.first()) {
        Some(Value::Text(text)) => text.as_str(),
        _ => "",
    };
    let mut out = BTreeMap::new();
    for entry in text.split(';').filter(|e| !e.is_empty()) {
        let (id, at) = entry
            .split_once(':')
            .ok_or_else(|| Error::corrupt("a pair index row without positions"))?;
        let id = id
            .parse::<i64>()
            .map_err(|_| Error::corrupt("a pair index row without a ticket id"))?;
        if lookups || among.binary_search(&id).is_ok() {
            out.insert(id, term_pairs::parse_positions(at));
        }
    }
    Ok(out)
}

/// Those of `among` with `phrase` found by reading and analysing their texts.
fn in_texts(db: &Db, phrase: &[String], among: &[i64]) -> Result<Vec<i64>> {
    let analyzer = search_index::analyzer();
    let has = |text: &str| term_pairs::in_text(&analyzer, text, phrase);
    let ids = serde_json::to_string(among).map_err(Error::corrupt)?;
    let heads = db.query(
        "SELECT id, subject, description FROM tickets \
         WHERE id IN (SELECT value FROM json_each(?))",
        &[ids.clone().into()],
        |r| Ok((r.i64("id")?, r.string("subject")?, r.string("description")?)),
    )?;
    let mut found = BTreeSet::new();
    for (id, subject, description) in &heads {
        if has(subject) || has(description) {
            found.insert(*id);
        }
    }
    // Only the comments that can hold the phrase leave SQLite: those with its rarest Hangul
    // term as written (a Korean phrase's terms are common syllable pairs, and a ticket has ten
    // comments to read otherwise).
    let comments = match rarest_literal(db, phrase)? {
        Some(literal) => db.query(
            "SELECT ticket_id, body FROM ticket_comments \
             WHERE ticket_id IN (SELECT value FROM json_each(?)) \
             AND (instr(body, ?) > 0 OR body GLOB ?)",
            &[ids.into(), literal.into(), term_pairs::JAMO_GLOB.into()],
            |r| Ok((r.i64("ticket_id")?, r.string("body")?)),
        )?,
        None => db.query(
            "SELECT ticket_id, body FROM ticket_comments \
             WHERE ticket_id IN (SELECT value FROM json_each(?))",
            &[ids.into()],
            |r| Ok((r.i64("ticket_id")?, r.string("body")?)),
        )?,
    };
    for (id, body) in &comments {
        if !found.contains(id) && has(body) {
            found.insert(*id);
        }
    }
    Ok(found.into_iter().collect())
}

/// The phrase's Hangul-syllable term in the fewest tickets (counted up to a cap), if it has one.
fn rarest_literal(db: &Db, phrase: &[String]) -> Result<Option<String>> {
    let mut best: Option<(i64, &String)> = None;
    for term in phrase {
        if !term.chars().all(term_pairs::is_syllable) || best.is_some_and(|(_, t)| t == term) {
            continue;
        }
        let n = db
            .query_i64(
                "SELECT count(*) FROM (SELECT 1 FROM ticket_terms WHERE term = ? LIMIT 4000)",
                &[term.clone().into()],
            )?
            .unwrap_or(0);
        if best.is_none_or(|(least, _)| n < least) {
            best = Some((n, term));
        }
    }
    Ok(best.map(|(_, t)| t.clone()))
}
