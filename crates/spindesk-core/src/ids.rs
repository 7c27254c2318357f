//! New random identifiers: API and session tokens, and the opaque public ids of records.

use crate::ports::Random;
use base64::Engine;

/// A new random token: 32 bytes, URL-safe base64 (43 characters), with a readable prefix.
pub fn new_token(random: &dyn Random, prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    random.fill(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// A new opaque public id: 12 random bytes as 24 hex characters (Sunshine Conversations' shape).
pub fn new_public_id(random: &dyn Random) -> String {
    let mut bytes = [0u8; 12];
    random.fill(&mut bytes);
    hex(&bytes)
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
