//! The media-fetch queue: a customer's file sent on a channel is fetched from the vendor after
//! the webhook was acknowledged, and retried with backoff by the drain when that fails.
//!
//! At receive time, in the message's transaction, the file gets a pending attachment (the
//! agent sees "[image]" with a file on its way, never nothing) and a row here that keeps the
//! vendor's reference ([`MediaRef`]: ids and URLs the customer and agent never see). The
//! channels component fetches the rows its webhook queued once it has answered; the drain
//! route takes up the rest. A row is claimed (`pending`/`failed` -> `fetching`) by one UPDATE
//! before the vendor is asked, so two instances never fetch the same file at once; unlike an
//! outbox send, a fetch interrupted mid-way is simply due again (a GET changes nothing).
//!
//! A fetch reads at most the attachment limit + 1 byte of the body (`Outbound::send_capped`),
//! follows a few redirects (Twilio answers with its CDN), and stores the bytes through
//! [`attachments::fill_pending`], which types them by their magic bytes. Timeouts, 408, 429 and
//! the vendor's 5xx are retried; the rest fail the file at once. A file given up on is marked
//! failed; its message stays.

use super::channel::excerpt;
use super::integrations::{self, Integration};
use super::media::{origin, MediaRef, MediaStep};
use crate::attachments::{self, AttachmentError, Uploader};
use crate::error::{Error, Result};
use crate::ports::{Env, Millis, OutboundError, SqlError};
use crate::retry::{backoff_ms, Budget, DueRows, CLAIM_LEASE_MS};
use crate::store::{Db, Row};
use crate::vault::{Vault, VaultError};
use std::collections::VecDeque;
use std::time::Duration;

/// Attempts after which a file is given up (`dead`, its attachment `failed`).
pub const MAX_ATTEMPTS: i64 = 6;
/// Redirects followed per download.
const MAX_REDIRECTS: usize = 3;
/// A lookup's answer (a JSON document naming the file) is small.
const LOOKUP_MAX_BYTES: usize = 64 * 1024;

/// A row's states: `pending` (due at `next_attempt_at`), `fetching` (claimed), `stored`,
/// `failed` (to be retried), `dead` (given up; its attachment is `failed`).
pub const STATUSES: [&str; 5] = ["pending", "fetching", "stored", "failed", "dead"];

#[derive(Debug, Clone, PartialEq)]
pub struct Fetch {
    pub id: i64,
    pub integration_id: Option<i64>,
    pub attachment: String,
    pub media: MediaRef,
    pub attempts: i64,
}

const COLUMNS: &str = "id, integration_id, attachment_public_id, media, attempts";

fn from_row(r: &Row) -> Result<Fetch, SqlError> {
    let media = r.string("media")?;
    Ok(Fetch {
        id: r.i64("id")?,
        integration_id: r.opt_i64("integration_id")?,
        attachment: r.string("attachment_public_id")?,
        media: serde_json::from_str(&media)
            .map_err(|e| Row::invalid("media", format!("not a media reference: {e}")))?,
        attempts: r.i64("attempts")?,
    })
}

/// Inside the transaction that stores customer message `message_id` carrying `media`: its
/// pending attachment, linked to the message, and the row that will fetch it. Returns the
/// row's id, for the fetch right after the answer.
pub fn queue(
    env: &Env,
    db: &Db,
    integration: &Integration,
    conversation_id: i64,
    message_id: i64,
    media: &MediaRef,
) -> Result<i64> {
    let pending = attachments::create_pending(
        env,
        db,
        conversation_id,
        Uploader::Channel,
        &media.file_name(),
    )
    .map_err(attachment_error)?;
    attachments::attach_to_message(
        db,
        conversation_id,
        message_id,
        Uploader::Channel,
        std::slice::from_ref(&pending.public_id),
    )
    .map_err(attachment_error)?;
    let now = env.clock.now_ms();
    let media = serde_json::to_string(media).map_err(|e| Error::Invalid(e.to_string()))?;
    db.query_i64(
        "INSERT INTO media_fetches (integration_id, attachment_public_id, media, next_attempt_at,
                                    created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        &[
            integration.id.into(),
            pending.public_id.into(),
            media.into(),
            now.into(),
            now.into(),
            now.into(),
        ],
    )?
    .ok_or_else(|| Error::Invalid("the media fetch was not queued".into()))
}

