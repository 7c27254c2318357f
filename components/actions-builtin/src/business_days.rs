//! `business-days`: the date N business days after a date (today by default), skipping
//! weekends and the country's public holidays ([`crate::holidays`]): "your refund arrives by
//! {{business_date}}".

use crate::dates;
use crate::exports::spindesk::bot::actions::{ActionError, Context, Outcome};
use crate::holidays::{Country, YEARS};
use crate::inputs::{set, Inputs};
use crate::Action;

const MAX_DAYS: i64 = 250;

pub const ACTION: Action = Action {
    name: "business-days",
    labels: &[
        ("en", "Add business days to a date"),
        ("ko", "영업일 더하기"),
    ],
    reads: &[("days", true), ("country", true), ("date", false)],
    writes: &["business_date"],
    run,
};

fn run(inputs: &Inputs, context: &Context) -> Result<Outcome, ActionError> {
    let days: i64 = inputs
        .required("days")?
        .parse()
        .ok()
        .filter(|n| (0..=MAX_DAYS).contains(n))
        .ok_or_else(|| {
            ActionError::InvalidInput(format!("`days` is a whole number from 0 to {MAX_DAYS}"))
        })?;
    let country = Country::parse(inputs.required("country")?)
        .ok_or_else(|| ActionError::InvalidInput("`country` is KR or US".into()))?;
    let mut day = match inputs.get("date") {
        Some(d) => dates::parse(d).ok_or_else(|| {
            ActionError::InvalidInput(format!("`date` {d:?} is not a date like 2026-03-09"))
        })?,
        None => (context.now_ms + country.utc_offset_ms()).div_euclid(86_400_000),
    };
    let mut left = days;
    while left > 0 {
        day += 1;
        let date = dates::format(day);
        let year: i64 = date[..4].parse().unwrap_or(0);
        if !YEARS.contains(&year) {
            return Ok(Outcome::Fail(format!(
                "no public holidays known for {year} (this component knows {}-{})",
                YEARS.start(),
                YEARS.end()
            )));
        }
        if dates::weekday(day) < 5 && !country.is_holiday(&date) {
            left -= 1;
        }
    }
    Ok(Outcome::Set(vec![set("business_date", dates::format(day))]))
}

#[cfg(test)]
mod tests {
    use crate::call;
    use crate::exports::spindesk::bot::actions::{ActionError, Outcome};

    fn date(vars: &[(&str, &str)]) -> String {
        match call("business-days", vars) {
            Ok(Outcome::Set(v)) => v[0].value.clone(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn skips_weekends_and_each_countrys_holidays() {
        // Wed 2026-09-23 + 1: Chuseok (24, 25) and the weekend in Korea; Thursday in the US.
        assert_eq!(
            date(&[("days", "1"), ("country", "KR"), ("date", "2026-09-23")]),
            "2026-09-28"
        );
        assert_eq!(
            date(&[("days", "1"), ("country", "US"), ("date", "2026-09-23")]),
            "2026-09-24"
        );
        // Thanksgiving in the US only.
        assert_eq!(
            date(&[("days", "1"), ("country", "us"), ("date", "2026-11-25")]),
            "2026-11-27"
        );
        assert_eq!(
            date(&[("days", "1"), ("country", "KR"), ("date", "2026-11-25")]),
            "2026-11-26"
        );
        // Today from the context's time (Friday 2026-12-04 in Seoul): Monday.
        assert_eq!(date(&[("days", "1"), ("country", "KR")]), "2026-12-07");
        assert_eq!(
            date(&[("days", "0"), ("country", "KR"), ("date", "2026-12-05")]),
            "2026-12-05"
        );
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        assert!(date(&[("days", "5"), ("country", "KR"), ("date", "2027-12-28")]).contains("2028"));
        for bad in [
            [("days", "-1"), ("country", "KR")],
            [("days", "x"), ("country", "KR")],
            [("days", "1"), ("country", "FR")],
        ] {
            assert!(matches!(
                call("business-days", &bad),
                Err(ActionError::InvalidInput(_))
            ));
        }
    }
}
