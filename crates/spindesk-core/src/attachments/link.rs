//! Download links: `/attachments/{id}/{file name}?token=...`, the token an HMAC-SHA256 (key:
//! `attachment_url_key`) over the attachment's id, the audience and the expiry. The token is
//! bound to one file, so a customer's link opens only the file it was made for — and links are
//! only made for the people who may see the file's conversation. Lifetimes differ per audience
//! (`attachment_link_*_minutes`).

use super::limits;
use super::record::Attachment;
use crate::auth::secrets_equal;
use crate::config;
use crate::ports::{Env, Millis};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};

/// Who a link is for: it decides how long the link lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Customer,
    Agent,
    /// A channel vendor fetching a file we send (WhatsApp, LINE, ...).
    Vendor,
    /// Anyone reading a help-center article the file is embedded in: the link never expires
    /// (an article's images must keep working), and is only made for article attachments.
    Public,
}

impl Audience {
    fn code(self) -> char {
        match self {
            Audience::Customer => 'c',
            Audience::Agent => 'a',
            Audience::Vendor => 'v',
            Audience::Public => 'p',
        }
    }

    fn from_code(c: char) -> Option<Self> {
        match c {
            'c' => Some(Audience::Customer),
            'a' => Some(Audience::Agent),
            'v' => Some(Audience::Vendor),
            'p' => Some(Audience::Public),
            _ => None,
        }
    }

    fn lifetime_minutes(self, env: &Env) -> i64 {
        let (name, default) = match self {
            Audience::Customer => (
                config::ATTACHMENT_LINK_CUSTOMER_MINUTES,
                limits::DEFAULT_CUSTOMER_LINK_MINUTES,
            ),
            Audience::Agent => (
                config::ATTACHMENT_LINK_AGENT_MINUTES,
                limits::DEFAULT_AGENT_LINK_MINUTES,
            ),
            Audience::Vendor => (
                config::ATTACHMENT_LINK_VENDOR_MINUTES,
                limits::DEFAULT_VENDOR_LINK_MINUTES,
            ),
            // 1,000 years: for all purposes, never.
            Audience::Public => return 1000 * 365 * 24 * 60,
        };
        config::whole_number(env, name, default).max(1)
    }
}

/// Shortest signing key accepted: a short one would make links guessable.
pub const MIN_KEY_CHARS: usize = 32;

/// The signing key, if set and long enough.
pub fn key(env: &Env) -> Option<String> {
    env.config
        .get(config::ATTACHMENT_URL_KEY)
        .filter(|k| k.chars().count() >= MIN_KEY_CHARS)
}

fn mac(key: &str, public_id: &str, audience: Audience, expires_s: i64) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("attachment:{public_id}:{}:{expires_s}", audience.code()).as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// A token for `public_id`, for `audience`, from now: `<audience><expiry, Unix seconds>.<mac>`.
/// Empty when no key is set (such a link never opens).
pub fn token(env: &Env, public_id: &str, audience: Audience) -> String {
    let Some(key) = key(env) else {
        return String::new();
    };
    let expires_s = env.clock.now_ms() / 1000 + audience.lifetime_minutes(env) * 60;
    format!(
        "{}{expires_s}.{}",
        audience.code(),
        mac(&key, public_id, audience, expires_s)
    )
}

/// The path and query of a download link (no origin).
pub fn download_path(env: &Env, attachment: &Attachment, audience: Audience) -> String {
    let name: String =
        form_urlencoded::byte_serialize(attachment.file_name.as_bytes()).collect::<String>();
    // `byte_serialize` writes spaces as `+`, which a path keeps literally.
    let name = name.replace('+', "%20");
    format!(
        "/attachments/{}/{name}?token={}",
        attachment.public_id,
        token(env, &attachment.public_id, audience)
    )
}

/// The absolute link to `attachment` for `audience`: signed, expiring, under
/// `public_base_url` (a path alone when that is unset; the widget and the workspace resolve it
/// against their own origin, a vendor cannot — set `public_base_url` for channels).
pub fn download_url(env: &Env, attachment: &Attachment, audience: Audience) -> String {
    let base = env
        .config
        .get(config::PUBLIC_BASE_URL)
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned();
    format!("{base}{}", download_path(env, attachment, audience))
}

/// Why a link does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No signing key is set: the operator's to fix (503).
    NoKey,
    /// Not a token for this file, or altered (403).
    Invalid,
    /// It was, but its time is up (403, says so).
    Expired,
}

/// Checks `token` for `public_id` at `now` (constant-time comparison of the MAC).
pub fn verify(env: &Env, public_id: &str, token: &str, now: Millis) -> Result<Audience, Refusal> {
    let key = key(env).ok_or(Refusal::NoKey)?;
    let mut chars = token.chars();
    let audience = chars
        .next()
        .and_then(Audience::from_code)
        .ok_or(Refusal::Invalid)?;
    let (expiry, given) = chars.as_str().split_once('.').ok_or(Refusal::Invalid)?;
    let expires_s: i64 = expiry.parse().map_err(|_| Refusal::Invalid)?;
    if !secrets_equal(&mac(&key, public_id, audience, expires_s), given) {
        return Err(Refusal::Invalid);
    }
    if now / 1000 >= expires_s {
        return Err(Refusal::Expired);
    }
    Ok(audience)
}

/// `url` as an absolute link: a path (no `public_base_url`) gets `origin`, the request's own
/// `scheme://host`, for API clients that only follow absolute links.
pub fn absolute(url: String, origin: &str) -> String {
    if url.starts_with('/') {
        format!("{origin}{url}")
    } else {
        url
    }
}
