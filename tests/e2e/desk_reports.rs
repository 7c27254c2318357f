//! `GET /api/admin/reports`: a day of known events gives exact counts, medians and 90th
//! percentiles — per day in two time zones, per channel, agent and group — and the same as
//! CSV; bad parameters are 400s that say what was wrong.

use spindesk_core::ports::Sql;
use spindesk_tests::channels::*;
use spindesk_tests::*;

/// 2026-11-20T01:00:00Z (10:00 in Seoul, the same day).
const T0: i64 = 1_795_136_400_000;
/// 2026-11-20T20:00:00Z (05:00 on the 21st in Seoul).
const LATE: i64 = 1_795_204_800_000;
const S: i64 = 1000;

struct Day {
    app: App,
    tickets: [i64; 4],
}

fn put(app: &App, agent: &Agent, id: i64, ticket: Json) {
    app.zendesk_put(
        agent,
        &format!("/api/v2/tickets/{id}.json"),
        &json!({ "ticket": ticket }),
    )
    .expect(200);
}

fn hand_off(app: &App, at: i64) -> (Visitor, i64) {
    app.clock.set(at);
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    app.say(&v, "Talk to a person", Some("handoff"));
    (v, app.count("SELECT max(id) FROM tickets"))
}

/// The day the module's numbers come from:
/// - A (web) hands off at T0; Ada replies after 60 s; solved at 600 s; rated good.
/// - B (web) hands off at T0+1h; Bo replies after 180 s; solved at 1,200 s; the customer
///   writes (a reopen); solved again at 2,000 s; rated bad.
/// - C (web) at T0+2h talks to the bot only.
/// - E (Telegram) at T0+3h hands off; nobody replies.
/// - D (web) hands off at LATE; Ada replies after 300 s; solved at 900 s; rated good.
///
/// A and B are in the group "Billing".
fn known_day() -> Day {
    let app = channel_app();
    let ada = app.agent("Ada", "ada@example.com");
    let bo = app.agent("Bo", "bo@example.com");

    let (a, t1) = hand_off(&app, T0);
    app.clock.set(T0 + 60 * S);
    put(
        &app,
        &ada,
        t1,
        json!({"assignee_id": ada.id, "comment": {"body": "Hi, Ada here"}}),
    );
    app.clock.set(T0 + 600 * S);
    put(&app, &ada, t1, json!({"status": "solved"}));
    app.clock.set(T0 + 700 * S);
    app.say(&a, "Good", Some(&format!("csat:good:{t1}")));

    let b0 = T0 + 3600 * S;
    let (b, t2) = hand_off(&app, b0);
    app.clock.set(b0 + 180 * S);
    put(
        &app,
        &bo,
        t2,
        json!({"assignee_id": bo.id, "comment": {"body": "Hi, Bo here"}}),
    );
    // An internal note first is not a reply to the customer.
    app.clock.set(b0 + 100 * S);
    put(
        &app,
        &ada,
        t2,
        json!({"comment": {"body": "note", "public": false}}),
    );
    app.clock.set(b0 + 1200 * S);
    put(&app, &bo, t2, json!({"status": "solved"}));
    app.clock.set(b0 + 1300 * S);
    app.say(&b, "still broken", None);
    app.clock.set(b0 + 2000 * S);
    put(&app, &bo, t2, json!({"status": "solved"}));
    app.clock.set(b0 + 2100 * S);
    app.say(&b, "Bad", Some(&format!("csat:bad:{t2}")));

    app.clock.set(T0 + 2 * 3600 * S);
    let c = app.visitor("en");
    app.say(&c, "hello", None);
    app.say(&c, "thanks, bye", None);

    app.clock.set(T0 + 3 * 3600 * S);
    let tg = app.connect(Vendor::Telegram);
    app.vendor_answers_ok(Vendor::Telegram, 20);
    app.deliver(&tg, &Vendor::Telegram.text_sample())
        .expect(200);
    app.deliver(&tg, br#"{"update_id":804512740,"callback_query":{"id":"530363929746381219","from":{"id":123456789,"is_bot":false,"first_name":"Ana"},"message":{"message_id":1368,"chat":{"id":123456789,"type":"private"},"date":1718000080,"text":"Hi"},"chat_instance":"-58","data":"handoff"}}"#).expect(200);
    let t4 = app.count("SELECT max(id) FROM tickets");

    let (d, t3) = hand_off(&app, LATE);
    app.clock.set(LATE + 300 * S);
    put(
        &app,
        &ada,
        t3,
        json!({"assignee_id": ada.id, "comment": {"body": "Hi again"}}),
    );
    app.clock.set(LATE + 900 * S);
    put(&app, &ada, t3, json!({"status": "solved"}));
    app.clock.set(LATE + 950 * S);
    app.say(&d, "Good", Some(&format!("csat:good:{t3}")));

    // Groups have their own API elsewhere; here the rows they would write.
    app.db()
        .execute(
            "INSERT INTO groups (id, name, created_at, updated_at) VALUES (7, 'Billing', 0, 0)",
            &[],
        )
        .expect("group");
    app.db()
        .execute(
            "UPDATE tickets SET group_id = 7 WHERE id IN (?, ?)",
            &[t1.into(), t2.into()],
        )
        .expect("group tickets");
    Day {
        app,
        tickets: [t1, t2, t3, t4],
    }
}

fn report(app: &App, query: &str) -> Json {
    app.request("reports", "GET", &format!("/api/admin/reports?{query}"))
        .admin()
        .send()
        .expect(200)
        .json()["report"]
        .clone()
}

/// A bucket's figures in one comparable line.
fn figures(b: &Json) -> Json {
    json!([
        b["key"],
        b["label"],
        b["conversations"],
        b["bot_alone"],
        b["handoffs"],
        b["first_reply_time"]["median_seconds"],
        b["first_reply_time"]["p90_seconds"],
        b["full_resolution_time"]["median_seconds"],
        b["full_resolution_time"]["p90_seconds"],
        b["reopens"],
        b["csat"]["good"],
        b["csat"]["bad"],
        b["csat"]["percent"],
    ])
}

fn all_figures(r: &Json) -> Vec<Json> {
    r["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(figures)
        .collect()
}

#[test]
fn by_day_in_utc_and_in_seoul() {
    let Day { app, tickets } = known_day();
    assert_eq!(tickets.len(), 4);
    let utc = report(&app, "from=2026-11-20&to=2026-11-21&by=day&tz=UTC");
    assert_eq!(utc["tz"], "UTC");
    assert_eq!(
        all_figures(&utc),
        vec![
            json!([
                "2026-11-20",
                "2026-11-20",
                5,
                1,
                4,
                180.0,
                300.0,
                900.0,
                2000.0,
                1,
                2,
                1,
                66.7
            ]),
            json!([
                "2026-11-21",
                "2026-11-21",
                0,
                0,
                0,
                null,
                null,
                null,
                null,
                0,
                0,
                0,
                null
            ]),
        ]
    );
    assert_eq!(
        figures(&utc["total"]),
        json!(["all", "Total", 5, 1, 4, 180.0, 300.0, 900.0, 2000.0, 1, 2, 1, 66.7])
    );
    assert_eq!(utc["total"]["first_reply_time"]["count"], 3);

    // In Seoul (+9) D's evening is the next morning.
    for tz in ["Asia/Seoul", "%2B09:00"] {
        let seoul = report(&app, &format!("from=2026-11-20&to=2026-11-21&tz={tz}"));
        assert_eq!(seoul["by"], "day");
        assert_eq!(
            all_figures(&seoul),
            vec![
                json!([
                    "2026-11-20",
                    "2026-11-20",
                    4,
                    1,
                    3,
                    120.0,
                    180.0,
                    1300.0,
                    2000.0,
                    1,
                    1,
                    1,
                    50.0
                ]),
                json!([
                    "2026-11-21",
                    "2026-11-21",
                    1,
                    0,
                    1,
                    300.0,
                    300.0,
                    900.0,
                    900.0,
                    0,
                    1,
                    0,
                    100.0
                ]),
            ],
            "{tz}"
        );
    }
    // A range that ends before D (Seoul, the 20th only) leaves D out of the totals.
    let first = report(&app, "from=2026-11-20&to=2026-11-20&tz=Asia/Seoul");
    assert_eq!(first["total"]["conversations"], 4);
    assert_eq!(first["buckets"].as_array().unwrap().len(), 1);
}

#[test]
fn by_channel_agent_and_group() {
    let Day { app, .. } = known_day();
    let q = "from=2026-11-20&to=2026-11-21";
    assert_eq!(
        all_figures(&report(&app, &format!("{q}&by=channel"))),
        vec![
            json!(["telegram", "telegram", 1, 0, 1, null, null, null, null, 0, 0, 0, null]),
            json!(["web", "web", 4, 1, 3, 180.0, 300.0, 900.0, 2000.0, 1, 2, 1, 66.7]),
        ]
    );
    let agents = report(&app, &format!("{q}&by=agent"));
    let figures_by_agent = all_figures(&agents);
    assert_eq!(figures_by_agent.len(), 3);
    assert_eq!(
        figures_by_agent[0].as_array().unwrap()[1..],
        json!(["Ada", 2, 0, 2, 180.0, 300.0, 750.0, 900.0, 0, 2, 0, 100.0])
            .as_array()
            .unwrap()[..]
    );
    assert_eq!(
        figures_by_agent[1].as_array().unwrap()[1..],
        json!(["Bo", 1, 0, 1, 180.0, 180.0, 2000.0, 2000.0, 1, 0, 1, 0.0])
            .as_array()
            .unwrap()[..]
    );
    assert_eq!(
        figures_by_agent[2],
        json!([
            "0",
            "Unassigned",
            2,
            1,
            1,
            null,
            null,
            null,
            null,
            0,
            0,
            0,
            null
        ])
    );
    assert_eq!(
        all_figures(&report(&app, &format!("{q}&by=group"))),
        vec![
            json!(["7", "Billing", 2, 0, 2, 120.0, 180.0, 1300.0, 2000.0, 1, 1, 1, 50.0]),
            json!(["0", "No group", 3, 1, 2, 300.0, 300.0, 900.0, 900.0, 0, 1, 0, 100.0]),
        ]
    );
}

#[test]
fn csv_export() {
    let Day { app, .. } = known_day();
    let r = app
        .request(
            "reports",
            "GET",
            "/api/admin/reports?from=2026-11-20&to=2026-11-21&by=channel&format=csv",
        )
        .admin()
        .send()
        .expect(200);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"spindesk-report-2026-11-20-2026-11-21-channel.csv\"")
    );
    let lines: Vec<String> = r.text().lines().map(str::to_owned).collect();
    assert_eq!(
        lines,
        vec![
            "bucket,label,conversations,bot_alone,handoffs,first_reply_median_seconds,first_reply_p90_seconds,full_resolution_median_seconds,full_resolution_p90_seconds,reopens,csat_good,csat_bad,csat_percent",
            "telegram,telegram,1,0,1,,,,,0,0,0,",
            "web,web,4,1,3,180,300,900,2000,1,2,1,66.7",
        ]
    );
    // Names are data, never formulas.
    app.db()
        .execute(
            "UPDATE users SET name = '=HYPERLINK(\"x\"), Inc' WHERE email = 'bo@example.com'",
            &[],
        )
        .expect("rename");
    let r = app
        .request(
            "reports",
            "GET",
            "/api/admin/reports?from=2026-11-20&to=2026-11-21&by=agent&format=csv",
        )
        .admin()
        .send()
        .expect(200);
    assert!(
        r.text().contains(",\"'=HYPERLINK(\"\"x\"\"), Inc\",1,"),
        "{}",
        r.text()
    );
}

