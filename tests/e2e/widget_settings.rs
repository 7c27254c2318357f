//! The widget as the admin sets it up: look and texts, the embedding allow-list, proactive
//! rules and their counts (`/api/admin/widget`), what the widget reads
//! (`GET /api/widget/settings`, cacheable) and the visitor's read position behind the badge.

use serde_json::{json, Value as Json};
use spindesk_tests::*;

fn put(app: &App, widget: Json) -> Resp {
    app.request("admin", "PUT", "/api/admin/widget")
        .admin()
        .json(&json!({ "widget": widget }))
        .send()
}

fn public(app: &App) -> Resp {
    app.request("widget", "GET", "/api/widget/settings").send()
}

#[test]
fn defaults_before_anything_is_saved() {
    let app = App::new();
    let r = public(&app).expect(200);
    let s = &r.json()["settings"];
    assert_eq!(s["brand_color"], "#1d4ed8");
    assert_eq!(s["position"], json!({"side": "right", "x": 20, "y": 20}));
    assert_eq!(
        s["open_on_mobile"], false,
        "never opens by itself on a phone by default"
    );
    assert_eq!(s["allowed_origins"], json!(["*"]));
    assert_eq!(s["proactive"], json!([]));
    let admin = app
        .request("admin", "GET", "/api/admin/widget")
        .admin()
        .send()
        .expect(200);
    assert_eq!(admin.json()["widget"]["brand_color"], "#1d4ed8");
}

#[test]
fn the_admin_sets_look_and_texts_and_the_widget_reads_them() {
    let app = App::new();
    let saved = put(
        &app,
        json!({
            "brand_color": "#0B5D1E",
            "position": {"side": "left", "x": 32, "y": 48},
            "launcher_label": {"en": " Chat with Acme ", "ko": "상담하기"},
            "title": {"en": "Acme support", "ko": "아크미 고객센터"},
            "greeting": {"en": "Hello!\nHow can we help?", "ko": "안녕하세요!"},
            "avatar_url": "https://cdn.acme.example/a.png",
            "business_name": "Acme",
            "open_on_mobile": true,
            "allowed_origins": ["https://Shop.Acme.example/", "http://localhost:8080"],
            "attention": {"title_prefix": false, "sound": true}
        }),
    )
    .expect(200);
    let w = &saved.json()["widget"];
    assert_eq!(w["brand_color"], "#0b5d1e", "stored in canonical form");
    assert_eq!(w["launcher_label"]["en"], "Chat with Acme", "trimmed");
    assert_eq!(
        w["allowed_origins"],
        json!(["https://shop.acme.example", "http://localhost:8080"])
    );
    let s = public(&app).expect(200).json()["settings"].clone();
    assert_eq!(s["launcher_label"]["ko"], "상담하기");
    assert_eq!(s["title"]["ko"], "아크미 고객센터");
    assert_eq!(s["greeting"]["en"], "Hello!\nHow can we help?");
    assert_eq!(s["position"]["side"], "left");
    assert_eq!(s["avatar_url"], "https://cdn.acme.example/a.png");
    assert_eq!(s["business_name"], "Acme");
    assert_eq!(
        s["attention"],
        json!({"title_prefix": false, "sound": true})
    );
    assert_eq!(s["brand_dark"], "#094f1a", "a darker hover shade");
    assert_eq!(
        app.count("SELECT count(*) FROM admin_audit_log WHERE action = 'widget.update'"),
        1
    );
}

#[test]
fn a_low_contrast_colour_is_refused_with_its_ratio_and_nothing_changes() {
    let app = App::new();
    put(&app, json!({"brand_color": "#0b5d1e"})).expect(200);
    let r = put(&app, json!({"brand_color": "#ffcc00"})).expect(422);
    assert_eq!(r.error_code(), "low_contrast");
    let title = r.json()["errors"][0]["title"].as_str().unwrap().to_owned();
    // #ffcc00 against white: 1.05 / (0.6445 + 0.05) = 1.51.
    assert!(title.contains("1.51:1"), "the measured ratio: {title}");
    assert!(title.contains("4.5:1"), "the ratio needed: {title}");
    assert_eq!(
        public(&app).expect(200).json()["settings"]["brand_color"],
        "#0b5d1e"
    );
    // Just above AA passes (#767676 is 4.54:1), just below does not (#777777 is 4.48:1).
    put(&app, json!({"brand_color": "#767676"})).expect(200);
    put(&app, json!({"brand_color": "#777777"})).expect(422);
}

