//! One bot, every surface: the same customer inputs — free text, an option tap, an article
//! suggestion, a "did this help?" tap and a hand-off — from the website widget and from channel
//! webhooks (Telegram, WhatsApp; signed as the vendors sign them) give the same transcript.
//! The channel side is read twice: as stored in the conversation, and as actually sent to the
//! vendor (each bot message's text and its buttons, which is what the customer sees there).

use spindesk_core::ports::Value;
use spindesk_tests::channels::{channel_app, Connected, Vendor};
use spindesk_tests::help_center::ShopArticles;
use spindesk_tests::{bot_messages, json, App, Json};

fn bot(a: &ShopArticles) -> Json {
    json!({
        "name": "Everywhere bot",
        "article_url": "https://help.example.com/hc/{{article.locale}}/articles/{{article.id}}",
        "greeting": {"suggestions": ["refund"]},
        "answers": [{
            "id": "refund", "name": "Refund", "label": "Refunds",
            "phrases": {"en": ["I want a refund", "refund my order"]},
            "steps": [
                {"type": "present_options", "id": "how", "text": "How did you pay?", "options": [
                    {"label": "Card", "next": "card"},
                    {"label": "Bank transfer", "next": "bank"},
                    {"label": "Other", "next": "person"}]},
                {"type": "set_variable", "id": "card", "variable": "method", "value": "card", "next": "explain"},
                {"type": "set_variable", "id": "bank", "variable": "method", "value": "bank account", "next": "explain"},
                {"type": "send_message", "id": "explain",
                 "text": "Refunds to your {{method}} take 3 business days.", "next": "guide"},
                {"type": "show_articles", "id": "guide", "text": "Step by step:",
                 "article_ids": [a.refund_en], "next": "resolved"},
                {"type": "ask_if_resolved", "id": "resolved", "yes": "bye", "no": "person"},
                {"type": "send_message", "id": "bye", "text": "Happy to help!"},
                {"type": "transfer_to_agent", "id": "person", "tags": ["refund"]}
            ]
        }]
    })
}

