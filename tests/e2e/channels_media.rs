//! Customers' files on every channel: the webhook is answered first with a placeholder on the
//! message, then the file is fetched from the (scripted) vendor the way the vendor documents
//! it, typed by its bytes and stored; a vendor that keeps timing out is retried by the drain
//! and the file finally marked failed, the message kept.

use spindesk_core::blobs::SqlFiles;
use spindesk_core::ports::{Files, OutboundError, Value};
use spindesk_native::{MapConfig, Reply};
use spindesk_tests::channels::*;
use spindesk_tests::{json, App, Json, ADMIN_TOKEN};
use std::time::Duration;

/// The smallest PNG header: what a sniffer needs to call it a PNG.
fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    bytes.extend_from_slice(&[0x1f, 0x15, 0xc4, 0x89]);
    bytes
}

pub const URL_KEY: &str = "attachment-url-key-0123456789abcdef0123456789";

pub fn media_app() -> App {
    App::with_config(
        MapConfig::default()
            .with("admin_token", ADMIN_TOKEN)
            .with("public_base_url", PUBLIC_BASE)
            .with("attachment_url_key", URL_KEY),
    )
}

fn ok(content_type: &str, body: &[u8]) -> Reply {
    Ok(http::Response::builder()
        .status(200)
        .header("content-type", content_type)
        .body(body.to_vec())
        .unwrap())
}

fn json_reply(body: &str) -> Reply {
    ok("application/json", body.as_bytes())
}

/// One vendor's media webhook, the answers its API gives when we fetch the file, and the
/// requests we must make for it: (method, URL, authorization header).
struct Case {
    webhook: Vec<u8>,
    replies: Vec<Reply>,
    requests: Vec<(String, Option<String>)>,
}

fn bearer(token: &str) -> Option<String> {
    Some(format!("Bearer {token}"))
}

