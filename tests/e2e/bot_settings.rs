//! The starter bot's texts, edited through `/api/bot/settings`.

use spindesk_tests::*;

#[test]
fn the_admin_can_change_what_the_bot_says() {
    let app = App::new();
    let r = app
        .request("bot", "GET", "/api/bot/settings")
        .admin()
        .send()
        .expect(200)
        .json();
    let mut settings = r["settings"].clone();
    assert_eq!(settings["en"]["talk_to_person"], "Talk to a person");
    settings["en"]["greeting"] = json!("Welcome to Acme! How can we help?");
    app.request("bot", "PUT", "/api/bot/settings")
        .admin()
        .json(&json!({"settings": settings}))
        .send()
        .expect(200);
    let v = app.visitor("en");
    let r = app.say(&v, "hi", None);
    assert_eq!(
        r["messages"][1]["text"],
        "Welcome to Acme! How can we help?"
    );
}

#[test]
fn bot_settings_are_validated_and_need_the_admin() {
    let app = App::new();
    app.request("bot", "GET", "/api/bot/settings")
        .send()
        .expect(401);
    let mut settings = app
        .request("bot", "GET", "/api/bot/settings")
        .admin()
        .send()
        .json()["settings"]
        .clone();
    settings["ko"]["greeting"] = json!("");
    let r = app
        .request("bot", "PUT", "/api/bot/settings")
        .admin()
        .json(&json!({"settings": settings}))
        .send()
        .expect(422);
    assert!(r.json()["errors"][0]["title"]
        .as_str()
        .unwrap()
        .contains("settings.ko.greeting"));
    let r = app
        .request("bot", "PUT", "/api/bot/settings")
        .admin()
        .json(&json!({"settings": {"en": {}}}))
        .send()
        .expect(400);
    assert_eq!(r.error_code(), "invalid_body");
    assert_eq!(app.count("SELECT count(*) FROM settings"), 0);
    app.request("bot", "GET", "/api/bot/nope")
        .admin()
        .send()
        .expect(404);
}
