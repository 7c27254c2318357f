//! Public holidays as data: Korea's (공휴일, with substitute holidays) and the United States'
//! federal holidays (on their observed days), for 2026 and 2027. A year outside the table is
//! refused rather than guessed: add the next year here before it starts (check the official
//! calendars: 우주항공청/한국천문연구원 월력요항 for Korea, OPM's federal holidays for the US).

pub const YEARS: std::ops::RangeInclusive<i64> = 2026..=2027;

/// `(date, name)`, sorted.
const KR: &[(&str, &str)] = &[
    ("2026-01-01", "신정"),
    ("2026-02-16", "설날 연휴"),
    ("2026-02-17", "설날"),
    ("2026-02-18", "설날 연휴"),
    ("2026-03-02", "삼일절 대체공휴일"),
    ("2026-05-05", "어린이날"),
    ("2026-05-25", "부처님오신날 대체공휴일"),
    ("2026-06-03", "전국동시지방선거"),
    ("2026-08-17", "광복절 대체공휴일"),
    ("2026-09-24", "추석 연휴"),
    ("2026-09-25", "추석"),
    ("2026-10-05", "개천절 대체공휴일"),
    ("2026-10-09", "한글날"),
    ("2026-12-25", "성탄절"),
    ("2027-01-01", "신정"),
    ("2027-02-08", "설날 연휴"),
    ("2027-02-09", "설날 대체공휴일"),
    ("2027-03-01", "삼일절"),
    ("2027-05-05", "어린이날"),
    ("2027-05-13", "부처님오신날"),
    ("2027-08-16", "광복절 대체공휴일"),
    ("2027-09-14", "추석 연휴"),
    ("2027-09-15", "추석"),
    ("2027-09-16", "추석 연휴"),
    ("2027-10-04", "개천절 대체공휴일"),
    ("2027-10-11", "한글날 대체공휴일"),
    ("2027-12-27", "성탄절 대체공휴일"),
];

/// Weekday holidays only: those on a weekend are not business days anyway (Korea's weekend
/// holidays are listed through their substitutes above).
const US: &[(&str, &str)] = &[
    ("2026-01-01", "New Year's Day"),
    ("2026-01-19", "Birthday of Martin Luther King, Jr."),
    ("2026-02-16", "Washington's Birthday"),
    ("2026-05-25", "Memorial Day"),
    ("2026-06-19", "Juneteenth National Independence Day"),
    ("2026-07-03", "Independence Day (observed)"),
    ("2026-09-07", "Labor Day"),
    ("2026-10-12", "Columbus Day"),
    ("2026-11-11", "Veterans Day"),
    ("2026-11-26", "Thanksgiving Day"),
    ("2026-12-25", "Christmas Day"),
    ("2027-01-01", "New Year's Day"),
    ("2027-01-18", "Birthday of Martin Luther King, Jr."),
    ("2027-02-15", "Washington's Birthday"),
    ("2027-05-31", "Memorial Day"),
    (
        "2027-06-18",
        "Juneteenth National Independence Day (observed)",
    ),
    ("2027-07-05", "Independence Day (observed)"),
    ("2027-09-06", "Labor Day"),
    ("2027-10-11", "Columbus Day"),
    ("2027-11-11", "Veterans Day"),
    ("2027-11-25", "Thanksgiving Day"),
    ("2027-12-24", "Christmas Day (observed)"),
    ("2027-12-31", "New Year's Day 2028 (observed)"),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Country {
    Kr,
    Us,
}

impl Country {
    pub fn parse(code: &str) -> Option<Country> {
        match code.to_ascii_uppercase().as_str() {
            "KR" => Some(Country::Kr),
            "US" => Some(Country::Us),
            _ => None,
        }
    }

    /// The offset used for "today" when the step passes no date: Korea's, and US Eastern
    /// standard time (the date only matters near midnight).
    pub fn utc_offset_ms(self) -> i64 {
        match self {
            Country::Kr => 9 * 3_600_000,
            Country::Us => -5 * 3_600_000,
        }
    }

    fn table(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Country::Kr => KR,
            Country::Us => US,
        }
    }

    /// Whether `date` (`YYYY-MM-DD`) is a public holiday.
    pub fn is_holiday(self, date: &str) -> bool {
        self.table()
            .binary_search_by(|(d, _)| (*d).cmp(date))
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::{parse, weekday};

    #[test]
    fn tables_are_sorted_real_weekdays_within_the_years() {
        for table in [KR, US] {
            assert!(
                table.windows(2).all(|w| w[0].0 < w[1].0),
                "sorted, no duplicates"
            );
            for (date, name) in table {
                let days = parse(date).unwrap_or_else(|| panic!("{date} is not a date"));
                assert!(weekday(days) < 5, "{date} {name} falls on a weekend");
                assert!(YEARS.contains(&date[..4].parse::<i64>().unwrap()));
            }
        }
        assert!(Country::Kr.is_holiday("2026-09-25"));
        assert!(!Country::Us.is_holiday("2026-09-25"));
    }
}