fn case(vendor: Vendor) -> Case {
    let file = png();
    match vendor {
        Vendor::WhatsApp => {
            let lookaside =
                "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256&ext=1&hash=x";
            Case {
                webhook: br#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.MEDIA","timestamp":"1749416500","type":"image","image":{"caption":"It arrived broken","mime_type":"image/jpeg","sha256":"x","id":"1003383421387256"}}]},"field":"messages"}]}]}"#.to_vec(),
                replies: vec![
                    json_reply(&format!(
                        r#"{{"messaging_product":"whatsapp","url":"{lookaside}","mime_type":"image/jpeg","sha256":"x","file_size":"{}","id":"1003383421387256"}}"#,
                        file.len()
                    )),
                    ok("image/jpeg", &file),
                ],
                requests: vec![
                    (
                        "https://graph.facebook.com/v25.0/1003383421387256".into(),
                        bearer("EAAG-wa-access-token"),
                    ),
                    (lookaside.into(), bearer("EAAG-wa-access-token")),
                ],
            }
        }
        Vendor::Messenger | Vendor::Instagram => {
            let (object, page, sender, cdn) = if vendor == Vendor::Messenger {
                (
                    "page",
                    "107425831234567",
                    "6543210987654321",
                    "https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.png?_nc_cat=1&oh=x",
                )
            } else {
                (
                    "instagram",
                    "17841405822304914",
                    "1248765432109876",
                    "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17912345&signature=abc",
                )
            };
            Case {
                webhook: json!({"object": object, "entry": [{"id": page, "time": 1718000000456i64, "messaging": [{
                    "sender": {"id": sender}, "recipient": {"id": page}, "timestamp": 1718000000999i64,
                    "message": {"mid": "m_MEDIA", "attachments": [{"type": "image", "payload": {"url": cdn}}]}
                }]}]})
                .to_string()
                .into_bytes(),
                replies: vec![ok("image/png", &file)],
                requests: vec![(cdn.into(), None)],
            }
        }
        Vendor::Telegram => {
            let token = "7000000001:AAH-telegram-bot-token";
            Case {
                webhook: br#"{"update_id":804512799,"message":{"message_id":1399,"from":{"id":123456789,"is_bot":false,"first_name":"Ana"},"chat":{"id":123456789,"type":"private"},"date":1718000100,"photo":[{"file_id":"AgAC-small","file_unique_id":"s","file_size":1000,"width":90,"height":60},{"file_id":"AgAC-large","file_unique_id":"l","file_size":50000,"width":1280,"height":853}],"caption":"Box was damaged"}}"#.to_vec(),
                replies: vec![
                    json_reply(
                        r#"{"ok":true,"result":{"file_id":"AgAC-large","file_unique_id":"l","file_size":50000,"file_path":"photos/file_12.jpg"}}"#,
                    ),
                    ok("application/octet-stream", &file),
                ],
                requests: vec![
                    (
                        format!("https://api.telegram.org/bot{token}/getFile?file_id=AgAC-large"),
                        None,
                    ),
                    (
                        format!("https://api.telegram.org/file/bot{token}/photos/file_12.jpg"),
                        None,
                    ),
                ],
            }
        }
        Vendor::Line => Case {
            webhook: br#"{"destination":"U0a1b2c3d4e5f60718293a4b5c6d7e8f9","events":[{"type":"message","message":{"type":"image","id":"468789577898262599","contentProvider":{"type":"line"}},"webhookEventId":"01HZ8T3Q2K9V6J4R7M1N5PMEDIA","deliveryContext":{"isRedelivery":false},"timestamp":1718000000999,"source":{"type":"user","userId":"U4af4980629bd0a67f2b8e9a1c3d5e7f9"},"replyToken":"r2","mode":"active"}]}"#.to_vec(),
            replies: vec![ok("image/png", &file)],
            requests: vec![(
                "https://api-data.line.me/v2/bot/message/468789577898262599/content".into(),
                bearer("line-channel-access-token"),
            )],
        },
        Vendor::Viber => {
            let media =
                "https://dl-media.viber.com/5/share/2/long/bots/generic-message/media/img.png";
            Case {
                webhook: format!(
                    r#"{{"event":"message","timestamp":1718000000999,"message_token":5741311803571721555,"sender":{{"id":"01234567890A=","name":"John McClane"}},"message":{{"type":"picture","text":"","media":"{media}","thumbnail":"https://dl-media.viber.com/t.jpg","file_name":"img.png","size":{}}}}}"#,
                    file.len()
                )
                .into_bytes(),
                replies: vec![ok("image/png", &file)],
                requests: vec![(media.into(), None)],
            }
        }
        Vendor::Slack => {
            let private = "https://files.slack.com/files-pri/T0123ABCD-F0123ABCD/receipt.png";
            Case {
                webhook: json!({"token": "x", "team_id": "T0123ABCD", "api_app_id": "A0123ABCD",
                    "type": "event_callback", "event_id": "Ev0MEDIA", "event_time": 1718000100,
                    "event": {"type": "message", "subtype": "file_share", "channel": "D0123ABCD",
                        "user": "U0123ABCD", "text": "", "ts": "1718000100.000200", "channel_type": "im",
                        "files": [{"id": "F0123ABCD", "name": "receipt.png", "mimetype": "image/png",
                                   "filetype": "png", "url_private": private}]}})
                .to_string()
                .into_bytes(),
                replies: vec![ok("image/png", &file)],
                requests: vec![(private.into(), bearer("xoxb-slack-bot-token"))],
            }
        }
        Vendor::Twilio => {
            let media = "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/MM11111111111111111111111111111111/Media/ME22222222222222222222222222222222";
            let cdn = "https://mms.twiliocdn.com/AC0123456789abcdef0123456789abcdef/a1b2c3?Expires=1795014400&Signature=s";
            let webhook = form_urlencoded::Serializer::new(String::new())
                .append_pair("MessageSid", "MM11111111111111111111111111111111")
                .append_pair("AccountSid", "AC0123456789abcdef0123456789abcdef")
                .append_pair("From", "+12125550123")
                .append_pair("To", "+14155550100")
                .append_pair("Body", "")
                .append_pair("NumMedia", "1")
                .append_pair("MediaContentType0", "image/png")
                .append_pair("MediaUrl0", media)
                .append_pair("SmsStatus", "received")
                .finish();
            let basic = format!(
                "Basic {}",
                b64(b"AC0123456789abcdef0123456789abcdef:twilio-auth-token-0123")
            );
            Case {
                webhook: webhook.into_bytes(),
                // Twilio answers a media URL with a redirect to its CDN.
                replies: vec![
                    Ok(http::Response::builder()
                        .status(307)
                        .header("location", cdn)
                        .body(Vec::new())
                        .unwrap()),
                    ok("image/png", &file),
                ],
                requests: vec![(media.into(), Some(basic)), (cdn.into(), None)],
            }
        }
    }
}

