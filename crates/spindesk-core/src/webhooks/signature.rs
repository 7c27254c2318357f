//! The signature a receiver checks: `X-Spindesk-Signature: t=<unix seconds>,v1=<hex>`, where
//! the hex is HMAC-SHA256 under the webhook's secret of `<t>.<raw body>`. Signing the time
//! with the body lets a receiver refuse a replayed delivery (an old `t`) as well as a forged
//! one. Sunshine's own `X-API-Key: <secret>` header is sent too, for receivers written for it.

use crate::ids::hex;
use hmac::{Hmac, KeyInit, Mac};

pub const HEADER: &str = "x-spindesk-signature";
pub const API_KEY_HEADER: &str = "x-api-key";

/// The header value for `body` sent at `unix_seconds`.
pub fn header_value(secret: &str, unix_seconds: i64, body: &[u8]) -> String {
    let t = unix_seconds.to_string();
    // HMAC accepts keys of any length, so construction cannot fail.
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return format!("t={t},v1=");
    };
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::header_value;

    #[test]
    fn signs_time_dot_body() {
        // python3 -c "import hmac,hashlib;print(hmac.new(b'k',b'5.{}',hashlib.sha256).hexdigest())"
        assert_eq!(
            header_value("k", 5, b"{}"),
            "t=5,v1=d066254199a6f40d63f96c33c549959d7a371ef849d13d2a85811237089b2d00"
        );
    }
}
