//! Sunshine users: create, get by id or externalId, list, update, clients, and deletion as
//! GDPR erasure. Every response is checked against Sunshine's OpenAPI document.

use crate::sunshine_openapi::Sun;
use spindesk_tests::*;

#[test]
fn users_are_created_found_listed_and_updated() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let r = sun
        .post(
            "/users",
            &json!({"externalId": "crm-42", "signedUpAt": "2020-05-21T15:53:30.197Z",
                    "profile": {"givenName": "Ada", "surname": "Lovelace",
                                "email": "ada@example.com", "avatarUrl": "https://example.com/a.png",
                                "locale": "fr-CA"},
                    "metadata": {"plan": "gold", "seats": 3, "trial": false}}),
        )
        .expect(201)
        .json();
    let user = &r["user"];
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user["externalId"], "crm-42");
    assert_eq!(user["profile"]["givenName"], "Ada");
    assert_eq!(user["profile"]["email"], "ada@example.com");
    assert_eq!(user["profile"]["locale"], "fr-CA");
    assert_eq!(user["metadata"]["seats"], 3);
    // Agents see the name in the desk.
    assert_eq!(
        app.rows(
            "SELECT name FROM users WHERE public_id = ?",
            &[id.clone().into()]
        )[0][0],
        spindesk_core::ports::Value::Text("Ada Lovelace".into())
    );

    let by_id = sun.get(&format!("/users/{id}")).expect(200).json();
    let by_external = sun.get("/users/crm-42").expect(200).json();
    assert_eq!(by_id, by_external);
    assert_eq!(by_id["user"]["profile"]["surname"], "Lovelace");

    let listed = sun
        .get("/users?filter[externalId]=crm-42")
        .expect(200)
        .json();
    assert_eq!(listed["users"][0]["id"], id.as_str());
    let listed = sun
        .get("/users?filter[identities.email]=ada@example.com")
        .expect(200)
        .json();
    assert_eq!(listed["users"].as_array().unwrap().len(), 1);
    let none = sun
        .get("/users?filter[externalId]=nobody")
        .expect(200)
        .json();
    assert_eq!(none["users"], json!([]));

    let updated = sun
        .patch(
            &format!("/users/{id}"),
            &json!({"profile": {"surname": "King", "email": null}, "metadata": {"plan": "silver"}}),
        )
        .expect(200)
        .json();
    assert_eq!(updated["user"]["profile"]["givenName"], "Ada");
    assert_eq!(updated["user"]["profile"]["surname"], "King");
    assert!(updated["user"]["profile"].get("email").is_none());
    assert_eq!(updated["user"]["metadata"], json!({"plan": "silver"}));
    assert_eq!(sun.get("/users/crm-42").expect(200).json(), updated);

    // A second user with the same externalId is a conflict, and nothing is written.
    let before = app.count("SELECT count(*) FROM users");
    let r = sun
        .post("/users", &json!({"externalId": "crm-42"}))
        .expect(409);
    assert_eq!(r.error_code(), "conflict");
    assert_eq!(app.count("SELECT count(*) FROM users"), before);
    // Without externalId a user is still created (an anonymous one).
    sun.post("/users", &json!({})).expect(201);
}

#[test]
fn bad_user_input_is_refused_with_what_was_wrong() {
    let app = App::new();
    let sun = Sun::admin(&app);
    sun.user("u1", "Ann");
    let before = app.count("SELECT count(*) FROM users");
    for (body, says) in [
        (json!({"externalId": ""}), "externalId"),
        (json!({"externalId": 7}), "externalId"),
        (
            json!({"profile": {"email": "not-an-email"}}),
            "profile.email",
        ),
        (
            json!({"profile": {"givenName": "x".repeat(129)}}),
            "profile.givenName",
        ),
        (
            json!({"profile": {"avatarUrl": "javascript:alert(1)"}}),
            "profile.avatarUrl",
        ),
        (json!({"profile": {"nickname": "a"}}), "nickname"),
        (json!({"profile": "Ann"}), "profile"),
        (json!({"metadata": {"nested": {"a": 1}}}), "metadata.nested"),
        (json!({"metadata": {"big": "x".repeat(5000)}}), "metadata"),
        (json!({"role": "admin"}), "role"),
        (json!([1, 2]), "object"),
    ] {
        let r = sun.post("/users", &body).expect(400);
        assert!(r.text().contains(says), "{body} → {}", r.text());
    }
    assert_eq!(app.count("SELECT count(*) FROM users"), before);
    let r = app
        .request("conversations", "POST", &sun.url("/users"))
        .header("authorization", &sun.auth)
        .body("{not json")
        .send()
        .expect(400);
    crate::sunshine_openapi::check("POST", &sun.url("/users"), 400, &r.json());
    sun.patch("/users/u1", &json!({"profile": {"locale": ""}}))
        .expect(400);
    sun.patch("/users/u1", &json!({"externalId": "u2"}))
        .expect(400);
    assert_eq!(
        sun.get("/users/nobody").expect(404).error_code(),
        "user_not_found"
    );
    sun.patch("/users/nobody", &json!({})).expect(404);
    sun.delete("/users/nobody").expect(404);
    sun.get("/users").expect(400);
    sun.get("/users?filter[externalId]=a&filter[identities.email]=b")
        .expect(400);
}