/// The vendor's text sample with `text` instead, under another message id.
fn text_webhook(vendor: Vendor, text: &str) -> Vec<u8> {
    if vendor == Vendor::Twilio {
        return form_urlencoded::Serializer::new(String::new())
            .append_pair("MessageSid", "SM7777777777777777777777777777777a")
            .append_pair("From", "+12125550123")
            .append_pair("To", "+14155550100")
            .append_pair("Body", text)
            .append_pair("NumMedia", "0")
            .append_pair("SmsStatus", "received")
            .finish()
            .into_bytes();
    }
    let mut b: Json = serde_json::from_slice(&vendor.text_sample()).unwrap();
    match vendor {
        Vendor::WhatsApp => {
            let m = &mut b["entry"][0]["changes"][0]["value"]["messages"][0];
            m["text"]["body"] = json!(text);
            m["id"] = json!("wamid.AGENT");
        }
        Vendor::Messenger | Vendor::Instagram => {
            let m = &mut b["entry"][0]["messaging"][0]["message"];
            m["text"] = json!(text);
            m["mid"] = json!("m_AGENT");
        }
        Vendor::Telegram => {
            b["update_id"] = json!(804512732);
            b["message"]["message_id"] = json!(1366);
            b["message"]["text"] = json!(text);
        }
        Vendor::Line => {
            b["events"][0]["webhookEventId"] = json!("01HZ8T3Q2K9V6J4R7M1N5PAGENT");
            b["events"][0]["message"]["id"] = json!("468789577898262531");
            b["events"][0]["message"]["text"] = json!(text);
        }
        Vendor::Viber => {
            b["message_token"] = json!(5741311803571721088u64);
            b["message"]["text"] = json!(text);
        }
        Vendor::Slack => {
            b["event_id"] = json!("Ev0AGENT");
            b["event"]["text"] = json!(text);
            b["event"]["ts"] = json!("1718000050.000100");
            b["event"]["client_msg_id"] = json!("6f2c1e8a-3b4d-4e6f-9a1b-2c3d4e5f6a7b");
        }
        Vendor::Twilio => unreachable!(),
    }
    b.to_string().into_bytes()
}

/// A customer greeted by the bot who then asked for a person: agents answer now, so the media
/// webhook that follows makes no bot reply, and its file is the only thing asked of the
/// vendor.
fn handed_off(app: &App, vendor: Vendor) -> Connected {
    let c = app.connect(vendor);
    app.deliver(&c, &vendor.text_sample()).expect(200);
    app.deliver(&c, &text_webhook(vendor, "agent")).expect(200);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM conversations WHERE switchboard = 'agent'"),
        1,
        "{vendor:?}: handed off"
    );
    c
}

fn text(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        Value::Integer(n) => n.to_string(),
        Value::Null => "NULL".into(),
        other => format!("{other:?}"),
    }
}