/// What the customer does: type, or tap the offered quick reply with this label.
#[derive(Clone, Copy, Debug)]
enum Act {
    Say(&'static str),
    Tap(&'static str),
}

const SCRIPT: [Act; 7] = [
    Act::Say("hello"),
    Act::Say("I'd like a refund please"),
    Act::Tap("Card"),
    Act::Say("How long does shipping take?"),
    Act::Tap("No"),
    Act::Tap("Talk to a person"),
    // Agents are in control now: the bot stays silent.
    Act::Say("thanks, I'll wait"),
];

/// A transcript line: who, the text, the quick-reply labels.
type Line = (String, String, Vec<String>);

/// The conversation of the user with this identity, as stored.
fn stored(app: &App, channel: &str, address: &str) -> Vec<Line> {
    let rows = app.rows(
        "SELECT m.author_type, m.text, m.content FROM messages m
         JOIN conversations c ON c.id = m.conversation_id
         JOIN identities i ON i.user_id = c.user_id
         WHERE i.channel = ? AND i.address = ? ORDER BY m.seq",
        &[channel.into(), address.into()],
    );
    rows.into_iter()
        .map(|r| {
            let s = |v: &Value| match v {
                Value::Text(t) => t.clone(),
                other => panic!("{other:?}"),
            };
            let content: Json = serde_json::from_str(&s(&r[2])).expect("content");
            let labels = content["actions"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| x["text"].as_str().unwrap_or_default().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            (s(&r[0]), s(&r[1]), labels)
        })
        .collect()
}

fn widget_transcript(app: &App) -> Vec<Line> {
    let v = app.visitor("en-US");
    for act in SCRIPT {
        match act {
            Act::Say(text) => {
                app.say(&v, text, None);
            }
            Act::Tap(label) => {
                let offered = app.history(&v);
                let last_bot = offered
                    .iter()
                    .rev()
                    .find(|m| m["author"]["type"] == "bot")
                    .expect("a bot message");
                let action = last_bot["actions"]
                    .as_array()
                    .and_then(|a| a.iter().find(|x| x["text"] == label))
                    .unwrap_or_else(|| panic!("no {label:?} offered in {last_bot}"));
                app.say(&v, label, action["payload"].as_str());
            }
        }
    }
    app.history(&v)
        .iter()
        .map(|m| {
            let who = m["author"]["type"].as_str().unwrap_or_default().to_owned();
            let (text, labels) = bot_messages(std::slice::from_ref(m))
                .pop()
                .unwrap_or_else(|| (m["text"].as_str().unwrap_or_default().to_owned(), vec![]));
            (who, text, labels)
        })
        .collect()
}

/// A message the bot sent to the vendor: its text and its buttons' (title, payload).
#[derive(Debug, Clone, PartialEq)]
struct Sent {
    text: String,
    buttons: Vec<(String, String)>,
}

fn sends(app: &App, vendor: Vendor) -> Vec<Sent> {
    let host = match vendor {
        Vendor::Telegram => "api.telegram.org",
        Vendor::WhatsApp => "graph.facebook.com",
        other => panic!("{other:?} is not part of this test"),
    };
    app.outbound
        .sent()
        .into_iter()
        .filter(|s| s.request.uri().host() == Some(host))
        .filter(|s| !s.request.uri().path().ends_with("/answerCallbackQuery"))
        .map(|s| {
            let b: Json = serde_json::from_slice(s.request.body()).expect("JSON send");
            let str_of = |v: &Json| v.as_str().unwrap_or_default().to_owned();
            match vendor {
                Vendor::Telegram => Sent {
                    text: str_of(&b["text"]),
                    buttons: b["reply_markup"]["inline_keyboard"]
                        .as_array()
                        .map(|rows| {
                            rows.iter()
                                .map(|row| {
                                    (str_of(&row[0]["text"]), str_of(&row[0]["callback_data"]))
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                },
                _ if b["type"] == "interactive" => {
                    let i = &b["interactive"];
                    let buttons = match i["type"].as_str() {
                        Some("button") => i["action"]["buttons"]
                            .as_array()
                            .expect("buttons")
                            .iter()
                            .map(|x| (str_of(&x["reply"]["title"]), str_of(&x["reply"]["id"])))
                            .collect(),
                        _ => i["action"]["sections"][0]["rows"]
                            .as_array()
                            .expect("rows")
                            .iter()
                            .map(|x| (str_of(&x["title"]), str_of(&x["id"])))
                            .collect(),
                    };
                    Sent {
                        text: str_of(&i["body"]["text"]),
                        buttons,
                    }
                }
                _ => Sent {
                    text: str_of(&b["text"]["body"]),
                    buttons: vec![],
                },
            }
        })
        .collect()
}

/// The vendor's webhook body for the customer's `n`th action.
fn webhook(vendor: Vendor, n: usize, act: Act, offered: &[(String, String)]) -> Vec<u8> {
    let tapped = |label: &str| {
        offered
            .iter()
            .find(|(title, _)| title == label)
            .unwrap_or_else(|| panic!("no {label:?} button in {offered:?}"))
            .clone()
    };
    match (vendor, act) {
        (Vendor::Telegram, Act::Say(text)) => json!({
            "update_id": 900 + n,
            "message": {"message_id": 100 + n,
                        "from": {"id": 123456789, "is_bot": false, "first_name": "Ana"},
                        "chat": {"id": 123456789, "type": "private"},
                        "date": 1718000000 + n, "text": text}}),
        (Vendor::Telegram, Act::Tap(label)) => json!({
            "update_id": 900 + n,
            "callback_query": {"id": format!("cb{n}"),
                               "from": {"id": 123456789, "is_bot": false, "first_name": "Ana"},
                               "message": {"message_id": 1368, "chat": {"id": 123456789, "type": "private"},
                                           "date": 1718000000, "text": "options"},
                               "chat_instance": "-58", "data": tapped(label).1}}),
        (Vendor::WhatsApp, act) => {
            let message = match act {
                Act::Say(text) => json!({"from": "16505551234", "id": format!("wamid.IN{n}"),
                    "timestamp": "1749416400", "type": "text", "text": {"body": text}}),
                Act::Tap(label) => {
                    let (title, id) = tapped(label);
                    json!({"context": {"from": "15550783881", "id": "wamid.OUT"},
                           "from": "16505551234", "id": format!("wamid.IN{n}"),
                           "timestamp": "1749416400", "type": "interactive",
                           "interactive": {"type": "button_reply",
                                           "button_reply": {"id": id, "title": title}}})
                }
            };
            json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
                "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "15550783881",
                                 "phone_number_id": "106540352242922"},
                    "contacts": [{"profile": {"name": "Ana"}, "wa_id": "16505551234"}],
                    "messages": [message]}}]}]})
        }
        (other, _) => panic!("{other:?} is not part of this test"),
    }
    .to_string()
    .into_bytes()
}

