//! Every route that reads a body refuses one byte over its limit with 413 — naming the limit —
//! before anything is written; at the limit it is read. (The Spin host and the dev server cut
//! off larger streams before they reach a handler: `crates/spindesk-devserver/tests`.)

use spindesk_tests::channels::{channel_app, Vendor};
use spindesk_tests::*;

/// A JSON-looking body of exactly `len` bytes.
fn body_of(len: usize) -> Vec<u8> {
    let mut b = br#"{"pad":""#.to_vec();
    b.resize(len - 2, b'a');
    b.extend_from_slice(br#""}"#);
    b
}

fn stored(app: &App) -> Vec<i64> {
    [
        "users",
        "messages",
        "tickets",
        "groups",
        "integrations",
        "bot_versions",
    ]
    .iter()
    .map(|t| app.count(&format!("SELECT count(*) FROM {t}")))
    .collect()
}

#[test]
fn every_surface_refuses_one_byte_over_its_limit() {
    let app = channel_app();
    let v = app.visitor("en");
    let wa = app.connect(Vendor::WhatsApp);
    let tg = app.connect(Vendor::Telegram);
    let conversation = format!("/v2/apps/app/conversations/{}/messages", v.conversation_id);
    let routes: Vec<(&str, &str, String, usize)> = vec![
        ("widget", "POST", "/api/widget/sessions".into(), 16 * 1024),
        ("widget", "POST", "/api/widget/messages".into(), 16 * 1024),
        ("admin", "POST", "/api/admin/agents".into(), 16 * 1024),
        ("admin", "POST", "/api/admin/integrations".into(), 16 * 1024),
        ("conversations", "POST", conversation, 64 * 1024),
        ("bot", "POST", "/api/bot/import".into(), 2 * 1024 * 1024),
        ("tickets", "POST", "/api/v2/tickets.json".into(), 64 * 1024),
        ("tickets", "POST", "/api/v2/macros.json".into(), 64 * 1024),
        ("tickets", "POST", "/api/v2/views.json".into(), 64 * 1024),
        ("tickets", "POST", "/api/v2/groups.json".into(), 8 * 1024),
        (
            "help-center",
            "POST",
            "/api/v2/help_center/en-us/categories.json".into(),
            1_200_000,
        ),
        ("channels", "POST", wa.path(), 3 * 1024 * 1024),
        ("channels", "POST", tg.path(), 1024 * 1024),
    ];
    let before = stored(&app);
    for (component, method, path, limit) in &routes {
        let send = |len: usize| {
            let mut r = app
                .request(component, method, path)
                .header("content-type", "application/json");
            r = match *component {
                "widget" => r.bearer(&v.token),
                "channels" => r,
                _ => r.admin(),
            };
            r.body(body_of(len)).send()
        };
        let over = send(limit + 1);
        assert_eq!(over.status, 413, "{component} {path}: {}", over.text());
        assert!(
            over.text().contains(&limit.to_string()),
            "{component} {path} names its limit: {}",
            over.text()
        );
        let at = send(*limit);
        assert_ne!(at.status, 413, "{component} {path} reads {limit} bytes");
    }
    assert_eq!(
        stored(&app),
        before,
        "nothing written by the refused or invalid bodies"
    );
}
