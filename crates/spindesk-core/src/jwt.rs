//! HS256 JSON Web Tokens, verified: the Sunshine API's key-signed tokens and the widget's
//! site-signed identity tokens. Only HS256 is accepted — a token naming `none` or any other
//! algorithm is refused before any key is looked up — and the signature is compared in
//! constant time (`Mac::verify_slice`). What the claims mean is the caller's business.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::Sha256;

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtError {
    /// Not three base64url parts, or a part that is not the JSON it should be.
    Malformed,
    /// The header names another algorithm than HS256 (`none` included).
    Algorithm(String),
    /// The header names no key (`kid`).
    NoKeyId,
    /// The signature is not the key's.
    Signature,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// A token whose header has been read but whose signature is not checked yet: the key id
/// says which secret to check it with.
#[derive(Debug)]
pub struct Unverified<'a> {
    pub kid: String,
    signed: &'a str,
    claims: &'a str,
    signature: &'a str,
}

fn decode<T: DeserializeOwned>(part: &str) -> Result<T, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| JwtError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)
}

/// Reads the header of `token`: three parts, HS256, a key id.
pub fn parse(token: &str) -> Result<Unverified<'_>, JwtError> {
    let mut parts = token.split('.');
    let (Some(head), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let header: Header = decode(head)?;
    if header.alg != "HS256" {
        return Err(JwtError::Algorithm(header.alg));
    }
    let kid = header
        .kid
        .filter(|k| !k.is_empty())
        .ok_or(JwtError::NoKeyId)?;
    Ok(Unverified {
        kid,
        signed: &token[..head.len() + 1 + claims.len()],
        claims,
        signature,
    })
}

impl Unverified<'_> {
    /// The claims, once the signature is `secret`'s.
    pub fn verify<T: DeserializeOwned>(&self, secret: &[u8]) -> Result<T, JwtError> {
        let signature = URL_SAFE_NO_PAD
            .decode(self.signature.trim_end_matches('='))
            .map_err(|_| JwtError::Malformed)?;
        // HMAC accepts keys of any length; an error here would be a bug of the crate.
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| JwtError::Signature)?;
        mac.update(self.signed.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| JwtError::Signature)?;
        decode(self.claims)
    }
}

/// Signs `claims` with `secret` (HS256, `kid` in the header): what a site does; used by tests
/// and examples.
pub fn sign(kid: &str, secret: &[u8], claims: &serde_json::Value) -> String {
    let header = serde_json::json!({"alg": "HS256", "typ": "JWT", "kid": kid});
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(signed.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    };
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn a_signed_token_verifies_with_its_secret_only() {
        let token = sign("k1", b"secret", &json!({"a": 1}));
        let parsed = parse(&token).unwrap();
        assert_eq!(parsed.kid, "k1");
        assert_eq!(parsed.verify::<Value>(b"secret").unwrap(), json!({"a": 1}));
        assert_eq!(parsed.verify::<Value>(b"other"), Err(JwtError::Signature));
    }

    #[test]
    fn none_other_algorithms_missing_kids_and_garbage_are_refused() {
        let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let none = format!(
            "{}.{}.",
            part(json!({"alg": "none", "kid": "k"})),
            part(json!({}))
        );
        assert_eq!(parse(&none).err(), Some(JwtError::Algorithm("none".into())));
        let no_kid = format!("{}.{}.x", part(json!({"alg": "HS256"})), part(json!({})));
        assert_eq!(parse(&no_kid).err(), Some(JwtError::NoKeyId));
        for bad in ["", "a.b", "a.b.c.d", "!!.e30.x"] {
            assert_eq!(parse(bad).err(), Some(JwtError::Malformed), "{bad}");
        }
    }
}