#[test]
fn bad_parameters_say_what_was_wrong() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    for (query, says) in [
        ("to=2026-11-20", "`from` is required"),
        ("from=2026-11-20", "`to` is required"),
        ("from=2026-13-01&to=2026-11-20", "YYYY-MM-DD"),
        ("from=2026-02-30&to=2026-03-01", "YYYY-MM-DD"),
        ("from=20261120&to=2026-11-20", "YYYY-MM-DD"),
        ("from=2026-11-21&to=2026-11-20", "must not be after"),
        ("from=2025-01-01&to=2026-01-02", "at most 366"),
        ("from=1999-12-31&to=2000-01-01", "2000-01-01 or later"),
        ("from=2026-11-20&to=2026-11-20&by=week", "`by` must be"),
        (
            "from=2026-11-20&to=2026-11-20&tz=Mars/Olympus",
            "IANA time zone",
        ),
        ("from=2026-11-20&to=2026-11-20&tz=%2B25:00", "`tz` must be"),
        (
            "from=2026-11-20&to=2026-11-20&format=xml",
            "`format` must be",
        ),
    ] {
        let r = app
            .request("reports", "GET", &format!("/api/admin/reports?{query}"))
            .admin()
            .send();
        assert_eq!(r.status, 400, "{query}: {}", r.text());
        assert_eq!(r.error_code(), "invalid_parameter");
        assert!(r.text().contains(says), "{query}: {}", r.text());
    }
    // A leap year's 366 days are fine.
    app.request(
        "reports",
        "GET",
        "/api/admin/reports?from=2028-01-01&to=2028-12-31",
    )
    .admin()
    .send()
    .expect(200);
    // Admins only.
    app.request(
        "reports",
        "GET",
        "/api/admin/reports?from=2026-11-20&to=2026-11-20",
    )
    .send()
    .expect(401);
    let r = app
        .request(
            "reports",
            "GET",
            "/api/admin/reports?from=2026-11-20&to=2026-11-20",
        )
        .bearer(&agent.token)
        .send();
    assert_eq!(r.status, 401, "{}", r.text());
    app.request("reports", "POST", "/api/admin/reports")
        .admin()
        .send()
        .expect(405);
}

