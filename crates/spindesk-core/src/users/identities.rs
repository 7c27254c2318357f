//! A customer's identities: the accounts and addresses they are known by (`web` devices,
//! `whatsapp` numbers, `telegram` chats, `email` addresses), each verified or not.
//!
//! Verified identities are facts someone vouches for: the channel that delivered a message
//! from the account, the site's signed identity token (its `external_id`, its e-mail when
//! `email_verified`), the e-mail channel receiving mail from an address. They are unique per
//! (channel, address) — a partial UNIQUE index decides — so they link one person across
//! channels. Unverified ones are what a customer merely said (an address typed into a bot
//! form): kept and shown to agents as such, unique only per user (two customers may type the
//! same address), and never used as the customer's e-mail (`users.email`, the bot's
//! `customer.email`) nor to link anyone.

use crate::email::Email;
use crate::error::Result;
use crate::ports::{Millis, SqlError};
use crate::store::{Db, Row};

/// One identity of a user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Identity {
    pub id: i64,
    pub user_id: i64,
    /// `web`, `whatsapp`, `telegram`, `email`, ...
    pub channel: String,
    pub address: String,
    pub verified: bool,
    /// The user's main identity of this channel: the oldest verified one (or, with none
    /// verified, the oldest).
    pub primary: bool,
    pub created_at: Millis,
}

fn from_row(r: &Row) -> Result<Identity, SqlError> {
    Ok(Identity {
        id: r.i64("id")?,
        user_id: r.i64("user_id")?,
        channel: r.string("channel")?,
        address: r.string("address")?,
        verified: r.bool("verified")?,
        primary: false,
        created_at: r.i64("created_at")?,
    })
}

/// Every identity of `user_id`, verified first, oldest first within each channel.
pub fn of_user(db: &Db, user_id: i64) -> Result<Vec<Identity>> {
    let mut identities = db.query(
        "SELECT id, user_id, channel, address, verified, created_at FROM identities
         WHERE user_id = ? ORDER BY verified DESC, id",
        &[user_id.into()],
        from_row,
    )?;
    let mut seen: Vec<String> = Vec::new();
    for identity in &mut identities {
        if !seen.contains(&identity.channel) {
            seen.push(identity.channel.clone());
            identity.primary = true;
        }
    }
    identities.sort_by_key(|i| i.id);
    Ok(identities)
}

/// What linking a verified e-mail address did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// The address is now a verified identity of the user.
    Linked,
    /// It already was.
    Already,
    /// Another user holds it verified: the two are one person. Nothing changed; joining them
    /// is [`crate::users::merge::merge_customers`] (an agent's decision, or the sign-in's).
    HeldBy(i64),
}

/// Records that `address` is proven to be `user_id`'s (the site's token said
/// `email_verified`, or the e-mail channel received mail from it) — caller's transaction. The
/// user's e-mail (`users.email`, the bot's `customer.email`) becomes it when they had none,
/// and a claim of the same address (unverified) is now the verified identity.
pub fn link_verified_email(db: &Db, now: Millis, user_id: i64, address: &Email) -> Result<Link> {
    let address = address.to_lowercase();
    let holder = db.query_i64(
        "SELECT user_id FROM identities WHERE channel = 'email' AND address = ? AND verified = 1",
        &[address.as_str().into()],
    )?;
    match holder {
        Some(holder) if holder == user_id => return Ok(Link::Already),
        Some(holder) => return Ok(Link::HeldBy(holder)),
        None => {}
    }
    // A claim of the same address becomes verified in place (UNIQUE (user_id, channel,
    // address) allows one row); otherwise a new row.
    db.execute(
        "INSERT INTO identities (user_id, channel, address, verified, created_at)
         VALUES (?, 'email', ?, 1, ?)
         ON CONFLICT (user_id, channel, address) DO UPDATE SET verified = 1",
        &[user_id.into(), address.as_str().into(), now.into()],
    )?;
    db.execute(
        "UPDATE users SET email = ?, updated_at = ?
         WHERE id = ? AND role = 'end-user' AND email IS NULL",
        &[address.as_str().into(), now.into(), user_id.into()],
    )?;
    Ok(Link::Linked)
}

/// The user's verified e-mail address, if they have one: where e-mail for them may go. An
/// address only typed into a form is not one.
pub fn verified_email(db: &Db, user_id: i64) -> Result<Option<String>> {
    Ok(db.query_opt(
        "SELECT address FROM identities
         WHERE user_id = ? AND channel = 'email' AND verified = 1 ORDER BY id LIMIT 1",
        &[user_id.into()],
        |r| r.string("address"),
    )?)
}

/// Keeps what a customer said their address is (a bot form's answer) as an unverified
/// identity of theirs; nothing when they already have it. Caller's transaction.
pub fn add_unverified(
    db: &Db,
    now: Millis,
    user_id: i64,
    channel: &str,
    address: &str,
) -> Result<()> {
    db.execute(
        "INSERT INTO identities (user_id, channel, address, verified, created_at)
         VALUES (?, ?, ?, 0, ?) ON CONFLICT (user_id, channel, address) DO NOTHING",
        &[user_id.into(), channel.into(), address.into(), now.into()],
    )?;
    Ok(())
}

/// Moves every identity of `from` to `into` (a merge; caller's transaction). A verified
/// identity `into` only claimed replaces the claim; a claim `into` already has is dropped.
pub fn move_all(db: &Db, from: i64, into: i64) -> Result<()> {
    // Claims of `into` that `from` has verified give way to the verified row.
    db.execute(
        "DELETE FROM identities WHERE user_id = ?2 AND verified = 0 AND (channel, address) IN
             (SELECT channel, address FROM identities WHERE user_id = ?1 AND verified = 1)",
        &[from.into(), into.into()],
    )?;
    // Then whatever `into` does not have yet moves; the rest (duplicates) goes.
    db.execute(
        "UPDATE identities SET user_id = ?2 WHERE user_id = ?1 AND (channel, address) NOT IN
             (SELECT channel, address FROM identities WHERE user_id = ?2)",
        &[from.into(), into.into()],
    )?;
    db.execute("DELETE FROM identities WHERE user_id = ?", &[from.into()])?;
    Ok(())
}
