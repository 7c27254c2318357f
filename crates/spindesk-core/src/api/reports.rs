//! The `reports` surface: `GET /api/admin/reports?from=YYYY-MM-DD&to=YYYY-MM-DD&by=day|channel|
//! agent|group&tz=...` (`format=csv` for a spreadsheet), the figures of [`crate::reports`] per
//! bucket with the totals over the whole range. A component of its own under the admin's path
//! (Spin routes the more specific `/api/admin/reports` here): the tz database that counts days
//! in any zone is ~300 KB, which only this component carries.

use crate::auth::require_admin;
use crate::config;
use crate::ports::Env;
use crate::reports::{self, tz, Bucket, By, Range, Times};
use crate::store::database;
use crate::surface::{Handler, Request, Response, Surface, Uses};
use crate::web::{json, query_pairs, segments, ApiError, Family};
use http::Method;
use serde_json::{json, Value};
use time::{Date, Month};

/// The longest range, in days (a year, leap day included).
pub const MAX_DAYS: i64 = 366;
/// The first day a report may start: the zones accepted are exact from then on.
const FIRST_DAY: &str = "2000-01-01";

pub const SURFACE: Surface = Surface {
    component: "reports",
    handle: Handler::Respond(handle),
    uses: Uses {
        sqlite: true,
        key_value: false,
        // Admins only: the admin token, or an admin's own API token.
        variables: &[config::ADMIN_TOKEN],
        outbound: false,
        actions: false,
        files: false,
        help_center: false,
        live: false,
    },
    streamed: &[],
};

fn handle(env: &Env, req: Request) -> Response {
    route(env, &req).unwrap_or_else(|e| e.answer(env, Family::Spindesk))
}

fn route(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let method = req.method();
    match segments(req.uri().path()).as_slice() {
        ["api", "admin", "reports"] => {
            // Authenticate before reading anything else: callers without the token learn nothing.
            require_admin(env, req)?;
            match *method {
                Method::GET => report(env, req),
                _ => Err(ApiError::method_not_allowed(method, "GET")),
            }
        }
        _ => Err(ApiError::no_route(method, req.uri().path())),
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_parameter", message)
}

/// `YYYY-MM-DD`, a real calendar day.
fn parse_date(name: &str, raw: &str) -> Result<Date, ApiError> {
    let bad = || {
        invalid(format!(
            "`{name}` must be a date as YYYY-MM-DD; got {raw:?}"
        ))
    };
    let parts: Vec<&str> = raw.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let (y, m, d): (i32, u8, u8) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    let month = Month::try_from(m).map_err(|_| bad())?;
    Date::from_calendar_date(y, month, d).map_err(|_| bad())
}

fn day_string(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Days since 1970-01-01.
fn epoch_day(d: Date) -> i64 {
    i64::from(d.to_julian_day()) - 2_440_588
}

/// What the query asks for, checked.
struct Query {
    from: Date,
    to: Date,
    by: By,
    tz: String,
    zone: tz::Zone,
    csv: bool,
}

fn parse_query(pairs: &[(String, String)]) -> Result<Query, ApiError> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let required =
        |name: &str| get(name).ok_or_else(|| invalid(format!("`{name}` is required (YYYY-MM-DD)")));
    let from = parse_date("from", required("from")?)?;
    let to = parse_date("to", required("to")?)?;
    let first = parse_date("from", FIRST_DAY)?;
    if from < first {
        return Err(invalid(format!("`from` must be {FIRST_DAY} or later")));
    }
    if from > to {
        return Err(invalid("`from` must not be after `to`"));
    }
    let days = epoch_day(to) - epoch_day(from) + 1;
    if days > MAX_DAYS {
        return Err(invalid(format!(
            "the range is {days} days; at most {MAX_DAYS}"
        )));
    }
    let by = match get("by") {
        None => By::Day,
        Some(raw) => By::parse(raw).ok_or_else(|| {
            invalid(format!(
                "`by` must be day, channel, agent or group; got {raw:?}"
            ))
        })?,
    };
    let tz = get("tz").unwrap_or("UTC").to_owned();
    let zone = tz::Zone::parse(&tz).ok_or_else(|| {
        invalid(format!(
            "`tz` must be UTC, an offset such as +09:00, or an IANA time zone such as \
             Asia/Seoul or America/New_York; got {tz:?}"
        ))
    })?;
    let csv = match get("format") {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(invalid(format!(
                "`format` must be json or csv; got {other:?}"
            )))
        }
    };
    Ok(Query {
        from,
        to,
        by,
        tz,
        zone,
        csv,
    })
}