/// The attachments of the customer's last message: (status, content type, size, file name,
/// public id).
fn customer_files(app: &App) -> Vec<[String; 5]> {
    app.rows(
        "SELECT a.status, a.content_type, a.size, a.file_name, a.public_id FROM attachments a
         JOIN messages m ON m.id = a.message_id
         WHERE m.author_type = 'user'
           AND m.id = (SELECT MAX(id) FROM messages WHERE author_type = 'user')
         ORDER BY a.position",
        &[],
    )
    .iter()
    .map(|r| {
        [
            text(&r[0]),
            text(&r[1]),
            text(&r[2]),
            text(&r[3]),
            text(&r[4]),
        ]
    })
    .collect()
}

fn drain(app: &App) -> Json {
    app.drain()["media"].clone()
}

#[test]
fn every_channel_fetches_a_customers_file_after_answering_and_stores_it_by_its_bytes() {
    for vendor in ALL {
        let app = media_app();
        let c = handed_off(&app, vendor);
        let before = app.outbound.sent().len();
        let case = case(vendor);
        for reply in case.replies {
            app.outbound.push_reply(reply);
        }
        app.deliver_then(&c, &case.webhook, vendor.secret(), &|answer| {
            assert_eq!(answer.status, 200, "{vendor:?}");
            // Answered before the vendor was asked: the message has its placeholder.
            assert_eq!(app.outbound.sent().len(), before, "{vendor:?}");
            let files = customer_files(&app);
            assert_eq!(files.len(), 1, "{vendor:?}");
            assert_eq!(files[0][0], "pending", "{vendor:?}");
        })
        .expect(200);

        let sent: Vec<_> = app.outbound.sent()[before..]
            .iter()
            .map(|s| {
                assert_eq!(s.request.method(), "GET", "{vendor:?}");
                assert_eq!(s.timeout, Duration::from_secs(10), "{vendor:?}");
                (
                    s.request.uri().to_string(),
                    s.request
                        .headers()
                        .get("authorization")
                        .map(|v| v.to_str().unwrap().to_owned()),
                )
            })
            .collect();
        assert_eq!(sent, case.requests, "{vendor:?}");

        let files = customer_files(&app);
        let [status, content_type, size, name, public_id] = files[0].clone();
        assert_eq!(status, "stored", "{vendor:?}");
        // The type is the bytes' (WhatsApp said image/jpeg; the bytes are a PNG).
        assert_eq!(content_type, "image/png", "{vendor:?}");
        assert_eq!(size, png().len().to_string(), "{vendor:?}");
        assert!(name.ends_with(".png"), "{vendor:?}: {name}");
        let stored_db = app.attachments_db();
        let stored = SqlFiles::new(&stored_db)
            .read(&public_id, 0, 1 << 20)
            .unwrap()
            .expect("bytes stored");
        assert_eq!(stored, png(), "{vendor:?}");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM media_fetches WHERE status = 'stored'"),
            1,
            "{vendor:?}"
        );

        // The vendor's URL and credentials are nowhere the customer or an agent reads.
        let shown: Vec<String> = app
            .rows("SELECT text || ' ' || content FROM messages", &[])
            .iter()
            .map(|r| text(&r[0]))
            .collect();
        let attachment_rows: Vec<String> = app
            .rows("SELECT file_name FROM attachments", &[])
            .iter()
            .map(|r| text(&r[0]))
            .collect();
        for leak in case
            .requests
            .iter()
            .map(|(url, _)| url.clone())
            .chain(vendor.secret_values())
        {
            for s in shown.iter().chain(&attachment_rows) {
                assert!(!s.contains(&leak), "{vendor:?}: {leak} shown in {s}");
            }
        }

        // A redelivered webhook fetches nothing again.
        let sent_before = app.outbound.sent().len();
        app.deliver(&c, &case.webhook).expect(200);
        assert_eq!(app.outbound.sent().len(), sent_before, "{vendor:?}");
        assert_eq!(app.count("SELECT COUNT(*) FROM attachments"), 1);
    }
}

