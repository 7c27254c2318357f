//! Files in conversations: widget uploads (read as a stream), messages that carry them, and
//! downloads through signed, expiring links (the `files` component).

use spindesk_core::ports::Sql;
use spindesk_native::MapConfig;
use spindesk_tests::*;
use std::time::Duration;

const PNG: &[u8] = include_bytes!("../fixtures/attachments/parcel.png");
const PDF: &[u8] = include_bytes!("../fixtures/attachments/return-label.pdf");

fn app_with(extra: &[(&str, &str)]) -> App {
    let mut config = MapConfig::default()
        .with("admin_token", ADMIN_TOKEN)
        .with("attachment_url_key", ATTACHMENT_URL_KEY);
    for (name, value) in extra {
        config = config.with(name, value);
    }
    App::with_config(config)
}

fn stored_files(app: &App) -> (i64, i64) {
    let parts = app
        .attachments_db()
        .execute("SELECT count(*) FROM file_parts", &[])
        .map(|rows| match rows.rows[0][0] {
            spindesk_core::ports::Value::Integer(n) => n,
            _ => -1,
        })
        // No part was ever written: the database has no tables yet.
        .unwrap_or(0);
    (app.count("SELECT count(*) FROM attachments"), parts)
}

/// Uploads `bytes` and sends them in a message with `text`: the customer's message as the
/// widget got it back.
fn send_file(app: &App, v: &Visitor, name: &str, bytes: &[u8], text: &str) -> Json {
    let up = app.upload(v, name, bytes).expect(201).json();
    let id = up["attachment"]["id"].as_str().unwrap().to_owned();
    let r = app
        .request("widget", "POST", "/api/widget/messages")
        .bearer(&v.token)
        .json(&json!({"text": text, "attachments": [id]}))
        .send()
        .expect(201)
        .json();
    r["message"].clone()
}

#[test]
fn an_upload_goes_out_in_a_message_and_the_customer_downloads_it() {
    let app = App::new();
    let v = app.visitor("en");
    let message = send_file(&app, &v, "parcel.png", PNG, "The parcel arrived broken");
    assert_eq!(message["text"], "The parcel arrived broken");
    let file = &message["attachments"][0];
    assert_eq!(file["file_name"], "parcel.png");
    assert_eq!(file["content_type"], "image/png");
    assert_eq!(file["kind"], "image");
    assert_eq!(file["size"], PNG.len());
    let url = file["url"].as_str().unwrap();

    let got = app.download(url, &[]).expect(200);
    assert_eq!(got.body, PNG);
    assert_eq!(got.header("content-type"), Some("image/png"));
    assert!(got
        .header("content-disposition")
        .unwrap()
        .starts_with("inline; filename=\"parcel.png\""));
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(got.header("content-security-policy"), Some("sandbox"));

    // The history shows the file too, with a fresh link.
    let history = app.history(&v);
    let first = history
        .iter()
        .find(|m| m["author"]["type"] == "user")
        .unwrap();
    assert_eq!(first["has_attachments"], true);
    assert_eq!(first["attachments"][0]["id"], file["id"]);
    // And the file now belongs to the conversation, linked to the message.
    assert_eq!(
        app.count("SELECT count(*) FROM attachments WHERE message_id IS NOT NULL AND conversation_id IS NOT NULL"),
        1
    );
}

#[test]
fn a_message_may_be_only_files() {
    let app = App::new();
    let v = app.visitor("en");
    let message = send_file(&app, &v, "label.pdf", PDF, "");
    assert_eq!(message["text"], "");
    assert_eq!(message["attachments"][0]["content_type"], "application/pdf");
    // Still nothing at all is refused.
    app.request("widget", "POST", "/api/widget/messages")
        .bearer(&v.token)
        .json(&json!({"text": "", "attachments": []}))
        .send()
        .expect(422);
}

#[test]
fn a_documents_link_downloads_it_and_a_png_named_pdf_is_stored_as_png() {
    let app = App::new();
    let v = app.visitor("en");
    let pdf = send_file(&app, &v, "label.pdf", PDF, "label");
    let got = app
        .download(pdf["attachments"][0]["url"].as_str().unwrap(), &[])
        .expect(200);
    assert!(got
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment; filename=\"label.pdf\""));

    let png = app.upload(&v, "receipt.pdf", PNG).expect(201).json();
    assert_eq!(png["attachment"]["content_type"], "image/png");
    assert_eq!(png["attachment"]["file_name"], "receipt.png");
}

