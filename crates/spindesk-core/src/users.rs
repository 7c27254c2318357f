//! People: customers ('end-user') and staff ('agent', 'admin'), and the channel identities that
//! tie a customer's accounts (a widget device, a WhatsApp number, ...) to one user.

pub mod erasure;
pub mod identities;
pub mod merge;
pub mod presence;

use crate::email::Email;
use crate::error::{Error, Result};
use crate::ids::new_public_id;
use crate::ports::{Millis, Random, SqlError};
use crate::store::{Db, Row};

/// What a person is to Spindesk: a customer (Zendesk's `end-user`) or staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Role {
    #[serde(rename = "end-user")]
    EndUser,
    #[serde(rename = "agent")]
    Agent,
    #[serde(rename = "admin")]
    Admin,
}

impl Role {
    pub const STAFF: [Role; 2] = [Role::Agent, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::EndUser => "end-user",
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        [Role::EndUser, Role::Agent, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == raw)
    }

    pub fn is_staff(self) -> bool {
        self != Role::EndUser
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub public_id: String,
    pub role: Role,
    pub name: String,
    pub email: Option<String>,
    pub external_id: Option<String>,
    pub locale: String,
    /// The phone an agent entered (`PUT /api/v2/users/{id}`); the channel's number otherwise
    /// (see [`phones`]).
    pub phone: Option<String>,
    pub notes: String,
    pub tags: Vec<String>,
    /// A deactivated staff member's tokens stop working.
    pub active: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// The columns a [`User`] is read from (see [`crate::store::qualified`] for a join).
pub const COLUMNS: &str = "id, public_id, role, name, email, external_id, locale, phone, \
                           notes, tags, active, created_at, updated_at";

/// The user in a row (or [`Row::part`]) that lists their [`COLUMNS`].
pub fn from_row(r: &Row) -> Result<User, SqlError> {
    Ok(User {
        id: r.i64("id")?,
        public_id: r.string("public_id")?,
        role: {
            let raw = r.string("role")?;
            Role::parse(&raw)
                .ok_or_else(|| Row::invalid("role", format!("unknown role {raw:?}")))?
        },
        name: r.string("name")?,
        email: r.opt_string("email")?,
        external_id: r.opt_string("external_id")?,
        locale: r.string("locale")?,
        phone: r.opt_string("phone")?,
        notes: r.string("notes")?,
        tags: serde_json::from_str(&r.string("tags")?).unwrap_or_default(),
        active: r.bool("active")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    })
}

pub fn by_id(db: &Db, id: i64) -> Result<Option<User>> {
    Ok(db.query_opt(
        &format!("SELECT {COLUMNS} FROM users WHERE id = ?"),
        &[id.into()],
        from_row,
    )?)
}

/// The users with these ids, in id order; unknown ids are skipped.
/// The phone numbers (E.164, `+8210...`) of these users, from the WhatsApp or SMS accounts they
/// wrote from: Zendesk's user `phone`. A user with several has their first.
pub fn phones(db: &Db, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let marks = vec!["?"; ids.len()].join(", ");
    let params: Vec<crate::ports::Value> = ids.iter().map(|id| (*id).into()).collect();
    let rows = db.query(
        &format!(
            "SELECT user_id, address FROM identities \
             WHERE channel IN ('whatsapp', 'sms') AND verified = 1 AND user_id IN ({marks}) ORDER BY id"
        ),
        &params,
        |r| Ok((r.i64("user_id")?, r.string("address")?)),
    )?;
    for (user_id, address) in rows {
        // WhatsApp ids are the number's digits; Twilio sends E.164 with its `+`.
        let number = format!("+{}", address.trim_start_matches('+'));
        out.entry(user_id).or_insert(number);
    }
    Ok(out)
}

pub fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<User>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; ids.len()].join(", ");
    let params: Vec<crate::ports::Value> = ids.iter().map(|id| (*id).into()).collect();
    Ok(db.query(
        &format!("SELECT {COLUMNS} FROM users WHERE id IN ({marks}) ORDER BY id"),
        &params,
        from_row,
    )?)
}

/// What we know of a new customer.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub name: Option<String>,
    pub email: Option<String>,
    pub locale: Option<String>,
}