#[test]
fn a_vendor_url_that_keeps_timing_out_is_retried_then_failed_and_the_message_kept() {
    let app = media_app();
    let c = handed_off(&app, Vendor::Messenger);
    let case = case(Vendor::Messenger);
    for _ in 0..6 {
        app.outbound.push_reply(Err(OutboundError::Timeout));
    }
    app.deliver(&c, &case.webhook).expect(200);
    assert_eq!(customer_files(&app)[0][0], "pending");
    let error = app.rows("SELECT last_error, attempts FROM media_fetches", &[]);
    assert_eq!(text(&error[0][0]), "outbound request timed out");
    assert_eq!(text(&error[0][1]), "1");

    // The drain retries after 30 s, 1, 2, 4 and 8 minutes; the sixth attempt gives up.
    let mut waits = Vec::new();
    loop {
        let mut waited = 0;
        let report = loop {
            let report = drain(&app);
            if report["attempted"] != 0 {
                break report;
            }
            app.clock.advance(Duration::from_secs(10));
            waited += 10;
        };
        waits.push(waited);
        if report["dead"] == 1 {
            assert_eq!(report["remaining_due"], 0);
            break;
        }
        assert_eq!(report["failed"], 1, "{report}");
        assert_eq!(customer_files(&app)[0][0], "pending");
    }
    assert_eq!(waits, [30, 60, 120, 240, 480]);
    let fetches: Vec<_> = app
        .outbound
        .sent()
        .into_iter()
        .filter(|s| s.request.uri().host() == Some("scontent.xx.fbcdn.net"))
        .collect();
    assert_eq!(fetches.len(), 6);

    // Given up: the file is failed, the message is kept with its placeholder text.
    let files = customer_files(&app);
    assert_eq!(files[0][0], "failed");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM media_fetches WHERE status = 'dead'"),
        1
    );
    let customer: Vec<String> = app
        .rows(
            "SELECT text FROM messages WHERE source_message_id = 'm_MEDIA'",
            &[],
        )
        .iter()
        .map(|r| text(&r[0]))
        .collect();
    assert_eq!(customer, ["[image]"]);
    app.clock.advance(Duration::from_secs(7200));
    assert_eq!(drain(&app)["attempted"], 0, "given up for good");
}

#[test]
fn a_file_the_vendor_cannot_serve_or_we_do_not_take_fails_at_once() {
    // An HTML page where a picture should be: refused by its bytes, not retried.
    let app = media_app();
    let c = handed_off(&app, Vendor::Viber);
    let case = case(Vendor::Viber);
    app.outbound
        .push_reply(ok("image/png", b"<html><script>alert(1)</script></html>"));
    app.deliver(&c, &case.webhook).expect(200);
    assert_eq!(customer_files(&app)[0][0], "failed");
    let error = app.rows("SELECT status, last_error FROM media_fetches", &[]);
    assert_eq!(text(&error[0][0]), "dead");
    assert!(text(&error[0][1]).contains("HTML"), "{error:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE source_message_id = '5741311803571721555'"),
        1,
        "the message stays"
    );

    // WhatsApp's lookup says the media is gone (404): no retry.
    let app = media_app();
    let c = handed_off(&app, Vendor::WhatsApp);
    app.outbound.push_reply(Ok(http::Response::builder()
        .status(404)
        .body(br#"{"error":{"message":"Unsupported get request","code":100}}"#.to_vec())
        .unwrap()));
    app.deliver(&c, &case_webhook(Vendor::WhatsApp)).expect(200);
    assert_eq!(customer_files(&app)[0][0], "failed");
    assert_eq!(drain(&app)["attempted"], 0);
}