#[test]
fn another_customers_link_or_upload_opens_nothing_of_mine() {
    let app = App::new();
    let (mine, theirs) = (app.visitor("en"), app.visitor("en"));
    let my_file = send_file(&app, &mine, "parcel.png", PNG, "mine");
    let their_file = send_file(&app, &theirs, "label.pdf", PDF, "theirs");
    let my_url = my_file["attachments"][0]["url"].as_str().unwrap();
    let their_url = their_file["attachments"][0]["url"].as_str().unwrap();
    // Their token on my file's path.
    let their_token = their_url.split("token=").nth(1).unwrap();
    let my_path = my_url.split('?').next().unwrap();
    let r = app
        .download(&format!("{my_path}?token={their_token}"), &[])
        .expect(403);
    assert_eq!(r.json()["errors"][0]["code"], "token_invalid");
    // A token altered by one character, or none at all.
    let mut altered = my_url.to_owned();
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'B' } else { 'A' });
    app.download(&altered, &[]).expect(403);
    app.download(my_path, &[]).expect(403);

    // Their upload cannot be sent in my message.
    let up = app.upload(&theirs, "x.png", PNG).expect(201).json();
    let r = app
        .request("widget", "POST", "/api/widget/messages")
        .bearer(&mine.token)
        .json(&json!({"text": "look", "attachments": [up["attachment"]["id"]]}))
        .send()
        .expect(422);
    assert_eq!(r.json()["errors"][0]["code"], "invalid_attachment");
    // ...and the refused message was not written either.
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE text = 'look'"),
        0
    );
}

#[test]
fn a_customers_link_expires_after_its_lifetime() {
    let app = app_with(&[("attachment_link_customer_minutes", "30")]);
    let v = app.visitor("en");
    let file = send_file(&app, &v, "parcel.png", PNG, "photo");
    let url = file["attachments"][0]["url"].as_str().unwrap();
    app.clock.advance(Duration::from_secs(29 * 60));
    app.download(url, &[]).expect(200);
    app.clock.advance(Duration::from_secs(2 * 60));
    let r = app.download(url, &[]).expect(403);
    assert_eq!(r.json()["errors"][0]["code"], "link_expired");
}

#[test]
fn without_a_signing_key_downloads_are_unavailable_not_open() {
    let app = App::with_config(MapConfig::default().with("admin_token", ADMIN_TOKEN));
    let v = app.visitor("en");
    let file = send_file(&app, &v, "parcel.png", PNG, "photo");
    let r = app
        .download(file["attachments"][0]["url"].as_str().unwrap(), &[])
        .expect(503);
    assert_eq!(r.json()["errors"][0]["code"], "attachments_disabled");
}

#[test]
fn an_oversize_upload_is_refused_after_limit_plus_one_byte_and_nothing_is_kept() {
    let app = app_with(&[("attachment_max_bytes", "300000")]);
    let v = app.visitor("en");
    // A PNG of 1 MB: its first part (256 KiB) is written before the limit is passed.
    let mut big = PNG.to_vec();
    big.resize(1_000_000, 0);
    let r = app.upload(&v, "big.png", &big).expect(413);
    assert_eq!(r.json()["errors"][0]["code"], "file_too_large");
    assert_eq!(app.body_read(), Some(300_001));
    assert_eq!(stored_files(&app), (0, 0));

    // Announced too large: refused before a byte is read.
    let r = app
        .request("widget", "POST", "/api/widget/uploads?filename=big.png")
        .bearer(&v.token)
        .header("content-length", "1000000")
        .body(big)
        .send()
        .expect(413);
    assert_eq!(r.json()["errors"][0]["code"], "file_too_large");
    assert_eq!(app.body_read(), Some(0));
    assert_eq!(stored_files(&app), (0, 0));
}

#[test]
fn scripts_and_programs_are_415_and_empty_is_400_with_nothing_kept() {
    let app = App::new();
    let v = app.visitor("en");
    for (name, bytes) in [
        (
            "drawing.svg",
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"[..],
        ),
        (
            "page.png",
            b"<!DOCTYPE html><html><script>alert(1)</script>",
        ),
        (
            "setup.exe",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",
        ),
        (
            "archive.zip",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00notes.txt",
        ),
    ] {
        let r = app.upload(&v, name, bytes).expect(415);
        assert_eq!(
            r.json()["errors"][0]["code"],
            "unsupported_file_type",
            "{name}"
        );
    }
    let r = app.upload(&v, "nothing.txt", b"").expect(400);
    assert_eq!(r.json()["errors"][0]["code"], "empty_file");
    assert_eq!(stored_files(&app), (0, 0));
}

