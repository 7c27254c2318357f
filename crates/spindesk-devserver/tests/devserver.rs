//! The dev server routes as Spin does, adds Spin's headers, enforces grants, resolves variables,
//! survives a panicking handler and serves a slow request without holding up the others.

use spindesk_core::ports::{SqlErrorKind, Value};
use spindesk_core::surface::{BodyStream, Handler, Request, Response, Streamed, Uses};
use spindesk_core::{Env, Surface};
use spindesk_devserver::{spawn_workers, App};
use spindesk_native::spin_routes::Manifest;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NO_USES: Uses = Uses {
    sqlite: false,
    key_value: false,
    variables: &[],
    outbound: false,
    actions: false,
    files: false,
    help_center: false,
    live: false,
};

/// A streamed route: reads its body 4 bytes at a time until it has more than 16, then answers
/// how much it read (an upload's limit + 1 byte).
fn count_to_seventeen(_env: &Env, _req: Request, body: &mut dyn BodyStream) -> Response {
    let mut read = 0;
    while read <= 16 {
        match body.read(4) {
            Ok(chunk) if chunk.is_empty() => break,
            Ok(chunk) => read += chunk.len(),
            Err(e) => return http::Response::new(format!("error {e}").into_bytes()),
        }
    }
    http::Response::new(format!("read={read}").into_bytes())
}

static STREAMED: &[Streamed] = &[Streamed {
    method: "POST",
    path: "/api/x/upload-stream",
    handle: count_to_seventeen,
}];

/// Answers with what it saw: the spin-* headers, its variables, what SQL and key-value did.
fn echo(env: &Env, req: Request) -> Response {
    let mut lines = vec![format!("uri={}", req.uri())];
    for (name, value) in req.headers() {
        if name.as_str().starts_with("spin-") {
            lines.push(format!("{name}={}", value.to_str().unwrap_or("?")));
        }
    }
    for var in ["admin_token", "public_base_url", "unmapped"] {
        lines.push(format!("var {var}={:?}", env.config.get(var)));
    }
    let sql = env.sql.execute("SELECT ?1 + 1", &[Value::Integer(41)]);
    lines.push(match sql {
        Ok(rows) => format!("sql={:?}", rows.rows[0][0]),
        Err(e) if e.kind == SqlErrorKind::AccessDenied => "sql=denied".into(),
        Err(e) => format!("sql=error {e}"),
    });
    let count = env.kv.get("count").ok().flatten().map_or(0, |v| v[0]);
    lines.push(match env.kv.set("count", &[count + 1]) {
        Ok(()) => format!("kv={}", count + 1),
        Err(_) => "kv=denied".into(),
    });
    if req.uri().path().ends_with("/slow") {
        env.clock.sleep(Duration::from_millis(1500));
    }
    if req.uri().path().ends_with("/panic") {
        panic!("handler bug");
    }
    http::Response::new(lines.join("\n").into_bytes())
}

static API: Surface = Surface {
    component: "api",
    handle: Handler::Respond(echo),
    uses: NO_USES,
    streamed: STREAMED,
};
static SITE: Surface = Surface {
    component: "site",
    handle: Handler::Respond(echo),
    uses: NO_USES,
    streamed: &[],
};

fn surfaces(id: &str) -> Option<&'static Surface> {
    [&API, &SITE].into_iter().find(|s| s.component == id)
}

const MANIFEST: &str = r#"
spin_manifest_version = 2
[application]
name = "t"
[variables]
admin_token = { default = "", secret = true }
public_base_url = { default = "http://127.0.0.1:3000" }
[[trigger.http]]
route = "/api/x/..."
component = "api"
[[trigger.http]]
route = "/api/x.json"
component = "api"
[[trigger.http]]
route = "/site/..."
component = "site"
[[trigger.http]]
route = "/webhooks/..."
component = "api"
[component.api]
source = "api.wasm"
sqlite_databases = ["default"]
key_value_stores = ["default"]
[component.api.variables]
admin_token = "{{ admin_token }}"
public_base_url = "{{ public_base_url }}"
[component.site]
source = "site.wasm"
"#;