/// The customer [`create_customer`] is about to make of `profile`, not stored (no id, no
/// public id, and the channel's placeholder name left empty: it is drawn with the public id):
/// what the bot's answer to their first message is worked out for before the write
/// ([`crate::switchboard::prepare_first`]), which compares it with the customer then created.
pub fn unsaved_customer(profile: &Profile, now: Millis) -> User {
    User {
        id: 0,
        public_id: String::new(),
        role: Role::EndUser,
        name: profile.name.clone().unwrap_or_default(),
        email: profile.email.clone(),
        external_id: None,
        locale: locale_of(profile),
        phone: None,
        notes: String::new(),
        tags: Vec::new(),
        active: true,
        created_at: now,
        updated_at: now,
    }
}

/// A new customer's language: the channel's, else English.
fn locale_of(profile: &Profile) -> String {
    profile.locale.clone().unwrap_or_else(|| "en-US".to_owned())
}

/// Creates a customer with an identity on `channel`. Runs inside the caller's transaction.
pub fn create_customer(
    db: &Db,
    random: &dyn Random,
    now: Millis,
    channel: &str,
    address: &str,
    profile: &Profile,
) -> Result<User> {
    let public_id = new_public_id(random);
    let name = profile
        .name
        .clone()
        .unwrap_or_else(|| default_name(channel, &public_id));
    let locale = locale_of(profile);
    let user = db
        .query_opt(
            &format!(
                "INSERT INTO users (public_id, role, name, email, locale, created_at, updated_at)
                 VALUES (?, 'end-user', ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
            ),
            &[
                public_id.into(),
                name.into(),
                profile.email.clone().into(),
                locale.into(),
                now.into(),
                now.into(),
            ],
            from_row,
        )?
        .ok_or_else(|| Error::corrupt("insert returned no user"))?;
    db.execute(
        "INSERT INTO identities (user_id, channel, address, created_at) VALUES (?, ?, ?, ?)",
        &[user.id.into(), channel.into(), address.into(), now.into()],
    )?;
    Ok(user)
}

/// "Web visitor 3f2a" until the customer tells us their name.
fn default_name(channel: &str, public_id: &str) -> String {
    let short = &public_id[..public_id.len().min(4)];
    match channel {
        "web" => format!("Web visitor {short}"),
        other => format!("{other} user {short}"),
    }
}

/// Creates a staff member. The partial UNIQUE index on staff emails refuses duplicates.
pub fn create_staff(
    db: &Db,
    random: &dyn Random,
    now: Millis,
    role: Role,
    name: &str,
    email: &Email,
) -> Result<User> {
    let public_id = new_public_id(random);
    let id = db
        .query_i64(
            "INSERT INTO users (public_id, role, name, email, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                public_id.into(),
                role.as_str().into(),
                name.into(),
                email.as_str().into(),
                now.into(),
                now.into(),
            ],
        )?
        .ok_or_else(|| Error::corrupt("insert returned no id"))?;
    by_id(db, id)?.ok_or(Error::NotFound("user"))
}

pub fn staff(db: &Db) -> Result<Vec<User>> {
    Ok(db.query(
        &format!("SELECT {COLUMNS} FROM users WHERE role <> 'end-user' ORDER BY id"),
        &[],
        from_row,
    )?)
}

/// Fills in a customer's name from what the bot asked them at hand-off, and keeps the e-mail
/// address they typed as an unverified identity: anyone can type anyone's address, so it never
/// becomes their e-mail (`users.email`, the bot's `customer.email`) nor links accounts (staff
/// are never changed this way).
pub fn complete_profile(
    db: &Db,
    now: Millis,
    user_id: i64,
    name: Option<&str>,
    email: Option<&str>,
) -> Result<()> {
    if let Some(name) = name {
        db.execute(
            "UPDATE users SET name = ?, updated_at = ? WHERE id = ? AND role = 'end-user'",
            &[name.into(), now.into(), user_id.into()],
        )?;
    }
    let customer = by_id(db, user_id)?.is_some_and(|u| u.role == Role::EndUser);
    if let (Some(email), true) = (email, customer) {
        // The form validated it as an address; kept as typed, lower-cased domain.
        let address = Email::parse(email).map_or_else(|| email.to_owned(), Email::into_string);
        identities::add_unverified(db, now, user_id, "email", &address)?;
    }
    Ok(())
}

