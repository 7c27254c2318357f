//! Kill -9 under load: the server process dies mid-burst of widget messages and signed Telegram
//! webhooks, comes back on the same database, and the senders retry what was not acknowledged.
//! Every acknowledged message is stored exactly once, every retried one too, and the database
//! passes `PRAGMA integrity_check`.

use spindesk_core::ports::{Sql, Value};
use spindesk_native::NativeSql;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const ADMIN: &str = "crash-test-admin-token-0123456789abcdef";
const TG_SECRET: &str = "crash-test-telegram-secret-0123456789ab";
const VISITORS: usize = 4;
const EACH: usize = 40;

fn free_addr() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr")
}

fn start(addr: SocketAddr, db: &Path) -> Child {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let child = Command::new(env!("CARGO_BIN_EXE_spindesk-devserver"))
        .args(["--listen", &addr.to_string(), "--db"])
        .arg(db)
        .args(["--workers", "16"])
        .current_dir(&root)
        .env("SPIN_VARIABLE_ADMIN_TOKEN", ADMIN)
        // The burst is one script writing as fast as it can.
        .env("SPIN_VARIABLE_WIDGET_MESSAGES_PER_MINUTE", "100000")
        .env(
            "SPIN_VARIABLE_WIDGET_MESSAGES_PER_ADDRESS_PER_MINUTE",
            "100000",
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the dev server");
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "the dev server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// One HTTP request; `None` when the connection failed or broke (the server died).
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.get(9..12)?.parse().ok()?;
    let body = out.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_owned();
    Some((status, body))
}

fn field(json: &str, name: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).expect("json");
    let mut at = &v;
    for part in name.split('.') {
        at = &at[part];
    }
    at.as_str().expect("string field").to_owned()
}

/// What one sender has to deliver: a widget message with a client id, or a Telegram update.
#[derive(Clone)]
enum Send {
    Widget { token: String, client_id: String },
    Telegram { path: String, n: usize },
}

impl Send {
    fn deliver(&self, addr: SocketAddr) -> Option<u16> {
        match self {
            Send::Widget { token, client_id } => request(
                addr,
                "POST",
                "/api/widget/messages",
                &[("Authorization", &format!("Bearer {token}"))],
                &format!(r#"{{"text": "message {client_id}", "client_id": "{client_id}"}}"#),
            )
            .map(|(s, _)| s),
            Send::Telegram { path, n } => request(
                addr,
                "POST",
                path,
                &[("X-Telegram-Bot-Api-Secret-Token", TG_SECRET)],
                &format!(
                    r#"{{"update_id": {}, "message": {{"message_id": {}, "from": {{"id": 4242, "is_bot": false, "first_name": "Ana"}}, "chat": {{"id": 4242, "type": "private"}}, "date": 1718000000, "text": "telegram {n}"}}}}"#,
                    900_000 + n,
                    50_000 + n
                ),
            )
            .map(|(s, _)| s),
        }
    }

    fn text(&self) -> String {
        match self {
            Send::Widget { client_id, .. } => format!("message {client_id}"),
            Send::Telegram { n, .. } => format!("telegram {n}"),
        }
    }
}

#[test]
fn a_server_killed_mid_burst_loses_and_duplicates_nothing() {
    let dir = std::env::temp_dir().join(format!("spindesk-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db: PathBuf = dir.join("crash.db");
    let addr = free_addr();
    let mut server = start(addr, &db);

    // A Telegram integration and some widget visitors.
    let integration = request(
        addr,
        "POST",
        "/api/admin/integrations",
        &[("Authorization", &format!("Bearer {ADMIN}"))],
        &format!(
            r#"{{"integration": {{"type": "telegram", "display_name": "Crash", "bot_token": "7000000001:AAH-crash", "secret_token": "{TG_SECRET}"}}}}"#
        ),
    )
    .expect("integration");
    assert_eq!(integration.0, 201, "{}", integration.1);
    let tg_path = format!(
        "/webhooks/telegram/{}",
        field(&integration.1, "integration.id")
    );
    let mut sends = Vec::new();
    for v in 0..VISITORS {
        let (status, body) =
            request(addr, "POST", "/api/widget/sessions", &[], "{}").expect("session");
        assert_eq!(status, 201, "{body}");
        let token = field(&body, "session.token");
        for i in 0..EACH {
            sends.push(Send::Widget {
                token: token.clone(),
                client_id: format!("v{v}-m{i}"),
            });
        }
    }
    for n in 0..EACH {
        sends.push(Send::Telegram {
            path: tg_path.clone(),
            n,
        });
    }

    // The burst: one thread per sender, each in order; the server is killed partway.
    let acknowledged = Mutex::new(vec![false; sends.len()]);
    let killed = AtomicBool::new(false);
    let lanes: Vec<Vec<usize>> = (0..=VISITORS)
        .map(|lane| (0..EACH).map(|i| lane * EACH + i).collect())
        .collect();
    std::thread::scope(|s| {
        for lane in &lanes {
            let (sends, acknowledged, killed) = (&sends, &acknowledged, &killed);
            s.spawn(move || {
                for &i in lane {
                    if killed.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Some(status) = sends[i].deliver(addr) {
                        if (200..300).contains(&status) {
                            acknowledged.lock().unwrap()[i] = true;
                        }
                    }
                }
            });
        }
        // Kill -9 once some of the burst is through.
        let deadline = Instant::now() + Duration::from_secs(60);
        while acknowledged.lock().unwrap().iter().filter(|a| **a).count() < sends.len() / 4 {
            assert!(Instant::now() < deadline, "the burst did not get going");
            std::thread::sleep(Duration::from_millis(5));
        }
        server.kill().expect("kill -9");
        server.wait().expect("reap");
        killed.store(true, Ordering::SeqCst);
    });
    let before_kill = acknowledged.lock().unwrap().iter().filter(|a| **a).count();
    assert!(
        before_kill < sends.len(),
        "the kill came after the burst: nothing to prove"
    );

    // Back on the same database; everything not acknowledged is sent again, and a few that
    // were, as a client that never saw its answer would.
    let mut server = start(addr, &db);
    let acked = acknowledged.into_inner().unwrap();
    let again: Vec<usize> = (0..sends.len())
        .filter(|&i| !acked[i] || i % 7 == 0)
        .collect();
    for &i in &again {
        let status = sends[i]
            .deliver(addr)
            .expect("the restarted server answers");
        assert!(
            (200..300).contains(&status),
            "retry of {} answered {status}",
            sends[i].text()
        );
    }
    server.kill().expect("stop");
    server.wait().expect("reap");

    let sql = NativeSql::open(&db);
    let check = sql
        .execute("PRAGMA integrity_check", &[])
        .expect("integrity check");
    assert_eq!(check.rows, vec![vec![Value::Text("ok".into())]]);
    for send in &sends {
        let stored = sql
            .execute(
                "SELECT count(*) FROM messages WHERE author_type = 'user' AND text = ?",
                &[Value::Text(send.text())],
            )
            .expect("count");
        assert_eq!(
            stored.rows,
            vec![vec![Value::Integer(1)]],
            "{} stored exactly once",
            send.text()
        );
    }
    println!(
        "{before_kill} of {} acknowledged before the kill; {} sent again",
        sends.len(),
        again.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
