//! `Grip-Sig`: the proof that a request came through our Pushpin and not straight from a
//! browser. Pushpin signs every request it forwards with a JWT (HS256, `iss` "pushpin", `exp`
//! an hour ahead) under its `sig_key`; we hold the same key as the secret variable `grip_key`.
//! Only a verified request may ask for a hold: anyone else gets the plain path, with its limits.

use crate::config;
use crate::ports::Env;
use crate::web::header;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use subtle::ConstantTimeEq;

/// The issuer Pushpin puts in its signatures (`sig_iss` in pushpin.conf).
pub const ISSUER: &str = "pushpin";
/// Longest `Grip-Sig` read; Pushpin's are about 150 bytes.
const MAX_SIG_BYTES: usize = 2048;

#[derive(Deserialize)]
struct JoseHeader {
    alg: String,
}

#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    exp: Option<i64>,
}

/// Whether the request carries a valid `Grip-Sig` under `grip_key`: signature checked in
/// constant time, issuer "pushpin", not expired. No key configured means no request is.
pub fn verified(env: &Env, req: &http::Request<Vec<u8>>) -> bool {
    let Some(key) = env.config.get(config::GRIP_KEY) else {
        return false;
    };
    let Some(token) = header(req, "grip-sig") else {
        return false;
    };
    valid(token, key.as_bytes(), env.clock.now_ms() / 1000)
}

/// The check itself, on a token, a key and the time in seconds.
pub fn valid(token: &str, key: &[u8], now_secs: i64) -> bool {
    if token.len() > MAX_SIG_BYTES || key.is_empty() {
        return false;
    }
    let mut parts = token.trim().split('.');
    let (Some(head), Some(body), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let Ok(given) = b64.decode(sig) else {
        return false;
    };
    // The signature first: nothing of an unsigned token is worth parsing.
    let expected = hmac_sha256(key, &[head.as_bytes(), b".", body.as_bytes()]);
    if !equal(&expected, &given) {
        return false;
    }
    let header: Option<JoseHeader> = b64
        .decode(head)
        .ok()
        .and_then(|raw| serde_json::from_slice(&raw).ok());
    if header.is_none_or(|h| h.alg != "HS256") {
        return false;
    }
    let claims: Option<Claims> = b64
        .decode(body)
        .ok()
        .and_then(|raw| serde_json::from_slice(&raw).ok());
    claims.is_some_and(|c| c.iss.as_deref() == Some(ISSUER) && c.exp.is_some_and(|e| e > now_secs))
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC takes keys of any length: construction cannot fail.
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// Constant time for equal lengths (a MAC's length is public).
fn equal(expected: &[u8], given: &[u8]) -> bool {
    !expected.is_empty() && expected.len() == given.len() && bool::from(expected.ct_eq(given))
}

/// A `Grip-Sig` as Pushpin makes one (tests, and the load script's stand-in for Pushpin).
pub fn sign(key: &[u8], issuer: &str, exp_secs: i64) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let head = b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let body = b64.encode(serde_json::json!({"iss": issuer, "exp": exp_secs}).to_string());
    let sig = b64.encode(hmac_sha256(key, &[head.as_bytes(), b".", body.as_bytes()]));
    format!("{head}.{body}.{sig}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn a_fresh_signature_under_the_key_is_valid() {
        assert!(valid(&sign(b"k", ISSUER, NOW + 60), b"k", NOW));
    }

    #[test]
    fn another_key_another_issuer_or_an_expired_token_is_not() {
        assert!(!valid(&sign(b"other", ISSUER, NOW + 60), b"k", NOW));
        assert!(!valid(&sign(b"k", "someone", NOW + 60), b"k", NOW));
        assert!(!valid(&sign(b"k", ISSUER, NOW), b"k", NOW));
        assert!(!valid(&sign(b"k", ISSUER, NOW + 60), b"", NOW));
    }

    #[test]
    fn a_token_with_a_changed_payload_or_alg_none_is_not() {
        let token = sign(b"k", ISSUER, NOW + 60);
        let parts: Vec<&str> = token.split('.').collect();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let later = b64.encode(r#"{"iss":"pushpin","exp":9999999999}"#);
        assert!(!valid(
            &format!("{}.{later}.{}", parts[0], parts[2]),
            b"k",
            NOW
        ));
        let none = b64.encode(r#"{"alg":"none"}"#);
        assert!(!valid(&format!("{none}.{}.", parts[1]), b"k", NOW));
        assert!(!valid("garbage", b"k", NOW));
        assert!(!valid("a.b.c.d", b"k", NOW));
    }
}