fn attachment_error(e: AttachmentError) -> Error {
    match e {
        AttachmentError::Sql(e) => Error::Sql(e),
        other => Error::Invalid(other.to_string()),
    }
}

/// How one fetch went.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Stored,
    /// Worth another attempt later.
    Retry(String),
    /// Trying again will not help: the file is given up.
    Give(String),
}

/// What a round of fetches did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub attempted: i64,
    pub stored: i64,
    /// Failed and scheduled for another attempt.
    pub failed: i64,
    /// Given up: the attachment is marked failed.
    pub dead: i64,
}

/// Where a round takes its rows from.
enum Rows {
    /// The rows a webhook just queued, in their order.
    Ids(VecDeque<i64>),
    /// The drain's: the most overdue due rows.
    Due(DueRows),
}

impl Rows {
    /// The next row claimed, at most `left` more wanted.
    fn next(&mut self, db: &Db, now: Millis, left: i64) -> Result<Option<Fetch>> {
        match self {
            Rows::Ids(ids) => {
                while let Some(id) = ids.pop_front() {
                    if let Some(row) = claim(db, now, id)? {
                        return Ok(Some(row));
                    }
                }
                Ok(None)
            }
            Rows::Due(rows) => rows.next(left, |n| due_rows(db, now, n), |id| claim(db, now, id)),
        }
    }
}

/// Up to `limit` due rows, most overdue first: a plain read, outside any write lock (see
/// [`DueRows`]).
fn due_rows(db: &Db, now: Millis, limit: i64) -> Result<Vec<i64>> {
    Ok(db.query(
        "SELECT id FROM media_fetches WHERE status IN ('pending', 'failed') AND next_attempt_at <= ?1
         ORDER BY next_attempt_at, id LIMIT ?2",
        &[now.into(), limit.into()],
        |r| r.i64("id"),
    )?)
}

/// Claims row `id` if it is still due, by one UPDATE (atomic on its own): of two racing
/// instances one wins. By its id, so a webhook's own files never go through the other due
/// rows (many, while a vendor's file server is down).
fn claim(db: &Db, now: Millis, id: i64) -> Result<Option<Fetch>> {
    Ok(db.query_opt(
        &format!(
            "UPDATE media_fetches SET status = 'fetching', attempts = attempts + 1,
                                      claimed_at = ?1, updated_at = ?1
             WHERE id = ?2 AND status IN ('pending', 'failed') AND next_attempt_at <= ?1
             RETURNING {COLUMNS}"
        ),
        &[now.into(), id.into()],
        from_row,
    )?)
}

/// A vendor's answer that is not the file: 408, 429 and 5xx are worth a retry.
fn refused(response: &http::Response<Vec<u8>>, what: &str) -> Outcome {
    let status = response.status().as_u16();
    let why = format!("{what}: HTTP {status}: {}", excerpt(response.body()));
    if response.status().is_server_error() || status == 408 || status == 429 {
        Outcome::Retry(why)
    } else {
        Outcome::Give(why)
    }
}

fn transport(e: OutboundError) -> Outcome {
    match e {
        OutboundError::Denied(host) => Outcome::Retry(format!(
            "outbound requests to {host} are not allowed: add the host to the component's allowed_outbound_hosts in spin.toml"
        )),
        other => Outcome::Retry(other.to_string()),
    }
}

/// The file's bytes, at most `limit` + 1 of them: a body that reaches `limit` + 1 is too
/// large, and the rest of it is never read.
fn download(
    env: &Env,
    mut request: http::Request<Vec<u8>>,
    limit: usize,
    timeout: Duration,
) -> Result<Vec<u8>, Outcome> {
    for _ in 0..=MAX_REDIRECTS {
        let from = request.uri().to_string();
        let auth = request.headers().get("authorization").cloned();
        let response = env
            .outbound
            .send_capped(request, timeout, limit + 1)
            .map_err(transport)?;
        if response.status().is_redirection() {
            let location = response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .ok_or_else(|| Outcome::Give("a redirect without a Location".into()))?;
            let next = resolve(&from, location)
                .ok_or_else(|| Outcome::Give(format!("a redirect to {location:?}")))?;
            // The vendor's credentials stay with the vendor: another origin (Twilio's CDN) gets
            // a plain GET.
            let mut builder = http::Request::builder()
                .method(http::Method::GET)
                .uri(&next);
            if let Some(auth) = auth.filter(|_| origin(&next) == origin(&from)) {
                builder = builder.header("authorization", auth);
            }
            request = builder
                .body(Vec::new())
                .map_err(|e| Outcome::Give(format!("a redirect to {next:?}: {e}")))?;
            continue;
        }
        if !response.status().is_success() {
            return Err(refused(&response, "the file"));
        }
        let body = response.into_body();
        if body.len() > limit {
            return Err(Outcome::Give(format!(
                "the file is larger than the {limit} bytes allowed"
            )));
        }
        return Ok(body);
    }
    Err(Outcome::Give(format!(
        "more than {MAX_REDIRECTS} redirects"
    )))
}

