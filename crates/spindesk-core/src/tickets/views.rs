//! Views: saved ticket filters, Zendesk's `/api/v2/views`. Six system views are built in
//! (defined here, ids 1 to 6, never stored, the same on every install); admins add their own
//! (stored, ids above 100). Both kinds run through the same conditions compiler, so a view's
//! tickets and its count are one parameterised SQL query each.

pub mod conditions;

use crate::error::{Error, Result};
use crate::ports::{Millis, SqlError, Value as SqlValue};
use crate::store::{Db, Row};
use crate::tickets::{self, Ticket, TicketStatus};
use conditions::{Condition, Conditions, Context, Op, Who};
use serde_json::Value;

/// Ids up to this belong to system views (the `views` table refuses them).
pub const SYSTEM_IDS: i64 = 100;
/// "Recently" in the system views: the last seven days.
const RECENT_HOURS: i64 = 7 * 24;

/// The order of a view's tickets: Zendesk's `execution.sort_by` / `sort_order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Execution {
    pub sort_by: SortBy,
    pub descending: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Id,
    Created,
    Updated,
    Status,
    Priority,
    Subject,
}

impl SortBy {
    pub const NAMES: &'static str = "id, created_at, updated_at, status, priority, subject";

    /// Zendesk's names (`created`, `updated`, `nice_id`) and ours (`created_at`, ...).
    pub fn parse(raw: &str) -> Option<SortBy> {
        Some(match raw {
            "id" | "nice_id" => SortBy::Id,
            "created" | "created_at" => SortBy::Created,
            "updated" | "updated_at" => SortBy::Updated,
            "status" => SortBy::Status,
            "priority" => SortBy::Priority,
            "subject" => SortBy::Subject,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SortBy::Id => "id",
            SortBy::Created => "created_at",
            SortBy::Updated => "updated_at",
            SortBy::Status => "status",
            SortBy::Priority => "priority",
            SortBy::Subject => "subject",
        }
    }

    /// The SQL expression: statuses and priorities sort in their workflow order, not by name.
    fn expression(self) -> &'static str {
        match self {
            SortBy::Id => "id",
            SortBy::Created => "created_at",
            SortBy::Updated => "updated_at",
            SortBy::Status => {
                "CASE status WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 \
                 WHEN 'hold' THEN 3 WHEN 'solved' THEN 4 ELSE 5 END"
            }
            SortBy::Priority => {
                "CASE priority WHEN 'low' THEN 1 WHEN 'normal' THEN 2 WHEN 'high' THEN 3 \
                 WHEN 'urgent' THEN 4 ELSE 0 END"
            }
            SortBy::Subject => "subject COLLATE NOCASE",
        }
    }
}

impl Execution {
    /// `ORDER BY` text from the fixed expressions above, never from the request.
    fn order_by(self) -> String {
        let dir = if self.descending { "DESC" } else { "ASC" };
        format!("{} {dir}, id {dir}", self.sort_by.expression())
    }

    pub fn to_json(self) -> Value {
        serde_json::json!({
            "sort_by": self.sort_by.as_str(),
            "sort_order": if self.descending { "desc" } else { "asc" },
        })
    }

