//! The time zone a report's days are counted in: `UTC`, a fixed offset (`+09:00`, `-05:30`),
//! or any IANA zone (`America/New_York`, `Europe/Berlin`) with its daylight saving time and
//! past rule changes, from the tz database bundled by `jiff` (only the admin component, which
//! serves reports, links it: about 100 KB).

use crate::ports::Millis;
use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

/// A zone a report may be counted in.
#[derive(Debug, Clone)]
pub struct Zone(TimeZone);

/// From `start` (UTC ms) on, local time is UTC + `offset_ms`, until the next piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub start: Millis,
    pub offset_ms: i64,
}

impl Zone {
    /// `UTC`, `±HH:MM` within ±14:00, or an IANA name as the tz database spells it.
    pub fn parse(raw: &str) -> Option<Zone> {
        if raw == "UTC" {
            return Some(Zone(TimeZone::UTC));
        }
        if let Some(minutes) = fixed_offset_minutes(raw) {
            let offset = Offset::from_seconds(i32::try_from(minutes * 60).ok()?).ok()?;
            return Some(Zone(TimeZone::fixed(offset)));
        }
        // Only names: a path or an empty string is not a zone.
        if raw.is_empty() || raw.starts_with('/') || raw.contains("..") {
            return None;
        }
        TimeZone::get(raw).ok().map(Zone)
    }

    /// The first instant of local day `year-month-day` (local midnight; the first instant
    /// after it when a transition skips midnight), in UTC ms.
    pub fn day_start(&self, year: i32, month: u8, day: u8) -> Option<Millis> {
        let date = Date::new(
            i16::try_from(year).ok()?,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
        )
        .ok()?;
        let zoned = date.to_zoned(self.0.clone()).ok()?;
        Some(zoned.timestamp().as_millisecond())
    }

    /// The offsets that apply over `[start, end)`: the one at `start`, then one per
    /// transition before `end` (a year holds two in zones with daylight saving time).
    pub fn pieces(&self, start: Millis, end: Millis) -> Vec<Piece> {
        let Ok(from) = Timestamp::from_millisecond(start) else {
            return vec![Piece {
                start,
                offset_ms: 0,
            }];
        };
        let mut pieces = vec![Piece {
            start,
            offset_ms: i64::from(self.0.to_offset(from).seconds()) * 1000,
        }];
        for transition in self.0.following(from) {
            let at = transition.timestamp().as_millisecond();
            if at >= end {
                break;
            }
            pieces.push(Piece {
                start: at,
                offset_ms: i64::from(transition.offset().seconds()) * 1000,
            });
        }
        pieces
    }
}

/// `±HH:MM` within ±14:00, in minutes east of UTC.
fn fixed_offset_minutes(raw: &str) -> Option<i64> {
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
    use super::*;

    #[test]
    fn zones_and_offsets() {
        for good in [
            "UTC",
            "Asia/Seoul",
            "Europe/Berlin",
            "America/New_York",
            "+09:00",
            "-05:30",
            "+14:00",
        ] {
            assert!(Zone::parse(good).is_some(), "{good}");
        }
        for bad in [
            "",
            "+9",
            "+0900",
            "+14:30",
            "+09:60",
            "09:00",
            "+ab:cd",
            "Mars/Olympus",
            "../etc/passwd",
            "/etc/localtime",
        ] {
            assert!(Zone::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn new_york_days_follow_daylight_saving() {
        // 2026-03-08: clocks go from 02:00 EST (UTC-5) to 03:00 EDT (UTC-4), at 07:00 UTC.
        let ny = Zone::parse("America/New_York").unwrap();
        let before = ny.day_start(2026, 3, 8).unwrap();
        let after = ny.day_start(2026, 3, 9).unwrap();
        assert_eq!(before, 1_772_946_000_000); // 2026-03-08T05:00:00Z
        assert_eq!(after, 1_773_028_800_000); // 2026-03-09T04:00:00Z: a 23-hour day
        assert_eq!(
            ny.pieces(before, after),
            vec![
                Piece {
                    start: before,
                    offset_ms: -5 * 3_600_000
                },
                Piece {
                    start: 1_772_953_200_000,
                    offset_ms: -4 * 3_600_000
                },
            ]
        );
        // A zone without transitions is one piece.
        let seoul = Zone::parse("Asia/Seoul").unwrap();
        assert_eq!(seoul.pieces(1_577_836_800_000, 1_767_225_600_000).len(), 1); // 2020-2025
                                                                                 // ... but Seoul had daylight saving time in 1987 and 1988: history counts.
        assert!(seoul.pieces(536_457_600_000, 599_616_000_000).len() > 1);
        let fixed = Zone::parse("-05:30").unwrap();
        assert_eq!(
            fixed.pieces(0, 1).first().map(|p| p.offset_ms),
            Some(-330 * 60_000)
        );
    }
}
