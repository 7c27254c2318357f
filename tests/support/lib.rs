//! The test harness: Spindesk's surfaces with native ports, as Spin would run them.
//!
//! Every request gets a fresh SQLite connection on a shared database file (like a fresh Spin
//! instance), and ports a surface did not declare in its `Uses` are refused — so a handler that
//! touches something `spin.toml` would not grant it fails here too.

pub mod actions;
pub mod channels;
pub mod help_center;

use base64::Engine;
use spindesk_core::blobs::SqlFiles;
use spindesk_core::ports::{
    Actions, Config, KeyValue, KvError, NoActions, Outbound, OutboundError, Rows, Sql, SqlError,
    SqlErrorKind, Value,
};
use spindesk_core::surface::BufferedBody;
use spindesk_core::{Env, Surface};
use spindesk_devserver::DevSql;
use spindesk_native::{
    ManualClock, MapConfig, MemoryKeyValue, NativeSql, RecordingLog, RecordingOutbound, SeqRandom,
};
use spindesk_wasm_actions::WasmActions;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

pub use serde_json::{json, Value as Json};

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdefghijk";
/// The key test installations sign attachment links with.
pub const ATTACHMENT_URL_KEY: &str = "test-attachment-key-0123456789abcdefghijk";

/// Every surface, one per component in `spin.toml`: the core's, and the static site's, which
/// lives in its own crate so that editing a page does not rebuild the core.
pub fn surfaces() -> Vec<&'static Surface> {
    let mut all: Vec<&'static Surface> = spindesk_core::SURFACES.iter().collect();
    all.push(&spindesk_static::SURFACE);
    all
}

/// The surface of the component `id`.
pub fn surface(id: &str) -> Option<&'static Surface> {
    surfaces().into_iter().find(|s| s.component == id)
}

/// A whole Spindesk installation: one database, one key-value store, one outbound recorder.
pub struct App {
    dir: PathBuf,
    pub kv: MemoryKeyValue,
    /// Every key-value call a handler made (`"get <key>"`, ...), granted or not.
    kv_calls: Mutex<Vec<String>>,
    pub outbound: RecordingOutbound,
    pub clock: ManualClock,
    pub random: SeqRandom,
    pub config: MapConfig,
    /// Every line the handlers logged.
    pub log: RecordingLog,
    /// How many body bytes the last streamed route (an upload) read.
    body_read: Mutex<Option<usize>>,
    /// The `spindesk:bot/actions` dependency of the components that run the bot (their
    /// surface's `Uses::actions`); none until a test loads one ([`App::with_actions`]).
    pub actions: Option<WasmActions>,
}

impl Default for App {
    fn default() -> Self {
        Self::new()
    }
}

/// The component `spin.toml` routes a Zendesk path to: search has its own
/// (`tests/e2e/spin_manifest.rs` checks the manifest routes these paths so).
pub fn zendesk_component(path: &str) -> &'static str {
    if path.starts_with("/api/v2/search") || path.starts_with("/api/v2/users/search") {
        "search"
    } else {
        "tickets"
    }
}

impl App {
    pub fn new() -> Self {
        Self::with_config(Self::default_config())
    }

    /// What [`App::new`] configures: the admin token and the attachment links' key.
    pub fn default_config() -> MapConfig {
        MapConfig::default()
            .with("admin_token", ADMIN_TOKEN)
            .with("attachment_url_key", ATTACHMENT_URL_KEY)
    }

    /// An app whose widget message limits are out of reach: for tests and benches that write
    /// from one session (or address) as fast as threads can, which no person does.
    pub fn without_message_limits() -> Self {
        Self::with_config(
            MapConfig::default()
                .with("admin_token", ADMIN_TOKEN)
                .with("widget_messages_per_minute", "1000000000")
                .with("widget_messages_per_address_per_minute", "1000000000"),
        )
    }

    pub fn with_config(config: MapConfig) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let base = if let Some(dir) = std::env::var_os("SPINDESK_TEST_DIR") {
            PathBuf::from(dir)
        } else if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!(
            "spindesk-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("create test dir");
        App {
            dir,
            kv: MemoryKeyValue::default(),
            kv_calls: Mutex::new(Vec::new()),
            outbound: RecordingOutbound::default(),
            clock: ManualClock::at(1_795_000_000_000),
            random: SeqRandom::default(),
            config,
            log: RecordingLog::default(),
            body_read: Mutex::new(None),
            actions: None,
        }
    }

