//! The bot's settings (greeting, standard responses, ...), edited through `/api/bot/settings`:
//! saved to the draft, live after publishing.

use spindesk_tests::*;

#[test]
fn the_admin_changes_the_greeting_and_it_is_live_after_publishing() {
    let app = App::new();
    let r = app
        .request("bot", "GET", "/api/bot/settings")
        .admin()
        .send()
        .expect(200)
        .json();
    let mut settings = r["settings"].clone();
    assert_eq!(
        settings["responses"]["talk_to_person"]["label"]["en"],
        "Talk to a person"
    );
    assert!(settings.get("answers").is_none());
    settings["greeting"]["text"]["en"] = json!("Welcome to Acme! How can we help?");
    app.request("bot", "PUT", "/api/bot/settings")
        .admin()
        .json(&json!({"settings": settings}))
        .send()
        .expect(200);

    // Saved to the draft only: conversations still run the live (starter) bot.
    let v = app.visitor("en");
    let r = app.say(&v, "hi", None);
    assert!(r["messages"][1]["text"]
        .as_str()
        .unwrap()
        .starts_with("Hi! I'm the Spindesk bot"));

    app.request("bot", "POST", "/api/bot/publish")
        .admin()
        .send()
        .expect(201);
    let w = app.visitor("en");
    let r = app.say(&w, "hi", None);
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
    settings["greeting"]["text"]["ko"] = json!("");
    settings["greeting"]["text"]["en"] = json!("");
    let r = app
        .request("bot", "PUT", "/api/bot/settings")
        .admin()
        .json(&json!({"settings": settings}))
        .send()
        .expect(422);
    let e = &r.json()["errors"][0];
    assert_eq!(e["code"], "text_required");
    assert_eq!(e["source"]["pointer"], "greeting.text");
    let r = app
        .request("bot", "PUT", "/api/bot/settings")
        .admin()
        .json(&json!({"settings": {"greeting": {"txt": "x"}}}))
        .send()
        .expect(400);
    assert_eq!(r.error_code(), "invalid_body");
    assert!(r.json()["errors"][0]["title"]
        .as_str()
        .unwrap()
        .contains("txt"));
    assert_eq!(app.count("SELECT count(*) FROM bot_draft"), 0);
    app.request("bot", "GET", "/api/bot/nope")
        .admin()
        .send()
        .expect(404);
}
