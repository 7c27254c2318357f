//! A phrase checked in the tickets' text itself (`tickets::term_pairs` says what a phrase
//! means): for phrases of three terms or more, whose pairs only narrow the candidates, and for
//! every phrase while the pair index catches up after the upgrade. Both search paths use it.

use crate::error::{Error, Result};
use crate::store::Db;
use crate::tickets::{search_index, term_pairs};
use std::collections::BTreeSet;

/// Those of `among` with `phrase` (analysed terms in order, not empty) in one of their texts,
/// ascending.
pub fn holding(db: &Db, phrase: &[String], among: &[i64]) -> Result<Vec<i64>> {
    if among.is_empty() || phrase.is_empty() {
        return Ok(Vec::new());
    }
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