    /// This installation with `actions` composed into the components that run the bot.
    pub fn with_actions(mut self, actions: WasmActions) -> Self {
        self.actions = Some(actions);
        self
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.join("spindesk.db")
    }

    /// Deletes ticket `id` behind the app's back, as an operator's SQL would: on a connection
    /// of its own with foreign keys off (other tables refer to the ticket), each of `statements`
    /// run with the id as its one parameter. The app's triggers still run.
    pub fn delete_ticket_behind_the_apps_back(&self, id: i64, statements: &[&str]) {
        let db = self.db();
        db.execute("PRAGMA foreign_keys = OFF", &[])
            .expect("foreign keys off");
        for statement in statements {
            db.execute(statement, &[Value::Integer(id)])
                .expect(statement);
        }
    }

    /// The main database as an installation on an older release left it: migrations 1 to
    /// `version` applied and recorded, as the runner does, before any request. For upgrade
    /// tests: write that release's rows through the returned connection, then make a request.
    pub fn main_database_at(&self, version: i64) -> NativeSql {
        let sql = NativeSql::open(&self.db_path());
        for m in spindesk_core::store::MIGRATIONS
            .iter()
            .filter(|m| m.version <= version)
        {
            for statement in m.statements {
                sql.execute(statement, &[]).expect(statement);
            }
            sql.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)",
                &[m.version.into(), m.name.into()],
            )
            .expect("recorded");
        }
        sql.execute(&format!("PRAGMA user_version = {version}"), &[])
            .expect("version");
        sql
    }

    /// The `attachments` database (attachment bytes), beside the main one.
    pub fn attachments_path(&self) -> PathBuf {
        self.dir.join("attachments.db")
    }

    /// A direct connection to the `attachments` database.
    pub fn attachments_db(&self) -> NativeSql {
        NativeSql::open(&self.attachments_path())
    }

    /// The `help_center` database (categories, sections, articles, their index), beside the
    /// main one.
    pub fn help_center_path(&self) -> PathBuf {
        self.dir.join("help_center.db")
    }

    /// A direct connection to the `help_center` database.
    pub fn help_center_db(&self) -> NativeSql {
        NativeSql::open(&self.help_center_path())
    }

    /// The `live` database (the long-polls being held), beside the main one.
    pub fn live_path(&self) -> PathBuf {
        self.dir.join("live.db")
    }

    /// A direct connection to the `live` database.
    pub fn live_db(&self) -> NativeSql {
        NativeSql::open(&self.live_path())
    }

    /// The long-polls being held (rows of the `live` database's `held_polls`); 0 before any
    /// poll has opened that database.
    pub fn held_polls(&self) -> i64 {
        match self
            .live_db()
            .execute("SELECT count(*) FROM held_polls", &[])
        {
            Ok(rows) => match rows.rows.first().and_then(|r| r.first()) {
                Some(Value::Integer(n)) => *n,
                other => panic!("count query returned {other:?}"),
            },
            Err(e) if e.message.contains("no such table") => 0,
            Err(e) => panic!("counting held polls: {e:?}"),
        }
    }

    /// Takes the help center's database back to version 3 (before its published-article
    /// counts, version 4), as a help center from before the upgrade is.
    pub fn help_center_back_to_version_3(&self) {
        let db = self.help_center_db();
        for statement in [
            "DROP TRIGGER hc_published_counts_on_insert",
            "DROP TRIGGER hc_published_counts_on_delete",
            "DROP TRIGGER hc_published_counts_on_update",
            "DROP TABLE hc_published_counts",
            "PRAGMA user_version = 3",
        ] {
            db.execute(statement, &[]).expect("back to version 3");
        }
    }

    /// Rows of a query on the help center's stored state.
    pub fn help_center_rows(&self, sql: &str, params: &[Value]) -> Vec<Vec<Value>> {
        self.help_center_db()
            .execute(sql, params)
            .expect("query")
            .rows
    }

    /// A count (or any one integer) from the help center's stored state.
    pub fn help_center_count(&self, sql: &str) -> i64 {
        match self
            .help_center_rows(sql, &[])
            .first()
            .and_then(|r| r.first())
        {
            Some(Value::Integer(n)) => *n,
            other => panic!("count query returned {other:?}"),
        }
    }

    /// A direct connection for asserting on stored state.
    pub fn db(&self) -> NativeSql {
        NativeSql::open(&self.db_path())
    }

    /// Rows of a query on the stored state.
    pub fn rows(&self, sql: &str, params: &[Value]) -> Vec<Vec<Value>> {
        self.db().execute(sql, params).expect("query").rows
    }

    /// The scheduler's drain (`POST /api/admin/outbox/drain`, as the admin), which must answer
    /// 200: its report, the answer's `drain` object.
    pub fn drain(&self) -> Json {
        self.request("admin", "POST", "/api/admin/outbox/drain")
            .admin()
            .send()
            .expect(200)
            .json()["drain"]
            .clone()
    }

    pub fn count(&self, sql: &str) -> i64 {
        match self.rows(sql, &[]).first().and_then(|r| r.first()) {
            Some(Value::Integer(n)) => *n,
            other => panic!("count query returned {other:?}"),
        }
    }

    /// Sends `req` to the named component's handler with the ports it declared.
    pub fn call(&self, component: &str, req: http::Request<Vec<u8>>) -> Resp {
        self.call_with_clock(component, req, &self.clock)
    }

    pub fn call_with_clock(
        &self,
        component: &str,
        req: http::Request<Vec<u8>>,
        clock: &dyn spindesk_core::ports::Clock,
    ) -> Resp {
        self.call_with_hook(component, req, clock, &|_| {})
    }

    /// [`App::call_with_clock`], calling `before` with each SQL statement the request is about to
    /// run on its connection: a test can make another request happen at an exact point of this
    /// one (say, just before its write transaction begins) — a race, reproduced every time.
    pub fn call_with_hook(
        &self,
        component: &str,
        req: http::Request<Vec<u8>>,
        clock: &dyn spindesk_core::ports::Clock,
        before: &dyn Fn(&str),
    ) -> Resp {
        let watch = Watch {
            main: before,
            ..Watch::NOTHING
        };
        self.call_watched(component, req, clock, &watch)
    }

    /// Sends `req`, calling `seen` with each SQL statement it runs on the help center's own
    /// database (a test can look at how SQLite would run them: `EXPLAIN QUERY PLAN`).
    pub fn call_watching_help_center(
        &self,
        component: &str,
        req: http::Request<Vec<u8>>,
        seen: &dyn Fn(&str),
    ) -> Resp {
        let watch = Watch {
            help_center: seen,
            ..Watch::NOTHING
        };
        self.call_watched(component, req, &self.clock, &watch)
    }

    /// Sends `req` with `meanwhile` run once just before its write transaction begins (its
    /// first `BEGIN IMMEDIATE`, after its reads and checks): another request made to happen in
    /// exactly that gap. Panics if the request never began one.
    pub fn call_racing(
        &self,
        component: &str,
        req: http::Request<Vec<u8>>,
        meanwhile: impl Fn(),
    ) -> Resp {
        let fired = std::cell::Cell::new(false);
        let before = |sql: &str| {
            if sql == "BEGIN IMMEDIATE" && !fired.replace(true) {
                meanwhile();
            }
        };
        let r = self.call_with_hook(component, req, &self.clock, &before);
        assert!(fired.get(), "the request never began a write transaction");
        r
    }

    /// Sends `req` as Spin would: the response first — `answered` sees it, and may look at
    /// the stored state and what went out at that moment — then the surface's follow-up (the
    /// work it left for after the response), on the same ports.
    pub fn call_then(
        &self,
        component: &str,
        req: http::Request<Vec<u8>>,
        answered: &dyn Fn(&Resp),
    ) -> Resp {
        let watch = Watch {
            answered,
            ..Watch::NOTHING
        };
        self.call_watched(component, req, &self.clock, &watch)
    }

    /// [`App::call_then`] on `clock`, with `before` called with each statement on the main
    /// database, as [`App::call_with_hook`] does, and `before_help_center` with each on the
    /// help center's (a bench's model of Spin's round trips).
    pub fn call_then_with_hook(
        &self,
        component: &str,
        req: http::Request<Vec<u8>>,
        clock: &dyn spindesk_core::ports::Clock,
        before: &dyn Fn(&str),
        before_help_center: &dyn Fn(&str),
        answered: &dyn Fn(&Resp),
    ) -> Resp {
        let watch = Watch {
            main: before,
            help_center: before_help_center,
            answered,
        };
        self.call_watched(component, req, clock, &watch)
    }

    fn call_watched(
        &self,
        component: &str,
        req: http::Request<Vec<u8>>,
        clock: &dyn spindesk_core::ports::Clock,
        watch: &Watch,
    ) -> Resp {
        let surface: &Surface = surface(component).expect("known component");
        let sql = Hooked {
            inner: NativeSql::open(&self.db_path()),
            before: watch.main,
        };
        let uses = surface.uses;
        let guarded = Guard {
            allowed: uses.sqlite,
            inner: &sql,
        };
        // As the Spin adapter does: the connection's settings when the request first writes
        // (outside the hook, so a test sees them reach the connection).
        let guarded_sql = spindesk_core::store::SettingsOnFirstWrite::new(&guarded);
        let guarded_kv = RecordingKv {
            guard: Guard {
                allowed: uses.key_value,
                inner: &self.kv,
            },
            calls: &self.kv_calls,
        };
        let guarded_out = Guard {
            allowed: uses.outbound,
            inner: &self.outbound,
        };
        let vars = Vars {
            allowed: uses.variables,
            inner: &self.config,
        };
        let actions: &dyn Actions = match &self.actions {
            Some(actions) if uses.actions => actions,
            _ => &NoActions,
        };
        // Opened on their first statement, as Spin opens a database (the dev server's own
        // port): a request that reads no file and no article never opens those databases.
        let attachments_path = self.attachments_path();
        let attachments_sql = DevSql::labelled(&attachments_path, uses.files, "attachments");
        let files = SqlFiles::new(&attachments_sql);
        let help_center_path = self.help_center_path();
        let help_center_sql = Hooked {
            inner: DevSql::labelled(
                &help_center_path,
                uses.help_center,
                spindesk_core::help_center::database::LABEL,
            ),
            before: watch.help_center,
        };
        // Its settings too, outside the hook, as the adapters make them.
        let help_center = spindesk_core::store::SettingsOnFirstWrite::with(
            &help_center_sql,
            spindesk_core::help_center::database::CONNECTION_SETTINGS,
        );
        let live_path = self.live_path();
        let live_sql = DevSql::labelled(
            &live_path,
            uses.live,
            spindesk_core::held_polls::database::LABEL,
        );
        let live = spindesk_core::store::SettingsOnFirstWrite::with(
            &live_sql,
            spindesk_core::held_polls::database::CONNECTION_SETTINGS,
        );
        let env = Env {
            sql: &guarded_sql,
            help_center: &help_center,
            live: &live,
            kv: &guarded_kv,
            outbound: &guarded_out,
            clock,
            random: &self.random,
            config: &vars,
            log: &self.log,
            actions,
            files: &files,
            attachments: &attachments_sql,
        };
        // A streamed route (an upload) reads the body through a stream, as under Spin; how
        // much of it the route read is kept for the test to see.
        let answer = match surface.streamed_route(req.method(), req.uri().path()) {
            Some(route) => {
                let (parts, whole) = req.into_parts();
                let mut body = BufferedBody::new(whole);
                let response = (route.handle)(
                    &env,
                    http::Request::from_parts(parts, Vec::new()),
                    &mut body,
                );
                *self.body_read.lock().unwrap_or_else(|p| p.into_inner()) = Some(body.consumed());
                spindesk_core::surface::Answer::now(response)
            }
            None => surface.answer(&env, req),
        };
        let response = Resp::from(answer.response);
        (watch.answered)(&response);
        answer.follow_up.run(&env);
        response
    }

    /// How many bytes of its body the last streamed request (an upload) read.
    pub fn body_read(&self) -> Option<usize> {
        *self.body_read.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key-value calls handlers made since the last call of this function.
    pub fn take_kv_calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.kv_calls.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn request(&self, component: &str, method: &str, path: &str) -> RequestBuilder<'_> {
        RequestBuilder {
            app: self,
            component: component.to_owned(),
            builder: http::Request::builder().method(method).uri(path),
            body: Vec::new(),
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub struct RequestBuilder<'a> {
    app: &'a App,
    component: String,
    builder: http::request::Builder,
    body: Vec<u8>,
}

impl RequestBuilder<'_> {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }
    pub fn admin(self) -> Self {
        self.bearer(ADMIN_TOKEN)
    }
    /// Zendesk API-token auth: Basic `email/token:TOKEN`.
    pub fn agent(self, email: &str, token: &str) -> Self {
        let raw = format!("{email}/token:{token}");
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
        self.header("authorization", &format!("Basic {encoded}"))
    }
    pub fn json(mut self, value: &Json) -> Self {
        self.body = serde_json::to_vec(value).expect("serialize");
        self.header("content-type", "application/json")
    }
    pub fn body(mut self, raw: impl Into<Vec<u8>>) -> Self {
        self.body = raw.into();
        self
    }
    pub fn send(self) -> Resp {
        let req = self.builder.body(self.body).expect("valid test request");
        self.app.call(&self.component, req)
    }
    /// [`send`](Self::send), with `seen` called with each statement run on the main database
    /// ([`App::call_with_hook`]).
    pub fn send_watching(self, seen: &dyn Fn(&str)) -> Resp {
        let req = self.builder.body(self.body).expect("valid test request");
        self.app
            .call_with_hook(&self.component, req, &self.app.clock, seen)
    }
    /// [`send`](Self::send), with the statements it ran on the main database.
    pub fn send_listing(self) -> (Resp, Statements) {
        let seen = std::cell::RefCell::new(Vec::new());
        let r = self.send_watching(&|sql: &str| seen.borrow_mut().push(sql.to_owned()));
        (r, Statements(seen.into_inner()))
    }
    /// [`send`](Self::send), with `meanwhile` run once just before its write transaction
    /// begins ([`App::call_racing`]).
    pub fn send_racing(self, meanwhile: impl Fn()) -> Resp {
        let req = self.builder.body(self.body).expect("valid test request");
        self.app.call_racing(&self.component, req, meanwhile)
    }
    /// [`send`](Self::send), with `seen` called with each statement run on the help center's
    /// database ([`App::call_watching_help_center`]).
    pub fn send_watching_help_center(self, seen: &dyn Fn(&str)) -> Resp {
        let req = self.builder.body(self.body).expect("valid test request");
        self.app
            .call_watching_help_center(&self.component, req, seen)
    }
    /// [`send`](Self::send), with `answered` run on the response before the surface's
    /// follow-up work (as Spin has sent it by then).
    pub fn send_then(self, answered: &dyn Fn(&Resp)) -> Resp {
        let req = self.builder.body(self.body).expect("valid test request");
        self.app.call_then(&self.component, req, answered)
    }
}