/// The language a phone number suggests, for channels that send no language: Korean numbers
/// (+82) get Korean; anything else stays unknown (the bot's default).
pub fn locale_for_phone(number: &str) -> Option<String> {
    number
        .trim_start_matches('+')
        .starts_with("82")
        .then(|| "ko-KR".to_owned())
}

/// A page of users with any of `roles` (every role when empty), in id order, and how many
/// there are in all.
pub fn list(db: &Db, roles: &[Role], offset: i64, limit: i64) -> Result<(i64, Vec<User>)> {
    let (filter, mut params) = if roles.is_empty() {
        (String::new(), Vec::new())
    } else {
        let marks = vec!["?"; roles.len()].join(", ");
        let params: Vec<crate::ports::Value> = roles.iter().map(|r| r.as_str().into()).collect();
        (format!("WHERE role IN ({marks})"), params)
    };
    let count = db
        .query_i64(&format!("SELECT count(*) FROM users {filter}"), &params)?
        .unwrap_or(0);
    params.push(limit.into());
    params.push(offset.into());
    let users = db.query(
        &format!("SELECT {COLUMNS} FROM users {filter} ORDER BY id LIMIT ? OFFSET ?"),
        &params,
        from_row,
    )?;
    Ok((count, users))
}

/// The ids of the users with the email bound twice (`?`, `?`): customers and staff, each through
/// its own partial index on `email` (`users_email`, `users_staff_email`). A plain `email = ?`
/// can use neither (SQLite uses a partial index only when the query says its `WHERE`) and
/// reads every user.
pub const IDS_BY_EMAIL: &str = "SELECT id FROM users WHERE email = ? AND role = 'end-user' \
     UNION ALL SELECT id FROM users WHERE email = ? AND role <> 'end-user'";

/// The customer with this email (emails compare without case), the oldest if several.
pub fn end_user_by_email(db: &Db, email: &Email) -> Result<Option<User>> {
    Ok(db.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM users WHERE role = 'end-user' AND email = ? ORDER BY id LIMIT 1"
        ),
        &[email.as_str().into()],
        from_row,
    )?)
}

/// A customer known only by name and email (a ticket filed through the API): no channel
/// identity until they write on one.
pub fn create_end_user(
    db: &Db,
    random: &dyn Random,
    now: Millis,
    name: &str,
    email: &Email,
) -> Result<User> {
    let id = db
        .query_i64(
            "INSERT INTO users (public_id, role, name, email, created_at, updated_at)
             VALUES (?, 'end-user', ?, ?, ?, ?) RETURNING id",
            &[
                new_public_id(random).into(),
                name.into(),
                email.as_str().into(),
                now.into(),
                now.into(),
            ],
        )?
        .ok_or_else(|| Error::corrupt("insert returned no id"))?;
    by_id(db, id)?.ok_or(Error::NotFound("user"))
}

/// The fields `PUT /api/v2/users/{id}` changes; `None` leaves one as it is, `Some(None)`
/// clears it. Checked by the caller.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub notes: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// Writes `update` (caller's transaction; the staff email index refuses a taken email).
pub fn update_profile(db: &Db, now: Millis, id: i64, update: &ProfileUpdate) -> Result<()> {
    let tags = update
        .tags
        .as_ref()
        .map(|t| serde_json::to_string(t).map_err(Error::corrupt))
        .transpose()?;
    // `coalesce(?, col)` keeps a column the update doesn't name; the `*_set` flags let an
    // explicit null clear email and phone.
    db.execute(
        "UPDATE users SET name = coalesce(?, name),
                          email = CASE WHEN ? THEN ? ELSE email END,
                          phone = CASE WHEN ? THEN ? ELSE phone END,
                          notes = coalesce(?, notes),
                          tags = coalesce(?, tags),
                          updated_at = ?
         WHERE id = ?",
        &[
            update.name.clone().into(),
            update.email.is_some().into(),
            update.email.clone().flatten().into(),
            update.phone.is_some().into(),
            update.phone.clone().flatten().into(),
            update.notes.clone().into(),
            tags.into(),
            now.into(),
            id.into(),
        ],
    )?;
    Ok(())
}

/// Whether a staff member other than `except` has this email.
pub fn staff_email_taken(db: &Db, email: &str, except: i64) -> Result<bool> {
    Ok(db
        .query_i64(
            "SELECT id FROM users WHERE role <> 'end-user' AND email = ? AND id <> ? LIMIT 1",
            &[email.into(), except.into()],
        )?
        .is_some())
}
