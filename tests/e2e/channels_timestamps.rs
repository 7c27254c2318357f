//! Vendor timestamps are the sender's numbers: one past what i64 milliseconds hold is no time,
//! never an overflow (found by fuzzing the Telegram webhook: `date` near `i64::MAX` answered
//! 500, and the vendor's retries would all fail the same way).

use spindesk_tests::channels::*;
use spindesk_tests::*;

/// Delivers `vendor`'s sample text with its time field set to `time`; the message is stored.
fn delivers_with_time(vendor: Vendor, set_time: impl Fn(&mut Json)) {
    let app = channel_app();
    let to = app.connect(vendor);
    let mut body: Json = serde_json::from_slice(&vendor.text_sample()).expect("sample");
    set_time(&mut body);
    let r = app.deliver(&to, &serde_json::to_vec(&body).expect("body"));
    assert_eq!(r.status, 200, "{vendor:?}: {}", r.text());
    let text = vendor.sample_text().replace('\'', "''");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM messages WHERE text = '{text}'"
        )),
        1,
        "{vendor:?}: the customer's message is stored"
    );
}

#[test]
fn a_telegram_date_beyond_any_time_is_no_time() {
    for date in [i64::MAX, i64::MIN] {
        delivers_with_time(Vendor::Telegram, |b| b["message"]["date"] = json!(date));
    }
}

#[test]
fn a_whatsapp_timestamp_beyond_any_time_is_no_time() {
    for ts in [i64::MAX, i64::MIN] {
        delivers_with_time(Vendor::WhatsApp, |b| {
            b["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = json!(ts.to_string())
        });
    }
}

#[test]
fn a_slack_ts_beyond_any_time_is_no_time() {
    for ts in ["9223372036854775807.999999", "-9223372036854775808.5"] {
        delivers_with_time(Vendor::Slack, |b| b["event"]["ts"] = json!(ts));
    }
}