/// The SQL statements a request ran on the main database, in order
/// ([`RequestBuilder::send_listing`]).
#[derive(Debug)]
pub struct Statements(pub Vec<String>);

impl Statements {
    /// Those before the request's write transaction (its last `BEGIN IMMEDIATE`: a first
    /// request may migrate before), and those from its `BEGIN IMMEDIATE` to its `COMMIT`,
    /// both excluded. Panics if it wrote nothing.
    pub fn around_write(&self) -> (&[String], &[String]) {
        let begin = self
            .0
            .iter()
            .rposition(|s| s == "BEGIN IMMEDIATE")
            .expect("a write transaction");
        let commit = begin
            + self.0[begin..]
                .iter()
                .position(|s| s == "COMMIT")
                .expect("committed");
        (&self.0[..begin], &self.0[begin + 1..commit])
    }
}

/// A response with its body parsed as JSON where it is JSON.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl From<http::Response<Vec<u8>>> for Resp {
    fn from(r: http::Response<Vec<u8>>) -> Self {
        let (parts, body) = r.into_parts();
        Resp {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }
}

impl Resp {
    pub fn json(&self) -> Json {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The stable error code of either envelope (`errors[0].code` or Zendesk's `error`).
    pub fn error_code(&self) -> String {
        let j = self.json();
        j["errors"][0]["code"]
            .as_str()
            .or_else(|| j["error"].as_str())
            .unwrap_or_else(|| panic!("no error code in {j}"))
            .to_owned()
    }
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }
}

/// What a test sees of a request: each statement before it runs on the main database and on
/// the help center's, and the response before the surface's follow-up work.
struct Watch<'a> {
    main: &'a dyn Fn(&str),
    help_center: &'a dyn Fn(&str),
    answered: &'a dyn Fn(&Resp),
}

