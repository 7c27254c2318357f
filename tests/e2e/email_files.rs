//! Files that come in e-mails (Postmark puts them inline, as base64): stored as attachments of
//! the customer's message, typed by their bytes and held to the upload limits; a file refused
//! is skipped with a note and never costs the e-mail its text.

use crate::email::{connect_email, deliver_email, emails_sent, inbound, postmark_accepts};
use base64::Engine;
use spindesk_core::ports::{Sql, Value};
use spindesk_tests::*;

const PNG: &[u8] = include_bytes!("../fixtures/attachments/parcel.png");
const PDF: &[u8] = include_bytes!("../fixtures/attachments/return-label.pdf");

fn app_with(extra: &[(&str, &str)]) -> App {
    let mut config = App::default_config().with("public_base_url", channels::PUBLIC_BASE);
    for (name, value) in extra {
        config = config.with(name, value);
    }
    App::with_config(config)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn attachment(name: &str, content: &str, content_type: &str) -> Json {
    json!({"Name": name, "Content": content, "ContentType": content_type,
           "ContentLength": content.len() * 3 / 4, "ContentID": ""})
}

/// A customer whose e-mail conversation went to agents: the integration, the conversation's
/// reply address and the ticket.
fn handed_off(app: &App) -> (String, String, i64) {
    let id = connect_email(app);
    postmark_accepts(app, 20);
    deliver_email(
        app,
        &id,
        &inbound(
            "ada@customer.example",
            "help@reply.acme.example",
            "first@mail.customer.example",
            None,
            "My parcel arrived broken",
        ),
    )
    .expect(200);
    let reply_to = emails_sent(app)[0]["ReplyTo"]
        .as_str()
        .expect("ReplyTo")
        .to_owned();
    deliver_email(
        app,
        &id,
        &inbound(
            "ada@customer.example",
            &reply_to,
            "second@mail.customer.example",
            None,
            "1",
        ),
    )
    .expect(200);
    let ticket = app.count("SELECT max(id) FROM tickets");
    assert!(ticket > 0, "handed off to a ticket");
    (id, reply_to, ticket)
}

/// The e-mail `message_id` to the conversation's reply address, with `files`.
fn with_files(reply_to: &str, message_id: &str, text: &str, files: Vec<Json>) -> Json {
    let mut email = inbound("ada@customer.example", reply_to, message_id, None, text);
    email["Attachments"] = Json::Array(files);
    email
}

/// The ticket's last comment (the customer's e-mail), as the agent reads it.
fn last_comment(app: &App, agent: &Agent, ticket: i64) -> Json {
    let comments = app
        .zendesk_get(agent, &format!("/api/v2/tickets/{ticket}/comments.json"))
        .expect(200)
        .json();
    comments["comments"]
        .as_array()
        .expect("comments")
        .last()
        .expect("a comment")
        .clone()
}

fn stored(app: &App) -> (i64, i64) {
    let parts = app
        .attachments_db()
        .execute("SELECT count(*) FROM file_parts", &[])
        .map(|rows| match rows.rows[0][0] {
            Value::Integer(n) => n,
            _ => -1,
        })
        .unwrap_or(0);
    (app.count("SELECT count(*) FROM attachments"), parts)
}

#[test]
fn an_emails_png_and_pdf_reach_the_agent_as_files_that_download() {
    let app = app_with(&[]);
    let agent = app.agent("Mina", "mina@acme.example");
    let (id, reply_to, ticket) = handed_off(&app);
    // The PNG is an inline image its HTML refers to by `cid:`; the PDF an ordinary file. Their
    // declared types are wrong on purpose: the bytes decide.
    let mut png = attachment("photo.png", &b64(PNG), "application/octet-stream");
    png["ContentID"] = json!("photo@customer");
    let mut email = with_files(
        &reply_to,
        "files@mail.customer.example",
        "Photo and receipt attached.",
        vec![png, attachment("receipt.pdf", &b64(PDF), "image/png")],
    );
    email["HtmlBody"] = json!("<p>Photo and receipt attached.</p><img src=\"cid:photo@customer\">");
    deliver_email(&app, &id, &email).expect(200);

    let comment = last_comment(&app, &agent, ticket);
    assert!(
        comment["body"]
            .as_str()
            .unwrap()
            .contains("Photo and receipt attached."),
        "{comment}"
    );
    let files = comment["attachments"].as_array().expect("attachments");
    assert_eq!(files.len(), 2, "{comment}");
    for (file, (name, content_type, bytes)) in files.iter().zip([
        ("photo.png", "image/png", PNG),
        ("receipt.pdf", "application/pdf", PDF),
    ]) {
        assert_eq!(file["file_name"], name);
        assert_eq!(file["content_type"], content_type);
        assert_eq!(file["size"], bytes.len());
        let url = file["content_url"].as_str().expect("content_url");
        assert!(url.contains("token=a"), "an agent's link: {url}");
        assert_eq!(app.download(url, &[]).expect(200).body, bytes);
    }
    // Stored as the channel's files of the customer's message, nothing else.
    assert_eq!(
        app.count(
            "SELECT count(*) FROM attachments a JOIN messages m ON m.id = a.message_id
             WHERE a.uploader_type = 'channel' AND m.author_type = 'user'
               AND m.source_message_id = 'files@mail.customer.example'"
        ),
        2
    );
}

#[test]
fn scripts_programs_bad_base64_and_oversize_files_are_skipped_with_a_note() {
    let app = app_with(&[("attachment_max_bytes", "200")]);
    let agent = app.agent("Mina", "mina@acme.example");
    let (id, reply_to, ticket) = handed_off(&app);
    let before = stored(&app);
    let email = with_files(
        &reply_to,
        "bad-files@mail.customer.example",
        "Here is everything I have.",
        vec![
            attachment(
                "page.html",
                &b64(b"<!doctype html><script>x()</script>"),
                "text/html",
            ),
            attachment(
                "logo.svg",
                &b64(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
                "image/svg+xml",
            ),
            attachment("setup.exe", &b64(b"MZ\x90\0\x03\0\0\0"), "application/pdf"),
            attachment("broken.pdf", "%%% not base64 %%%", "application/pdf"),
            // Over the 200 bytes allowed here.
            attachment("return-label.pdf", &b64(PDF), "application/pdf"),
            // Within the limits: kept.
            attachment("parcel.png", &b64(PNG), "image/png"),
        ],
    );
    deliver_email(&app, &id, &email).expect(200);

    let comment = last_comment(&app, &agent, ticket);
    let body = comment["body"].as_str().unwrap().to_owned();
    assert!(body.starts_with("Here is everything I have."), "{body}");
    for (name, why) in [
        ("page.html", "not accepted"),
        ("logo.svg", "not accepted"),
        ("setup.exe", "executable programs are not accepted"),
        ("broken.pdf", "not valid base64"),
        ("return-label.pdf", "larger than the 200 bytes allowed"),
    ] {
        let note = body
            .lines()
            .find(|l| l.contains(&format!("\"{name}\"")))
            .unwrap_or_else(|| panic!("a note for {name}: {body}"));
        assert!(note.contains(why), "{name}: {note}");
    }
    assert!(!body.contains("parcel.png"), "{body}");
    let files = comment["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{comment}");
    assert_eq!(files[0]["file_name"], "parcel.png");
    // Only the PNG was written: one row, one part.
    assert_eq!(stored(&app), (before.0 + 1, before.1 + 1));
}

#[test]
fn an_email_of_only_refused_files_still_arrives() {
    let app = app_with(&[]);
    let agent = app.agent("Mina", "mina@acme.example");
    let (id, reply_to, ticket) = handed_off(&app);
    let email = with_files(
        &reply_to,
        "only-bad@mail.customer.example",
        "",
        vec![attachment("x.svg", &b64(b"<svg/>"), "image/svg+xml")],
    );
    deliver_email(&app, &id, &email).expect(200);
    let comment = last_comment(&app, &agent, ticket);
    assert!(
        comment["body"]
            .as_str()
            .unwrap()
            .contains("\"x.svg\" not kept"),
        "{comment}"
    );
    assert_eq!(app.count("SELECT count(*) FROM attachments"), 0);
}

#[test]
fn a_redelivered_email_stores_its_files_once() {
    let app = app_with(&[]);
    let (id, reply_to, _) = handed_off(&app);
    let email = with_files(
        &reply_to,
        "twice@mail.customer.example",
        "The label.",
        vec![attachment("label.pdf", &b64(PDF), "application/pdf")],
    );
    deliver_email(&app, &id, &email).expect(200);
    let once = stored(&app);
    assert_eq!(once.0, 1);
    deliver_email(&app, &id, &email).expect(200);
    assert_eq!(stored(&app), once);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM messages WHERE source_message_id = 'twice@mail.customer.example'"
        ),
        1
    );
}