fn report(env: &Env, req: &Request) -> Result<Response, ApiError> {
    let q = parse_query(&query_pairs(req))?;
    // Local midnight of `from` to local midnight after `to`, in UTC (a local day is 23 to 25
    // hours long where clocks change).
    let day_start = |d: Date| {
        q.zone
            .day_start(d.year(), u8::from(d.month()), d.day())
            .ok_or_else(|| ApiError::bad_request("invalid_parameter", "the range is out of bounds"))
    };
    let after_to =
        q.to.next_day()
            .ok_or_else(|| ApiError::bad_request("invalid_parameter", "`to` is out of bounds"))?;
    let (start, end) = (day_start(q.from)?, day_start(after_to)?);
    let range = Range {
        start,
        end,
        offsets: q.zone.pieces(start, end),
    };
    let mut days = Vec::new();
    let mut day = q.from;
    while day <= q.to {
        days.push(day_string(day));
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    let db = database(env)?;
    let buckets = reports::compute(&db, &range, q.by, &days)?;
    let total = reports::compute(&db, &range, By::All, &[])?
        .into_iter()
        .next()
        .unwrap_or_default();
    let keys: Vec<String> = buckets.iter().map(|b| b.key.clone()).collect();
    let names = reports::labels(&db, q.by, &keys)?;
    let label = |key: &str| -> String {
        match (q.by, key) {
            (By::Agent, "0") => "Unassigned".into(),
            (By::Group, "0") => "No group".into(),
            (By::Agent | By::Group, _) => names.get(key).cloned().unwrap_or_else(|| key.into()),
            _ => key.into(),
        }
    };
    if q.csv {
        return Ok(csv_response(&q, &buckets, &label));
    }
    Ok(json(&json!({
        "report": {
            "from": day_string(q.from),
            "to": day_string(q.to),
            "tz": q.tz,
            "by": q.by.as_str(),
            "buckets": buckets.iter().map(|b| bucket_json(b, &label(&b.key))).collect::<Vec<_>>(),
            "total": bucket_json(&total, "Total"),
        }
    })))
}

fn times_json(t: &Times) -> Value {
    json!({"count": t.count, "median_seconds": t.median_seconds, "p90_seconds": t.p90_seconds})
}

fn bucket_json(b: &Bucket, label: &str) -> Value {
    json!({
        "key": b.key,
        "label": label,
        "conversations": b.conversations,
        "bot_alone": b.bot_alone,
        "handoffs": b.handoffs,
        "first_reply_time": times_json(&b.first_reply),
        "full_resolution_time": times_json(&b.resolution),
        "reopens": b.reopens,
        "csat": {"good": b.csat_good, "bad": b.csat_bad, "percent": b.csat_percent()},
    })
}

const CSV_HEADER: &str = "bucket,label,conversations,bot_alone,handoffs,\
first_reply_median_seconds,first_reply_p90_seconds,\
full_resolution_median_seconds,full_resolution_p90_seconds,\
reopens,csat_good,csat_bad,csat_percent";

/// A CSV field: quoted when needed; text a spreadsheet would run as a formula (`=`, `+`, `-`,
/// `@` first) is prefixed with `'` so an agent's or group's name cannot inject one.
fn csv_field(raw: &str) -> String {
    let safe = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if safe.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", safe.replace('"', "\"\""))
    } else {
        safe
    }
}

fn number(v: Option<f64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

fn csv_row(b: &Bucket, label: &str) -> String {
    [
        csv_field(&b.key),
        csv_field(label),
        b.conversations.to_string(),
        b.bot_alone.to_string(),
        b.handoffs.to_string(),
        number(b.first_reply.median_seconds),
        number(b.first_reply.p90_seconds),
        number(b.resolution.median_seconds),
        number(b.resolution.p90_seconds),
        b.reopens.to_string(),
        b.csat_good.to_string(),
        b.csat_bad.to_string(),
        number(b.csat_percent()),
    ]
    .join(",")
}

fn csv_response(q: &Query, buckets: &[Bucket], label: &dyn Fn(&str) -> String) -> Response {
    let mut body = String::from(CSV_HEADER);
    body.push_str("\r\n");
    for b in buckets {
        body.push_str(&csv_row(b, &label(&b.key)));
        body.push_str("\r\n");
    }
    let filename = format!(
        "spindesk-report-{}-{}-{}.csv",
        day_string(q.from),
        day_string(q.to),
        q.by.as_str()
    );
    http::Response::builder()
        .status(200)
        .header("content-type", "text/csv; charset=utf-8")
        .header(
            "content-disposition",
            format!("attachment; filename=\"{filename}\""),
        )
        .header("cache-control", "no-store")
        .body(body.into_bytes())
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}