impl Watch<'_> {
    const NOTHING: Watch<'static> = Watch {
        main: &|_| {},
        help_center: &|_| {},
        answered: &|_| {},
    };
}

/// A connection that tells a test each statement before running it.
struct Hooked<'a, S> {
    inner: S,
    before: &'a dyn Fn(&str),
}

impl<S: Sql> Sql for Hooked<'_, S> {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, SqlError> {
        (self.before)(sql);
        self.inner.execute(sql, params)
    }
}

/// A port the surface may or may not use.
struct Guard<'a, T: ?Sized> {
    allowed: bool,
    inner: &'a T,
}

impl<T: Sql + ?Sized> Sql for Guard<'_, T> {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, SqlError> {
        if !self.allowed {
            return Err(SqlError {
                kind: SqlErrorKind::AccessDenied,
                message: "sqlite not granted".into(),
            });
        }
        self.inner.execute(sql, params)
    }
}

impl<T: KeyValue + ?Sized> KeyValue for Guard<'_, T> {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.check()?;
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.check()?;
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.check()?;
        self.inner.delete(key)
    }
}

/// The key-value port as granted, with every call written down.
struct RecordingKv<'a> {
    guard: Guard<'a, MemoryKeyValue>,
    calls: &'a Mutex<Vec<String>>,
}

