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
pub fn iso8601_ms(ms: Millis) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(FORMAT).ok())
        .unwrap_or_default()
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
    }
}
