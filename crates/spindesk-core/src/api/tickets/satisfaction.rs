//! Satisfaction ratings (`/api/v2/satisfaction_ratings[/{id}]`), Zendesk's shape: what
//! customers answered when their tickets were solved.

use super::zendesk::{base_url, clip, not_found};
use crate::auth::require_staff;
use crate::ports::{Env, Value as SqlValue};
use crate::store::database;
use crate::store::Db;
use crate::surface::{Request, Response};
use crate::tickets::satisfaction::{self, Rating};
use crate::timestamp::iso8601;
use crate::web::{json, paginate, query_pairs, ApiError};
use serde_json::{json, Value};

/// `score=`: Zendesk's filter names that Spindesk's scores can answer. `received` is any
/// answer (good or bad).
const SCORES: &[&str] = &["offered", "good", "bad", "received"];

fn param<'p>(pairs: &'p [(String, String)], name: &str) -> Option<&'p str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `start_time` / `end_time`: Unix seconds, as Zendesk takes them.
fn epoch_seconds(pairs: &[(String, String)], name: &str) -> Result<Option<i64>, ApiError> {
    let Some(raw) = param(pairs, name) else {
        return Ok(None);
    };
    raw.parse::<i64>()
        .ok()
        .filter(|s| (0..=253_402_300_799).contains(s))
        .map(|s| Some(s * 1000))
        .ok_or_else(|| {
            ApiError::bad_request(
                "InvalidParameter",
                format!(
                    "{name} must be a Unix time in seconds; got {:?}",
                    clip(raw, 40)
                ),
            )
        })
}

/// The list's filter as SQL (fixed fragments; the values are bound).
fn filter(pairs: &[(String, String)]) -> Result<(String, Vec<SqlValue>), ApiError> {
    let mut clauses: Vec<&str> = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    if let Some(score) = param(pairs, "score") {
        match score {
            "offered" | "good" | "bad" => {
                clauses.push("r.score = ?");
                params.push(score.into());
            }
            "received" => clauses.push("r.score IN ('good', 'bad')"),
            other => {
                return Err(ApiError::bad_request(
                    "InvalidParameter",
                    format!(
                        "score must be one of {}; got {:?}",
                        SCORES.join(", "),
                        clip(other, 40)
                    ),
                ))
            }
        }
    }
    let start = epoch_seconds(pairs, "start_time")?;
    let end = epoch_seconds(pairs, "end_time")?;
    if let (Some(s), Some(e)) = (start, end) {
        if s > e {
            return Err(ApiError::bad_request(
                "InvalidParameter",
                "start_time must not be after end_time",
            ));
        }
    }
    if let Some(s) = start {
        clauses.push("r.created_at >= ?");
        params.push(s.into());
    }
    if let Some(e) = end {
        clauses.push("r.created_at <= ?");
        params.push(e.into());
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    Ok((sql, params))
}

/// A rating with what Zendesk shows beside it (the ticket's people).
struct Listed {
    rating: Rating,
    requester_id: i64,
    assignee_id: Option<i64>,
    group_id: Option<i64>,
}

const SELECT: &str = "SELECT r.id, r.ticket_id, r.score, r.comment, r.awaiting_comment,
        r.created_at, r.rated_at, r.updated_at, t.requester_id, t.assignee_id, t.group_id
    FROM satisfaction_ratings r JOIN tickets t ON t.id = r.ticket_id";

fn listed(db: &Db, sql: &str, params: &[SqlValue]) -> Result<Vec<Listed>, ApiError> {
    Ok(db.query(sql, params, |r| {
        Ok(Listed {
            rating: satisfaction::from_row(r)?,
            requester_id: r.i64("requester_id")?,
            assignee_id: r.opt_i64("assignee_id")?,
            group_id: r.opt_i64("group_id")?,
        })
    })?)
}

fn rating_json(l: &Listed, base: &str) -> Value {
    let r = &l.rating;
    json!({
        "id": r.id,
        "url": format!("{base}/api/v2/satisfaction_ratings/{}.json", r.id),
        "assignee_id": l.assignee_id,
        "group_id": l.group_id,
        "requester_id": l.requester_id,
        "ticket_id": r.ticket_id,
        "score": r.score.as_str(),
        "comment": r.comment,
        "reason": null,
        "created_at": iso8601(r.created_at),
        "updated_at": iso8601(r.updated_at),
    })
}

pub fn list(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let pairs = query_pairs(req);
    let page = paginate(&pairs)?;
    let (filter, mut params) = filter(&pairs)?;
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let count = db
        .query_i64(
            &format!("SELECT count(*) FROM satisfaction_ratings r {filter}"),
            &params,
        )?
        .unwrap_or(0);
    params.push(page.limit().into());
    params.push(page.offset().into());
    // Newest first, as Zendesk lists them.
    let list = listed(
        &db,
        &format!("{SELECT} {filter} ORDER BY r.id DESC LIMIT ? OFFSET ?"),
        &params,
    )?;
    let base = base_url(req);
    Ok(json(&page.envelope(
        json!({
            "satisfaction_ratings": list.iter().map(|l| rating_json(l, &base)).collect::<Vec<_>>(),
        }),
        &format!("{base}/api/v2/satisfaction_ratings.json"),
        count,
        list.len(),
        &pairs,
    )))
}

pub fn show(env: &Env, req: &Request, id: i64) -> Result<Response, ApiError> {
    let db = database(env)?;
    require_staff(env, &db, req)?;
    let found = listed(&db, &format!("{SELECT} WHERE r.id = ?"), &[id.into()])?;
    let rating = found.first().ok_or_else(not_found)?;
    Ok(json(
        &json!({"satisfaction_rating": rating_json(rating, &base_url(req))}),
    ))
}