impl RecordingKv<'_> {
    fn record(&self, op: &str, key: &str) {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        calls.push(format!("{op} {key}"));
    }
}

impl KeyValue for RecordingKv<'_> {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.record("get", key);
        self.guard.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.record("set", key);
        self.guard.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.record("delete", key);
        self.guard.delete(key)
    }
}

impl<T: ?Sized> Guard<'_, T> {
    fn check(&self) -> Result<(), KvError> {
        if self.allowed {
            Ok(())
        } else {
            Err(KvError("key-value store not granted".into()))
        }
    }
}

impl<T: Outbound + ?Sized> Outbound for Guard<'_, T> {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        if !self.allowed {
            return Err(OutboundError::Denied(
                request.uri().host().unwrap_or("").to_owned(),
            ));
        }
        self.inner.send(request, timeout)
    }

    fn send_capped(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
        max_body: usize,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        if !self.allowed {
            return Err(OutboundError::Denied(
                request.uri().host().unwrap_or("").to_owned(),
            ));
        }
        self.inner.send_capped(request, timeout, max_body)
    }
}

/// Only the variables the surface maps.
struct Vars<'a> {
    allowed: &'static [&'static str],
    inner: &'a MapConfig,
}

impl Config for Vars<'_> {
    fn get(&self, name: &str) -> Option<String> {
        assert!(
            self.allowed.contains(&name),
            "surface read variable {name:?} that its Uses does not list"
        );
        self.inner.get(name)
    }
}