#[test]
fn bad_settings_get_4xx_saying_what_was_wrong() {
    let app = App::new();
    public(&app).expect(200); // the database exists, so its state can be checked after
    let cases = [
        (json!({"brand_color": "blue"}), "brand_color"),
        (
            json!({"position": {"side": "left", "x": 500}}),
            "position.x",
        ),
        (json!({"launcher_label": {"en": ""}}), "launcher_label.en"),
        (
            json!({"launcher_label": {"en": "x".repeat(41)}}),
            "launcher_label.en",
        ),
        (json!({"title": {"ko": "a\u{7}b"}}), "title.ko"),
        (
            json!({"avatar_url": "http://cdn.example/a.png"}),
            "avatar_url",
        ),
        (json!({"avatar_url": "https://"}), "avatar_url"),
        (json!({"business_name": "  "}), "business_name"),
        (json!({"allowed_origins": []}), "allowed_origins"),
        (
            json!({"allowed_origins": ["shop.example"]}),
            "allowed_origins",
        ),
        (
            json!({"allowed_origins": ["https://shop.example/path"]}),
            "allowed_origins",
        ),
        (
            json!({"proactive": [{"url": "pricing", "message": "Hi"}]}),
            "proactive[0].url",
        ),
        (
            json!({"proactive": [{"url": "/p", "message": ""}]}),
            "proactive[0].message",
        ),
        (
            json!({"proactive": [{"url": "/p", "message": "Hi", "seconds": 4000}]}),
            "proactive[0].seconds",
        ),
        (
            json!({"proactive": [{"url": "/p", "message": "Hi", "locale": "fr"}]}),
            "proactive[0].locale",
        ),
        (
            json!({"proactive": [{"url": "/p", "message": "Hi", "quick_replies": ["a", "b", "c", "d"]}]}),
            "proactive[0].quick_replies",
        ),
        (
            json!({"proactive": [{"id": "x", "url": "/p", "message": "Hi"}, {"id": "x", "url": "/q", "message": "Ho"}]}),
            "proactive[1].id",
        ),
    ];
    for (body, field) in cases {
        let r = put(&app, body.clone());
        assert_eq!(r.status, 422, "{body} answered {}: {}", r.status, r.text());
        let title = r.json()["errors"][0]["title"].as_str().unwrap().to_owned();
        assert!(title.contains(&format!("`{field}`")), "{body}: {title}");
    }
    // Shapes serde refuses: unknown fields, wrong types, a third locale.
    for body in [
        json!({"brand_colour": "#000000"}),
        json!({"open_on_mobile": "yes"}),
        json!({"title": {"fr": "Bonjour"}}),
        json!({"proactive": [{"url": "/p", "message": "Hi", "match": "regex"}]}),
    ] {
        let r = put(&app, body.clone());
        assert_eq!(r.status, 400, "{body} answered {}: {}", r.status, r.text());
        assert_eq!(r.error_code(), "invalid_body");
    }
    let r = app
        .request("admin", "PUT", "/api/admin/widget")
        .admin()
        .body("{not json")
        .send()
        .expect(400);
    assert_eq!(r.error_code(), "invalid_json");
    // Nothing was saved by any of them.
    assert_eq!(
        app.count("SELECT count(*) FROM settings WHERE key = 'widget'"),
        0
    );
    // Without the admin token: 401, and the settings stay as they were.
    app.request("admin", "PUT", "/api/admin/widget")
        .json(&json!({"widget": {"brand_color": "#000000"}}))
        .send()
        .expect(401);
    app.request("admin", "DELETE", "/api/admin/widget")
        .admin()
        .send()
        .expect(405);
    app.request("widget", "POST", "/api/widget/settings")
        .send()
        .expect(405);
}

#[test]
fn settings_are_cacheable_with_an_etag_that_changes_with_them() {
    let app = App::new();
    let first = public(&app).expect(200);
    let etag = first.header("etag").expect("an etag").to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    let cache = first.header("cache-control").unwrap_or_default();
    assert!(
        cache.contains("public") && cache.contains("no-cache"),
        "{cache}"
    );
    assert_eq!(first.header("access-control-allow-origin"), Some("*"));

    let same = app
        .request("widget", "GET", "/api/widget/settings")
        .header("if-none-match", &etag)
        .send()
        .expect(304);
    assert!(same.body.is_empty(), "a 304 has no body");
    assert_eq!(same.header("etag"), Some(etag.as_str()));
    app.request("widget", "GET", "/api/widget/settings")
        .header("if-none-match", &format!("W/\"other\", W/{etag}"))
        .send()
        .expect(304);

    put(&app, json!({"brand_color": "#0b5d1e"})).expect(200);
    let changed = app
        .request("widget", "GET", "/api/widget/settings")
        .header("if-none-match", &etag)
        .send()
        .expect(200);
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
    assert_eq!(changed.json()["settings"]["brand_color"], "#0b5d1e");
}