/// A day is the customer's local day even where clocks change: in New York 2026-03-08 is 23
/// hours long (02:00 EST becomes 03:00 EDT at 07:00 UTC), so 2026-03-09T03:30Z is 23:30 on the
/// 8th (EDT) and 2026-03-08T04:30Z is 23:30 on the 7th (EST).
#[test]
fn days_follow_daylight_saving_time() {
    let app = App::new();
    // 2026-03-08T04:30:00Z, 2026-03-08T12:00:00Z, 2026-03-09T03:30:00Z, 2026-03-09T04:30:00Z.
    for at in [
        1_772_944_200_000,
        1_772_971_200_000,
        1_773_027_000_000,
        1_773_030_600_000,
    ] {
        app.clock.set(at);
        let v = app.visitor("en");
        app.say(&v, "hello", None);
    }
    let r = report(&app, "from=2026-03-07&to=2026-03-09&tz=America/New_York");
    let per_day: Vec<(String, i64)> = r["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["key"].as_str().unwrap().to_owned(),
                b["conversations"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        per_day,
        vec![
            ("2026-03-07".to_owned(), 1),
            ("2026-03-08".to_owned(), 2),
            ("2026-03-09".to_owned(), 1),
        ]
    );
    // A fixed -05:00 (New York's winter offset all along) puts the fourth message at 23:30 on
    // the 8th: only the zone's own rules count it on the 9th.
    let fixed = report(&app, "from=2026-03-07&to=2026-03-09&tz=-05:00");
    let counts: Vec<i64> = fixed["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["conversations"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, vec![1, 3, 0]);
}
