//! Groups (Zendesk's teams) and who belongs to them. Hand-offs go to a group — the one the
//! bot's transfer step names, else the default group — and are assigned among its members
//! ([`crate::tickets::routing`]). At most one group is the default (a partial UNIQUE index).

use crate::error::{Error, Result};
use crate::ports::{Millis, SqlError};
use crate::store::{Db, Row};

/// Longest group name and description.
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub is_default: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

const COLUMNS: &str = "id, name, description, is_default, created_at, updated_at";

fn from_row(r: &Row) -> Result<Group, SqlError> {
    Ok(Group {
        id: r.i64("id")?,
        name: r.string("name")?,
        description: r.string("description")?,
        is_default: r.bool("is_default")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    })
}

pub fn by_id(db: &Db, id: i64) -> Result<Option<Group>> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM groups WHERE id = ?"),
        &[id.into()],
        from_row,
    )?)
}

/// The group named `name`, case-insensitively (the column is `COLLATE NOCASE`).
pub fn by_name(db: &Db, name: &str) -> Result<Option<Group>> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM groups WHERE name = ?"),
        &[name.trim().into()],
        from_row,
    )?)
}

pub fn default_group(db: &Db) -> Result<Option<Group>> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM groups WHERE is_default = 1"),
        &[],
        from_row,
    )?)
}

/// `limit` groups from `offset`, by id.
pub fn list(db: &Db, offset: i64, limit: i64) -> Result<Vec<Group>> {
    Ok(db.query(
        &format!("SELECT {COLUMNS} FROM groups ORDER BY id LIMIT ? OFFSET ?"),
        &[limit.into(), offset.into()],
        from_row,
    )?)
}

pub fn count(db: &Db) -> Result<i64> {
    Ok(db
        .query_i64("SELECT count(*) FROM groups", &[])?
        .unwrap_or(0))
}

/// A group's fields as given; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_default: Option<bool>,
}

/// Making a group the default takes the mark from the previous one first (caller's transaction),
/// so the partial UNIQUE index never sees two.
fn take_default(db: &Db, now: Millis, is_default: Option<bool>) -> Result<()> {
    if is_default == Some(true) {
        db.execute(
            "UPDATE groups SET is_default = 0, updated_at = ? WHERE is_default = 1",
            &[now.into()],
        )?;
    }
    Ok(())
}

/// Creates a group (caller's transaction). A taken name is the caller's constraint error.
pub fn create(db: &Db, now: Millis, name: &str, changes: &Changes) -> Result<Group> {
    take_default(db, now, changes.is_default)?;
    let id = db
        .query_i64(
            "INSERT INTO groups (name, description, is_default, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?) RETURNING id",
            &[
                name.into(),
                changes.description.clone().unwrap_or_default().into(),
                changes.is_default.unwrap_or(false).into(),
                now.into(),
                now.into(),
            ],
        )?
        .ok_or_else(|| Error::corrupt("insert returned no group id"))?;
    by_id(db, id)?.ok_or(Error::NotFound("group"))
}

pub fn update(db: &Db, now: Millis, id: i64, changes: &Changes) -> Result<Group> {
    by_id(db, id)?.ok_or(Error::NotFound("group"))?;
    take_default(db, now, changes.is_default)?;
    db.execute(
        "UPDATE groups SET name = coalesce(?, name), description = coalesce(?, description),
                           is_default = coalesce(?, is_default), updated_at = ?
         WHERE id = ?",
        &[
            changes.name.clone().into(),
            changes.description.clone().into(),
            changes.is_default.into(),
            now.into(),
            id.into(),
        ],
    )?;
    by_id(db, id)?.ok_or(Error::NotFound("group"))
}

/// Deletes a group. Its tickets move to the default group (keeping their place in the queue),
/// or leave every group and queue when there is none; memberships go with the group.
pub fn delete(db: &Db, id: i64) -> Result<()> {
    let fallback = default_group(db)?.map(|g| g.id).filter(|g| *g != id);
    match fallback {
        Some(default) => db.execute(
            "UPDATE tickets SET group_id = ? WHERE group_id = ?",
            &[default.into(), id.into()],
        )?,
        None => db.execute(
            "UPDATE tickets SET group_id = NULL, queued_at = NULL WHERE group_id = ?",
            &[id.into()],
        )?,
    };
    db.execute("DELETE FROM groups WHERE id = ?", &[id.into()])?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub id: i64,
    pub user_id: i64,
    pub group_id: i64,
    pub created_at: Millis,
}

fn membership_from_row(r: &Row) -> Result<Membership, SqlError> {
    Ok(Membership {
        id: r.i64("id")?,
        user_id: r.i64("user_id")?,
        group_id: r.i64("group_id")?,
        created_at: r.i64("created_at")?,
    })
}

pub fn membership(db: &Db, id: i64) -> Result<Option<Membership>> {
    Ok(db.query_opt(
        "SELECT id, user_id, group_id, created_at FROM group_memberships WHERE id = ?",
        &[id.into()],
        membership_from_row,
    )?)
}

/// Memberships, by id: of one group, of one user, or all; `limit` from `offset`, and how many
/// there are in all.
pub fn memberships(
    db: &Db,
    group_id: Option<i64>,
    user_id: Option<i64>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Membership>, i64)> {
    let filter = "(? IS NULL OR group_id = ?) AND (? IS NULL OR user_id = ?)";
    let params = [
        group_id.into(),
        group_id.into(),
        user_id.into(),
        user_id.into(),
    ];
    let count = db
        .query_i64(
            &format!("SELECT count(*) FROM group_memberships WHERE {filter}"),
            &params,
        )?
        .unwrap_or(0);
    let mut paged = params.to_vec();
    paged.push(limit.into());
    paged.push(offset.into());
    let list = db.query(
        &format!(
            "SELECT id, user_id, group_id, created_at FROM group_memberships WHERE {filter}
             ORDER BY id LIMIT ? OFFSET ?"
        ),
        &paged,
        membership_from_row,
    )?;
    Ok((list, count))
}

/// Adds a member (caller's transaction); the UNIQUE (user_id, group_id) refuses a second time.
pub fn add_member(db: &Db, now: Millis, user_id: i64, group_id: i64) -> Result<Membership> {
    let id = db
        .query_i64(
            "INSERT INTO group_memberships (user_id, group_id, created_at) VALUES (?, ?, ?)
             RETURNING id",
            &[user_id.into(), group_id.into(), now.into()],
        )?
        .ok_or_else(|| Error::corrupt("insert returned no membership id"))?;
    membership(db, id)?.ok_or(Error::NotFound("group membership"))
}

pub fn remove_member(db: &Db, id: i64) -> Result<bool> {
    let removed = db.query_i64(
        "DELETE FROM group_memberships WHERE id = ? RETURNING id",
        &[id.into()],
    )?;
    Ok(removed.is_some())
}

pub fn is_member(db: &Db, user_id: i64, group_id: i64) -> Result<bool> {
    Ok(db
        .query_i64(
            "SELECT count(*) FROM group_memberships WHERE user_id = ? AND group_id = ?",
            &[user_id.into(), group_id.into()],
        )?
        .unwrap_or(0)
        > 0)
}

/// The ids of the groups `user_id` belongs to.
pub fn of_user(db: &Db, user_id: i64) -> Result<Vec<i64>> {
    Ok(db.query(
        "SELECT group_id FROM group_memberships WHERE user_id = ? ORDER BY group_id",
        &[user_id.into()],
        |r| r.i64("group_id"),
    )?)
}