/// `location` resolved against `base` (absolute, or an absolute path on the same origin).
fn resolve(base: &str, location: &str) -> Option<String> {
    if location.starts_with("https://") || location.starts_with("http://") {
        return location.parse::<http::Uri>().ok().map(|u| u.to_string());
    }
    if location.starts_with('/') && !location.starts_with("//") {
        return Some(format!("{}{location}", origin(base)?));
    }
    None
}

/// Asks the vendor for the file (a lookup first when the vendor wants one) and stores it.
fn fetch(env: &Env, db: &Db, integration: &Integration, row: &Fetch, budget: Budget) -> Outcome {
    let channel = integration.kind.media_source();
    let credentials = &integration.credentials;
    let api_base = integration.api_base();
    let limit = attachments::limits::max_bytes(env).min(usize::MAX as u64 - 1) as usize;
    let step = match channel.media_request(credentials, api_base, &row.media) {
        Ok(step) => step,
        Err(why) => return Outcome::Give(why),
    };
    let request = match step {
        MediaStep::Download(request) => request,
        MediaStep::Lookup(request) => {
            let answer = match env
                .outbound
                .send_capped(request, budget.request, LOOKUP_MAX_BYTES)
            {
                Ok(answer) => answer,
                Err(e) => return transport(e),
            };
            if !answer.status().is_success() {
                return refused(&answer, "the file's lookup");
            }
            match channel.media_located(credentials, api_base, answer.body()) {
                Ok(request) => request,
                Err(why) => return Outcome::Give(why),
            }
        }
    };
    let bytes = match download(env, request, limit, budget.request) {
        Ok(bytes) => bytes,
        Err(outcome) => return outcome,
    };
    match attachments::fill_pending(env, db, &row.attachment, &bytes) {
        Ok(_) => Outcome::Stored,
        // Filled by an earlier attempt that was thought lost: nothing more to do.
        Err(AttachmentError::NotFound) => Outcome::Stored,
        Err(AttachmentError::Sql(e)) => Outcome::Retry(e.to_string()),
        Err(AttachmentError::Files(e)) => Outcome::Retry(e.to_string()),
        Err(refused) => Outcome::Give(refused.to_string()),
    }
}

fn record(env: &Env, db: &Db, row: &Fetch, outcome: &Outcome) -> Result<()> {
    let now = env.clock.now_ms();
    match outcome {
        Outcome::Stored => {
            db.execute(
                "UPDATE media_fetches SET status = 'stored', last_error = NULL, updated_at = ?
                 WHERE id = ?",
                &[now.into(), row.id.into()],
            )?;
        }
        Outcome::Retry(why) if row.attempts < MAX_ATTEMPTS => {
            db.execute(
                "UPDATE media_fetches SET status = 'failed', last_error = ?, next_attempt_at = ?,
                                          updated_at = ? WHERE id = ?",
                &[
                    why.clone().into(),
                    (now + backoff_ms(row.attempts)).into(),
                    now.into(),
                    row.id.into(),
                ],
            )?;
        }
        Outcome::Retry(why) | Outcome::Give(why) => {
            db.transaction(|db| {
                db.execute(
                    "UPDATE media_fetches SET status = 'dead', last_error = ?, updated_at = ?
                     WHERE id = ?",
                    &[why.clone().into(), now.into(), row.id.into()],
                )?;
                match attachments::mark_failed(db, &row.attachment) {
                    Ok(_) | Err(AttachmentError::NotFound) => Ok(()),
                    Err(e) => Err(attachment_error(e)),
                }
            })?;
            env.warn(
                "media.fetch",
                format!("attachment {} given up: {why}", row.attachment),
            );
        }
    };
    Ok(())
}