/// A widget visitor's session.
pub struct Visitor {
    pub token: String,
    pub conversation_id: String,
}

/// An agent and its API token.
pub struct Agent {
    pub id: i64,
    pub email: String,
    pub token: String,
}

impl App {
    /// Starts a widget session in `locale`.
    pub fn visitor(&self, locale: &str) -> Visitor {
        let r = self
            .request("widget", "POST", "/api/widget/sessions")
            .json(&json!({"locale": locale}))
            .send()
            .expect(201);
        let s = &r.json()["session"];
        Visitor {
            token: s["token"].as_str().expect("token").to_owned(),
            conversation_id: s["conversation_id"]
                .as_str()
                .expect("conversation id")
                .to_owned(),
        }
    }

    /// The visitor sends `text` (optionally a quick-reply payload); returns the response JSON.
    pub fn say(&self, visitor: &Visitor, text: &str, payload: Option<&str>) -> Json {
        self.widget_message(visitor, text, payload)
            .send()
            .expect(201)
            .json()
    }

    /// The request that sends `text` (with the tapped `payload`, if any) from `visitor`'s
    /// widget.
    pub fn widget_message(
        &self,
        visitor: &Visitor,
        text: &str,
        payload: Option<&str>,
    ) -> RequestBuilder<'_> {
        let mut body = json!({"text": text});
        if let Some(p) = payload {
            body["payload"] = json!(p);
        }
        self.request("widget", "POST", "/api/widget/messages")
            .bearer(&visitor.token)
            .json(&body)
    }

    /// Uploads `bytes` as `name` from the widget: the response.
    pub fn upload(&self, visitor: &Visitor, name: &str, bytes: &[u8]) -> Resp {
        let path = format!(
            "/api/widget/uploads?filename={}",
            form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        );
        self.request("widget", "POST", &path)
            .bearer(&visitor.token)
            .header("content-type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()
    }

    /// Downloads through a link as the `files` component serves it (the path and query of
    /// `url`, absolute or not), with extra headers.
    pub fn download(&self, url: &str, headers: &[(&str, &str)]) -> Resp {
        let path = match url.find("/attachments/") {
            Some(i) => &url[i..],
            None => url,
        };
        let mut request = self.request("files", "GET", path);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    }

    /// The visitor's whole conversation as the widget loads it.
    pub fn history(&self, visitor: &Visitor) -> Vec<Json> {
        let r = self
            .request("widget", "GET", "/api/widget/conversation?limit=100")
            .bearer(&visitor.token)
            .send()
            .expect(200);
        r.json()["messages"].as_array().expect("messages").clone()
    }

    /// Imports `bot` as the draft and publishes it (conversations then run it).
    pub fn publish_bot(&self, bot: &Json) {
        self.request("bot", "POST", "/api/bot/import")
            .admin()
            .json(bot)
            .send()
            .expect(200);
        self.request("bot", "POST", "/api/bot/publish")
            .admin()
            .send()
            .expect(201);
    }

    /// Creates an agent through the admin API.
    pub fn agent(&self, name: &str, email: &str) -> Agent {
        let r = self
            .request("admin", "POST", "/api/admin/agents")
            .admin()
            .json(&json!({"agent": {"name": name, "email": email}}))
            .send()
            .expect(201);
        let j = r.json();
        Agent {
            id: j["agent"]["id"].as_i64().expect("agent id"),
            email: email.to_owned(),
            token: j["api_token"].as_str().expect("api token").to_owned(),
        }
    }

    /// GET on the tickets API as `agent`.
    pub fn zendesk_get(&self, agent: &Agent, path: &str) -> Resp {
        self.request(zendesk_component(path), "GET", path)
            .agent(&agent.email, &agent.token)
            .send()
    }

    pub fn zendesk_put(&self, agent: &Agent, path: &str, body: &Json) -> Resp {
        self.request("tickets", "PUT", path)
            .agent(&agent.email, &agent.token)
            .json(body)
            .send()
    }
}