#[test]
fn uploads_need_a_session_and_stay_within_the_sessions_quota() {
    let app = app_with(&[("widget_uploads_per_window", "2")]);
    app.request("widget", "POST", "/api/widget/uploads?filename=a.png")
        .body(PNG.to_vec())
        .send()
        .expect(401);
    let v = app.visitor("en");
    app.upload(&v, "a.png", PNG).expect(201);
    app.upload(&v, "b.png", PNG).expect(201);
    let r = app.upload(&v, "c.png", PNG).expect(429);
    assert_eq!(r.json()["errors"][0]["code"], "rate_limited");
    // Another session has its own quota.
    app.upload(&app.visitor("en"), "d.png", PNG).expect(201);
}

#[test]
fn media_can_be_fetched_a_range_at_a_time() {
    let app = App::new();
    let v = app.visitor("en");
    let file = send_file(&app, &v, "label.pdf", PDF, "label");
    let url = file["attachments"][0]["url"].as_str().unwrap();
    let got = app.download(url, &[("range", "bytes=0-7")]).expect(206);
    assert_eq!(got.body, &PDF[..8]);
    assert_eq!(
        got.header("content-range"),
        Some(format!("bytes 0-7/{}", PDF.len()).as_str())
    );
    let tail = app.download(url, &[("range", "bytes=-5")]).expect(206);
    assert_eq!(tail.body, &PDF[PDF.len() - 5..]);
    let r = app
        .download(url, &[("range", &format!("bytes={}-", PDF.len()))])
        .expect(416);
    assert_eq!(r.json()["errors"][0]["code"], "range_not_satisfiable");
}