/// Runs the script through `vendor`'s webhook, tapping the buttons as the vendor rendered
/// them; returns the conversation as sent to the vendor.
fn channel_run(app: &App, vendor: Vendor) -> Vec<Sent> {
    let connected: Connected = app.connect(vendor);
    for (n, act) in SCRIPT.into_iter().enumerate() {
        let offered = sends(app, vendor)
            .into_iter()
            .rev()
            .find(|s| !s.buttons.is_empty())
            .map(|s| s.buttons)
            .unwrap_or_default();
        app.deliver(&connected, &webhook(vendor, n, act, &offered))
            .expect(200);
    }
    sends(app, vendor)
}

#[test]
fn the_same_bot_says_the_same_in_the_widget_and_on_channels() {
    let app = channel_app();
    let a = app.shop_help_center();
    app.publish_bot(&bot(&a));

    let widget = widget_transcript(&app);
    let telegram_sent = channel_run(&app, Vendor::Telegram);
    let whatsapp_sent = channel_run(&app, Vendor::WhatsApp);

    // What the widget shows: the customer's words and taps, and the bot's replies.
    let expected: Vec<Line> = vec![
        ("user", "hello", vec![]),
        (
            "bot",
            "Hi! I'm the virtual assistant. Ask me anything, or pick a topic below.",
            vec!["Refunds", "Talk to a person"],
        ),
        ("user", "I'd like a refund please", vec![]),
        ("bot", "How did you pay?", vec!["Card", "Bank transfer", "Other"]),
        ("user", "Card", vec![]),
        ("bot", "Refunds to your card take 3 business days.", vec![]),
        (
            "bot",
            &format!(
                "Step by step:\n\nHow to get a refund\nhttps://help.example.com/hc/en-us/articles/{}",
                a.refund_en
            ),
            vec![],
        ),
        ("bot", "Did this answer your question?", vec!["Yes", "No"]),
        ("user", "How long does shipping take?", vec![]),
        (
            "bot",
            &format!(
                "These articles might help:\n\nShipping times and costs\n\
                 https://help.example.com/hc/en-us/articles/{}",
                a.shipping_en
            ),
            vec![],
        ),
        ("bot", "Did this answer your question?", vec!["Yes", "No"]),
        ("user", "No", vec![]),
        (
            "bot",
            "Sorry about that. You can ask in other words, or talk to a person.",
            vec!["Talk to a person"],
        ),
        ("user", "Talk to a person", vec![]),
        (
            "bot",
            "Connecting you with a person. An agent will reply here soon.",
            vec![],
        ),
        ("user", "thanks, I'll wait", vec![]),
    ]
    .into_iter()
    .map(|(who, text, labels): (&str, &str, Vec<&str>)| {
        (
            who.to_owned(),
            text.to_owned(),
            labels.into_iter().map(str::to_owned).collect(),
        )
    })
    .collect();
    assert_eq!(widget, expected);

    // Stored, the channel conversations are the widget's, line for line.
    assert_eq!(stored(&app, "telegram", "123456789"), expected);
    assert_eq!(stored(&app, "whatsapp", "+16505551234"), expected);

    // Sent, each bot message went out once, with its quick replies as the vendor's buttons.
    let bot_lines: Vec<(String, Vec<String>)> = expected
        .iter()
        .filter(|(who, _, _)| who == "bot")
        .map(|(_, text, labels)| (text.clone(), labels.clone()))
        .collect();
    for (vendor, sent) in [("telegram", telegram_sent), ("whatsapp", whatsapp_sent)] {
        let seen: Vec<(String, Vec<String>)> = sent
            .into_iter()
            .map(|s| (s.text, s.buttons.into_iter().map(|b| b.0).collect()))
            .collect();
        assert_eq!(seen, bot_lines, "{vendor}");
    }

    // Three conversations, each handed to agents with its own ticket.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM conversations WHERE switchboard = 'agent' AND ticket_id IS NOT NULL"),
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT requester_id) FROM tickets"),
        3
    );
}
