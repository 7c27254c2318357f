//! The built Spin components, run by `spindesk-wasmhost` from the repository's `spin.toml`: real
//! requests through the real Wasm, with Spin's SQLite interface and each component's grants as
//! the manifest gives them. The components are built for wasm32-wasip2 first (nothing to do
//! when CI built them already).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

const ADMIN_TOKEN: &str = "wasmhost-test-admin-token-0123456789abcdef";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds the components these tests reach, with the profiles `spin.toml` names.
fn build_components() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        for (profile, packages) in [
            ("release", &["widget", "actions-builtin"][..]),
            ("release-small", &["admin"][..]),
        ] {
            let mut cmd = Command::new(&cargo);
            cmd.current_dir(workspace()).args([
                "build",
                "--quiet",
                "--target",
                "wasm32-wasip2",
                "--profile",
                profile,
            ]);
            for p in packages {
                cmd.args(["-p", p]);
            }
            let status = cmd.status().expect("run cargo");
            assert!(status.success(), "building {packages:?} ({profile}) failed");
        }
    });
}

/// A host serving `spin.toml` on a free port, with its state in a folder of its own.
struct Host {
    child: Child,
    addr: String,
    state: PathBuf,
}

impl Host {
    fn start(name: &str) -> Host {
        Host::start_with(name, &[])
    }

    /// [`Host::start`] with more arguments; the host's stderr goes to `stderr.log` in its state.
    fn start_with(name: &str, args: &[&str]) -> Host {
        build_components();
        let state =
            std::env::temp_dir().join(format!("spindesk-wasmhost-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&state);
        std::fs::create_dir_all(&state).expect("state folder");
        let config = state.join("runtime-config.toml");
        let mut text = String::new();
        for label in ["attachments", "help_center", "live"] {
            text.push_str(&format!(
                "[sqlite_database.{label}]\ntype = \"spin\"\npath = {:?}\n",
                state.join(format!("{label}.db"))
            ));
        }
        std::fs::write(&config, text).expect("runtime config");
        let mut child = Command::new(env!("CARGO_BIN_EXE_spindesk-wasmhost"))
            .current_dir(workspace())
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--state-dir")
            .arg(&state)
            .arg("--runtime-config-file")
            .arg(&config)
            .arg("--variable")
            .arg(format!("admin_token={ADMIN_TOKEN}"))
            // Only the components a test reaches are built and compiled.
            .arg("--compile-on-first-request")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(state.join("stderr.log")).expect("stderr.log"))
            .spawn()
            .expect("start spindesk-wasmhost");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the host's first line");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("the host said {line:?}"))
            .to_owned();
        Host { child, addr, state }
    }

    /// One HTTP/1.1 request; the status and the body parsed as JSON (`null` if empty).
    fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> (u16, serde_json::Value) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        let auth = token
            .map(|t| format!("authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nhost: {}\r\n{auth}content-type: application/json\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .expect("send");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("answer");
        let raw = String::from_utf8_lossy(&raw);
        let (head, rest) = raw.split_once("\r\n\r\n").expect("a head");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status");
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(rest)
        } else {
            rest.to_owned()
        };
        let json = if body.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
        };
        (status, json)
    }

    /// The host's stderr once it has a line containing `wanted` (it may come just after the
    /// answer: an instance ends after its response), or as it is after 10 s.
    fn stderr_with(&self, wanted: &str) -> String {
        let started = std::time::Instant::now();
        loop {
            let text = std::fs::read_to_string(self.state.join("stderr.log")).unwrap_or_default();
            if text.contains(wanted) || started.elapsed() > std::time::Duration::from_secs(10) {
                return text;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn database(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.state.join("sqlite_db.db")).expect("the default database")
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if n == 0 {
            break;
        }
        out.push_str(&after[..n]);
        rest = &after[n + 2..];
    }
    out
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.state);
    }
}