/// The bot's messages among widget messages: text and quick-reply labels, in order.
pub fn bot_messages(messages: &[Json]) -> Vec<(String, Vec<String>)> {
    messages
        .iter()
        .filter(|m| m["author"]["type"] == "bot")
        .map(|m| {
            let labels = m["actions"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| x["text"].as_str().unwrap_or_default().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            (m["text"].as_str().unwrap_or_default().to_owned(), labels)
        })
        .collect()
}

/// The texts of a list of widget messages, as "author: text".
pub fn transcript(messages: &[Json]) -> Vec<String> {
    messages
        .iter()
        .map(|m| {
            format!(
                "{}: {}",
                m["author"]["type"].as_str().unwrap_or("?"),
                m["text"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// A bot with one answer that asks the shop for the order's status (one API call to
/// `https://shop.example.com/orders/latest`), then says `tell` or that the shop is not answering.
pub fn order_status_bot(tell: &str) -> Json {
    json!({
        "name": "Order bot",
        "allowed_hosts": ["shop.example.com"],
        "answers": [{
            "id": "order", "name": "Order status", "label": "Order status",
            "phrases": {"en": ["where is my order", "track my order"]},
            "steps": [
                {"type": "make_api_call", "id": "lookup", "method": "GET",
                 "url": "https://shop.example.com/orders/latest",
                 "save": [{"variable": "status", "path": "order.status"}],
                 "success": "tell", "failure": "sorry"},
                {"type": "send_message", "id": "tell", "text": tell},
                {"type": "send_message", "id": "sorry", "text": "The shop is not answering."}
            ]
        }]
    })
}
