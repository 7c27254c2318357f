//! The admin API: disabled without `admin_token`, agents and their tokens.

use spindesk_native::MapConfig;
use spindesk_tests::*;

#[test]
fn without_admin_token_the_admin_answers_503_with_how_to_enable_it() {
    let app = App::with_config(MapConfig::default());
    let r = app
        .request("admin", "POST", "/api/admin/agents")
        .bearer("anything")
        .json(&json!({"agent": {"name": "Ada", "email": "ada@example.com"}}))
        .send()
        .expect(503);
    assert_eq!(r.error_code(), "admin_disabled");
    assert!(r.text().contains("admin_token"));
    // Nothing else opens either: the tickets API refuses a bearer when no admin token exists.
    app.request("tickets", "GET", "/api/v2/tickets.json")
        .bearer("")
        .send()
        .expect(401);
    app.request("bot", "GET", "/api/bot/settings")
        .send()
        .expect(503);
    app.request("conversations", "GET", "/v2/apps/x/conversations/y")
        .send()
        .expect(503);
}

#[test]
fn an_admin_token_shorter_than_32_characters_keeps_the_admin_disabled() {
    let short = "a".repeat(31);
    let app = App::with_config(MapConfig::default().with("admin_token", &short));
    let r = app
        .request("admin", "GET", "/api/admin/agents")
        .bearer(&short)
        .send()
        .expect(503);
    assert_eq!(r.error_code(), "admin_token_too_short");
    assert!(r.text().contains("31 characters"), "{}", r.text());
    assert!(
        !r.text().contains(&short),
        "the token itself is never echoed"
    );
    // Every surface that accepts the admin token refuses the short one.
    app.request("tickets", "GET", "/api/v2/tickets.json")
        .bearer(&short)
        .send()
        .expect(401);
    let r = app
        .request("conversations", "GET", "/v2/apps/x/conversations/y")
        .bearer(&short)
        .send()
        .expect(503);
    assert_eq!(r.error_code(), "admin_token_too_short");

    // 32 characters is enough.
    let long = "b".repeat(32);
    let app = App::with_config(MapConfig::default().with("admin_token", &long));
    app.request("admin", "GET", "/api/admin/agents")
        .bearer(&long)
        .send()
        .expect(200);
    app.request("tickets", "GET", "/api/v2/tickets.json")
        .bearer(&long)
        .send()
        .expect(200);
}

#[test]
fn admin_routes_refuse_missing_and_wrong_tokens_before_reading_the_body() {
    let app = App::new();
    let r = app
        .request("admin", "GET", "/api/admin/agents")
        .send()
        .expect(401);
    assert_eq!(r.error_code(), "unauthorized");
    app.request("admin", "GET", "/api/admin/agents")
        .bearer("wrong")
        .send()
        .expect(401);
    app.request("admin", "POST", "/api/admin/agents")
        .bearer("wrong")
        .body("{bad json")
        .send()
        .expect(401);
    let r = app
        .request("admin", "GET", "/api/admin/nope")
        .admin()
        .send()
        .expect(404);
    assert_eq!(r.error_code(), "not_found");
    let r = app
        .request("admin", "PATCH", "/api/admin/agents")
        .admin()
        .send()
        .expect(405);
    assert_eq!(r.header("allow"), Some("GET, POST"));
}

#[test]
fn an_agent_gets_a_token_once_and_it_is_stored_as_a_digest() {
    let app = App::new();
    let agent = app.agent("Ada Lovelace", "Ada@Example.com");
    assert!(agent.token.len() >= 40);
    let list = app
        .request("admin", "GET", "/api/admin/agents")
        .admin()
        .send()
        .expect(200);
    let text = list.text();
    assert!(!text.contains(&agent.token), "a listing returned the token");
    assert_eq!(list.json()["agents"][0]["email"], "ada@example.com");
    assert_eq!(list.json()["agents"][0]["role"], "agent");
    let stored = app.rows("SELECT token_hash FROM api_tokens", &[]);
    assert_eq!(stored.len(), 1);
    assert_ne!(
        stored[0][0],
        spindesk_core::ports::Value::Text(agent.token.clone())
    );
    app.zendesk_get(&agent, "/api/v2/tickets.json").expect(200);
}

