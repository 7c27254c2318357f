//! The switchboard: the bot and the agent workspace as Sunshine switchboard integrations.
//! Passing control to the agents is the bot's hand-off (a ticket opens); releasing it gives
//! the conversation back to the bot.

use crate::sunshine_openapi::Sun;
use spindesk_tests::*;

#[test]
fn the_switchboard_lists_the_bot_and_the_agent_workspace() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let boards = sun.get("/switchboards").expect(200).json();
    let board = &boards["switchboards"][0];
    assert_eq!(board["enabled"], true);
    let id = board["id"].as_str().unwrap();
    let list = sun
        .get(&format!("/switchboards/{id}/switchboardIntegrations"))
        .expect(200)
        .json();
    let names: Vec<&str> = list["switchboardIntegrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bot", "agent"]);
    assert_eq!(
        board["defaultSwitchboardIntegrationId"],
        list["switchboardIntegrations"][0]["id"]
    );
    sun.get("/switchboards/other/switchboardIntegrations")
        .expect(404);
}

fn active(sun: &Sun, cid: &str) -> Json {
    sun.get(&format!("/conversations/{cid}")).expect(200).json()["conversation"].clone()
}

#[test]
fn passing_control_to_agents_opens_a_ticket_and_releasing_hands_back() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let user = sun.user("crm-1", "Ann");
    let uid = user["id"].as_str().unwrap();
    let cid = sun.conversation(uid)["id"].as_str().unwrap().to_owned();
    let say = |text: &str| {
        sun.post(
            &format!("/conversations/{cid}/messages"),
            &json!({"author": {"type": "user", "userId": uid}, "content": {"type": "text", "text": text}}),
        )
        .expect(201)
    };
    say("my order is late");
    let control =
        |action: &str, body: Json| sun.post(&format!("/conversations/{cid}/{action}"), &body);

    control(
        "passControl",
        json!({"switchboardIntegration": "zd:agentWorkspace", "metadata": {"why": "vip"}}),
    )
    .expect(200);
    let c = active(&sun, &cid);
    assert_eq!(c["activeSwitchboardIntegration"]["name"], "agent");
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    let ticket = app.count("SELECT id FROM tickets");
    assert_eq!(c["metadata"]["spindesk.ticketId"], ticket);
    // The ticket holds the transcript, and what the customer says now joins it (no bot).
    let bot_messages = app.count("SELECT count(*) FROM messages WHERE author_type = 'bot'");
    say("still waiting");
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE author_type = 'bot'"),
        bot_messages
    );
    assert!(app.count("SELECT count(*) FROM ticket_comments WHERE body = 'still waiting'") == 1);
    // Passing again to who has it changes nothing.
    control("passControl", json!({"switchboardIntegration": "agent"})).expect(200);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);

    control("releaseControl", json!({"reason": "ticketClosed"})).expect(200);
    let c = active(&sun, &cid);
    assert_eq!(c["activeSwitchboardIntegration"]["name"], "bot");
    assert!(c["metadata"].get("spindesk.ticketId").is_none());
    say("hello again");
    assert!(app.count("SELECT count(*) FROM messages WHERE author_type = 'bot'") > bot_messages);
    assert_eq!(
        app.count("SELECT count(*) FROM tickets"),
        1,
        "the ticket stays for the agents"
    );

    // `next` from the bot is the agents: the ticket they still have, not a second one, with
    // what was said meanwhile as the customer's comment (one unclosed ticket per conversation).
    control("passControl", json!({"switchboardIntegration": "next"})).expect(200);
    let c = active(&sun, &cid);
    assert_eq!(c["activeSwitchboardIntegration"]["name"], "agent");
    assert_eq!(c["metadata"]["spindesk.ticketId"], ticket);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM ticket_comments WHERE body LIKE 'Ann: hello again%' AND public = 1"
        ),
        1
    );
}

#[test]
fn offered_control_is_pending_until_accepted() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let user = sun.user("crm-1", "Ann");
    let cid = sun.conversation(user["id"].as_str().unwrap())["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let control =
        |action: &str, body: Json| sun.post(&format!("/conversations/{cid}/{action}"), &body);
    assert_eq!(
        control("acceptControl", json!({})).expect(409).error_code(),
        "conflict"
    );
    control("offerControl", json!({"switchboardIntegration": "bot"})).expect(409);
    control(
        "offerControl",
        json!({"switchboardIntegration": "spindesk-agent-workspace"}),
    )
    .expect(200);
    let c = active(&sun, &cid);
    assert_eq!(c["pendingSwitchboardIntegration"]["name"], "agent");
    assert_eq!(c["activeSwitchboardIntegration"]["name"], "bot");
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 0);
    control("acceptControl", json!({"metadata": {"by": "crm"}})).expect(200);
    let c = active(&sun, &cid);
    assert!(c.get("pendingSwitchboardIntegration").is_none());
    assert_eq!(c["activeSwitchboardIntegration"]["name"], "agent");
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);

    for (action, body, says) in [
        ("passControl", json!({}), "switchboardIntegration"),
        (
            "passControl",
            json!({"switchboardIntegration": "zendesk"}),
            "zendesk",
        ),
        (
            "passControl",
            json!({"switchboardIntegration": 5}),
            "switchboardIntegration",
        ),
        (
            "passControl",
            json!({"switchboardIntegration": "bot", "metadata": {"a": {}}}),
            "metadata",
        ),
        (
            "offerControl",
            json!({"switchboardIntegration": "bot", "extra": 1}),
            "extra",
        ),
        (
            "releaseControl",
            json!({"switchboardIntegration": "bot"}),
            "switchboardIntegration",
        ),
    ] {
        let r = control(action, body.clone()).expect(400);
        assert!(r.text().contains(says), "{action} {body} → {}", r.text());
    }
    assert_eq!(
        active(&sun, &cid)["activeSwitchboardIntegration"]["name"],
        "agent"
    );
    sun.post(
        "/conversations/nope/passControl",
        &json!({"switchboardIntegration": "agent"}),
    )
    .expect(404);
    let r = app
        .request(
            "conversations",
            "POST",
            &sun.url(&format!("/conversations/{cid}/takeControl")),
        )
        .header("authorization", &sun.auth)
        .send();
    assert_eq!(r.status, 404);
}