#[test]
fn a_site_outside_the_allow_list_gets_no_session() {
    let app = App::new();
    put(&app, json!({"allowed_origins": ["https://shop.example"]})).expect(200);
    let start = |origin: Option<&str>| {
        let mut r = app
            .request("widget", "POST", "/api/widget/sessions")
            .json(&json!({"locale": "en"}));
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.send()
    };
    let refused = start(Some("https://evil.example")).expect(403);
    assert_eq!(refused.error_code(), "origin_not_allowed");
    assert!(refused.text().contains("evil.example"));
    assert_eq!(
        app.count("SELECT count(*) FROM widget_sessions"),
        0,
        "nothing written"
    );
    start(Some("https://shop.example")).expect(201);
    start(Some("https://SHOP.example")).expect(201);
    // Not from a page (an app or a script): the allow-list is about embedding pages.
    start(None).expect(201);
    put(&app, json!({"allowed_origins": ["*"]})).expect(200);
    start(Some("https://evil.example")).expect(201);
}

#[test]
fn proactive_rules_get_ids_and_count_shown_and_clicked() {
    let app = App::new();
    let w = put(
        &app,
        json!({"proactive": [
            {"url": "/pricing*", "match": "glob", "seconds": 5, "visitor": "new", "locale": "en",
             "message": "Questions about plans?", "quick_replies": ["Compare plans", "Talk to sales"]},
            {"id": "blog", "url": "/blog", "message": "Enjoy the read"}
        ]}),
    )
    .expect(200)
    .json()["widget"]
        .clone();
    let id = w["proactive"][0]["id"]
        .as_str()
        .expect("an id was assigned")
        .to_owned();
    assert_eq!(w["proactive"][1]["id"], "blog");
    assert_eq!(w["proactive"][1]["match"], "prefix");
    assert_eq!(w["proactive"][1]["visitor"], "any");
    assert_eq!(w["proactive"][0]["shown"], 0);

    let report = |rule: &str, what: &str| {
        app.request(
            "widget",
            "POST",
            &format!("/api/widget/proactive/{rule}/{what}"),
        )
        .send()
    };
    report(&id, "shown").expect(204);
    report(&id, "shown").expect(204);
    report(&id, "clicked").expect(204);
    assert_eq!(
        report("nope", "shown").expect(404).error_code(),
        "unknown_rule"
    );
    report(&id, "liked").expect(404);
    app.request(
        "widget",
        "GET",
        &format!("/api/widget/proactive/{id}/shown"),
    )
    .send()
    .expect(405);

    let admin = app
        .request("admin", "GET", "/api/admin/widget")
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(admin["widget"]["proactive"][0]["shown"], 2);
    assert_eq!(admin["widget"]["proactive"][0]["clicked"], 1);
    assert_eq!(admin["widget"]["proactive"][1]["shown"], 0);
    // Counts are not part of the public settings.
    let public_rule = &public(&app).expect(200).json()["settings"]["proactive"][0];
    assert!(public_rule.get("shown").is_none(), "{public_rule}");

    // Saving the rules again (with their ids) keeps the counts; dropping a rule drops its counts.
    let mut rules = w["proactive"].clone();
    for r in rules.as_array_mut().unwrap() {
        let o = r.as_object_mut().unwrap();
        o.remove("shown");
        o.remove("clicked");
    }
    put(&app, json!({"proactive": rules})).expect(200);
    assert_eq!(app.count("SELECT shown FROM widget_proactive_counts"), 2);
    put(&app, json!({"proactive": [rules[1].clone()]})).expect(200);
    assert_eq!(app.count("SELECT count(*) FROM widget_proactive_counts"), 0);
    report(&id, "shown").expect(404);
}

#[test]
fn counts_from_one_address_are_limited() {
    let app = App::new();
    put(
        &app,
        json!({"proactive": [{"id": "p", "url": "/", "message": "Hi"}]}),
    )
    .expect(200);
    for _ in 0..30 {
        app.request("widget", "POST", "/api/widget/proactive/p/shown")
            .send()
            .expect(204);
    }
    let r = app
        .request("widget", "POST", "/api/widget/proactive/p/shown")
        .send()
        .expect(429);
    assert!(r.header("retry-after").is_some());
    assert_eq!(app.count("SELECT shown FROM widget_proactive_counts"), 30);
}

