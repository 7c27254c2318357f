//! Where bots are kept: the draft the admin edits, the published versions, and which one is
//! live. Every function runs inside the caller's transaction.
//!
//! Documents are stored with their secret header values sealed and read back opened
//! ([`super::secrets`]): the [`Bot`] these functions take and return holds the real values.

use super::model::{Bot, Step};
use super::phrases::PhraseIndex;
use super::secrets;
use super::starter::starter_bot;
use super::validate::{validate, Catalog, Problem};
use crate::error::{Error, Result};
use crate::ports::SqlError;
use crate::ports::{Millis, Random};
use crate::store::{Db, Row};
use crate::vault::Vault;
use serde::Serialize;

/// A published version, for listings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionInfo {
    pub version: i64,
    pub note: String,
    pub published_at: Millis,
    pub live: bool,
}

fn parse(document: &str, vault: &Vault) -> Result<Bot> {
    // Stored documents were validated on save; one that no longer parses is our bug.
    let mut bot: Bot = serde_json::from_str(document)
        .map_err(|e| Error::corrupt(format!("stored bot does not parse: {e}")))?;
    secrets::open(&mut bot, vault)?;
    Ok(bot)
}

/// The document as stored: secret header values sealed.
fn to_json(bot: &Bot, vault: &Vault, random: &dyn Random) -> Result<String> {
    serde_json::to_string(&secrets::sealed(bot, vault, random)).map_err(Error::corrupt)
}

/// The bot conversations run: the live version, or the starter bot on a fresh install.
pub fn live(db: &Db, vault: &Vault) -> Result<Bot> {
    let document = db.query_opt(
        "SELECT v.document FROM bot_live l JOIN bot_versions v ON v.version = l.version",
        &[],
        |r| r.string("document"),
    )?;
    document.map_or_else(|| Ok(starter_bot()), |d| parse(&d, vault))
}

/// The live bot with its analysed training phrases.
pub struct Live {
    pub bot: Bot,
    pub phrases: PhraseIndex,
    /// The published version; `None` for the starter bot of a fresh install.
    pub version: Option<i64>,
}

/// Keeps a version's [`PhraseIndex`] beside its document (`bot_versions.phrases`).
fn store_phrases(db: &Db, version: i64, phrases: &PhraseIndex) -> Result<()> {
    db.execute(
        "UPDATE bot_versions SET phrases = ? WHERE version = ?",
        &[phrases.to_json().into(), version.into()],
    )?;
    Ok(())
}

/// The live version's columns for a read that brings the live bot along with what it reads
/// anyway (the widget's session, a channel's sender): [`LIVE_JOIN`] in its `FROM`, these among
/// its columns, [`LiveRow::from_row`] on its row. One host round trip fewer on Spin, and the
/// bot is then as live as the rest of that read.
pub const LIVE_COLUMNS: &str =
    "live_v.version AS live_version, live_v.document AS live_document, live_v.phrases AS live_phrases";
/// The joins of [`LIVE_COLUMNS`]: `bot_live` has one row at most (`id = 1`).
pub const LIVE_JOIN: &str = "LEFT JOIN bot_live live_l ON live_l.id = 1 \
    LEFT JOIN bot_versions live_v ON live_v.version = live_l.version";

/// The live version as read: its number, document and stored phrase index; `None` before the
/// first publish (the starter bot).
#[derive(Debug, Clone, PartialEq)]
pub struct LiveRow(Option<(i64, String, Option<String>)>);

impl LiveRow {
    /// From a row with [`LIVE_COLUMNS`].
    pub fn from_row(r: &Row) -> std::result::Result<LiveRow, SqlError> {
        Ok(LiveRow(match r.opt_i64("live_version")? {
            Some(version) => Some((
                version,
                r.string("live_document")?,
                r.opt_string("live_phrases")?,
            )),
            None => None,
        }))
    }
}

/// [`live`] with the phrase index stored when the version was published. A version without one
/// (published before indexes were stored) or with one the current analysis no longer fits gets
/// it built and stored now, once.
pub fn live_with_phrases(db: &Db, vault: &Vault) -> Result<Live> {
    let row = db.query_opt(
        &format!("SELECT {LIVE_COLUMNS} FROM (SELECT 1) {LIVE_JOIN}"),
        &[],
        LiveRow::from_row,
    )?;
    live_from(db, vault, row.unwrap_or(LiveRow(None)))
}

/// [`live_with_phrases`] from a row read with the caller's ([`LIVE_COLUMNS`]).
pub fn live_from(db: &Db, vault: &Vault, row: LiveRow) -> Result<Live> {
    let Some((version, document, stored)) = row.0 else {
        let bot = starter_bot();
        let phrases = PhraseIndex::build(&bot);
        return Ok(Live {
            bot,
            phrases,
            version: None,
        });
    };
    let bot = parse(&document, vault)?;
    let stored = stored
        .as_deref()
        .and_then(PhraseIndex::from_json)
        .filter(|p| p.fits(&bot));
    let phrases = match stored {
        Some(phrases) => phrases,
        None => {
            let phrases = PhraseIndex::build(&bot);
            store_phrases(db, version, &phrases)?;
            phrases
        }
    };
    Ok(Live {
        bot,
        phrases,
        version: Some(version),
    })
}

