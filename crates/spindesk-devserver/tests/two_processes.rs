//! Two dev-server processes sharing one SQLite file and one Redis key-value store, as two Spin
//! processes (or SpinKube replicas) share state through runtime config: under concurrent load
//! split across both, no message is lost and none is duplicated, each conversation's sequence
//! has no gap, the per-address limits count across both (in SQLite: no route touches the
//! key-value store, which both are given on the one Redis), and a widget long-polling on one
//! process gets what is posted through the other. New channel customers whose first messages
//! race through both processes become one customer each, greeted once.
//!
//! Starts its own `redis-server` on a free 127.0.0.1 port (Debian's `redis-server` package;
//! `.ci/run` installs it).

use serde_json::{json, Value as Json};
use spindesk_core::ports::Sql;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (by its own handle) when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready() {
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn start_redis() -> (Killed, u16) {
    let port = free_port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server (apt-get install redis-server; .ci/run installs it)");
    let child = Killed(child);
    wait_until("redis-server", || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    (child, port)
}

fn start_devserver(db: &Path, redis_port: u16) -> (Killed, String) {
    let addr = format!("127.0.0.1:{}", free_port());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spin.toml");
    let child = Command::new(env!("CARGO_BIN_EXE_spindesk-devserver"))
        .args(["--listen", &addr, "--manifest", manifest, "--workers", "32"])
        .arg("--db")
        .arg(db)
        .args(["--redis", &format!("redis://127.0.0.1:{redis_port}")])
        // The load is a script sending (and re-sending) as fast as it can, past what one
        // person's session may send in a minute.
        .env("SPIN_VARIABLE_WIDGET_MESSAGES_PER_MINUTE", "100000")
        .env("SPIN_VARIABLE_ADMIN_TOKEN", ADMIN_TOKEN)
        .stdout(Stdio::null())
        .spawn()
        .expect("spindesk-devserver");
    let child = Killed(child);
    wait_until("spindesk-devserver", || TcpStream::connect(&addr).is_ok());
    (child, addr)
}

/// One request over a fresh connection (the dev server closes each one).
fn call(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Json>,
) -> (u16, Json) {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer
        .as_deref()
        .map(|b| ("authorization", b))
        .into_iter()
        .collect();
    call_with(addr, method, path, &headers, body)
}

/// [`call`] with the request's own `headers`.
fn call_with(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Json>,
) -> (u16, Json) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\ncontent-type: application/json\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write");
    stream.write_all(body.as_bytes()).expect("write");
    // The dev server answers `connection: close` but leaves closing to the client: read the
    // head, then exactly `content-length` bytes.
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let mut length = 0;
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header");
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().expect("length");
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    (status, serde_json::from_slice(&body).unwrap_or(Json::Null))
}

struct Visitor {
    token: String,
}

fn visitor(addr: &str) -> Visitor {
    let (status, body) = call(
        addr,
        "POST",
        "/api/widget/sessions",
        None,
        Some(&json!({"locale": "en"})),
    );
    assert_eq!(status, 201, "{body}");
    Visitor {
        token: body["session"]["token"].as_str().expect("token").to_owned(),
    }
}

fn history(addr: &str, v: &Visitor) -> Vec<Json> {
    let (status, body) = call(
        addr,
        "GET",
        "/api/widget/conversation?limit=100",
        Some(&v.token),
        None,
    );
    assert_eq!(status, 200, "{body}");
    body["messages"].as_array().expect("messages").clone()
}

/// A directory of the test's own: the tests run at once in one process, and each removes its
/// directory when done (one shared directory once lost a running test its database).
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "spindesk-two-processes-{}-{test}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

const ADMIN_TOKEN: &str = "two-processes-admin-token-0123456789abcdef";
const VISITORS: usize = 8;
const MESSAGES: usize = 16;

#[test]
fn two_processes_share_the_database_and_redis_under_concurrent_load() {
    let dir = temp_dir("widgets");
    let db = dir.join("shared.db");
    let (_redis, redis_port) = start_redis();
    let (_a, a) = start_devserver(&db, redis_port);
    let (_b, b) = start_devserver(&db, redis_port);
    let servers = [a.clone(), b.clone()];

    // Visitors start on either process; every message of every visitor alternates between
    // them, all visitors at once. Each message is also sent a second time through the other
    // process with the same client id (a retry landing elsewhere): it must store nothing.
    let visitors: Vec<Visitor> = (0..VISITORS).map(|i| visitor(&servers[i % 2])).collect();
    std::thread::scope(|scope| {
        for (i, v) in visitors.iter().enumerate() {
            let servers = &servers;
            scope.spawn(move || {
                for m in 0..MESSAGES {
                    let body =
                        json!({"text": format!("v{i} m{m}"), "client_id": format!("c-{i}-{m}")});
                    let first = &servers[(i + m) % 2];
                    let (status, r) = call(
                        first,
                        "POST",
                        "/api/widget/messages",
                        Some(&v.token),
                        Some(&body),
                    );
                    assert_eq!(status, 201, "{r}");
                    if m % 4 == 0 {
                        let other = &servers[(i + m + 1) % 2];
                        let (status, r) = call(
                            other,
                            "POST",
                            "/api/widget/messages",
                            Some(&v.token),
                            Some(&body),
                        );
                        assert_eq!(status, 200, "a retry stores nothing: {r}");
                        assert_eq!(r["messages"], json!([]), "{r}");
                    }
                }
            });
        }
    });

    for (i, v) in visitors.iter().enumerate() {
        // Read through the other process than the one the visitor started on.
        let messages = history(&servers[(i + 1) % 2], v);
        let mine: Vec<&str> = messages
            .iter()
            .filter(|m| m["author"]["type"] == "user")
            .map(|m| m["text"].as_str().unwrap_or(""))
            .collect();
        let expected: Vec<String> = (0..MESSAGES).map(|m| format!("v{i} m{m}")).collect();
        assert_eq!(mine, expected, "visitor {i}: every message once, in order");
        let seqs: Vec<i64> = messages
            .iter()
            .map(|m| m["seq"].as_i64().expect("seq"))
            .collect();
        assert_eq!(
            seqs,
            (1..=seqs.len() as i64).collect::<Vec<_>>(),
            "visitor {i}: no gap, no repeat"
        );
        assert!(
            messages.iter().any(|m| m["author"]["type"] == "bot"),
            "visitor {i}: the bot answered"
        );
    }

    // Both processes counted new sessions in the one database (the per-address session limit,
    // `rate_limits`): one count across both, not one per process.
    let sql = spindesk_native::NativeSql::open(&db);
    let counted = sql
        .execute(
            "SELECT sum(count) FROM rate_limits WHERE subject LIKE 'widget-sessions:%'",
            &[],
        )
        .expect("rate_limits");
    assert_eq!(
        counted.rows,
        vec![vec![spindesk_core::ports::Value::Integer(VISITORS as i64)]]
    );

    // A widget long-polling on A gets what is posted through B.
    let v = &visitors[0];
    let last_seq = history(&a, v)
        .last()
        .and_then(|m| m["seq"].as_i64())
        .expect("seq");
    let poll = std::thread::spawn({
        let (a, token) = (a.clone(), v.token.clone());
        move || {
            let started = Instant::now();
            let path = format!("/api/widget/messages?after={last_seq}&wait=10");
            let (status, body) = call(&a, "GET", &path, Some(&token), None);
            (status, body, started.elapsed())
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    let (status, _) = call(
        &b,
        "POST",
        "/api/widget/messages",
        Some(&v.token),
        Some(&json!({"text": "posted through B"})),
    );
    assert_eq!(status, 201);
    let (status, body, took) = poll.join().expect("poll");
    assert_eq!(status, 200, "{body}");
    let texts: Vec<&str> = body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["text"].as_str().unwrap_or(""))
        .collect();
    assert!(texts.contains(&"posted through B"), "{body}");
    assert!(took < Duration::from_secs(5), "the poll waited {took:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

const CHATS: i64 = 8;
const UPDATES: i64 = 6;
const TELEGRAM_SECRET: &str = "tg-two-processes-secret-0123456789abcdef";

/// New Telegram customers whose first messages race each other on both processes: each chat's
/// updates go out from two threads at once, one through each process (so the first messages of
/// a customer not seen before meet in the one database), and every update is delivered again
/// through the other process (a vendor's retry landing elsewhere). Each chat ends with one
/// customer, one identity and one conversation, every message once, no gap in the sequence,
/// and the bot's greeting once.
#[test]
fn two_processes_take_racing_first_messages_of_new_channel_customers_once() {
    let dir = temp_dir("channels");
    let db = dir.join("shared.db");
    let (_redis, redis_port) = start_redis();
    let (_a, a) = start_devserver(&db, redis_port);
    let (_b, b) = start_devserver(&db, redis_port);
    let servers = [a.clone(), b.clone()];

    let admin = format!("Bearer {ADMIN_TOKEN}");
    let integration = json!({"integration": {"type": "telegram", "display_name": "Acme",
        "bot_token": "7000000001:AAH-telegram-bot-token", "secret_token": TELEGRAM_SECRET}});
    let (status, created) = call_with(
        &a,
        "POST",
        "/api/admin/integrations",
        &[("authorization", &admin)],
        Some(&integration),
    );
    assert_eq!(status, 201, "{created}");
    let path = format!(
        "/webhooks/telegram/{}",
        created["integration"]["id"].as_str().expect("id")
    );
    let deliver = |server: &str, chat: i64, k: i64| {
        let id = chat * 100 + k;
        let update = json!({"update_id": id, "message": {"message_id": id,
            "from": {"id": chat, "is_bot": false, "first_name": format!("Chat {chat}")},
            "chat": {"id": chat, "type": "private"}, "date": 1718000000,
            "text": format!("chat {chat} says {k}")}});
        let headers = [("x-telegram-bot-api-secret-token", TELEGRAM_SECRET)];
        let (status, body) = call_with(server, "POST", &path, &headers, Some(&update));
        assert_eq!(status, 200, "chat {chat} update {k}: {body}");
    };
    std::thread::scope(|scope| {
        for chat in 1..=CHATS {
            for side in 0..2 {
                let (servers, deliver) = (&servers, &deliver);
                scope.spawn(move || {
                    for k in (side..UPDATES).step_by(2) {
                        let i = (chat + k) as usize;
                        deliver(&servers[i % 2], chat, k);
                        deliver(&servers[(i + 1) % 2], chat, k);
                    }
                });
            }
        }
    });

    let sql = spindesk_native::NativeSql::open(&db);
    // The processes may still be at their follow-up work (the sends, failing here: nothing goes
    // out): wait for a lock rather than fail.
    sql.execute("PRAGMA busy_timeout = 5000", &[])
        .expect("busy timeout");
    // The first column of `query`'s rows, as text; `params` bound in order.
    let texts = |query: &str, params: &[spindesk_core::ports::Value]| -> Vec<String> {
        sql.execute(query, params)
            .unwrap_or_else(|e| panic!("{query}: {e:?}"))
            .rows
            .into_iter()
            .map(|row| match &row[0] {
                spindesk_core::ports::Value::Text(t) => t.clone(),
                spindesk_core::ports::Value::Integer(i) => i.to_string(),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    for chat in 1..=CHATS {
        let address = [format!("{chat}").into()];
        let of_chat = "FROM messages m JOIN conversations c ON c.id = m.conversation_id
             JOIN identities i ON i.user_id = c.user_id
             WHERE i.channel = 'telegram' AND i.address = ?";
        let mut said = texts(
            &format!("SELECT m.text {of_chat} AND m.author_type = 'user'"),
            &address,
        );
        said.sort();
        let expected: Vec<String> = (0..UPDATES)
            .map(|k| format!("chat {chat} says {k}"))
            .collect();
        assert_eq!(said, expected, "chat {chat}: every message once");
        let seqs = texts(&format!("SELECT m.seq {of_chat} ORDER BY m.seq"), &address);
        let expected: Vec<String> = (1..=seqs.len()).map(|n| n.to_string()).collect();
        assert_eq!(seqs, expected, "chat {chat}: no gap, no repeat");
        let greetings = texts(
            &format!("SELECT m.text {of_chat} AND m.author_type = 'bot' AND m.text LIKE 'Hi! I''m the Spindesk bot%'"),
            &address,
        );
        assert_eq!(greetings.len(), 1, "chat {chat}: greeted once");
        let people = texts(
            "SELECT count(*) FROM identities WHERE channel = 'telegram' AND address = ?",
            &address,
        );
        assert_eq!(people, ["1"], "chat {chat}: one customer");
    }
    let conversations = texts("SELECT count(*) FROM conversations", &[]);
    assert_eq!(conversations, [CHATS.to_string()]);
    let _ = std::fs::remove_dir_all(&dir);
}
