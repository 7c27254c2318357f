//! Sunshine API auth: an app's API keys (`/v2/apps/{appId}/keys`), used as Basic
//! `<key id>:<secret>` or to sign a JWT (HS256, `kid`, scope `app`); the admin token keeps
//! working; wrong credentials 401, another app's key 403.

use crate::sunshine_openapi::{basic, Sun};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use spindesk_core::ports::Clock;
use spindesk_native::MapConfig;
use spindesk_tests::*;

const CREDENTIALS_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn app() -> App {
    App::with_config(
        MapConfig::default()
            .with("admin_token", ADMIN_TOKEN)
            .with("credentials_key", CREDENTIALS_KEY),
    )
}

fn jwt(header: &Json, claims: &Json, secret: &str) -> String {
    let head = URL_SAFE_NO_PAD.encode(header.to_string());
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{head}.{body}").as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("Bearer {head}.{body}.{sig}")
}

/// A new key of `sun`'s app: (id, secret).
fn key(sun: &Sun) -> (String, String) {
    let r = sun
        .post("/keys", &json!({"displayName": "CRM"}))
        .expect(201)
        .json();
    (
        r["key"]["id"].as_str().unwrap().to_owned(),
        r["key"]["secret"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn keys_are_shown_once_and_stored_as_digest_and_sealed() {
    let app = app();
    let sun = Sun::admin(&app);
    let (id, secret) = key(&sun);
    assert!(id.starts_with("app_"));
    assert!(secret.len() >= 32);
    let listed = sun.get("/keys").expect(200).json();
    assert_eq!(listed["keys"], json!([{"id": id, "displayName": "CRM"}]));
    let one = sun.get(&format!("/keys/{id}")).expect(200).json();
    assert!(
        one["key"].get("secret").is_none(),
        "the secret is shown once"
    );
    let stored = app.rows(
        "SELECT secret_digest, secret_sealed FROM sunshine_keys",
        &[],
    );
    for cell in &stored[0] {
        let spindesk_core::ports::Value::Text(t) = cell else {
            panic!("{cell:?}")
        };
        assert!(!t.contains(&secret), "the secret is not stored as it is");
    }
    let spindesk_core::ports::Value::Text(sealed) = &stored[0][1] else {
        panic!()
    };
    assert!(sealed.starts_with("v1:"), "sealed with the vault: {sealed}");
    // Another app lists none of them.
    let other = Sun {
        app_id: "app2".into(),
        ..Sun::admin(&app)
    };
    assert_eq!(other.get("/keys").expect(200).json()["keys"], json!([]));
    other.get(&format!("/keys/{id}")).expect(404);

    for (body, says) in [
        (json!({}), "displayName"),
        (json!({"displayName": ""}), "displayName"),
        (json!({"displayName": "x".repeat(101)}), "displayName"),
        (json!({"displayName": "k", "secret": "mine"}), "secret"),
    ] {
        let r = sun.post("/keys", &body).expect(400);
        assert!(r.text().contains(says), "{}", r.text());
    }
    assert_eq!(app.count("SELECT count(*) FROM sunshine_keys"), 1);
    sun.get("/keys/app_nope").expect(404);
    sun.delete(&format!("/keys/{id}")).expect(200);
    assert_eq!(app.count("SELECT count(*) FROM sunshine_keys"), 0);
}

#[test]
fn basic_and_jwt_with_a_key_work_and_wrong_credentials_do_not() {
    let app = app();
    let admin = Sun::admin(&app);
    let (id, secret) = key(&admin);
    admin.user("crm-1", "Ann");

    // Basic with the key.
    let by_key = admin.with_auth(&basic(&id, &secret));
    by_key.get("/users/crm-1").expect(200);
    // A JWT signed with it.
    let token = jwt(
        &json!({"alg": "HS256", "typ": "JWT", "kid": id}),
        &json!({"scope": "app"}),
        &secret,
    );
    let by_jwt = admin.with_auth(&token);
    by_jwt.get("/users/crm-1").expect(200);
    by_jwt
        .post("/users", &json!({"externalId": "crm-2"}))
        .expect(201);
    // Still valid with a future expiry.
    let later = app.clock.now_ms() / 1000 + 60;
    admin
        .with_auth(&jwt(
            &json!({"alg": "HS256", "kid": id}),
            &json!({"scope": "app", "exp": later}),
            &secret,
        ))
        .get("/users/crm-1")
        .expect(200);
    // The admin token as Bearer too.
    admin
        .with_auth(&format!("Bearer {ADMIN_TOKEN}"))
        .get("/users/crm-1")
        .expect(200);

    // Wrong credentials: 401, whichever way.
    let earlier = app.clock.now_ms() / 1000 - 1;
    for auth in [
        String::new(),
        basic(&id, "wrong-secret"),
        basic(&id, ""),
        basic("app_unknown", &secret),
        basic("anyone", "not-the-admin-token"),
        "Bearer not-the-admin-token".into(),
        "Digest abc".into(),
        jwt(
            &json!({"alg": "HS256", "kid": id}),
            &json!({"scope": "app"}),
            "wrong-secret",
        ),
        jwt(
            &json!({"alg": "HS256", "kid": "app_unknown"}),
            &json!({"scope": "app"}),
            &secret,
        ),
        jwt(&json!({"alg": "HS256"}), &json!({"scope": "app"}), &secret),
        jwt(
            &json!({"alg": "HS512", "kid": id}),
            &json!({"scope": "app"}),
            &secret,
        ),
        jwt(
            &json!({"alg": "HS256", "kid": id}),
            &json!({"scope": "user", "userId": "x"}),
            &secret,
        ),
        jwt(
            &json!({"alg": "HS256", "kid": id}),
            &json!({"scope": "app", "exp": earlier}),
            &secret,
        ),
        format!(
            "Bearer {}.{}.",
            URL_SAFE_NO_PAD.encode(json!({"alg": "none", "kid": id}).to_string()),
            URL_SAFE_NO_PAD.encode(json!({"scope": "app"}).to_string())
        ),
        "Bearer a.b.c".into(),
    ] {
        let r = admin.with_auth(&auth).get("/users/crm-1");
        assert_eq!(r.status, 401, "{auth:?} → {}", r.text());
        assert_eq!(r.error_code(), "unauthorized");
        assert!(!r.text().contains(&secret));
    }

    // A key works only in its own app: 403 in another, Basic or JWT.
    let other = Sun {
        app_id: "app2".into(),
        ..Sun::admin(&app)
    };
    let r = other
        .with_auth(&basic(&id, &secret))
        .get("/users/crm-1")
        .expect(403);
    assert_eq!(r.error_code(), "forbidden");
    other.with_auth(&token).get("/users/crm-1").expect(403);
    // A key cannot manage keys.
    by_key.get("/keys").expect(403);
    by_jwt
        .post("/keys", &json!({"displayName": "more"}))
        .expect(403);
    assert_eq!(app.count("SELECT count(*) FROM sunshine_keys"), 1);

    // A deleted key stops working at once.
    admin.delete(&format!("/keys/{id}")).expect(200);
    by_key.get("/users/crm-1").expect(401);
    by_jwt.get("/users/crm-1").expect(401);
}

#[test]
fn without_a_credentials_key_keys_still_work_and_unknown_paths_need_credentials() {
    let app = App::new();
    let admin = Sun::admin(&app);
    let (id, secret) = key(&admin);
    let token = jwt(
        &json!({"alg": "HS256", "kid": id}),
        &json!({"scope": "app"}),
        &secret,
    );
    admin.with_auth(&token).get("/switchboards").expect(200);
    // Paths outside the API: 401 without credentials, 404 with them.
    let r = app
        .request("conversations", "GET", "/v2/apps/app1/nothing-here")
        .send();
    assert_eq!(r.status, 401);
    let r = app
        .request("conversations", "GET", "/v2/apps/app1/nothing-here")
        .header("authorization", &admin.auth)
        .send();
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "not_found");
    let r = app
        .request("conversations", "GET", "/v2/apps")
        .header("authorization", &admin.auth)
        .send();
    assert_eq!(r.status, 404);
}