#[test]
fn a_visitor_talks_to_the_bot_through_the_widget_component() {
    let host = Host::start("widget");
    let (status, session) = host.call(
        "POST",
        "/api/widget/sessions",
        None,
        r#"{"locale":"en-US"}"#,
    );
    assert_eq!(status, 201, "{session}");
    let token = session["session"]["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let conversation = session["session"]["conversation_id"]
        .as_str()
        .expect("an id")
        .to_owned();

    let (status, sent) = host.call(
        "POST",
        "/api/widget/messages",
        Some(&token),
        r#"{"text":"hello, where is my order?"}"#,
    );
    assert_eq!(status, 201, "{sent}");
    let authors: Vec<&str> = sent["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["author"]["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(authors[0], "user");
    assert!(authors[1..].contains(&"bot"), "the bot answered: {sent}");

    let (status, read) = host.call("GET", "/api/widget/messages?after=0", Some(&token), "");
    assert_eq!(status, 200, "{read}");
    assert_eq!(
        read["messages"].as_array().map(Vec::len),
        Some(authors.len())
    );

    // A long-poll with nothing new waits its second (held in the `live` database) and answers.
    let last = read["last_seq"].as_i64().expect("last_seq");
    let (status, waited) = host.call(
        "GET",
        &format!("/api/widget/messages?after={last}&wait=1"),
        Some(&token),
        "",
    );
    assert_eq!(status, 200, "{waited}");
    assert_eq!(
        waited["messages"].as_array().map(Vec::len),
        Some(0),
        "{waited}"
    );
    // Held, not refused: a component that could not open `live` answers "limited" at once.
    assert!(waited.get("limited").is_none(), "{waited}");

    // What the Wasm stored, through Spin's SQLite interface, is in the database file.
    let stored: i64 = host
        .database()
        .query_row(
            "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE c.public_id = ?1",
            [&conversation],
            |r| r.get(0),
        )
        .expect("count the messages");
    assert_eq!(stored, authors.len() as i64);

    // The component's own errors come through as its JSON.
    let (status, refused) = host.call("GET", "/api/widget/messages?after=0", Some("wst_bogus"), "");
    assert_eq!(status, 401, "{refused}");
    assert_eq!(refused["errors"][0]["code"], "invalid_session", "{refused}");
}

#[test]
fn the_admin_component_reads_its_token_from_the_manifests_variables() {
    let host = Host::start_with("admin", &["--trace-sql"]);
    let (status, agents) = host.call("GET", "/api/admin/agents", Some(ADMIN_TOKEN), "");
    assert_eq!(status, 200, "{agents}");
    assert!(agents["agents"].is_array(), "{agents}");
    // A Host header that makes no URL is the caller's mistake, answered 400 by the host.
    let mut stream = TcpStream::connect(&host.addr).expect("connect");
    write!(
        stream,
        "GET /api/admin/agents HTTP/1.1\r\nhost: bad host\r\nconnection: close\r\n\r\n"
    )
    .expect("send");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("answer");
    assert!(raw.starts_with("HTTP/1.1 400"), "{raw}");

    let (status, refused) = host.call(
        "GET",
        "/api/admin/agents",
        Some("not-the-token-0123456789abcdef0123"),
        "",
    );
    assert_eq!(status, 401, "{refused}");

    // `--trace-sql`: each request's SQLite calls, timed, under a line naming the component and
    // the path; the statements only, never the request's token.
    let trace = host.stderr_with("--- admin /api/admin/agents: ");
    let block = trace
        .split("--- ")
        .find(|b| b.starts_with("admin /api/admin/agents: "))
        .unwrap_or_else(|| panic!("no trace of the agents list in {trace:?}"));
    let lines: Vec<&str> = block.lines().skip(1).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains(" us  default ") && l.contains("(open)")),
        "{block}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(" us  default ") && l.contains("SELECT")),
        "{block}"
    );
    assert!(
        !trace.contains(ADMIN_TOKEN),
        "the trace shows the admin token"
    );
}