#[test]
fn the_visitors_read_position_is_shared_by_every_tab() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "hello", None); // seq 1 (the visitor), seq 2 (the bot's greeting)
    let conversation = |token: &str| {
        app.request("widget", "GET", "/api/widget/conversation")
            .bearer(token)
            .send()
            .expect(200)
            .json()
    };
    assert_eq!(conversation(&v.token)["read_seq"], 0, "nothing read yet");
    app.request("widget", "POST", "/api/widget/read")
        .bearer(&v.token)
        .json(&json!({"seq": 2}))
        .send()
        .expect(200);
    // Another tab or device with the same session reads the same position.
    assert_eq!(conversation(&v.token)["read_seq"], 2);
    let r = app
        .request("widget", "POST", "/api/widget/read")
        .bearer(&v.token)
        .json(&json!({"seq": 9}))
        .send()
        .expect(422);
    assert_eq!(r.error_code(), "invalid_seq");
    assert_eq!(conversation(&v.token)["read_seq"], 2);
}

#[test]
fn fields_from_the_page_become_bot_variables_and_ticket_fields_at_hand_off() {
    let app = App::new();
    let v = app.visitor("en");
    let put_fields = |body: Json| {
        app.request("widget", "PUT", "/api/widget/fields")
            .bearer(&v.token)
            .json(&body)
            .send()
    };
    // Pages on other origins send it cross-origin: the preflight must allow PUT.
    let pre = app
        .request("widget", "OPTIONS", "/api/widget/fields")
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "PUT")
        .send()
        .expect(204);
    assert!(pre
        .header("access-control-allow-methods")
        .unwrap_or_default()
        .contains("PUT"));
    let r = put_fields(json!({"fields": {"plan": "gold", "360001": "VIP"}})).expect(200);
    assert_eq!(r.json()["fields"]["plan"], "gold");
    let state: Json = serde_json::from_str(&match &app
        .rows("SELECT bot_state FROM conversations", &[])[0][0]
    {
        spindesk_core::ports::Value::Text(t) => t.clone(),
        other => panic!("bot_state is {other:?}"),
    })
    .unwrap();
    assert_eq!(state["variables"]["plan"], "gold");
    assert_eq!(state["ticket_fields"]["custom_fields.360001"], "VIP");

    app.say(&v, "hello", None);
    app.say(&v, "Talk to a person", Some("handoff"));
    let custom = app.rows("SELECT custom_fields FROM tickets", &[]);
    assert_eq!(custom.len(), 1, "the hand-off opened a ticket");
    let spindesk_core::ports::Value::Text(custom) = &custom[0][0] else {
        panic!("custom_fields is {:?}", custom[0][0]);
    };
    let custom: Json = serde_json::from_str(custom).unwrap();
    assert_eq!(custom, json!([{"id": 360001, "value": "VIP"}]));
}

#[test]
fn bad_fields_get_422_and_change_nothing() {
    let app = App::new();
    let v = app.visitor("en");
    let put_fields = |body: Json| {
        app.request("widget", "PUT", "/api/widget/fields")
            .bearer(&v.token)
            .json(&body)
            .send()
    };
    for (body, says) in [
        (json!({"fields": {}}), "1 to 20"),
        (json!({"fields": {"Plan": "x"}}), "\"Plan\""),
        (json!({"fields": {"plan-name": "x"}}), "\"plan-name\""),
        (json!({"fields": {"plan": "x".repeat(256)}}), "at most 255"),
        (json!({"fields": {"plan": "a\nb"}}), "one line"),
    ] {
        let r = put_fields(body.clone()).expect(422);
        assert_eq!(r.error_code(), "invalid_fields");
        let title = r.json()["errors"][0]["title"].as_str().unwrap().to_owned();
        assert!(title.contains(says), "{body}: {title}");
    }
    let many: serde_json::Map<String, Json> =
        (0..21).map(|i| (format!("f{i}"), json!("x"))).collect();
    put_fields(json!({"fields": many})).expect(422);
    assert_eq!(
        put_fields(json!({"fields": {"plan": 3}}))
            .expect(400)
            .error_code(),
        "invalid_body"
    );
    assert_eq!(
        put_fields(json!({"plan": "x"})).expect(400).error_code(),
        "invalid_body"
    );
    app.request("widget", "PUT", "/api/widget/fields")
        .json(&json!({"fields": {"plan": "x"}}))
        .send()
        .expect(401);
    assert_eq!(
        app.count("SELECT count(*) FROM conversations WHERE bot_state LIKE '%plan%'"),
        0
    );
}
