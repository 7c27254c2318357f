//! Timestamps: milliseconds in storage, ISO 8601 UTC in every API (Zendesk's format).

use crate::ports::Millis;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// `2026-11-25T09:28:56Z` (second precision, like Zendesk).
pub fn iso8601(ms: Millis) -> String {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// `2026-11-25T09:28:56.120Z` (always three fraction digits, like Sunshine Conversations).
/// [`iso8601`] with the milliseconds put in: the `time` crate's general formatter (a format
/// description) weighs ~35 KB in a component, its RFC 3339 formatter is already there.
pub fn iso8601_ms(ms: Millis) -> String {
    let seconds = iso8601(ms);
    match seconds.strip_suffix('Z') {
        Some(head) => format!("{head}.{:03}Z", ms.rem_euclid(1000)),
        None => seconds,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc_with_z() {
        assert_eq!(super::iso8601(1_764_063_336_789), "2025-11-25T09:35:36Z");
        assert_eq!(
            super::iso8601_ms(1_764_063_336_789),
            "2025-11-25T09:35:36.789Z"
        );
        assert_eq!(
            super::iso8601_ms(1_764_063_336_007),
            "2025-11-25T09:35:36.007Z"
        );
        assert_eq!(super::iso8601_ms(-1), "1969-12-31T23:59:59.999Z");
    }
}