#[test]
fn an_email_just_under_the_body_limit_is_read_and_one_over_is_413() {
    let app = app_with(&[]);
    let id = connect_email(&app);
    postmark_accepts(&app, 5);
    let limit = spindesk_core::channels::email::MAX_BODY;
    let mut email = inbound(
        "ada@customer.example",
        "help@reply.acme.example",
        "big@mail.customer.example",
        None,
        "A big one",
    );
    let padding = limit - email.to_string().len() - 2_000;
    // One text file whose base64 fills the body (about 37 MB decoded: over the 20 MB file
    // limit, so skipped with a note; the body's limit is what is tested here).
    let file = vec![b'a'; padding / 4 * 3];
    email["Attachments"] = json!([attachment("big.txt", &b64(&file), "text/plain")]);
    let body = email.to_string();
    assert!(body.len() <= limit, "{} > {limit}", body.len());
    deliver_email(&app, &id, &email).expect(200);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM messages WHERE source_message_id = 'big@mail.customer.example'"
        ),
        1
    );

    let mut over = email.clone();
    over["MessageID"] = json!("pm-over");
    over["Headers"] = json!([{"Name": "Message-ID", "Value": "<over@mail.customer.example>"}]);
    let short = over.to_string().len();
    over["TextBody"] = json!(format!("{}{}", "x".repeat(limit + 1 - short), "A big one"));
    assert_eq!(over.to_string().len(), limit + 1);
    let r = deliver_email(&app, &id, &over).expect(413);
    assert_eq!(
        r.json()["errors"][0]["code"],
        "payload_too_large",
        "{}",
        r.json()
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM messages WHERE source_message_id = 'over@mail.customer.example'"
        ),
        0
    );
}