/// A fresh database file for one test, in a folder of its own (the server puts the
/// `attachments` and `help_center` databases beside it), under one folder per test process.
/// A test process cannot clean up after its last test, so each run removes the folders of
/// earlier runs whose process is gone.
fn temp_db(name: &str) -> PathBuf {
    static RUN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    const PREFIX: &str = "spindesk-devserver-tests-";
    let run = RUN.get_or_init(|| {
        let base = std::env::temp_dir();
        for entry in std::fs::read_dir(&base).into_iter().flatten().flatten() {
            let name = entry.file_name();
            let pid = name.to_str().and_then(|n| n.strip_prefix(PREFIX));
            if pid.is_some_and(|pid| !Path::new("/proc").join(pid).exists()) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        base.join(format!("{PREFIX}{}", std::process::id()))
    });
    let dir = run.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("test folder");
    dir.join("spindesk.db")
}

fn app(db: &Path, env: &[(&str, &str)]) -> App {
    let manifest = Manifest::parse(MANIFEST).unwrap();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    App::with_surfaces(&manifest, db.to_owned(), lookup, surfaces)
        .unwrap()
        .0
}

fn get(app: &App, uri: &str) -> (u16, String) {
    let req = http::Request::builder()
        .uri(uri)
        .header("spin-path-info", "/spoofed")
        .body(Vec::new())
        .unwrap();
    let res = app.handle(
        req,
        Some("127.0.0.1:5555".parse().unwrap()),
        "localhost:3000",
    );
    (
        res.status().as_u16(),
        String::from_utf8(res.into_body()).unwrap(),
    )
}

#[test]
fn requests_reach_the_routed_component_with_spins_headers() {
    let app = app(&temp_db("headers"), &[]);
    let (status, body) = get(&app, "/api/x/messages/1?after=2");
    assert_eq!(status, 200);
    for line in [
        "uri=/api/x/messages/1?after=2",
        "spin-full-url=http://localhost:3000/api/x/messages/1?after=2",
        "spin-path-info=/messages/1",
        "spin-matched-route=/api/x/...",
        "spin-component-route=/api/x",
        "spin-base-path=/",
        "spin-client-addr=127.0.0.1:5555",
    ] {
        assert!(
            body.lines().any(|l| l == line),
            "missing {line:?} in\n{body}"
        );
    }
    assert!(!body.contains("/spoofed"));
    let (_, body) = get(&app, "/api/x.json");
    assert!(body.contains("spin-matched-route=/api/x.json"), "{body}");
    assert!(body.lines().any(|l| l == "spin-path-info="), "{body}");
}

#[test]
fn an_unrouted_path_gets_spins_bare_404() {
    let app = app(&temp_db("404"), &[]);
    assert_eq!(get(&app, "/api/xs"), (404, String::new()));
    assert_eq!(get(&app, "/"), (404, String::new()));
}

#[test]
fn grants_are_enforced_and_the_key_value_store_is_shared() {
    let app = app(&temp_db("grants"), &[]);
    let (_, api) = get(&app, "/api/x/a");
    assert!(
        api.contains("sql=Integer(42)") && api.contains("kv=1"),
        "{api}"
    );
    let (_, api) = get(&app, "/api/x/b");
    assert!(api.contains("kv=2"), "{api}");
    let (_, site) = get(&app, "/site/a");
    assert!(
        site.contains("sql=denied") && site.contains("kv=denied"),
        "{site}"
    );
}

#[test]
fn variables_come_from_the_environment_then_defaults_and_only_where_mapped() {
    let unset = app(&temp_db("vars1"), &[]);
    let (_, body) = get(&unset, "/api/x");
    assert!(body.contains("var admin_token=None"), "{body}");
    assert!(
        body.contains("var public_base_url=Some(\"http://127.0.0.1:3000\")"),
        "{body}"
    );
    assert!(body.contains("var unmapped=None"), "{body}");
    let set = app(
        &temp_db("vars2"),
        &[("SPIN_VARIABLE_ADMIN_TOKEN", "s3cret")],
    );
    let (_, body) = get(&set, "/api/x");
    assert!(body.contains("var admin_token=Some(\"s3cret\")"), "{body}");
    let (_, site) = get(&set, "/site/x");
    assert!(
        site.contains("var admin_token=None"),
        "not mapped for site: {site}"
    );
}

#[test]
fn the_real_manifest_loads_with_the_real_surfaces() {
    let manifest =
        Manifest::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spin.toml")).unwrap();
    let (app, notes) = App::new(&manifest, temp_db("real"), |_| None).unwrap();
    // The bot's actions dependency is a wasm file `.ci/run` builds before the tests; until it
    // is built, the only warnings say so and how to build it.
    let actions = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/wasm32-wasip2/release/actions_builtin.wasm");
    if actions.exists() {
        assert!(notes.warnings.is_empty(), "{:?}", notes.warnings);
    } else {
        assert!(
            notes
                .warnings
                .iter()
                .all(|w| w.contains("spindesk:bot/actions") && w.contains("cargo build")),
            "{:?}",
            notes.warnings
        );
    }
    assert_eq!(
        app.router()
            .route("/api/v2/tickets.json")
            .unwrap()
            .component,
        "tickets"
    );
}

fn raw_get(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn over_http_a_slow_request_does_not_hold_up_others_and_a_panic_is_a_500() {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let addr = server.server_addr().to_ip().unwrap();
    let app = Arc::new(app(&temp_db("http"), &[]));
    let workers = spawn_workers(app, server.clone(), 4);

    let slow = std::thread::spawn(move || raw_get(addr, "/api/x/slow"));
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let fast = raw_get(addr, "/api/x/fast");
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "fast waited {:?}",
        started.elapsed()
    );
    assert!(fast.starts_with("HTTP/1.1 200"), "{fast}");
    assert!(
        fast.contains(&format!("spin-full-url=http://{addr}/api/x/fast")),
        "{fast}"
    );

    let panicked = raw_get(addr, "/api/x/panic");
    assert!(panicked.starts_with("HTTP/1.1 500"), "{panicked}");
    assert!(raw_get(addr, "/nowhere").starts_with("HTTP/1.1 404"));
    assert!(slow.join().unwrap().starts_with("HTTP/1.1 200"));
    assert!(
        raw_get(addr, "/api/x/after").starts_with("HTTP/1.1 200"),
        "workers survive a panic"
    );

    for _ in &workers {
        server.unblock();
    }
    for worker in workers {
        worker.join().unwrap();
    }
}

#[test]
fn a_database_that_cannot_be_opened_is_an_sql_error_not_a_panic() {
    // A directory where the database file should be: SQLite cannot open it.
    let dir = std::env::temp_dir().join(format!("spindesk-devserver-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let app = app(&dir, &[]);
    let (status, body) = get(&app, "/api/x/y");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("sql=error"), "{body}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A browser opening a page of many files opens several connections at once and keeps them
/// open. tiny_http serves each open connection with one thread of a pool that can leave new
/// connections queued behind idle ones (a fresh server hung on the admin console's dozen module
/// loads), so every answer closes its connection, and a client that honours that frees the
/// thread for the next connection.
#[test]
fn a_burst_of_connections_is_answered_and_each_answer_closes_its_connection() {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let addr = server.server_addr().to_ip().unwrap();
    let app = Arc::new(app(&temp_db("burst"), &[]));
    let workers = spawn_workers(app, server.clone(), 16);

    let mut streams: Vec<TcpStream> = (0..12).map(|_| TcpStream::connect(addr).unwrap()).collect();
    for (i, stream) in streams.iter_mut().enumerate() {
        stream
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        // A browser's request: HTTP/1.1, so keep-alive unless the server says otherwise.
        write!(stream, "GET /api/x/{i} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    }
    let mut answers = Vec::new();
    let mut open = Vec::new();
    for stream in &mut streams {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match stream.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                other => panic!(
                    "no answer: {other:?} after {:?}",
                    String::from_utf8_lossy(&head)
                ),
            }
        }
        let head = String::from_utf8_lossy(&head).to_lowercase();
        answers.push(head.lines().next().unwrap_or_default().to_owned());
        // As the HTTP spec asks, a client closes a connection the answer closes; a browser
        // keeps the others open for the next request.
        if head.contains("connection: close") {
            stream.shutdown(std::net::Shutdown::Both).unwrap();
        } else {
            open.push(answers.len());
        }
    }
    assert!(
        answers.iter().all(|a| a.starts_with("http/1.1 200")),
        "{answers:?}"
    );
    assert!(
        open.is_empty(),
        "{} answers left their connection open",
        open.len()
    );
    drop(streams);

    for _ in &workers {
        server.unblock();
    }
    for worker in workers {
        worker.join().unwrap();
    }
}

#[test]
fn a_huge_chunked_body_is_refused_without_being_read_to_the_end() {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let addr = server.server_addr().to_ip().unwrap();
    let app = Arc::new(app(&temp_db("chunked"), &[]));
    let workers = spawn_workers(app, server.clone(), 2);

    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /api/x/upload HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    // Up to 64 MiB in 64 KiB chunks; the server may close the connection long before.
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent: u64 = 0;
    while sent < 64 * 1024 * 1024 {
        let wrote = write!(stream, "{:x}\r\n", chunk.len())
            .and_then(|()| stream.write_all(&chunk))
            .and_then(|()| stream.write_all(b"\r\n"));
        if wrote.is_err() {
            break;
        }
        sent += chunk.len() as u64;
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // The server stopped reading: the rest of the 64 MiB could not even be sent.
    assert!(
        sent < 16 * 1024 * 1024,
        "{sent} bytes went out before the server closed"
    );

    for _ in &workers {
        server.unblock();
    }
    for worker in workers {
        worker.join().unwrap();
    }
}

/// POSTs `len` bytes to `path` with a Content-Length; the answer's status line.
fn post_bytes(addr: SocketAddr, path: &str, len: usize) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let _ = stream.write_all(&vec![b'a'; len]);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn the_email_webhook_is_read_up_to_its_own_limit_above_the_servers() {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let addr = server.server_addr().to_ip().unwrap();
    let app = Arc::new(app(&temp_db("email-limit"), &[]));
    let workers = spawn_workers(app, server.clone(), 2);

    // 6 MB: over the 4 MiB read whole for other routes, under the e-mail webhook's 50 MiB.
    let six = 6_000_000;
    assert!(six as u64 > spindesk_devserver::MAX_BODY_BYTES);
    assert_eq!(
        post_bytes(addr, "/webhooks/email/x", six),
        "HTTP/1.1 200 OK"
    );
    assert_eq!(
        post_bytes(addr, "/webhooks/telegram/x", six),
        "HTTP/1.1 413 Payload Too Large"
    );
    assert_eq!(
        post_bytes(addr, "/api/x/echo", six),
        "HTTP/1.1 413 Payload Too Large"
    );

    for _ in &workers {
        server.unblock();
    }
    for worker in workers {
        worker.join().unwrap();
    }
}

#[test]
fn a_streamed_route_reads_the_body_from_the_socket_as_it_arrives() {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let addr = server.server_addr().to_ip().unwrap();
    let app = Arc::new(app(&temp_db("streamed"), &[]));
    let workers = spawn_workers(app, server.clone(), 2);

    let mut stream = TcpStream::connect(addr).unwrap();
    // A guard against a server that waits for the whole body: it would never answer.
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // 10 MB: more than the 4 MiB the server reads whole for any other route (which would
    // answer 413), so only a route that reads the body as a stream answers 200. (tiny_http
    // drains the unread rest before answering; Spin closes instead. Either way nothing
    // buffers it.)
    write!(
        stream,
        "POST /api/x/upload-stream HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 10000000\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![b'a'; 100_000];
    for _ in 0..100 {
        if stream.write_all(&chunk).is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("read=20"), "{answer}");

    for _ in &workers {
        server.unblock();
    }
    for worker in workers {
        worker.join().unwrap();
    }
}

/// The write-ahead log of the database at `db`, if it is on disk.
fn wal_of(db: &Path) -> PathBuf {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    wal.into()
}

fn post_json(app: &App, uri: &str, body: &str) -> u16 {
    let req = http::Request::builder()
        .method("POST")
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap();
    app.handle(
        req,
        Some("127.0.0.1:5555".parse().unwrap()),
        "localhost:3000",
    )
    .status()
    .as_u16()
}

/// Every request's connection closes with the request; were it the last, SQLite would
/// checkpoint the log into the database and delete it each time. The server holds one idle
/// connection to each database once it is in WAL mode, so the log stays between requests.
#[test]
fn the_server_holds_its_databases_open_so_a_requests_close_keeps_the_log() {
    let manifest =
        Manifest::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spin.toml")).unwrap();
    let db = temp_db("held-open");
    let (app, _) = App::new(&manifest, db.clone(), |_| None).unwrap();
    for _ in 0..2 {
        assert_eq!(
            post_json(&app, "/api/widget/sessions", r#"{"locale": "en-US"}"#),
            201
        );
        assert!(wal_of(&db).exists(), "the log kept after the request");
    }
    drop(app);
    // The server gone, the next connection to close is the last.
    let conn = spindesk_native::NativeSql::open(&db);
    spindesk_core::ports::Sql::execute(&conn, "SELECT count(*) FROM users", &[]).unwrap();
    drop(conn);
    assert!(
        !wal_of(&db).exists(),
        "the last close checkpoints and deletes it"
    );
}

/// `spindesk-hold-open`, beside `spin up`: the same for another process's connections, and a
/// file that does not exist yet is held once it does.
#[test]
fn hold_open_keeps_the_log_of_another_processs_databases() {
    let db = temp_db("hold-open-tool");
    let later = db.with_file_name("later.db");
    let mut holder = std::process::Command::new(env!("CARGO_BIN_EXE_spindesk-hold-open"))
        .arg(&db)
        .arg(&later)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spindesk-hold-open runs");
    let one_request = |path: &Path| {
        let conn = write_a_row(path);
        drop(conn);
    };
    one_request(&db);
    let mut said = std::io::BufReader::new(holder.stderr.take().expect("stderr"));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut said, &mut line).expect("a line");
    assert!(line.contains("holding 1 of 2"), "{line}");
    one_request(&db);
    assert!(wal_of(&db).exists(), "held by the other process");
    one_request(&later);
    line.clear();
    std::io::BufRead::read_line(&mut said, &mut line).expect("a line");
    assert!(line.contains("holding 2 of 2"), "{line}");
    one_request(&later);
    assert!(wal_of(&later).exists());
    holder.kill().expect("stopped");
    holder.wait().expect("gone");
    one_request(&db);
    assert!(!wal_of(&db).exists(), "not held any more");

    let usage = std::process::Command::new(env!("CARGO_BIN_EXE_spindesk-hold-open"))
        .output()
        .expect("runs");
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("usage: spindesk-hold-open FILE"));
}

/// A connection of its own that makes `path` a WAL database with a table, writes a row and is
/// returned (closing it is the request's end).
fn write_a_row(path: &Path) -> spindesk_native::NativeSql {
    use spindesk_core::ports::Sql;
    let conn = spindesk_native::NativeSql::open(path);
    conn.execute("PRAGMA journal_mode = WAL", &[]).unwrap();
    conn.execute("CREATE TABLE IF NOT EXISTS t (a)", &[])
        .unwrap();
    conn.execute("INSERT INTO t (a) VALUES (1)", &[]).unwrap();
    conn
}