#[test]
fn agent_input_is_validated() {
    let app = App::new();
    let post = |body: Json| {
        app.request("admin", "POST", "/api/admin/agents")
            .admin()
            .json(&body)
            .send()
    };
    assert_eq!(
        post(json!({"agent": {"name": "", "email": "a@b.co"}}))
            .expect(422)
            .error_code(),
        "invalid_name"
    );
    for email in ["nope", "a@b", "a b@c.de", "@c.de", "a@.de", "a@@c.de"] {
        let r = post(json!({"agent": {"name": "A", "email": email}}));
        assert_eq!(r.status, 422, "{email}");
        assert_eq!(r.error_code(), "invalid_email");
    }
    assert_eq!(
        post(json!({"agent": {"name": "A", "email": "a@b.co", "role": "god"}}))
            .expect(422)
            .error_code(),
        "invalid_role"
    );
    assert_eq!(
        post(json!({"name": "A"})).expect(400).error_code(),
        "invalid_body"
    );
    app.agent("Ada", "ada@example.com");
    let r = post(json!({"agent": {"name": "Ada 2", "email": "ADA@example.com"}})).expect(409);
    assert_eq!(r.error_code(), "email_taken");
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
    assert_eq!(app.count("SELECT count(*) FROM api_tokens"), 1);
}

#[test]
fn tokens_can_be_rotated_and_revoked() {
    let app = App::new();
    let agent = app.agent("Ada", "ada@example.com");
    let r = app
        .request(
            "admin",
            "POST",
            &format!("/api/admin/agents/{}/tokens", agent.id),
        )
        .admin()
        .send()
        .expect(201);
    let second = r.json()["api_token"].as_str().unwrap().to_owned();
    let agent2 = Agent {
        id: agent.id,
        email: agent.email.clone(),
        token: second,
    };
    app.zendesk_get(&agent, "/api/v2/tickets.json").expect(200);
    app.zendesk_get(&agent2, "/api/v2/tickets.json").expect(200);
    app.request(
        "admin",
        "DELETE",
        &format!("/api/admin/agents/{}/tokens", agent.id),
    )
    .admin()
    .send()
    .expect(204);
    app.zendesk_get(&agent, "/api/v2/tickets.json").expect(401);
    app.zendesk_get(&agent2, "/api/v2/tickets.json").expect(401);
    app.request("admin", "POST", "/api/admin/agents/999/tokens")
        .admin()
        .send()
        .expect(404);
    app.request("admin", "POST", "/api/admin/agents/x/tokens")
        .admin()
        .send()
        .expect(404);
}

#[test]
fn the_agent_list_is_paged_with_a_cap() {
    let app = App::new();
    for name in ["Ada", "Bo", "Cy"] {
        app.agent(name, &format!("{}@example.com", name.to_lowercase()));
    }
    let page = |query: &str| {
        app.request("admin", "GET", &format!("/api/admin/agents{query}"))
            .admin()
            .send()
    };
    let first = page("?per_page=2").expect(200).json();
    assert_eq!(first["count"], 3);
    assert_eq!(first["agents"].as_array().unwrap().len(), 2);
    assert_eq!(first["agents"][0]["name"], "Ada");
    assert!(first["next_page"].as_str().unwrap().contains("page=2"));
    assert!(first["previous_page"].is_null());
    let second = page("?per_page=2&page=2").expect(200).json();
    assert_eq!(second["agents"].as_array().unwrap().len(), 1);
    assert_eq!(second["agents"][0]["name"], "Cy");
    assert!(second["next_page"].is_null());
    // The default page holds at most 100; asking for more is refused with the limit.
    assert_eq!(
        page("").expect(200).json()["agents"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let too_many = page("?per_page=101");
    assert_eq!(too_many.status, 400, "{}", too_many.text());
    assert!(too_many.text().contains("per_page"));
}
