//! The links in a notice e-mail, signed with `notice_link_secret` (HMAC-SHA256, compared in
//! constant time): "continue the conversation", which expires, and "unsubscribe", which does
//! not (an unsubscribe link must work whenever the customer finds the e-mail).

use super::super::signature::{equal, hex_decode, hmac_sha256};
use crate::ids::hex;
use crate::ports::Millis;

/// How long a "continue" link opens the conversation.
pub const CONTINUE_DAYS: i64 = 7;
/// The shortest secret accepted: anything shorter signs nothing.
pub const SECRET_MIN: usize = 32;

pub const CONTINUE_PATH: &str = "/api/widget/continue";
pub const UNSUBSCRIBE_PATH: &str = "/api/widget/unsubscribe";

fn continue_mac(secret: &str, conversation: &str, expires: Millis) -> Vec<u8> {
    hmac_sha256(
        secret.as_bytes(),
        &[
            b"continue\n",
            conversation.as_bytes(),
            b"\n",
            expires.to_string().as_bytes(),
        ],
    )
}

fn unsubscribe_mac(secret: &str, address: &str) -> Vec<u8> {
    hmac_sha256(
        secret.as_bytes(),
        &[b"unsubscribe\n", address.to_lowercase().as_bytes()],
    )
}

fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// `<base>/api/widget/continue?c=<conversation>&e=<expiry ms>&s=<signature>`.
pub fn continue_url(base: &str, secret: &str, conversation: &str, expires: Millis) -> String {
    let sig = hex(&continue_mac(secret, conversation, expires));
    format!(
        "{}{CONTINUE_PATH}?{}",
        base.trim_end_matches('/'),
        query(&[
            ("c", conversation),
            ("e", &expires.to_string()),
            ("s", &sig)
        ])
    )
}

pub fn unsubscribe_url(base: &str, secret: &str, address: &str) -> String {
    let sig = hex(&unsubscribe_mac(secret, address));
    format!(
        "{}{UNSUBSCRIBE_PATH}?{}",
        base.trim_end_matches('/'),
        query(&[("a", address), ("s", &sig)])
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    /// Altered, signed with another secret, or not a link of ours.
    Invalid,
    Expired,
}

/// Checks a "continue" link's fields; the signature before the expiry, so an altered expiry
/// says "invalid", not "expired".
pub fn verify_continue(
    secret: &str,
    conversation: &str,
    expires: &str,
    signature: &str,
    now: Millis,
) -> Result<(), LinkError> {
    let expires: Millis = expires.parse().map_err(|_| LinkError::Invalid)?;
    let given = hex_decode(signature).ok_or(LinkError::Invalid)?;
    if secret.len() < SECRET_MIN || !equal(&continue_mac(secret, conversation, expires), &given) {
        return Err(LinkError::Invalid);
    }
    if now > expires {
        return Err(LinkError::Expired);
    }
    Ok(())
}

pub fn verify_unsubscribe(secret: &str, address: &str, signature: &str) -> bool {
    let Some(given) = hex_decode(signature) else {
        return false;
    };
    secret.len() >= SECRET_MIN && equal(&unsubscribe_mac(secret, address), &given)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "notice-link-secret-0123456789abcdef";

    fn params(url: &str) -> Vec<(String, String)> {
        let q = url.split_once('?').unwrap().1;
        form_urlencoded::parse(q.as_bytes()).into_owned().collect()
    }

    #[test]
    fn continue_links_verify_until_they_expire() {
        let url = continue_url("https://s.example/", SECRET, "conv1", 1_000);
        assert!(url.starts_with("https://s.example/api/widget/continue?c=conv1&e=1000&s="));
        let p = params(&url);
        assert_eq!(
            verify_continue(SECRET, "conv1", "1000", &p[2].1, 999),
            Ok(())
        );
        assert_eq!(
            verify_continue(SECRET, "conv1", "1000", &p[2].1, 1_001),
            Err(LinkError::Expired)
        );
        assert_eq!(
            verify_continue(SECRET, "conv2", "1000", &p[2].1, 0),
            Err(LinkError::Invalid)
        );
        assert_eq!(
            verify_continue(SECRET, "conv1", "99999", &p[2].1, 0),
            Err(LinkError::Invalid)
        );
        assert_eq!(
            verify_continue(
                "another-secret-0123456789abcdefxyz",
                "conv1",
                "1000",
                &p[2].1,
                0
            ),
            Err(LinkError::Invalid)
        );
        assert_eq!(
            verify_continue(SECRET, "conv1", "1000", "zz", 0),
            Err(LinkError::Invalid)
        );
    }

    #[test]
    fn unsubscribe_links_are_bound_to_the_address() {
        let url = unsubscribe_url("https://s.example", SECRET, "Ada@Example.com");
        let p = params(&url);
        assert!(verify_unsubscribe(SECRET, "ada@example.com", &p[1].1));
        assert!(!verify_unsubscribe(SECRET, "eve@example.com", &p[1].1));
        assert!(!verify_unsubscribe("short", "ada@example.com", &p[1].1));
    }
}
