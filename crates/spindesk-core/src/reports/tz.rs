//! The time zone a report's days are counted in. Spindesk carries no time zone database, so it
//! accepts only zones whose offset it knows exactly for every date a report may cover (from
//! 2000-01-01 on): `UTC`, a fixed offset (`+09:00`, `-05:30`), and IANA zones without daylight
//! saving time or offset changes since 2000. Zones with daylight saving time (Europe/*,
//! America/*, Australia/Sydney, ...) are refused rather than counted with a wrong offset for
//! half the year; give their current offset instead.

/// IANA zones with one offset (minutes east of UTC) since 2000-01-01.
const FIXED_ZONES: &[(&str, i64)] = &[
    ("UTC", 0),
    ("Etc/UTC", 0),
    ("Asia/Seoul", 9 * 60),
    ("Asia/Tokyo", 9 * 60),
    ("Asia/Shanghai", 8 * 60),
    ("Asia/Hong_Kong", 8 * 60),
    ("Asia/Taipei", 8 * 60),
    ("Asia/Singapore", 8 * 60),
    ("Asia/Kolkata", 5 * 60 + 30),
    ("Asia/Jakarta", 7 * 60),
    ("Asia/Bangkok", 7 * 60),
];

/// The names accepted besides offsets (for error messages and docs).
pub fn known_zones() -> String {
    FIXED_ZONES
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The offset in minutes east of UTC of `raw`: a known zone, or `±HH:MM` within ±14:00.
pub fn offset_minutes(raw: &str) -> Option<i64> {
    if let Some((_, minutes)) = FIXED_ZONES.iter().find(|(name, _)| *name == raw) {
        return Some(*minutes);
    }
    let (sign, rest) = match raw.as_bytes().first()? {
        b'+' => (1, &raw[1..]),
        b'-' => (-1, &raw[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    let total = h * 60 + m;
    (m < 60 && total <= 14 * 60).then_some(sign * total)
}

#[cfg(test)]
mod tests {
    use super::offset_minutes;

    #[test]
    fn zones_and_offsets() {
        assert_eq!(offset_minutes("UTC"), Some(0));
        assert_eq!(offset_minutes("Asia/Seoul"), Some(540));
        assert_eq!(offset_minutes("Asia/Kolkata"), Some(330));
        assert_eq!(offset_minutes("+09:00"), Some(540));
        assert_eq!(offset_minutes("-05:30"), Some(-330));
        assert_eq!(offset_minutes("+14:00"), Some(840));
        for bad in [
            "",
            "Europe/Berlin",
            "America/New_York",
            "+9",
            "+0900",
            "+14:30",
            "+09:60",
            "09:00",
            "+ab:cd",
            "asia/seoul",
        ] {
            assert_eq!(offset_minutes(bad), None, "{bad}");
        }
    }
}