pub fn live_version(db: &Db) -> Result<Option<i64>> {
    Ok(db.query_i64("SELECT version FROM bot_live WHERE id = 1", &[])?)
}

/// The draft and its revision; before the first save, the live bot at revision 0.
pub fn draft(db: &Db, vault: &Vault) -> Result<(Bot, i64)> {
    let row = db.query_opt(
        "SELECT document, revision FROM bot_draft WHERE id = 1",
        &[],
        |r| Ok((r.string("document")?, r.i64("revision")?)),
    )?;
    match row {
        Some((document, revision)) => Ok((parse(&document, vault)?, revision)),
        None => Ok((live(db, vault)?, 0)),
    }
}

/// Saves the draft, which the caller has validated; returns the new revision.
pub fn save_draft(
    db: &Db,
    now: Millis,
    bot: &Bot,
    vault: &Vault,
    random: &dyn Random,
) -> Result<i64> {
    db.query_i64(
        "INSERT INTO bot_draft (id, document, revision, updated_at) VALUES (1, ?, 1, ?)
         ON CONFLICT (id) DO UPDATE SET document = excluded.document,
             revision = bot_draft.revision + 1, updated_at = excluded.updated_at
         RETURNING revision",
        &[to_json(bot, vault, random)?.into(), now.into()],
    )?
    .ok_or_else(|| Error::corrupt("draft upsert returned no revision"))
}

/// Why publishing failed.
#[derive(Debug)]
pub enum PublishError {
    Invalid(Vec<Problem>),
    Store(Error),
}

impl<E: Into<Error>> From<E> for PublishError {
    fn from(e: E) -> Self {
        PublishError::Store(e.into())
    }
}

/// Freezes the draft as the next version and makes it live.
/// `actions` is what the actions component lists now: a `run_action` step is checked against
/// it like a transfer step against the groups.
pub fn publish(
    db: &Db,
    now: Millis,
    note: &str,
    actions: &Catalog,
    vault: &Vault,
    random: &dyn Random,
) -> Result<i64, PublishError> {
    let (bot, _) = draft(db, vault)?;
    let mut problems = validate(&bot, actions);
    problems.extend(unknown_groups(db, &bot)?);
    if !problems.is_empty() {
        return Err(PublishError::Invalid(problems));
    }
    let version = db
        .query_i64(
            "INSERT INTO bot_versions (version, document, note, published_at)
             VALUES ((SELECT coalesce(max(version), 0) + 1 FROM bot_versions), ?, ?, ?)
             RETURNING version",
            &[
                to_json(&bot, vault, random)?.into(),
                note.into(),
                now.into(),
            ],
        )?
        .ok_or_else(|| Error::corrupt("version insert returned nothing"))?;
    store_phrases(db, version, &PhraseIndex::build(&bot))?;
    make_live(db, now, version)?;
    Ok(version)
}

/// Transfer steps naming a group that does not exist (now): a bot published with one would
/// silently route to the default group.
fn unknown_groups(db: &Db, bot: &Bot) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    for (ai, answer) in bot.answers.iter().enumerate() {
        for (si, step) in answer.steps.iter().enumerate() {
            let Step::TransferToAgent {
                id,
                group: Some(group),
                ..
            } = step
            else {
                continue;
            };
            let known = db
                .query_i64(
                    "SELECT count(*) FROM groups WHERE name = ?",
                    &[group.trim().into()],
                )?
                .unwrap_or(0)
                > 0;
            if !known {
                problems.push(Problem {
                    path: format!("answers[{ai}].steps[{si}].group"),
                    answer: Some(answer.id.clone()),
                    step: Some(id.clone()),
                    code: "unknown_group",
                    message: format!("there is no group named {group:?}"),
                });
            }
        }
    }
    Ok(problems)
}

/// Makes an earlier (or any) published version live again. `false` if there is no such version.
pub fn roll_back(db: &Db, now: Millis, version: i64) -> Result<bool> {
    let exists = db
        .query_i64(
            "SELECT count(*) FROM bot_versions WHERE version = ?",
            &[version.into()],
        )?
        .unwrap_or(0)
        > 0;
    if exists {
        make_live(db, now, version)?;
    }
    Ok(exists)
}

fn make_live(db: &Db, now: Millis, version: i64) -> Result<()> {
    db.execute(
        "INSERT INTO bot_live (id, version, changed_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, changed_at = excluded.changed_at",
        &[version.into(), now.into()],
    )?;
    Ok(())
}

pub fn version(db: &Db, version: i64, vault: &Vault) -> Result<Option<Bot>> {
    db.query_opt(
        "SELECT document FROM bot_versions WHERE version = ?",
        &[version.into()],
        |r| r.string("document"),
    )?
    .map(|d| parse(&d, vault))
    .transpose()
}

/// Newest first.
pub fn versions(db: &Db) -> Result<Vec<VersionInfo>> {
    let live = live_version(db)?;
    Ok(db.query(
        "SELECT version, note, published_at FROM bot_versions ORDER BY version DESC LIMIT 100",
        &[],
        |r| {
            let version = r.i64("version")?;
            Ok(VersionInfo {
                version,
                note: r.string("note")?,
                published_at: r.i64("published_at")?,
                live: live == Some(version),
            })
        },
    )?)
}
