//! How long credentials live: widget sessions end when idle, at their absolute limit, or at
//! logout; staff API tokens can expire and record when they were last used.

use spindesk_native::MapConfig;
use spindesk_tests::*;
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

fn read(app: &App, v: &Visitor) -> Resp {
    app.request("widget", "GET", "/api/widget/conversation")
        .bearer(&v.token)
        .send()
}

#[test]
fn a_widget_session_ends_after_its_idle_days_without_a_message() {
    let app = App::with_config(
        MapConfig::default()
            .with("admin_token", ADMIN_TOKEN)
            .with("widget_session_idle_days", "2"),
    );
    let v = app.visitor("en");
    app.clock.advance(DAY);
    app.say(&v, "hello", None);
    // A message keeps it alive: two days after it, not after the start.
    app.clock.advance(DAY + DAY / 2);
    read(&app, &v).expect(200);
    app.clock.advance(DAY);
    let r = read(&app, &v).expect(401);
    assert_eq!(r.error_code(), "session_expired");
    app.request("widget", "POST", "/api/widget/messages")
        .bearer(&v.token)
        .json(&json!({"text": "still there?"}))
        .send()
        .expect(401);
    // The conversation stays for the agents; a new session is a new visitor.
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 1);
    app.visitor("en");
}

#[test]
fn a_widget_session_ends_at_its_absolute_limit_however_active() {
    let app = App::with_config(
        MapConfig::default()
            .with("admin_token", ADMIN_TOKEN)
            .with("widget_session_max_days", "3"),
    );
    let v = app.visitor("en");
    for _ in 0..3 {
        app.clock.advance(DAY - Duration::from_secs(60));
        app.say(&v, "still here", None);
    }
    app.clock.advance(Duration::from_secs(400));
    assert_eq!(read(&app, &v).expect(401).error_code(), "session_expired");
    // Sessions past the limit are swept as new ones start.
    app.visitor("en");
    assert_eq!(app.count("SELECT count(*) FROM widget_sessions"), 1);
}

#[test]
fn logging_out_ends_the_session_at_once() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let end = || {
        app.request("widget", "DELETE", "/api/widget/sessions/current")
            .bearer(&v.token)
            .send()
    };
    end().expect(204);
    assert_eq!(read(&app, &v).expect(401).error_code(), "invalid_session");
    assert_eq!(end().expect(401).error_code(), "invalid_session");
    app.request("widget", "DELETE", "/api/widget/sessions/current")
        .send()
        .expect(401);
    app.request("widget", "GET", "/api/widget/sessions/current")
        .bearer(&v.token)
        .send()
        .expect(405);
    assert_eq!(app.count("SELECT count(*) FROM widget_sessions"), 0);
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE author_type = 'user'"),
        1,
        "the conversation is kept"
    );
}

fn tokens(app: &App, agent: &Agent) -> Json {
    app.request(
        "admin",
        "GET",
        &format!("/api/admin/agents/{}/tokens", agent.id),
    )
    .admin()
    .send()
    .expect(200)
    .json()["tokens"]
        .clone()
}

#[test]
fn an_agent_token_can_expire_and_records_its_last_use() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    assert!(tokens(&app, &agent)[0]["last_used_at"].is_null());
    app.zendesk_get(&agent, "/api/v2/tickets.json").expect(200);
    let listed = tokens(&app, &agent);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0]["last_used_at"].is_string(), "{listed}");
    assert!(listed[0]["expires_at"].is_null());
    assert!(
        !listed.to_string().contains(&agent.token),
        "never the token itself"
    );

    // A token for 30 days.
    let r = app
        .request(
            "admin",
            "POST",
            &format!("/api/admin/agents/{}/tokens", agent.id),
        )
        .admin()
        .json(&json!({"token": {"expires_in_days": 30}}))
        .send()
        .expect(201)
        .json();
    let short = Agent {
        id: agent.id,
        email: agent.email.clone(),
        token: r["api_token"].as_str().unwrap().to_owned(),
    };
    assert!(r["expires_at"].is_string());
    app.zendesk_get(&short, "/api/v2/tickets.json").expect(200);
    app.clock.advance(DAY * 30);
    let refused = app.zendesk_get(&short, "/api/v2/tickets.json").expect(401);
    assert!(refused.text().contains("expired"), "{}", refused.text());
    // The token without expiry still works; the list says which expired.
    app.zendesk_get(&agent, "/api/v2/tickets.json").expect(200);
    let listed = tokens(&app, &agent);
    assert_eq!(listed[0]["expired"], false);
    assert_eq!(listed[1]["expired"], true);
}

#[test]
fn token_lifetimes_are_validated() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    for bad in [
        json!({"token": {"expires_in_days": 0}}),
        json!({"token": {"expires_in_days": 3651}}),
    ] {
        let r = app
            .request(
                "admin",
                "POST",
                &format!("/api/admin/agents/{}/tokens", agent.id),
            )
            .admin()
            .json(&bad)
            .send()
            .expect(422);
        assert_eq!(r.error_code(), "invalid_expires_in_days");
    }
    app.request(
        "admin",
        "POST",
        &format!("/api/admin/agents/{}/tokens", agent.id),
    )
    .admin()
    .json(&json!({"token": {"lifetime": 5}}))
    .send()
    .expect(400);
    assert_eq!(
        tokens(&app, &agent).as_array().unwrap().len(),
        1,
        "nothing issued"
    );
    app.request("admin", "GET", "/api/admin/agents/999/tokens")
        .admin()
        .send()
        .expect(404);
}