#[test]
fn a_widget_visitor_is_a_user_with_an_sdk_client() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let v = app.visitor("en");
    let conversation = sun
        .get(&format!("/conversations/{}", v.conversation_id))
        .expect(200)
        .json();
    assert_eq!(conversation["conversation"]["type"], "personal");
    let participants = sun
        .get(&format!(
            "/conversations/{}/participants",
            v.conversation_id
        ))
        .expect(200)
        .json();
    let user_id = participants["participants"][0]["userId"]
        .as_str()
        .unwrap()
        .to_owned();
    let clients = sun
        .get(&format!("/users/{user_id}/clients"))
        .expect(200)
        .json();
    let list = clients["clients"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["type"], "sdk");
    assert!(
        list[0].get("externalId").is_none(),
        "a device id is not shown"
    );
    assert_eq!(
        participants["participants"][0]["clientAssociations"][0]["clientId"],
        list[0]["id"]
    );
    // An API-created user has none.
    let api_user = sun.user("crm-1", "Bo");
    let clients = sun
        .get(&format!(
            "/users/{}/clients",
            api_user["id"].as_str().unwrap()
        ))
        .expect(200)
        .json();
    assert_eq!(clients["clients"], json!([]));
    sun.get("/users/nobody/clients").expect(404);
    sun.get(&format!("/users/{user_id}/clients?page[size]=0"))
        .expect(400);
}

#[test]
fn deleting_a_user_erases_their_data_and_keeps_the_tickets_audit() {
    let app = App::new();
    let sun = Sun::admin(&app);
    let user = sun.post(
        "/users",
        &json!({"externalId": "gdpr-1", "profile": {"givenName": "Zoe", "email": "zoe@example.com"},
                "metadata": {"vip": true}}),
    )
    .expect(201)
    .json()["user"]
        .clone();
    let uid = user["id"].as_str().unwrap().to_owned();
    let c = sun.conversation(&uid);
    let cid = c["id"].as_str().unwrap();
    let post = |text: &str| {
        sun.post(
            &format!("/conversations/{cid}/messages"),
            &json!({"author": {"type": "user", "userId": uid}, "content": {"type": "text", "text": text}}),
        )
        .expect(201)
    };
    post("My card number is 4111 1111 1111 1111");
    sun.post(
        &format!("/conversations/{cid}/passControl"),
        &json!({"switchboardIntegration": "agent"}),
    )
    .expect(200);
    post("Zoe here, secret details follow");
    let ticket = app.count("SELECT id FROM tickets");
    assert!(app.count("SELECT count(*) FROM ticket_comments") >= 1);
    let audits = app.count("SELECT count(*) FROM ticket_audits");
    assert!(audits >= 1);

    sun.delete("/users/gdpr-1").expect(200);

    // Personal data and messages are gone.
    assert_eq!(
        sun.get(&format!("/users/{uid}")).expect(404).error_code(),
        "user_not_found"
    );
    sun.get("/users/gdpr-1").expect(404);
    sun.get(&format!("/conversations/{cid}")).expect(404);
    assert_eq!(app.count("SELECT count(*) FROM messages"), 0);
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 0);
    let row = app.rows(
        "SELECT name, email, external_id, metadata, sunshine_profile FROM users WHERE public_id = ?",
        &[uid.clone().into()],
    );
    use spindesk_core::ports::Value as V;
    assert_eq!(
        row[0],
        vec![
            V::Text("Deleted user".into()),
            V::Null,
            V::Null,
            V::Text("{}".into()),
            V::Text("{}".into())
        ]
    );
    // The ticket and its audit stay, pointing at the placeholder, with the words removed.
    assert_eq!(app.count("SELECT id FROM tickets"), ticket);
    assert_eq!(app.count("SELECT count(*) FROM ticket_audits"), audits);
    let texts = app.rows(
        "SELECT subject || ' ' || description FROM tickets UNION ALL SELECT body FROM ticket_comments",
        &[],
    );
    for t in texts {
        let V::Text(t) = &t[0] else { panic!("{t:?}") };
        assert!(
            !t.contains("4111") && !t.contains("Zoe"),
            "left behind: {t}"
        );
    }
    // Search forgets the words too.
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_terms WHERE term IN ('4111', 'zoe', 'secret')"),
        0
    );
    // Deleting again: there is no such user any more.
    sun.delete(&format!("/users/{uid}")).expect(404);
}

/// A customer's proven e-mail addresses (a verified identity: here the site's signed token) are
/// their Sunshine `identities`, and `filter[identities.email]` finds them by one; an address
/// only typed (unverified) is neither.
#[test]
fn verified_email_identities_are_listed_and_found() {
    use crate::identity::{create_key, login, session, token};
    use spindesk_core::ports::Sql;
    let app = App::new();
    let sun = Sun::admin(&app);
    let key = create_key(&app, "site");
    let jwt = token(
        &app,
        &key,
        "cust-9",
        json!({"email": "grace@example.com", "email_verified": true}),
    );
    session(login(&app, &jwt, None));
    // A second, unverified address claimed for them.
    let user_id = app.count("SELECT id FROM users WHERE external_id = 'cust-9'");
    app.db()
        .execute(
            "INSERT INTO identities (user_id, channel, address, verified, created_at) \
             VALUES (?, 'email', 'typed@example.com', 0, 0)",
            &[user_id.into()],
        )
        .expect("claim");
    let user = sun.get("/users/cust-9").expect(200).json();
    assert_eq!(
        user["user"]["identities"],
        json!([{"type": "email", "value": "grace@example.com"}])
    );
    let found = sun
        .get("/users?filter[identities.email]=grace@example.com")
        .expect(200)
        .json();
    assert_eq!(found["users"][0]["externalId"], "cust-9");
    let typed = sun
        .get("/users?filter[identities.email]=typed@example.com")
        .expect(200)
        .json();
    assert_eq!(typed["users"], json!([]));
}
