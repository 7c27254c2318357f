//! Two dev-server processes sharing one SQLite file and one Redis key-value store, as two Spin
//! processes (or SpinKube replicas) share state through runtime config: under concurrent load
//! split across both, no message is lost and none is duplicated, each conversation's sequence
//! has no gap, the per-address limits count across both (in SQLite: no route touches the
//! key-value store, which both are given on the one Redis), and a widget long-polling on one
//! process gets what is posted through the other.
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
    let mut stream = TcpStream::connect(addr).expect("connect");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\ncontent-type: application/json\r\n",
        body.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("authorization: Bearer {token}\r\n"));
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

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spindesk-two-processes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

const VISITORS: usize = 8;
const MESSAGES: usize = 16;

#[test]
fn two_processes_share_the_database_and_redis_under_concurrent_load() {
    let dir = temp_dir();
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
