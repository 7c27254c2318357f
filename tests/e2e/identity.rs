//! Signed widget identity (issue 13): signing keys in the admin API, `POST /api/widget/login`
//! with a site-signed HS256 token — the happy path, one history on every device, the anonymous
//! conversation of the same browser merged in, and every refusal a 401 that stores nothing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use spindesk_core::ports::{Clock, Value};
use spindesk_native::MapConfig;
use spindesk_tests::*;

/// A signing key as the admin created it.
pub struct Key {
    pub kid: String,
    pub secret: String,
}

pub fn create_key(app: &App, name: &str) -> Key {
    let r = app
        .request("admin", "POST", "/api/admin/signing_keys")
        .admin()
        .json(&json!({"name": name}))
        .send()
        .expect(201);
    let k = &r.json()["signing_key"];
    Key {
        kid: k["kid"].as_str().expect("kid").to_owned(),
        secret: k["secret"].as_str().expect("secret").to_owned(),
    }
}

/// Signs like a customer's site: any header, any claims (a test's own signer, not ours).
pub fn sign_with(header: &Json, claims: &Json, secret: &str) -> String {
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(signed.as_bytes());
    format!(
        "{signed}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

pub fn now_s(app: &App) -> i64 {
    app.clock.now_ms() / 1000
}

/// A valid token for `external_id`, with `extra` claims on top.
pub fn token(app: &App, key: &Key, external_id: &str, extra: Json) -> String {
    let now = now_s(app);
    let mut claims = json!({"external_id": external_id, "iat": now, "exp": now + 600});
    if let (Some(c), Some(e)) = (claims.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    sign_with(
        &json!({"alg": "HS256", "typ": "JWT", "kid": key.kid}),
        &claims,
        &key.secret,
    )
}

/// Logs in with `jwt`, as the browser holding `anonymous` (if any).
pub fn login(app: &App, jwt: &str, anonymous: Option<&Visitor>) -> Resp {
    let mut r = app
        .request("widget", "POST", "/api/widget/login")
        .json(&json!({"jwt": jwt}));
    if let Some(v) = anonymous {
        r = r.bearer(&v.token);
    }
    r.send()
}

pub fn session(r: Resp) -> Visitor {
    let s = &r.expect(201).json()["session"];
    Visitor {
        token: s["token"].as_str().expect("token").to_owned(),
        conversation_id: s["conversation_id"].as_str().expect("conv").to_owned(),
    }
}

fn texts(app: &App, v: &Visitor) -> Vec<String> {
    app.history(v)
        .iter()
        .filter(|m| m["author"]["type"] == "user")
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn keys_show_their_secret_once_two_are_active_at_most_and_changes_are_audited() {
    let app = App::new();
    let first = create_key(&app, "site 2026");
    assert_eq!(first.secret.len(), 43);
    let second = create_key(&app, "site 2027");
    let third = app
        .request("admin", "POST", "/api/admin/signing_keys")
        .admin()
        .send()
        .expect(409);
    assert_eq!(third.error_code(), "too_many_active_keys");
    let list = app
        .request("admin", "GET", "/api/admin/signing_keys")
        .admin()
        .send()
        .expect(200)
        .text();
    assert!(!list.contains(&first.secret) && !list.contains(&second.secret));
    assert!(list.contains(&first.kid) && list.contains("site 2027"));
    // Revoking frees a slot; a revoked key stays listed, inactive.
    let revoked = app
        .request(
            "admin",
            "DELETE",
            &format!("/api/admin/signing_keys/{}", first.kid),
        )
        .admin()
        .send()
        .expect(200)
        .json();
    assert_eq!(revoked["signing_key"]["active"], false);
    create_key(&app, "site 2028");
    app.request("admin", "DELETE", "/api/admin/signing_keys/sk_nope")
        .admin()
        .send()
        .expect(404);
    app.request("admin", "GET", "/api/admin/signing_keys")
        .send()
        .expect(401);
    // Secrets are sealed when a credentials key is set; never in the audit log.
    let audit = app
        .request("admin", "GET", "/api/admin/audit_log")
        .admin()
        .send()
        .expect(200)
        .text();
    assert!(audit.contains("signing_key.create") && audit.contains("signing_key.revoke"));
    assert!(!audit.contains(&first.secret));
    let name = app
        .request("admin", "POST", "/api/admin/signing_keys")
        .admin()
        .json(&json!({"name": "x".repeat(101)}))
        .send()
        .expect(422);
    assert_eq!(name.error_code(), "invalid_name");
}

#[test]
fn with_a_credentials_key_the_secret_is_stored_sealed_and_still_verifies() {
    let app = App::with_config(
        MapConfig::default()
            .with("admin_token", ADMIN_TOKEN)
            .with("credentials_key", &"ab".repeat(32)),
    );
    let key = create_key(&app, "sealed");
    let stored = app.rows("SELECT secret_sealed FROM signing_keys", &[]);
    let stored = format!("{stored:?}");
    assert!(stored.contains("v1:") && !stored.contains(&key.secret));
    session(login(&app, &token(&app, &key, "cust-1", json!({})), None));
}

#[test]
fn a_signed_token_opens_the_customers_one_history_on_every_device() {
    let app = App::new();
    let key = create_key(&app, "site");
    let jwt = token(
        &app,
        &key,
        "cust-42",
        json!({"name": "Ada Lovelace", "email": "ada@example.com", "email_verified": true}),
    );
    let laptop = session(login(&app, &jwt, None));
    app.say(&laptop, "hello from the laptop", None);
    let phone = session(login(&app, &jwt, None));
    assert_eq!(phone.conversation_id, laptop.conversation_id);
    app.say(&phone, "and from the phone", None);
    assert_eq!(
        texts(&app, &laptop),
        ["hello from the laptop", "and from the phone"]
    );
    assert_eq!(texts(&app, &phone), texts(&app, &laptop));
    // The token's verified e-mail is the customer's, as a verified identity.
    let user = app.rows(
        "SELECT name, email, external_id FROM users WHERE external_id = 'cust-42'",
        &[],
    );
    assert_eq!(format!("{user:?}").matches("ada@example.com").count(), 1);
    assert!(format!("{user:?}").contains("Ada Lovelace"));
    assert_eq!(
        app.count("SELECT count(*) FROM identities WHERE channel = 'email' AND verified = 1"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE role = 'end-user'"),
        1
    );
}

#[test]
fn an_unverified_token_email_is_kept_unverified_and_never_the_customers_email() {
    let app = App::new();
    let key = create_key(&app, "site");
    let jwt = token(
        &app,
        &key,
        "cust-7",
        json!({"email": "maybe@example.com", "email_verified": false}),
    );
    session(login(&app, &jwt, None));
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email IS NOT NULL"),
        0
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM identities WHERE address = 'maybe@example.com' AND verified = 0"
        ),
        1
    );
}

#[test]
fn logging_in_merges_this_browsers_anonymous_conversation_and_ends_its_token() {
    let app = App::new();
    let key = create_key(&app, "site");
    let jwt = token(&app, &key, "cust-9", json!({}));
    // The customer wrote before, on another device, signed in.
    let before = session(login(&app, &jwt, None));
    app.say(&before, "signed in yesterday", None);
    app.clock.advance(std::time::Duration::from_secs(60));
    // Today, anonymously, then they sign in: one conversation, in the order written.
    let anonymous = app.visitor("en");
    app.say(&anonymous, "anonymous today", None);
    let other_browser = app.visitor("en");
    app.say(&other_browser, "someone else entirely", None);
    app.clock.advance(std::time::Duration::from_secs(60));
    let jwt = token(&app, &key, "cust-9", json!({}));
    let now = session(login(&app, &jwt, Some(&anonymous)));
    assert_eq!(now.conversation_id, before.conversation_id);
    assert_eq!(
        texts(&app, &now),
        ["signed in yesterday", "anonymous today"]
    );
    // The anonymous token stopped working; the other browser's visitor is untouched.
    app.request("widget", "GET", "/api/widget/conversation")
        .bearer(&anonymous.token)
        .send()
        .expect(401);
    assert_eq!(texts(&app, &other_browser), ["someone else entirely"]);
    // Sequence numbers are gap-free after the merge.
    let seqs = app.rows(
        "SELECT seq FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE c.public_id = ? ORDER BY seq",
        &[now.conversation_id.clone().into()],
    );
    let n = seqs.len() as i64;
    assert_eq!(
        seqs,
        (1..=n).map(|i| vec![i.into()]).collect::<Vec<Vec<Value>>>()
    );
    // Logging out ends the session; a new anonymous visitor sees nothing of it.
    app.request("widget", "DELETE", "/api/widget/sessions/current")
        .bearer(&now.token)
        .send()
        .expect(204);
    let fresh = app.visitor("en");
    assert!(texts(&app, &fresh).is_empty());
}

#[test]
fn the_first_login_of_a_new_customer_keeps_the_anonymous_conversation() {
    let app = App::new();
    let key = create_key(&app, "site");
    let anonymous = app.visitor("en");
    app.say(&anonymous, "before login", None);
    let jwt = token(&app, &key, "new-1", json!({}));
    let now = session(login(&app, &jwt, Some(&anonymous)));
    assert_eq!(now.conversation_id, anonymous.conversation_id);
    assert_eq!(texts(&app, &now), ["before login"]);
}

/// Every table a refused login could have written to, counted.
fn stored(app: &App) -> Vec<i64> {
    [
        "SELECT count(*) FROM users",
        "SELECT count(*) FROM widget_sessions",
        "SELECT count(*) FROM identities",
        "SELECT count(*) FROM conversations",
        "SELECT count(*) FROM rate_limits",
        "SELECT count(*) FROM signing_keys WHERE last_used_at IS NOT NULL",
    ]
    .iter()
    .map(|sql| app.count(sql))
    .collect()
}

#[test]
fn every_bad_token_is_a_401_with_its_reason_and_stores_nothing() {
    let app = App::new();
    let key = create_key(&app, "site");
    let revoked = create_key(&app, "old");
    app.request(
        "admin",
        "DELETE",
        &format!("/api/admin/signing_keys/{}", revoked.kid),
    )
    .admin()
    .send()
    .expect(200);
    let now = now_s(&app);
    let header = json!({"alg": "HS256", "kid": key.kid});
    let good = |claims: Json| sign_with(&header, &claims, &key.secret);
    let base = json!({"external_id": "c1", "iat": now, "exp": now + 600});
    let with = |k: &str, v: Json| {
        let mut c = base.clone();
        c[k] = v;
        c
    };
    let without = |k: &str| {
        let mut c = base.clone();
        c.as_object_mut().unwrap().remove(k);
        c
    };
    let b64 = |v: Json| URL_SAFE_NO_PAD.encode(v.to_string());
    let big = good(with("name", json!("x".repeat(100 * 1024))));
    let cases: Vec<(&str, String)> = vec![
        ("malformed_token", "not-a-jwt".into()),
        ("malformed_token", "a.b.c".into()),
        (
            "malformed_token",
            format!("{}.{}.!!!", b64(header.clone()), b64(base.clone())),
        ),
        ("token_too_large", big),
        (
            "unsupported_algorithm",
            format!(
                "{}.{}.",
                b64(json!({"alg": "none", "kid": key.kid})),
                b64(base.clone())
            ),
        ),
        (
            "unsupported_algorithm",
            sign_with(&json!({"alg": "HS512", "kid": key.kid}), &base, &key.secret),
        ),
        (
            "missing_kid",
            sign_with(&json!({"alg": "HS256"}), &base, &key.secret),
        ),
        (
            "unknown_key",
            sign_with(
                &json!({"alg": "HS256", "kid": "sk_unknown"}),
                &base,
                &key.secret,
            ),
        ),
        (
            "revoked_key",
            sign_with(
                &json!({"alg": "HS256", "kid": revoked.kid}),
                &base,
                &revoked.secret,
            ),
        ),
        (
            "invalid_signature",
            sign_with(&header, &base, "not the secret"),
        ),
        ("expired", good(with("exp", json!(now - 301)))),
        ("future_iat", good(with("iat", json!(now + 301)))),
        ("lifetime_too_long", good(with("exp", json!(now + 86_401)))),
        ("missing_external_id", good(without("external_id"))),
        (
            "missing_external_id",
            good(with("external_id", json!("  "))),
        ),
        ("invalid_claims", good(without("exp"))),
        ("invalid_claims", good(without("iat"))),
        ("invalid_claims", good(with("external_id", json!(42)))),
        (
            "invalid_claims",
            good(with("email", json!("not an address"))),
        ),
        ("invalid_claims", good(with("email_verified", json!("yes")))),
    ];
    let anonymous = app.visitor("en");
    let before = stored(&app);
    for (code, jwt) in cases {
        let r = login(&app, &jwt, Some(&anonymous));
        assert_eq!(r.status, 401, "{code}: {}", r.text());
        assert_eq!(r.error_code(), code, "{}", r.text());
        assert_eq!(stored(&app), before, "{code} stored something");
    }
    // The anonymous session still works: nothing was merged or ended.
    app.say(&anonymous, "still here", None);
    // Within the skew, a token is fine.
    let skewed = good(with("iat", json!(now + 299)));
    session(login(&app, &skewed, None));
}

#[test]
fn a_body_that_is_not_a_token_is_a_4xx_that_says_so() {
    let app = App::new();
    for (body, status) in [
        ("", 400),
        ("[]", 422),
        ("{\"jwt\": 5}", 422),
        ("{\"jwt\": \"a\", \"x\": 1}", 422),
        ("{", 400),
    ] {
        let r = app
            .request("widget", "POST", "/api/widget/login")
            .body(body)
            .send();
        assert_eq!(r.status, status, "{body}: {}", r.text());
        r.error_code();
    }
    app.request("widget", "GET", "/api/widget/login")
        .send()
        .expect(405);
}

/// A bot that asks for an e-mail address, calls the shop with what it knows, then hands off.
fn asking_bot() -> Json {
    json!({
        "name": "Asks",
        "allowed_hosts": ["shop.example.com"],
        "answers": [{
            "id": "contact", "name": "Contact",
            "phrases": {"en": ["contact me please"]},
            "steps": [
                {"type": "ask_for_details", "id": "ask", "fields": [
                    {"variable": "email", "kind": "email", "label": "Your e-mail?",
                     "ticket_field": "requester.email"}],
                 "next": "call"},
                {"type": "make_api_call", "id": "call", "method": "GET",
                 "url": "https://shop.example.com/who?customer={{customer.email}}&typed={{email}}",
                 "success": "handoff", "failure": "handoff"},
                {"type": "transfer_to_agent", "id": "handoff"}
            ]
        }]
    })
}

fn ok_reply(app: &App) {
    app.outbound.push_reply(Ok(http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(b"{}".to_vec())
        .expect("response")));
}

#[test]
fn a_form_typed_email_stays_unverified_and_is_not_the_customers_email_for_api_calls() {
    let app = App::new();
    app.publish_bot(&asking_bot());
    ok_reply(&app);
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    app.say(&v, "contact me please", None);
    app.say(&v, "grace@example.com", None);
    let sent = app.outbound.sent();
    assert_eq!(
        sent.last().expect("the API call").request.uri(),
        "https://shop.example.com/who?customer=&typed=grace%40example.com"
    );
    // Handed off: the address is an unverified identity, not users.email.
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email IS NOT NULL"),
        0
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM identities WHERE channel = 'email' AND verified = 0 \
             AND address = 'grace@example.com'"
        ),
        1
    );
    // Another customer may type the same address: claims do not collide or link.
    ok_reply(&app);
    let w = app.visitor("en");
    app.say(&w, "hello", None);
    app.say(&w, "contact me please", None);
    app.say(&w, "grace@example.com", None);
    assert_eq!(
        app.count("SELECT count(*) FROM identities WHERE address = 'grace@example.com'"),
        2
    );
    assert_eq!(
        app.count(
            "SELECT count(DISTINCT user_id) FROM identities WHERE address = 'grace@example.com'"
        ),
        2
    );
    // Agents see it as unverified on the Zendesk identities API.
    let agent = app.agent("Agent", "agent@example.com");
    let user_id =
        app.count("SELECT min(user_id) FROM identities WHERE address = 'grace@example.com'");
    let ids = app
        .zendesk_get(&agent, &format!("/api/v2/users/{user_id}/identities"))
        .expect(200)
        .json();
    let email = ids["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["type"] == "email")
        .expect("the typed address")
        .clone();
    assert_eq!(email["value"], "grace@example.com");
    assert_eq!(email["verified"], false);
}

#[test]
fn a_verified_email_from_the_token_is_the_customers_email_for_api_calls() {
    let app = App::new();
    app.publish_bot(&asking_bot());
    let key = create_key(&app, "site");
    let jwt = token(
        &app,
        &key,
        "ada-1",
        json!({"email": "ada@example.com", "email_verified": true}),
    );
    let v = session(login(&app, &jwt, None));
    ok_reply(&app);
    app.say(&v, "hello", None);
    app.say(&v, "contact me please", None);
    app.say(&v, "typed@example.com", None);
    assert_eq!(
        app.outbound.sent().last().expect("call").request.uri(),
        "https://shop.example.com/who?customer=ada%40example.com&typed=typed%40example.com"
    );
}

#[test]
fn bot_steps_cannot_write_customer_facts() {
    let app = App::new();
    let mut bot = asking_bot();
    bot["answers"][0]["steps"][0]["fields"][0]["variable"] = json!("customer.email");
    let r = app
        .request("bot", "POST", "/api/bot/import")
        .admin()
        .json(&bot)
        .send();
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("reserved_variable"), "{}", r.text());
}

#[test]
fn sign_ins_count_against_the_addresss_session_limit() {
    let app = App::new();
    let key = create_key(&app, "site");
    for i in 0..60 {
        session(login(
            &app,
            &token(&app, &key, &format!("c{i}"), json!({})),
            None,
        ));
    }
    let r = login(&app, &token(&app, &key, "one-more", json!({})), None).expect(429);
    assert_eq!(r.error_code(), "rate_limited");
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE external_id = 'one-more'"),
        0
    );
}