    /// Reads `{"sort_by", "sort_order"}` (both optional: updated_at, desc).
    pub fn parse(raw: Option<&Value>) -> std::result::Result<Execution, String> {
        let get = |k: &str| raw.and_then(|r| r.get(k)).and_then(Value::as_str);
        let sort_by = match get("sort_by") {
            None => SortBy::Updated,
            Some(s) => SortBy::parse(s)
                .ok_or_else(|| format!("sort_by {s:?} is not one of {}", SortBy::NAMES))?,
        };
        let descending = match get("sort_order") {
            None | Some("desc") => true,
            Some("asc") => false,
            Some(other) => return Err(format!("sort_order {other:?} is not asc or desc")),
        };
        Ok(Execution {
            sort_by,
            descending,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub active: bool,
    pub position: i64,
    pub conditions: Conditions,
    pub execution: Execution,
    /// Built in (ids 1 to 6): read-only.
    pub system: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// The built-in views, in the order Zendesk lists its defaults.
pub fn system_views() -> Vec<View> {
    use Condition::*;
    let unsolved = Status(Op::LessThan, TicketStatus::Solved);
    let updated = |descending| Execution {
        sort_by: SortBy::Updated,
        descending,
    };
    let view = |id, title: &str, all: Vec<Condition>, execution| View {
        id,
        title: title.to_owned(),
        description: String::new(),
        active: true,
        position: id,
        conditions: Conditions {
            all,
            any: Vec::new(),
        },
        execution,
        system: true,
        created_at: 0,
        updated_at: 0,
    };
    vec![
        view(
            1,
            "Your unsolved tickets",
            vec![Assignee(Op::Is, Who::CurrentUser), unsolved.clone()],
            updated(true),
        ),
        // The queue: oldest first.
        view(
            2,
            "Unassigned tickets",
            vec![Assignee(Op::Is, Who::Nobody), unsolved.clone()],
            Execution {
                sort_by: SortBy::Created,
                descending: false,
            },
        ),
        view(3, "All unsolved tickets", vec![unsolved], updated(true)),
        view(
            4,
            "Pending tickets",
            vec![Status(Op::Is, TicketStatus::Pending)],
            updated(true),
        ),
        view(
            5,
            "Recently updated tickets",
            vec![HoursSinceUpdate(Op::LessThan, RECENT_HOURS)],
            updated(true),
        ),
        // Solved or closed and touched in the last week: Spindesk keeps no separate solved
        // time, and a solved ticket is rarely updated again before it closes.
        view(
            6,
            "Recently solved tickets",
            vec![
                Status(Op::GreaterThan, TicketStatus::Hold),
                HoursSinceUpdate(Op::LessThan, RECENT_HOURS),
            ],
            updated(true),
        ),
    ]
}

const COLUMNS: &str =
    "id, title, description, active, position, conditions, execution, created_at, updated_at";

fn from_row(r: &Row) -> std::result::Result<View, SqlError> {
    let conditions: Value = serde_json::from_str(&r.string("conditions")?)
        .map_err(|e| Row::invalid("conditions", e))?;
    let execution: Value =
        serde_json::from_str(&r.string("execution")?).map_err(|e| Row::invalid("execution", e))?;
    Ok(View {
        id: r.i64("id")?,
        title: r.string("title")?,
        description: r.string("description")?,
        active: r.bool("active")?,
        position: r.i64("position")?,
        conditions: Conditions::parse(&conditions).map_err(|e| Row::invalid("conditions", e))?,
        execution: Execution::parse(Some(&execution)).map_err(|e| Row::invalid("execution", e))?,
        system: false,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    })
}

/// Every view, system ones first, then the admins' by position and id; `active` filters.
pub fn all(db: &Db, active: Option<bool>) -> Result<Vec<View>> {
    let mut views = system_views();
    views.extend(db.query(
        &format!("SELECT {COLUMNS} FROM views ORDER BY position, id"),
        &[],
        from_row,
    )?);
    if let Some(active) = active {
        views.retain(|v| v.active == active);
    }
    Ok(views)
}

pub fn by_id(db: &Db, id: i64) -> Result<Option<View>> {
    if id <= SYSTEM_IDS {
        return Ok(system_views().into_iter().find(|v| v.id == id));
    }
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM views WHERE id = ?"),
        &[id.into()],
        from_row,
    )?)
}

/// What an admin sets on a view.
#[derive(Debug, Clone)]
pub struct ViewDoc {
    pub title: String,
    pub description: String,
    pub active: bool,
    pub position: i64,
    pub conditions: Conditions,
    pub execution: Execution,
}

/// Stores a new view; its id follows the highest stored one, above the system ids (the
/// caller's write transaction makes the read and the insert one step).
pub fn insert(db: &Db, now: Millis, doc: &ViewDoc) -> Result<i64> {
    db.query_i64(
        "INSERT INTO views (id, title, description, active, position, conditions, execution,
                            created_at, updated_at)
         VALUES ((SELECT max(?, coalesce(max(id), 0)) + 1 FROM views), ?, ?, ?, ?, ?, ?, ?, ?)
         RETURNING id",
        &[
            SYSTEM_IDS.into(),
            doc.title.clone().into(),
            doc.description.clone().into(),
            doc.active.into(),
            doc.position.into(),
            doc.conditions.to_json().to_string().into(),
            doc.execution.to_json().to_string().into(),
            now.into(),
            now.into(),
        ],
    )?
    .ok_or_else(|| Error::corrupt("insert returned no view id"))
}

pub fn update(db: &Db, now: Millis, id: i64, doc: &ViewDoc) -> Result<()> {
    db.execute(
        "UPDATE views SET title = ?, description = ?, active = ?, position = ?, conditions = ?,
                          execution = ?, updated_at = ?
         WHERE id = ?",
        &[
            doc.title.clone().into(),
            doc.description.clone().into(),
            doc.active.into(),
            doc.position.into(),
            doc.conditions.to_json().to_string().into(),
            doc.execution.to_json().to_string().into(),
            now.into(),
            id.into(),
        ],
    )?;
    Ok(())
}

pub fn delete(db: &Db, id: i64) -> Result<bool> {
    let rows = db.execute("DELETE FROM views WHERE id = ? RETURNING id", &[id.into()])?;
    Ok(!rows.rows.is_empty())
}

/// How many tickets the view holds for this viewer.
pub fn count(db: &Db, view: &View, ctx: &Context) -> Result<i64> {
    let (filter, params) = view.conditions.compile(ctx);
    Ok(db
        .query_i64(
            &format!("SELECT count(*) FROM tickets WHERE {filter}"),
            &params,
        )?
        .unwrap_or(0))
}

/// A page of the view's tickets, in its order (or `order`, when the caller asks for another).
pub fn tickets(
    db: &Db,
    view: &View,
    ctx: &Context,
    order: Option<Execution>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Ticket>> {
    let (filter, mut params) = view.conditions.compile(ctx);
    let order = order.unwrap_or(view.execution).order_by();
    params.push(SqlValue::from(limit));
    params.push(SqlValue::from(offset));
    Ok(db.query(
        &format!(
            "SELECT {} FROM tickets WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?",
            tickets::COLUMNS
        ),
        &params,
        tickets::from_row,
    )?)
}