#[test]
fn a_file_over_the_limit_is_refused_and_nothing_is_stored() {
    let app = App::with_config(
        MapConfig::default()
            .with("admin_token", ADMIN_TOKEN)
            .with("public_base_url", PUBLIC_BASE)
            .with("attachment_url_key", URL_KEY)
            .with("attachment_max_bytes", "1000"),
    );
    let c = handed_off(&app, Vendor::Slack);
    let mut big = png();
    big.resize(5000, 0);
    app.outbound.push_reply(ok("image/png", &big));
    app.deliver(&c, &case_webhook(Vendor::Slack)).expect(200);
    assert_eq!(customer_files(&app)[0][0], "failed");
    let error = app.rows("SELECT last_error FROM media_fetches", &[]);
    assert!(text(&error[0][0]).contains("1000 bytes"), "{error:?}");
    let public_id = customer_files(&app)[0][4].clone();
    let files_db = app.attachments_db();
    assert!(
        !matches!(
            SqlFiles::new(&files_db).read(&public_id, 0, 10),
            Ok(Some(_))
        ),
        "no bytes kept"
    );
}

fn case_webhook(vendor: Vendor) -> Vec<u8> {
    case(vendor).webhook
}

fn ticket_id(app: &App) -> i64 {
    app.count("SELECT MAX(id) FROM tickets")
}

