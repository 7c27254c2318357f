//! Our links to an agent's files inside stored vendor requests.
//!
//! A vendor fetches an agent's file from a signed link that expires
//! (`attachment_link_vendor_minutes`, 15 minutes by default), but an outbox row may be sent
//! hours after it was rendered (the drain's retries). So a rendered payload holds a stand-in
//! per file ([`stand_in`]) and the link is signed when the row is sent ([`fill`]): every
//! attempt gives the vendor a fresh link, and a file deleted meanwhile is not sent.
//!
//! A stand-in is letters, digits and `-` only, so it passes unchanged through JSON and through
//! a urlencoded form (Twilio), and is never split by text splitting (no whitespace).

use crate::attachments::{self, Audience, Status};
use crate::error::Result;
use crate::ports::Env;
use crate::store::Db;

const PREFIX: &str = "spindesk-file-";
/// The stand-in of a link a person opens (a file sent as a line of text, an e-mail's link):
/// signed for customers, whose links last days (`attachment_link_customer_minutes`), because
/// a customer reads a message long after the vendor delivered it.
const CUSTOMER_PREFIX: &str = "spindesk-link-";
/// Attachments' public ids: 24 lower-case hex characters.
const ID_CHARS: usize = 24;

/// What a rendered payload holds in place of the link to attachment `public_id`.
pub fn stand_in(public_id: &str) -> String {
    format!("{PREFIX}{public_id}")
}

/// `url` for a customer to open: a vendor's stand-in becomes a customer's; any other URL (a
/// bot's image on the web) stays as it is.
pub fn for_customer(url: &str) -> String {
    match url.strip_prefix(PREFIX) {
        Some(id) => format!("{CUSTOMER_PREFIX}{id}"),
        None => url.to_owned(),
    }
}

/// The next stand-in in `text`: where it starts, its length, and whom its link is for.
fn next_stand_in(text: &str) -> Option<(usize, usize, Audience)> {
    let vendor = text
        .find(PREFIX)
        .map(|at| (at, PREFIX.len(), Audience::Vendor));
    let customer = text
        .find(CUSTOMER_PREFIX)
        .map(|at| (at, CUSTOMER_PREFIX.len(), Audience::Customer));
    match (vendor, customer) {
        (Some(v), Some(c)) => Some(if v.0 < c.0 { v } else { c }),
        (v, c) => v.or(c),
    }
}

/// `body` with every stand-in replaced by a link signed now (for vendors, or for customers:
/// [`for_customer`]), urlencoded when the body is a form. `Err` names a file that is no longer there to send.
pub fn fill(env: &Env, db: &Db, body: &str, form: bool) -> Result<Result<String, String>> {
    if next_stand_in(body).is_none() {
        return Ok(Ok(body.to_owned()));
    }
    let mut out = String::with_capacity(body.len() + 128);
    let mut rest = body;
    while let Some((at, len, audience)) = next_stand_in(rest) {
        out.push_str(&rest[..at]);
        let after = &rest[at + len..];
        let id: String = after.chars().take(ID_CHARS).collect();
        let well_formed = id.len() == ID_CHARS && id.chars().all(|c| c.is_ascii_hexdigit());
        if !well_formed {
            // Not one of ours (a customer could type the prefix): left as it is.
            out.push_str(&rest[at..at + len]);
            rest = after;
            continue;
        }
        let file = attachments::by_public_id(db, &id)?.filter(|a| a.status == Status::Stored);
        let Some(file) = file else {
            return Ok(Err(format!(
                "attachment {id} was deleted before it was sent"
            )));
        };
        let link = attachments::download_url(env, &file, audience);
        if form {
            out.extend(form_urlencoded::byte_serialize(link.as_bytes()));
        } else {
            out.push_str(&link);
        }
        rest = &after[ID_CHARS..];
    }
    out.push_str(rest);
    Ok(Ok(out))
}