#[test]
fn a_large_file_is_stored_in_parts_and_read_back_whole() {
    let app = App::new();
    let v = app.visitor("en");
    // 1 MB of text: four parts of 256 KiB.
    let text: Vec<u8> = (0..1_000_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let file = send_file(&app, &v, "log.txt", &text, "log");
    assert_eq!(stored_files(&app), (1, 4));
    let got = app
        .download(file["attachments"][0]["url"].as_str().unwrap(), &[])
        .expect(200);
    assert_eq!(got.body, text);
    let mid = app
        .download(
            file["attachments"][0]["url"].as_str().unwrap(),
            &[("range", "bytes=262140-262150")],
        )
        .expect(206);
    assert_eq!(mid.body, &text[262_140..=262_150]);
}

/// A customer who asked for a person and then sent `bytes`: their session and the ticket.
fn handed_off_with_file(app: &App, name: &str, bytes: &[u8]) -> (Visitor, i64) {
    let v = app.visitor("en");
    app.say(&v, "Talk to a person", Some("handoff"));
    send_file(app, &v, name, bytes, "Here is the photo");
    (v, app.count("SELECT max(id) FROM tickets"))
}

fn zendesk_upload(app: &App, agent: &Agent, name: &str, bytes: &[u8], token: Option<&str>) -> Resp {
    let mut path = format!("/api/v2/uploads.json?filename={name}");
    if let Some(t) = token {
        path.push_str(&format!("&token={t}"));
    }
    app.request("tickets", "POST", &path)
        .agent(&agent.email, &agent.token)
        .header("content-type", "application/binary")
        .body(bytes.to_vec())
        .send()
}

#[test]
fn the_agent_sees_the_customers_file_and_answers_with_one_the_customer_downloads() {
    let app = App::new();
    let agent = app.agent("Mina", "mina@example.com");
    let (v, ticket) = handed_off_with_file(&app, "parcel.png", PNG);

    // The agent's view: the customer's comment lists the file with an agent's link.
    let comments = app
        .zendesk_get(&agent, &format!("/api/v2/tickets/{ticket}/comments.json"))
        .expect(200)
        .json();
    let with_file = comments["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| !c["attachments"].as_array().unwrap().is_empty())
        .expect("a comment with the photo")
        .clone();
    let file = &with_file["attachments"][0];
    assert_eq!(file["file_name"], "parcel.png");
    assert_eq!(file["content_type"], "image/png");
    assert_eq!(file["size"], PNG.len());
    let agent_url = file["content_url"].as_str().unwrap();
    assert!(
        agent_url.contains("token=a"),
        "an agent's link: {agent_url}"
    );
    assert_eq!(app.download(agent_url, &[]).expect(200).body, PNG);
    // The agent's link lives an hour, not the customer's week.
    app.clock.advance(Duration::from_secs(61 * 60));
    app.download(agent_url, &[]).expect(403);

    // Two files under one token, then a public reply carrying them.
    let up = zendesk_upload(&app, &agent, "return-label.pdf", PDF, None)
        .expect(201)
        .json();
    let token = up["upload"]["token"].as_str().unwrap().to_owned();
    assert_eq!(
        up["upload"]["attachment"]["content_type"],
        "application/pdf"
    );
    let second = zendesk_upload(&app, &agent, "box.png", PNG, Some(&token))
        .expect(201)
        .json();
    assert_eq!(second["upload"]["token"], token.as_str());
    app.zendesk_put(
        &agent,
        &format!("/api/v2/tickets/{ticket}.json"),
        &json!({"ticket": {"comment": {"body": "Here is your return label", "uploads": [token]}}}),
    )
    .expect(200);

    // The customer gets the reply with both files and opens the label.
    let history = app.history(&v);
    let reply = history
        .iter()
        .find(|m| m["text"] == "Here is your return label")
        .expect("the agent's reply");
    let files = reply["attachments"].as_array().unwrap();
    let names: Vec<&str> = files
        .iter()
        .map(|f| f["file_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["return-label.pdf", "box.png"]);
    let label = app
        .download(files[0]["url"].as_str().unwrap(), &[])
        .expect(200);
    assert_eq!(label.body, PDF);
    assert!(label
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment;"));

    // The comment lists them for agents too; the token is used up.
    let comments = app
        .zendesk_get(&agent, &format!("/api/v2/tickets/{ticket}/comments.json"))
        .expect(200)
        .json();
    let last = comments["comments"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["attachments"].as_array().unwrap().len(), 2);
    let r = app
        .zendesk_put(
            &agent,
            &format!("/api/v2/tickets/{ticket}.json"),
            &json!({"ticket": {"comment": {"body": "again", "uploads": [token]}}}),
        )
        .expect(422);
    assert_eq!(r.json()["error"], "RecordInvalid");
}

#[test]
fn an_internal_note_keeps_its_file_from_the_customer() {
    let app = App::new();
    let agent = app.agent("Mina", "mina@example.com");
    let (v, ticket) = handed_off_with_file(&app, "parcel.png", PNG);
    let up = zendesk_upload(&app, &agent, "notes.txt", b"courier damaged it", None)
        .expect(201)
        .json();
    app.zendesk_put(
        &agent,
        &format!("/api/v2/tickets/{ticket}.json"),
        &json!({"ticket": {"comment": {"body": "see notes", "public": false,
                "uploads": [up["upload"]["token"]]}}}),
    )
    .expect(200);
    assert!(app.history(&v).iter().all(|m| m["text"] != "see notes"));
    let comments = app
        .zendesk_get(&agent, &format!("/api/v2/tickets/{ticket}/comments.json"))
        .expect(200)
        .json();
    let note = comments["comments"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(note["public"], false);
    assert_eq!(note["attachments"][0]["file_name"], "notes.txt");
}

#[test]
fn an_unused_upload_can_be_deleted_and_uploads_are_checked() {
    let app = App::new();
    let agent = app.agent("Mina", "mina@example.com");
    let other = app.agent("Jun", "jun@example.com");
    let up = zendesk_upload(&app, &agent, "label.pdf", PDF, None)
        .expect(201)
        .json();
    let token = up["upload"]["token"].as_str().unwrap();
    // Someone else's token is not theirs to delete.
    app.request(
        "tickets",
        "DELETE",
        &format!("/api/v2/uploads/{token}.json"),
    )
    .agent(&other.email, &other.token)
    .send()
    .expect(404);
    app.request(
        "tickets",
        "DELETE",
        &format!("/api/v2/uploads/{token}.json"),
    )
    .agent(&agent.email, &agent.token)
    .send()
    .expect(204);
    assert_eq!(stored_files(&app), (0, 0));

    zendesk_upload(&app, &agent, "", PDF, None).expect(400);
    zendesk_upload(&app, &agent, "page.html", b"<html><script>", None).expect(415);
    app.request("tickets", "POST", "/api/v2/uploads.json?filename=a.pdf")
        .body(PDF.to_vec())
        .send()
        .expect(401);
}

#[test]
fn sunshine_lists_a_message_with_a_photo_as_image_content() {
    use crate::sunshine_openapi::Sun;
    let app = app_with(&[("public_base_url", "https://support.example.com")]);
    let sun = Sun::admin(&app);
    let v = app.visitor("en");
    send_file(&app, &v, "parcel.png", PNG, "broken");
    let page = sun
        .get(&format!("/conversations/{}/messages", v.conversation_id))
        .expect(200)
        .json();
    let mine = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["author"]["type"] == "user")
        .unwrap()
        .clone();
    let content = &mine["content"];
    assert_eq!(content["type"], "image");
    assert_eq!(content["text"], "broken");
    assert_eq!(content["mediaType"], "image/png");
    assert_eq!(content["altText"], "parcel.png");
    let url = content["mediaUrl"].as_str().unwrap();
    assert!(
        url.starts_with("https://support.example.com/attachments/"),
        "{url}"
    );
    let got = app
        .download(content["mediaUrl"].as_str().unwrap(), &[])
        .expect(200);
    assert_eq!(got.body, PNG);
}

/// What the channels' media fetch does, through the core calls it uses: a placeholder linked
/// to the customer's message, filled when the bytes arrive or marked failed when the fetch
/// gives up; and media stored whole.
#[test]
fn a_channel_fetch_fills_a_pending_attachment_or_marks_it_failed() {
    use spindesk_core::attachments::{self, AttachmentError, NewAttachment, Status, Uploader};
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "photos coming", None);
    let ids = app.rows(
        "SELECT conversation_id, id FROM messages WHERE author_type = 'user'",
        &[],
    );
    let (conversation, message) = match (&ids[0][0], &ids[0][1]) {
        (spindesk_core::ports::Value::Integer(c), spindesk_core::ports::Value::Integer(m)) => {
            (*c, *m)
        }
        other => panic!("{other:?}"),
    };
    let sql = spindesk_native::NativeSql::open(&app.db_path());
    let help_center = app.help_center_db();
    let live = app.live_db();
    let files_sql = app.attachments_db();
    let files = spindesk_core::blobs::SqlFiles::new(&files_sql);
    let config = MapConfig::default().with("attachment_url_key", ATTACHMENT_URL_KEY);
    let env = spindesk_core::Env {
        sql: &sql,
        help_center: &help_center,
        live: &live,
        kv: &app.kv,
        outbound: &app.outbound,
        clock: &app.clock,
        random: &app.random,
        config: &config,
        log: &app.log,
        actions: &spindesk_core::ports::NoActions,
        files: &files,
        attachments: &files_sql,
    };
    let db = spindesk_core::store::database(&env).unwrap();
    let photo =
        attachments::create_pending(&env, &db, conversation, Uploader::Channel, "IMG_1.jpg")
            .unwrap();
    let lost = attachments::create_pending(&env, &db, conversation, Uploader::Channel, "IMG_2.jpg")
        .unwrap();
    let both = [photo.public_id.clone(), lost.public_id.clone()];
    attachments::attach_to_message(&db, conversation, message, Uploader::Channel, &both).unwrap();

    // Until the bytes arrive, the customer's message shows placeholders without links.
    let files_of = |app: &App| {
        app.history(&v)
            .into_iter()
            .find(|m| m["text"] == "photos coming")
            .unwrap()["attachments"]
            .clone()
    };
    let shown = files_of(&app);
    assert_eq!(shown[0]["status"], "pending");
    assert!(shown[0]["url"].is_null());

    let filled = attachments::fill_pending(&env, &db, &photo.public_id, PNG).unwrap();
    assert_eq!(filled.status, Status::Stored);
    assert_eq!(filled.content_type, "image/png");
    assert_eq!(filled.file_name, "IMG_1.png");
    // A retried fetch writes nothing twice.
    assert!(matches!(
        attachments::fill_pending(&env, &db, &photo.public_id, PNG),
        Err(AttachmentError::NotFound)
    ));
    assert_eq!(
        attachments::mark_failed(&db, &lost.public_id)
            .unwrap()
            .status,
        Status::Failed
    );

    let shown = files_of(&app);
    assert_eq!(shown[0]["status"], "stored");
    assert_eq!(
        app.download(shown[0]["url"].as_str().unwrap(), &[])
            .expect(200)
            .body,
        PNG
    );
    assert_eq!(shown[1]["status"], "failed");
    assert!(shown[1]["url"].is_null());

    // Media stored whole, already in memory.
    let pdf = attachments::store(
        &env,
        &db,
        NewAttachment {
            conversation_id: Some(conversation),
            uploader: Uploader::Channel,
            file_name: "invoice",
            bytes: PDF,
        },
    )
    .unwrap();
    assert_eq!(
        (pdf.file_name.as_str(), pdf.size),
        ("invoice.pdf", PDF.len() as i64)
    );
    assert!(matches!(
        attachments::store(
            &env,
            &db,
            NewAttachment {
                conversation_id: Some(conversation),
                uploader: Uploader::Channel,
                file_name: "x.svg",
                bytes: b"<svg/>"
            },
        ),
        Err(AttachmentError::Unsupported(_))
    ));
}

#[test]
fn erasing_a_customer_deletes_their_files_and_keeps_the_agents() {
    use crate::sunshine_openapi::Sun;
    let app = App::new();
    let agent = app.agent("Mina", "mina@example.com");
    let (_, ticket) = handed_off_with_file(&app, "parcel.png", PNG);
    let up = zendesk_upload(&app, &agent, "label.pdf", PDF, None)
        .expect(201)
        .json();
    app.zendesk_put(
        &agent,
        &format!("/api/v2/tickets/{ticket}.json"),
        &json!({"ticket": {"comment": {"body": "label", "uploads": [up["upload"]["token"]]}}}),
    )
    .expect(200);
    assert_eq!(stored_files(&app), (2, 2));
    let uid = match &app.rows("SELECT public_id FROM users WHERE role = 'end-user'", &[])[0][0] {
        spindesk_core::ports::Value::Text(id) => id.clone(),
        other => panic!("{other:?}"),
    };
    Sun::admin(&app)
        .delete(&format!("/users/{uid}"))
        .expect(200);
    // The customer's photo is gone, bytes and all; the agent's label stays on the ticket.
    assert_eq!(stored_files(&app), (1, 1));
    let comments = app
        .zendesk_get(&agent, &format!("/api/v2/tickets/{ticket}/comments.json"))
        .expect(200)
        .json();
    let last = comments["comments"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["attachments"][0]["file_name"], "label.pdf");
}

fn multipart(boundary: &str, name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"inline\"\r\n\r\ntrue\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[test]
fn an_article_embeds_an_uploaded_image_whose_link_does_not_expire() {
    let app = App::new();
    let section = app.hc_section("en-us", "Returns");
    let article = app.hc_article(
        "en-us",
        section,
        json!({"title": "Damaged parcels", "body": "<p>Photo</p>"}),
    );
    let path = format!("/api/v2/help_center/articles/{article}/attachments.json");
    let post = |body: Vec<u8>, content_type: &str| {
        app.request("help-center", "POST", &path)
            .admin()
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let r = post(
        multipart("b0undary", "box.png", PNG),
        "multipart/form-data; boundary=b0undary",
    )
    .expect(201)
    .json();
    let a = &r["article_attachment"];
    assert_eq!(a["article_id"], article);
    assert_eq!(a["file_name"], "box.png");
    assert_eq!(a["content_type"], "image/png");
    assert_eq!(a["inline"], true);
    let url = a["content_url"].as_str().unwrap().to_owned();
    assert!(url.contains("token=p"), "a public link: {url}");
    // Embedded in an article, it must keep working: ten years on it still opens.
    app.clock.advance(Duration::from_secs(10 * 365 * 86_400));
    assert_eq!(app.download(&url, &[]).expect(200).body, PNG);

    let svg = multipart("b", "x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>");
    post(svg, "multipart/form-data; boundary=b").expect(415);
    post(PNG.to_vec(), "image/png").expect(400);
    app.request(
        "help-center",
        "POST",
        "/api/v2/help_center/articles/999/attachments",
    )
    .admin()
    .header("content-type", "multipart/form-data; boundary=b")
    .body(multipart("b", "box.png", PNG))
    .send()
    .expect(404);
    app.request("help-center", "POST", &path)
        .header("content-type", "multipart/form-data; boundary=b")
        .body(multipart("b", "box.png", PNG))
        .send()
        .expect(401);
    assert_eq!(stored_files(&app), (1, 1));

    // The articles live in the help center's own database, the files in the main one: deleting
    // an article, or the category its section is in, takes its files too, rows and bytes.
    let other = app.hc_article(
        "en-us",
        section,
        json!({"title": "Lost parcels", "body": "<p>Map</p>"}),
    );
    app.request(
        "help-center",
        "POST",
        &format!("/api/v2/help_center/articles/{other}/attachments"),
    )
    .admin()
    .header("content-type", "multipart/form-data; boundary=b")
    .body(multipart("b", "map.png", PNG))
    .send()
    .expect(201);
    assert_eq!(stored_files(&app), (2, 2));
    app.request(
        "help-center",
        "DELETE",
        &format!("/api/v2/help_center/articles/{article}"),
    )
    .admin()
    .send()
    .expect(204);
    assert_eq!(stored_files(&app), (1, 1));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM attachments WHERE article_id = {other}"
        )),
        1
    );
    assert_eq!(app.download(&url, &[]).status, 404);
    let category = app.help_center_count(&format!(
        "SELECT category_id FROM hc_sections WHERE id = {section}"
    ));
    app.request(
        "help-center",
        "DELETE",
        &format!("/api/v2/help_center/categories/{category}"),
    )
    .admin()
    .send()
    .expect(204);
    assert_eq!(stored_files(&app), (0, 0));
}

/// Uploads nobody sent are removed, row and bytes, once they expire (three days, the
/// `expires_at` Zendesk's uploads answer): by the next upload, or by the admin drain. Sent
/// files stay; an expired token no longer attaches.
#[test]
fn uploads_nobody_sent_are_removed_when_they_expire() {
    let app = App::new();
    let agent = app.agent("Mina", "mina@example.com");
    let v = app.visitor("en");
    let abandoned = app.upload(&v, "parcel.png", PNG).expect(201).json()["attachment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    send_file(&app, &v, "label.pdf", PDF, "The label");
    let up = zendesk_upload(&app, &agent, "return-label.pdf", PDF, None)
        .expect(201)
        .json();
    let token = up["upload"]["token"].as_str().unwrap().to_owned();
    let made = spindesk_core::ports::Clock::now_ms(&app.clock);
    assert_eq!(
        up["upload"]["expires_at"],
        spindesk_core::timestamp::iso8601(made + 3 * 86_400_000)
    );
    assert_eq!(stored_files(&app).0, 3);

    // Just before expiry nothing goes, and the token still attaches nothing but is valid.
    app.clock.advance(Duration::from_secs(3 * 86_400 - 60));
    app.upload(&v, "second.png", PNG).expect(201);
    assert_eq!(stored_files(&app).0, 4);

    app.clock.advance(Duration::from_secs(2 * 60));
    let ticket = crate::desk_api::file_ticket(
        &app,
        &agent,
        json!({"subject": "Label", "comment": {"body": "hello"},
            "requester": {"name": "Kim", "email": "kim@example.com"}}),
    );
    let refused = app
        .zendesk_put(
            &agent,
            &format!("/api/v2/tickets/{}.json", ticket["id"]),
            &json!({"ticket": {"comment": {"body": "attached", "uploads": [token]}}}),
        )
        .expect(422)
        .json();
    assert!(
        refused.to_string().contains("expired"),
        "the error says why: {refused}"
    );
    // The next upload removes the expired ones: the widget's and the agent's, not the sent
    // file, nor the upload made since.
    let before = stored_files(&app);
    app.upload(&v, "third.png", PNG).expect(201);
    let after = stored_files(&app);
    assert_eq!(after.0, before.0 - 2 + 1);
    assert!(
        after.1 < before.1,
        "their bytes went too: {before:?} -> {after:?}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM attachments WHERE public_id = '{abandoned}'"
        )),
        0
    );
    app.request("widget", "POST", "/api/widget/messages")
        .bearer(&v.token)
        .json(&json!({"text": "late", "attachments": [abandoned]}))
        .send()
        .expect(422);
    assert_eq!(
        app.count("SELECT count(*) FROM attachments WHERE message_id IS NOT NULL"),
        1
    );

    // Three days on, the admin drain removes the two left unsent.
    app.clock.advance(Duration::from_secs(3 * 86_400 + 60));
    let drained = app.drain();
    assert_eq!(drained["unsent_uploads_removed"], 2);
    assert_eq!(stored_files(&app).0, 1);
}