/// The attachments of the ticket's comment that mirrors the customer's last message, as the
/// agent's Zendesk API lists them.
fn agents_view(app: &App, agent: &spindesk_tests::Agent) -> Vec<Json> {
    let comments = app
        .zendesk_get(
            agent,
            &format!("/api/v2/tickets/{}/comments.json", ticket_id(app)),
        )
        .expect(200)
        .json();
    comments["comments"].as_array().unwrap().last().unwrap()["attachments"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn the_agent_sees_the_placeholder_then_opens_the_customers_file() {
    for vendor in ALL {
        let app = media_app();
        let agent = app.agent("Mina", "mina@example.com");
        let c = handed_off(&app, vendor);
        let case = case(vendor);
        for reply in case.replies {
            app.outbound.push_reply(reply);
        }
        app.deliver_then(&c, &case.webhook, vendor.secret(), &|_| {
            // Before the fetch: the file is listed, with nothing to open yet.
            let files = agents_view(&app, &agent);
            assert_eq!(files.len(), 1, "{vendor:?}");
            assert!(files[0]["content_url"].is_null(), "{vendor:?}: {files:?}");
        })
        .expect(200);
        let files = agents_view(&app, &agent);
        let file = &files[0];
        assert_eq!(file["content_type"], "image/png", "{vendor:?}");
        assert_eq!(file["size"], png().len(), "{vendor:?}");
        let url = file["content_url"].as_str().expect("a link once stored");
        assert!(url.starts_with(PUBLIC_BASE), "{vendor:?}: our link, {url}");
        assert_eq!(app.download(url, &[]).expect(200).body, png(), "{vendor:?}");
        let listed = files.iter().map(Json::to_string).collect::<String>();
        for (vendor_url, _) in &case.requests {
            assert!(!listed.contains(vendor_url.as_str()), "{vendor:?}");
        }
    }
}

/// The URL of the image in the first send to `vendor`, checked against the vendor's
/// documented shape for an image with the text "Here is your label".
fn image_sent(vendor: Vendor, sends: &[spindesk_native::Recorded]) -> String {
    let json_of = |i: usize| -> Json { serde_json::from_slice(sends[i].request.body()).unwrap() };
    let path = |i: usize| sends[i].request.uri().path().to_owned();
    let s = |v: &Json| v.as_str().unwrap_or_default().to_owned();
    match vendor {
        Vendor::WhatsApp => {
            assert_eq!(sends.len(), 1, "the text is the caption");
            let b = json_of(0);
            assert_eq!(b["type"], "image");
            assert_eq!(b["to"], "+16505551234");
            assert_eq!(b["image"]["caption"], "Here is your label");
            s(&b["image"]["link"])
        }
        Vendor::Messenger | Vendor::Instagram => {
            assert_eq!(sends.len(), 2);
            let b = json_of(0);
            assert_eq!(b["message"]["attachment"]["type"], "image");
            assert_eq!(b["message"]["attachment"]["payload"]["is_reusable"], false);
            assert_eq!(json_of(1)["message"]["text"], "Here is your label");
            s(&b["message"]["attachment"]["payload"]["url"])
        }
        Vendor::Telegram => {
            assert_eq!(sends.len(), 1);
            assert!(path(0).ends_with("/sendPhoto"), "{}", path(0));
            let b = json_of(0);
            assert_eq!(b["chat_id"], 123456789);
            assert_eq!(b["caption"], "Here is your label");
            s(&b["photo"])
        }
        Vendor::Line => {
            assert_eq!(sends.len(), 1);
            let b = json_of(0);
            assert_eq!(b["messages"][0]["type"], "image");
            assert_eq!(
                b["messages"][0]["previewImageUrl"],
                b["messages"][0]["originalContentUrl"]
            );
            assert_eq!(b["messages"][1]["text"], "Here is your label");
            s(&b["messages"][0]["originalContentUrl"])
        }
        Vendor::Viber => {
            assert_eq!(sends.len(), 2);
            let b = json_of(0);
            assert_eq!(b["type"], "picture");
            assert_eq!(b["receiver"], "01234567890A=");
            assert_eq!(json_of(1)["text"], "Here is your label");
            s(&b["media"])
        }
        Vendor::Slack => {
            assert_eq!(sends.len(), 2);
            let b = json_of(0);
            assert_eq!(b["blocks"][0]["type"], "image");
            assert_eq!(b["blocks"][0]["alt_text"], "label.png");
            assert_eq!(json_of(1)["text"], "Here is your label");
            s(&b["blocks"][0]["image_url"])
        }
        Vendor::Twilio => {
            assert_eq!(sends.len(), 1);
            let form: std::collections::BTreeMap<String, String> =
                form_urlencoded::parse(sends[0].request.body())
                    .into_owned()
                    .collect();
            assert_eq!(form["Body"], "Here is your label");
            assert_eq!(form["To"], "+12125550123");
            form["MediaUrl"].clone()
        }
    }
}

#[test]
fn an_agents_image_goes_to_every_channel_in_its_native_form_with_a_link_the_vendor_opens() {
    for vendor in ALL {
        let app = media_app();
        let agent = app.agent("Mina", "mina@example.com");
        handed_off(&app, vendor);
        let up = app
            .request("tickets", "POST", "/api/v2/uploads.json?filename=label.png")
            .agent(&agent.email, &agent.token)
            .header("content-type", "application/binary")
            .body(png())
            .send()
            .expect(201)
            .json();
        let token = up["upload"]["token"].as_str().unwrap().to_owned();
        let before = app.outbound.sent().len();
        app.vendor_answers_ok(vendor, 2);
        app.zendesk_put(
            &agent,
            &format!("/api/v2/tickets/{}.json", ticket_id(&app)),
            &json!({"ticket": {"comment": {"body": "Here is your label", "uploads": [token], "public": true}}}),
        )
        .expect(200);
        let sends = app.outbound.sent()[before..].to_vec();
        let url = image_sent(vendor, &sends);

        // Our link, signed for vendors, opens the image; it never carries an agent's token.
        assert!(
            url.starts_with(&format!("{PUBLIC_BASE}/attachments/")),
            "{vendor:?}: {url}"
        );
        assert!(
            url.contains("token=v"),
            "{vendor:?}: a vendor's link: {url}"
        );
        let got = app.download(&url, &[]).expect(200);
        assert_eq!(got.body, png(), "{vendor:?}");
        // The vendor has a quarter of an hour to fetch it.
        app.clock.advance(Duration::from_secs(16 * 60));
        app.download(&url, &[]).expect(403);
    }
}

#[test]
fn a_send_retried_after_the_vendors_link_expired_carries_a_fresh_one() {
    let app = media_app();
    let agent = app.agent("Mina", "mina@example.com");
    handed_off(&app, Vendor::WhatsApp);
    let up = app
        .request("tickets", "POST", "/api/v2/uploads.json?filename=label.png")
        .agent(&agent.email, &agent.token)
        .header("content-type", "application/binary")
        .body(png())
        .send()
        .expect(201)
        .json();
    let token = up["upload"]["token"].as_str().unwrap().to_owned();
    let before = app.outbound.sent().len();
    app.outbound.push_reply(Ok(http::Response::builder()
        .status(503)
        .body(br#"{"error":{"message":"Service temporarily unavailable","code":2}}"#.to_vec())
        .unwrap()));
    app.zendesk_put(
        &agent,
        &format!("/api/v2/tickets/{}.json", ticket_id(&app)),
        &json!({"ticket": {"comment": {"body": "Here is your label", "uploads": [token], "public": true}}}),
    )
    .expect(200);
    let link = |i: usize| -> String {
        let sent = app.outbound.sent();
        let body: Json = serde_json::from_slice(sent[i].request.body()).unwrap();
        body["image"]["link"].as_str().unwrap().to_owned()
    };
    let first = link(before);
    assert_eq!(app.outbound.sent().len(), before + 1);

    // The vendor was down for longer than a link lives; the drain's retry signs a new one.
    app.clock.advance(Duration::from_secs(20 * 60));
    app.download(&first, &[]).expect(403);
    app.vendor_answers_ok(Vendor::WhatsApp, 1);
    app.drain();
    let second = link(before + 1);
    assert_ne!(first, second);
    assert_eq!(app.download(&second, &[]).expect(200).body, png());
    // Nothing but the link changed, and the stored row keeps no link at all.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE body LIKE '%/attachments/%'"),
        0
    );
}

/// A file a channel cannot carry goes as a line of text with a link the customer opens later:
/// signed for customers (days), not for the vendor (a quarter of an hour).
#[test]
fn a_file_sent_as_a_link_gives_the_customer_a_link_that_lasts() {
    const PDF: &[u8] = include_bytes!("../fixtures/attachments/return-label.pdf");
    let app = media_app();
    let agent = app.agent("Mina", "mina@example.com");
    handed_off(&app, Vendor::Line);
    let up = app
        .request(
            "tickets",
            "POST",
            "/api/v2/uploads.json?filename=return-label.pdf",
        )
        .agent(&agent.email, &agent.token)
        .header("content-type", "application/binary")
        .body(PDF.to_vec())
        .send()
        .expect(201)
        .json();
    let token = up["upload"]["token"].as_str().unwrap().to_owned();
    let before = app.outbound.sent().len();
    app.vendor_answers_ok(Vendor::Line, 1);
    app.zendesk_put(
        &agent,
        &format!("/api/v2/tickets/{}.json", ticket_id(&app)),
        &json!({"ticket": {"comment": {"body": "Your return label", "uploads": [token], "public": true}}}),
    )
    .expect(200);
    let sends = app.outbound.sent()[before..].to_vec();
    assert_eq!(sends.len(), 1, "LINE has no file message: one text");
    let body: Json = serde_json::from_slice(sends[0].request.body()).unwrap();
    let text = body["messages"][0]["text"].as_str().unwrap().to_owned();
    let url = text
        .lines()
        .find_map(|l| l.strip_prefix("return-label.pdf: "))
        .unwrap_or_else(|| panic!("no link line in {text:?}"))
        .to_owned();
    assert!(
        url.starts_with(&format!("{PUBLIC_BASE}/attachments/")),
        "{url}"
    );
    assert!(url.contains("token=c"), "a customer's link: {url}");
    // A day later the customer still opens it.
    app.clock.advance(Duration::from_secs(24 * 3600));
    assert_eq!(app.download(&url, &[]).expect(200).body, PDF);
}