fn round(env: &Env, db: &Db, mut rows: Rows, limit: i64, budget: Budget) -> Result<Report> {
    let deadline = env.clock.now_ms() + budget.total.as_millis() as Millis;
    let mut report = Report::default();
    let mut vault: Option<Result<Vault, VaultError>> = None;
    while report.attempted < limit && env.clock.now_ms() < deadline {
        let Some(row) = rows.next(db, env.clock.now_ms(), limit - report.attempted)? else {
            break;
        };
        let integration = match row.integration_id {
            None => Ok(None),
            Some(id) => match vault.get_or_insert_with(|| Vault::from_config(env.config)) {
                Ok(vault) => integrations::by_id(db, vault, id),
                Err(e) => Err(Error::Vault(e.clone())),
            },
        };
        let outcome = match integration {
            Ok(Some(integration)) => {
                // A vendor's answer can quote a token (Telegram's is in its paths).
                match fetch(env, db, &integration, &row, budget) {
                    Outcome::Retry(why) => Outcome::Retry(integration.credentials.redact(&why)),
                    Outcome::Give(why) => Outcome::Give(integration.credentials.redact(&why)),
                    stored => stored,
                }
            }
            Ok(None) => Outcome::Give("the integration was deleted".into()),
            // The operator can fix the key; the file waits for the next attempt.
            Err(Error::Vault(e)) => Outcome::Retry(e.to_string()),
            Err(e) => return Err(e),
        };
        report.attempted += 1;
        match &outcome {
            Outcome::Stored => report.stored += 1,
            Outcome::Retry(_) if row.attempts < MAX_ATTEMPTS => report.failed += 1,
            _ => report.dead += 1,
        }
        record(env, db, &row, &outcome)?;
    }
    Ok(report)
}

/// Fetches the rows `ids` (those a webhook just queued), after its answer, within `budget`;
/// what fails waits for the drain.
pub fn fetch_queued(env: &Env, db: &Db, ids: &[i64], budget: Budget) -> Result<Report> {
    if ids.is_empty() {
        return Ok(Report::default());
    }
    let mut queued = ids.to_vec();
    queued.sort_unstable();
    round(env, db, Rows::Ids(queued.into()), ids.len() as i64, budget)
}

/// Fetches every due row, oldest first, up to `limit` or the budget. Rows left `fetching` past
/// the claim lease (their instance ended) are due again first.
pub fn drain(env: &Env, db: &Db, limit: i64, budget: Budget) -> Result<Report> {
    let now = env.clock.now_ms();
    db.execute(
        "UPDATE media_fetches SET status = 'failed', next_attempt_at = ?1, updated_at = ?1,
             last_error = 'interrupted while fetching'
         WHERE status = 'fetching' AND claimed_at < ?2",
        &[now.into(), (now - CLAIM_LEASE_MS).into()],
    )?;
    round(env, db, Rows::Due(DueRows::default()), limit, budget)
}

/// Rows due now or overdue, for the drain's answer.
pub fn due(db: &Db, now: Millis) -> Result<i64> {
    Ok(db
        .query_i64(
            "SELECT COUNT(*) FROM media_fetches
             WHERE status IN ('pending', 'failed') AND next_attempt_at <= ?",
            &[now.into()],
        )?
        .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_resolve_to_absolute_urls_or_are_refused() {
        let base = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1";
        assert_eq!(
            resolve(base, "https://mms.twiliocdn.com/AC1/x?Expires=1").as_deref(),
            Some("https://mms.twiliocdn.com/AC1/x?Expires=1")
        );
        assert_eq!(
            resolve(base, "/2010-04-01/Accounts/AC1/Media/ME1").as_deref(),
            Some("https://api.twilio.com/2010-04-01/Accounts/AC1/Media/ME1")
        );
        // Scheme-relative, relative and other schemes are not followed.
        assert_eq!(resolve(base, "//evil.example/x"), None);
        assert_eq!(resolve(base, "x.png"), None);
        assert_eq!(resolve(base, "file:///etc/passwd"), None);
    }
}
