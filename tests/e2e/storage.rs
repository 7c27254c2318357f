//! Storage: migrations apply once even when instances race; WAL; gap-free per-conversation order.

use spindesk_core::ports::{Sql, Value};
use spindesk_core::store::{
    ensure_schema, Db, Setting, SettingsOnFirstWrite, BUSY_TIMEOUT, MIGRATIONS,
};
use spindesk_native::NativeSql;
use spindesk_tests::RequestBuilder;
use spindesk_tests::*;

#[test]
fn racing_instances_apply_each_migration_exactly_once() {
    let app = App::new();
    let path = app.db_path();
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                let sql = NativeSql::open(&path);
                ensure_schema(&Db::new(&sql), 1).expect("migrate");
            });
        }
    });
    let versions = app.rows(
        "SELECT version FROM schema_migrations ORDER BY version",
        &[],
    );
    let expected: Vec<Vec<Value>> = MIGRATIONS
        .iter()
        .map(|m| vec![Value::Integer(m.version)])
        .collect();
    assert_eq!(versions, expected);
    let latest = MIGRATIONS.last().unwrap().version;
    assert_eq!(
        app.rows("PRAGMA user_version", &[]),
        vec![vec![Value::Integer(latest)]]
    );
    // A later request finds nothing to do.
    ensure_schema(&Db::new(&app.db()), 2).expect("migrate again");
    assert_eq!(
        app.count("SELECT count(*) FROM schema_migrations"),
        MIGRATIONS.len() as i64
    );
}

#[test]
fn the_database_is_switched_to_wal() {
    let app = App::new();
    app.visitor("en");
    assert_eq!(
        app.db().execute("PRAGMA journal_mode", &[]).unwrap().rows,
        vec![vec![Value::Text("wal".into())]]
    );
}

#[test]
fn concurrent_messages_get_gap_free_increasing_sequence_numbers() {
    // One session writing as fast as threads can: past the per-minute limit people stay under.
    let app = App::without_message_limits();
    let v = app.visitor("en");
    std::thread::scope(|s| {
        for t in 0..4 {
            let (app, v) = (&app, &v);
            s.spawn(move || {
                for i in 0..10 {
                    app.request("widget", "POST", "/api/widget/messages")
                        .bearer(&v.token)
                        .json(&json!({"text": format!("t{t} m{i}"), "client_id": format!("t{t}-m{i}")}))
                        .send()
                        .expect(201);
                }
            });
        }
    });
    let seqs: Vec<i64> = app
        .rows("SELECT seq FROM messages ORDER BY seq", &[])
        .into_iter()
        .map(|r| match r[0] {
            Value::Integer(n) => n,
            _ => panic!("seq"),
        })
        .collect();
    // 40 customer messages, each followed by one bot reply.
    assert_eq!(seqs, (1..=80).collect::<Vec<_>>());
    assert_eq!(app.count("SELECT last_seq FROM conversations"), 80);
}

#[test]
fn migration_versions_run_one_two_three_without_gaps() {
    // The runner applies versions above the database's, so a version added below the latest
    // would never reach an existing database: versions must be appended, in order, gap-free.
    let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
    assert_eq!(versions, (1..=MIGRATIONS.len() as i64).collect::<Vec<_>>());
    let mut names: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(
        names.len(),
        MIGRATIONS.len(),
        "migration names must be unique"
    );
}

#[test]
fn a_help_center_indexed_by_version_5_is_searchable_after_the_upgrade() {
    let app = App::new();
    // A help center written under version 5 (FTS5 index), one published and one draft article.
    let sql = app.main_database_at(5);
    for statement in [
        "INSERT INTO hc_categories (id, name, locale, source_locale, created_at, updated_at) \
         VALUES (1, 'Account', 'en-us', 'en-us', 0, 0)",
        "INSERT INTO hc_sections (id, category_id, name, locale, source_locale, created_at, \
         updated_at) VALUES (1, 1, 'Sign-in', 'en-us', 'en-us', 0, 0)",
        "INSERT INTO hc_articles (id, section_id, locale, source_locale, title, body, body_text, \
         draft, created_at, updated_at, edited_at) VALUES \
         (1, 1, 'en-us', 'en-us', 'Reset password', '<p>Use the link</p>', 'Use the link', 0, 0, 0, 0), \
         (2, 1, 'en-us', 'en-us', 'Change password', '', '', 1, 0, 0, 0)",
        "INSERT INTO hc_article_index (rowid, title, body, labels, scope) VALUES \
         (1, 'reset password', 'use link', '', '0locenus 0langen')",
    ] {
        sql.execute(statement, &[]).expect("v5 data");
    }
    let search = app
        .request(
            "help-center",
            "GET",
            "/api/v2/help_center/articles/search?query=password",
        )
        .send()
        .expect(200)
        .json();
    assert_eq!(search["count"], 1);
    assert_eq!(search["results"][0]["id"], 1);
    // Moved to the help center's own database, and indexed there.
    assert_eq!(
        app.help_center_rows("SELECT article_id FROM hc_article_terms", &[]),
        vec![vec![Value::Integer(1)]]
    );
    assert_eq!(
        app.count("SELECT count(*) FROM sqlite_master WHERE name LIKE 'hc_%'"),
        0
    );
}

#[test]
fn the_index_catches_up_a_batch_per_help_center_request() {
    let app = App::new();
    let sql = NativeSql::open(&app.db_path());
    ensure_schema(&Db::new(&sql), 1).expect("migrate");
    // 450 published articles written behind the index's back (as an upgrade leaves them).
    for statement in [
        "INSERT INTO hc_categories (id, name, locale, source_locale, created_at, updated_at) \
         VALUES (1, 'Account', 'en-us', 'en-us', 0, 0)",
        "INSERT INTO hc_sections (id, category_id, name, locale, source_locale, created_at, \
         updated_at) VALUES (1, 1, 'Sign-in', 'en-us', 'en-us', 0, 0)",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 450) \
         INSERT INTO hc_articles (section_id, locale, source_locale, title, body, body_text, \
         created_at, updated_at, edited_at) \
         SELECT 1, 'en-us', 'en-us', 'Parcel number ' || i, '', '', 0, 0, 0 FROM n",
        "UPDATE hc_index_stats SET analysis = 0",
    ] {
        sql.execute(statement, &[]).expect("setup");
    }
    let search = || {
        app.request(
            "help-center",
            "GET",
            "/api/v2/help_center/articles/search?query=parcel",
        )
        .send()
        .expect(200)
        .json()["count"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(search(), 200);
    assert_eq!(search(), 400);
    assert_eq!(search(), 450);
    assert_eq!(
        app.help_center_count("SELECT analysis FROM hc_index_stats"),
        spindesk_core::help_center::index::index_version()
    );
    assert_eq!(search(), 450);
    assert_eq!(
        app.help_center_count("SELECT articles FROM hc_terms WHERE term = 'parcel'"),
        450
    );
}

/// Our own fault is a generic 500 to the caller and one log line with the detail (and the
/// request's writes are rolled back): the caller never sees what broke inside.
#[test]
fn an_internal_error_is_logged_with_its_detail_and_never_shown() {
    let app = App::new();
    let v = app.visitor("en-US");
    // A fault outside the bot's part (a failing bot is handed off, see bot_failure.rs).
    app.db()
        .execute(
            "CREATE TRIGGER broken BEFORE INSERT ON messages
             BEGIN SELECT RAISE(ABORT, 'the messages table is broken'); END",
            &[],
        )
        .expect("trigger");
    let r = app
        .request("widget", "POST", "/api/widget/messages")
        .bearer(&v.token)
        .json(&serde_json::json!({"text": "hello"}))
        .send();
    assert_eq!(r.status, 500, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["code"], "internal_error");
    assert!(!r.text().contains("is broken"), "{}", r.text());
    let lines = app.log.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("error request.internal_error")
                && l.contains("the messages table is broken")),
        "{lines:?}"
    );
    assert_eq!(app.count("SELECT count(*) FROM messages"), 0, "rolled back");
}

/// A connection on which another instance holds the write lock for the first `busy` attempts
/// at each statement that starts with `BEGIN`.
struct Contended {
    inner: NativeSql,
    busy: std::cell::Cell<u32>,
    tried: std::cell::Cell<u32>,
}

impl Sql for Contended {
    fn execute(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<spindesk_core::ports::Rows, spindesk_core::ports::SqlError> {
        if sql.starts_with("BEGIN") {
            self.tried.set(self.tried.get() + 1);
            if self.busy.get() > 0 {
                self.busy.set(self.busy.get() - 1);
                return Err(spindesk_core::ports::SqlError::from_message(
                    "database is locked",
                ));
            }
        }
        self.inner.execute(sql, params)
    }
}

#[test]
fn a_busy_write_lock_is_waited_for_with_short_jittered_sleeps() {
    use spindesk_core::ports::{Clock, SqlErrorKind};
    let app = App::new();
    let sql = Contended {
        inner: app.db(),
        busy: 0.into(),
        tried: 0.into(),
    };
    let clock = spindesk_native::ManualClock::at(0);
    let random = spindesk_native::SeqRandom::default();
    let db = Db::new(&sql).with_waits(&clock, &random);
    ensure_schema(&db, 0).expect("schema");
    sql.busy.set(5);
    sql.tried.set(0);
    let written = db.transaction(|db| {
        db.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'x', 0)",
            &[],
        )
    });
    assert!(written.is_ok(), "{written:?}");
    assert_eq!(sql.tried.get(), 6, "five refusals, then the lock");
    assert!(
        clock.now_ms() <= 5 * 4,
        "slept {} ms: each retry sleeps at most ~3 ms",
        clock.now_ms()
    );

    // A lock that is never released: given up within the budget, as Busy (a 503 to callers).
    sql.busy.set(u32::MAX);
    let started = clock.now_ms();
    let failed = db.transaction(|_| Ok::<_, spindesk_core::ports::SqlError>(()));
    let err = failed.expect_err("gives up");
    assert_eq!(err.kind, SqlErrorKind::Busy);
    assert!(clock.now_ms() - started <= spindesk_core::store::BUSY_RETRY_BUDGET_MS + 4);
}

/// A connection opens with rusqlite's 5 s busy wait, as under Spin; once it has its settings
/// (the schema check's, here on a bare connection at once) a held write lock is reported busy
/// after SQLite's short wait, for `Db`'s own retries.
#[test]
fn a_connection_with_its_settings_reports_a_held_write_lock_as_busy_after_a_short_wait() {
    use spindesk_core::ports::SqlErrorKind;
    let app = App::new();
    let holder = app.db();
    ensure_schema(&Db::new(&holder), 0).expect("schema");
    holder.execute("BEGIN IMMEDIATE", &[]).expect("lock");
    let waiter = app.db();
    ensure_schema(&Db::new(&waiter), 0).expect("settings");
    let asked = std::time::Instant::now();
    let err = waiter
        .execute("BEGIN IMMEDIATE", &[])
        .expect_err("the lock is held");
    assert_eq!(err.kind, SqlErrorKind::Busy, "{err}");
    assert!(
        asked.elapsed() < std::time::Duration::from_secs(2),
        "not rusqlite's 5 s: {:?}",
        asked.elapsed()
    );
    holder.execute("COMMIT", &[]).expect("release");
    waiter.execute("BEGIN IMMEDIATE", &[]).expect("free again");
}

/// Version 30 indexes the bot calls conversations await, from their JSON state: a state SQLite
/// cannot parse neither stops the upgrade nor the drain that looks for stalled calls (before,
/// the drain's look-up raised "malformed JSON" and failed whole).
#[test]
fn a_bot_state_that_is_not_json_neither_stops_version_30_nor_the_drain() {
    let app = App::new();
    let sql = app.main_database_at(29);
    for statement in [
        "INSERT INTO users (id, public_id, role, name, created_at, updated_at) VALUES \
         (1, 'u1', 'end-user', 'Ana', 0, 0), (2, 'u2', 'end-user', 'Kim', 0, 0), \
         (3, 'u3', 'end-user', 'Lee', 0, 0)",
        "INSERT INTO conversations (id, public_id, user_id, switchboard, bot_state, created_at, \
         updated_at) VALUES \
         (1, 'c1', 1, 'bot', '{\"awaiting_call\": {\"id\": \"k1\", \"since\": 1000}', 0, 0), \
         (2, 'c2', 2, 'bot', '{\"awaiting_call\": {\"id\": \"k2\", \"since\": 2000}}', 0, 0), \
         (3, 'c3', 3, 'agent', '{\"awaiting_call\": {\"id\": \"k3\", \"since\": 3000}}', 0, 0)",
    ] {
        sql.execute(statement, &[]).expect("v29 data");
    }
    let drained = app.drain();
    // No bot is published here, so no call can go on: the drain only has to get through.
    assert_eq!(drained["stalled_calls_resumed"], 0, "{drained}");
    assert_eq!(
        app.count("PRAGMA user_version"),
        MIGRATIONS.last().expect("migrations").version,
        "version 30 and those after it"
    );
    // The first state is cut short (not JSON): no call. The third is the agents'.
    assert_eq!(
        app.rows(
            "SELECT id, awaiting_call_since FROM conversations ORDER BY id",
            &[]
        ),
        vec![
            vec![Value::Integer(1), Value::Null],
            vec![Value::Integer(2), Value::Integer(2000)],
            vec![Value::Integer(3), Value::Integer(3000)],
        ]
    );
    assert_eq!(
        app.rows(
            "SELECT id FROM conversations INDEXED BY conversations_awaiting_call \
             WHERE switchboard = 'bot' AND awaiting_call_since IS NOT NULL",
            &[]
        ),
        vec![vec![Value::Integer(2)]]
    );
}

/// The settings a connection freshly opened as Spin's host opens it (rusqlite's defaults)
/// does not have yet: what the engine itself reads, each with `PRAGMA <name>`.
fn not_in_effect_on_a_fresh_connection(settings: &[Setting]) -> Vec<&'static str> {
    let fresh = NativeSql::open_in_memory();
    settings
        .iter()
        .filter(|s| {
            let read = fresh
                .execute(&format!("PRAGMA {}", s.pragma), &[])
                .expect("pragma");
            read.rows[0][0] != Value::Integer(s.value)
        })
        .map(|s| s.statement)
        .collect()
}

/// Asserts that `statements` read the settings with the version first, then make those not in
/// effect once, right before their first transaction, and no other.
#[track_caller]
fn assert_settings_once_before_the_first_write(statements: &[String], settings: &[Setting]) {
    // The schema check's read, alone or with the request's first read (a widget's session).
    assert!(
        statements[0].starts_with("SELECT * FROM pragma_user_version, pragma_")
            || statements[0].contains("AS spindesk_setting_"),
        "the version read brings the settings: {statements:#?}"
    );
    let needed = not_in_effect_on_a_fresh_connection(settings);
    assert!(
        needed.contains(&BUSY_TIMEOUT.statement),
        "rusqlite opens with a 5 s busy timeout: {needed:?}"
    );
    let begin = statements
        .iter()
        .position(|s| s.starts_with("BEGIN"))
        .expect("a transaction");
    assert_eq!(&statements[begin - needed.len()..begin], needed);
    assert_eq!(
        settings_in(statements, settings),
        needed.len(),
        "{statements:#?}"
    );
}

/// Which database's statements [`statements_of`] collects.
#[derive(Clone, Copy)]
enum Watched {
    Main,
    HelpCenter,
}

/// The statements `request` ran on the `watched` database, in order.
fn statements_of(request: RequestBuilder, status: u16, watched: Watched) -> Vec<String> {
    let statements = std::cell::RefCell::new(Vec::<String>::new());
    let keep = |sql: &str| statements.borrow_mut().push(sql.to_owned());
    match watched {
        Watched::Main => request.send_watching(&keep),
        Watched::HelpCenter => request.send_watching_help_center(&keep),
    }
    .expect(status);
    statements.into_inner()
}

/// How many of `statements` make one of `settings`.
fn settings_in(statements: &[String], settings: &[Setting]) -> usize {
    statements
        .iter()
        .filter(|s| {
            settings
                .iter()
                .any(|setting| setting.statement == s.as_str())
        })
        .count()
}

/// Through the request's connection, the first write finds every setting in effect, whichever
/// were made and whichever the engine had already: read back from the engine itself.
#[test]
fn after_the_first_write_every_setting_is_in_effect() {
    let app = App::new();
    for (path, settings) in [
        (app.db_path(), spindesk_core::store::CONNECTION_SETTINGS),
        (
            app.help_center_path(),
            spindesk_core::help_center::database::CONNECTION_SETTINGS,
        ),
    ] {
        let conn = NativeSql::open(&path);
        let sql = SettingsOnFirstWrite::with(&conn, settings);
        let version = sql
            .execute(spindesk_core::store::VERSION_READ, &[])
            .expect("version read");
        assert_eq!(version.columns.len(), 1, "{version:?}");
        assert_eq!(version.rows, vec![vec![Value::Integer(0)]], "a new file");
        sql.execute("CREATE TABLE t (a)", &[]).expect("a write");
        for setting in settings {
            let read = conn
                .execute(&format!("PRAGMA {}", setting.pragma), &[])
                .expect("pragma");
            assert_eq!(
                read.rows,
                vec![vec![Value::Integer(setting.value)]],
                "{path:?}: {}",
                setting.pragma
            );
        }
    }
}

/// The connection's settings (`CONNECTION_SETTINGS`: foreign keys, sync level, temporary
/// storage, busy timeout) are made when a request first writes, before its transaction, and
/// never by a request that only reads: under Spin each is a host round trip.
#[test]
fn a_request_that_only_reads_skips_the_connection_settings_and_a_write_makes_them_first() {
    use spindesk_core::store::CONNECTION_SETTINGS;
    let app = App::new();
    let visitor = app.visitor("en-US");
    let watched = |req: RequestBuilder, status: u16| statements_of(req, status, Watched::Main);
    let settings_in = |statements: &[String]| settings_in(statements, CONNECTION_SETTINGS);

    let sent = watched(
        app.request("widget", "POST", "/api/widget/messages")
            .bearer(&visitor.token)
            .json(&json!({ "text": "hello" })),
        201,
    );
    assert_settings_once_before_the_first_write(&sent, CONNECTION_SETTINGS);

    let polled = watched(
        app.request("widget", "GET", "/api/widget/messages?after=0&wait=0")
            .bearer(&visitor.token),
        200,
    );
    assert!(
        polled.iter().any(|s| s.starts_with("SELECT")),
        "{polled:#?}"
    );
    assert_eq!(settings_in(&polled), 0, "{polled:#?}");
}

/// The help center's database the same way (`help_center::database::CONNECTION_SETTINGS`):
/// a page or a search makes none of its settings; a write makes them once, before it.
#[test]
fn the_help_centers_connection_settings_wait_for_its_first_write_too() {
    use spindesk_core::help_center::database::CONNECTION_SETTINGS;
    let app = App::new();
    let section = app.hc_section("en-us", "Orders");
    let watched =
        |req: RequestBuilder, status: u16| statements_of(req, status, Watched::HelpCenter);
    let settings_in = |statements: &[String]| settings_in(statements, CONNECTION_SETTINGS);

    let saved = watched(
        app.request(
            "help-center",
            "POST",
            &format!("/api/v2/help_center/en-us/sections/{section}/articles"),
        )
        .admin()
        .json(&json!({"article": {"title": "Refunds", "body": "<p>How refunds work</p>"}})),
        201,
    );
    assert_settings_once_before_the_first_write(&saved, CONNECTION_SETTINGS);

    for path in [
        "/api/v2/help_center/articles/search?query=refund".to_owned(),
        "/hc/en-us".to_owned(),
    ] {
        let read = watched(app.request("help-center", "GET", &path), 200);
        assert!(read.iter().any(|s| s.starts_with("SELECT")), "{read:#?}");
        assert_eq!(settings_in(&read), 0, "{path}: {read:#?}");
        // The schema check came with the index's row, the first statement.
        assert!(
            read[0].contains("FROM hc_index_stats") && read[0].contains("pragma_user_version"),
            "{path}: {read:#?}"
        );
        assert!(
            !read
                .iter()
                .any(|s| s.starts_with("SELECT * FROM pragma_user_version")
                    || s == "PRAGMA user_version"),
            "{path}: no version read of its own: {read:#?}"
        );
    }
}

/// Bytes of the main database's write-ahead log on disk (0 when there is none).
fn wal_bytes(app: &App) -> u64 {
    log_bytes(&app.db_path())
}

/// Bytes of the write-ahead log of the database at `path` (0 when there is none).
fn log_bytes(path: &std::path::Path) -> u64 {
    let mut wal = path.to_path_buf().into_os_string();
    wal.push("-wal");
    std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
}

/// Writes `pages` pages of filler in one transaction, on `sql` (a connection kept open, so
/// the log is not removed when the last connection closes).
fn write_pages(sql: &NativeSql, pages: i64) {
    sql.execute("CREATE TABLE IF NOT EXISTS filler (b BLOB)", &[])
        .expect("table");
    sql.execute(
        "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO filler SELECT zeroblob(3900) FROM n",
        &[pages.into()],
    )
    .expect("filler");
}

/// Steady load keeps SQLite from starting its log over (some request always reads an older
/// snapshot), so the log grows; `keep_small` empties it once it is past the limit, cannot while
/// a reader holds an old snapshot (and then changes nothing), and leaves a small log alone.
#[test]
fn keep_small_empties_a_long_write_ahead_log_once_no_reader_holds_an_old_snapshot() {
    use spindesk_core::store::wal::keep_small;
    let app = App::new();
    app.visitor("en-US"); // the schema, in WAL mode
    let writer = NativeSql::open(&app.db_path());
    writer
        .execute("PRAGMA busy_timeout = 10", &[])
        .expect("timeout");
    let db = Db::new(&writer);
    // A request still reading while 3,000 pages are written.
    let reader = rusqlite::Connection::open(app.db_path()).expect("reader");
    reader.execute_batch("BEGIN").expect("begin");
    let users: i64 = reader
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .expect("read");
    write_pages(&writer, 3_000);
    let grown = wal_bytes(&app);
    assert!(
        grown > 3_000 * 4_000,
        "the log holds the pages: {grown} bytes"
    );

    let held = keep_small(&db, &spindesk_native::SystemClock, 1_000).expect("checkpoint");
    assert!(held.wal_pages >= 3_000 && !held.wal_emptied, "{held:?}");
    assert!(wal_bytes(&app) >= grown, "nothing was cut while read");
    let still: i64 = reader
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .expect("read again");
    assert_eq!(still, users, "the reader's snapshot is intact");
    reader.execute_batch("COMMIT").expect("end the read");

    let small = keep_small(&db, &spindesk_native::SystemClock, 1_000_000).expect("checkpoint");
    assert!(!small.wal_emptied, "{small:?}");
    assert!(
        wal_bytes(&app) >= grown,
        "a log under the limit is left alone"
    );

    let emptied = keep_small(&db, &spindesk_native::SystemClock, 1_000).expect("checkpoint");
    assert!(emptied.wal_emptied, "{emptied:?}");
    assert_eq!(wal_bytes(&app), 0, "the file is emptied");
    assert_eq!(
        app.count("SELECT count(*) FROM filler"),
        3_000,
        "nothing lost"
    );
}

/// The help center's and the attachments' databases get the same upkeep from the drain: each
/// log past 10,000 pages is emptied and reported, and the help center's connection has its
/// short busy timeout before it checkpoints (a `TRUNCATE` holds writers back for that long).
#[test]
fn the_drain_empties_the_help_centers_and_the_attachments_logs_too() {
    use spindesk_core::help_center::database::CONNECTION_SETTINGS;
    use spindesk_core::store::wal::LIMIT_PAGES;
    let app = App::new();
    // Both databases in use (and so in WAL mode): an article section, an uploaded file.
    app.hc_section("en-us", "Orders");
    let visitor = app.visitor("en-US");
    app.upload(&visitor, "notes.txt", b"where is my order")
        .expect(201);
    let quiet = app.drain();
    for name in ["help_center_database", "attachments_database"] {
        assert_eq!(quiet[name]["wal_emptied"], false, "{name}: {quiet}");
        assert!(
            quiet[name]["wal_pages"].as_i64().is_some_and(|p| p >= 0),
            "{name}: {quiet}"
        );
    }

    let help_center = NativeSql::open(&app.help_center_path());
    let attachments = NativeSql::open(&app.attachments_path());
    write_pages(&help_center, LIMIT_PAGES + 500);
    write_pages(&attachments, LIMIT_PAGES + 500);
    for path in [app.help_center_path(), app.attachments_path()] {
        assert!(log_bytes(&path) > 40_000_000, "{path:?}");
    }
    let drain = app
        .request("admin", "POST", "/api/admin/outbox/drain")
        .admin();
    let statements = std::cell::RefCell::new(Vec::<String>::new());
    let busy = drain
        .send_watching_help_center(&|sql: &str| statements.borrow_mut().push(sql.to_owned()))
        .expect(200)
        .json()["drain"]
        .clone();
    for name in ["help_center_database", "attachments_database"] {
        assert_eq!(busy[name]["wal_emptied"], true, "{name}: {busy}");
        assert!(
            busy[name]["wal_pages"]
                .as_i64()
                .is_some_and(|p| p > LIMIT_PAGES),
            "{name}: {busy}"
        );
    }
    for path in [app.help_center_path(), app.attachments_path()] {
        assert_eq!(log_bytes(&path), 0, "{path:?}");
    }
    let statements = statements.into_inner();
    let checkpoint = statements
        .iter()
        .position(|s| s.contains("wal_checkpoint"))
        .expect("the help center's log checked");
    assert_eq!(
        settings_in(&statements[..checkpoint], CONNECTION_SETTINGS),
        not_in_effect_on_a_fresh_connection(CONNECTION_SETTINGS).len(),
        "{statements:#?}"
    );
    assert!(
        statements[..checkpoint].contains(&BUSY_TIMEOUT.statement.to_owned()),
        "{statements:#?}"
    );
    drop((help_center, attachments));
}

/// The drain, which a scheduler calls every minute, empties a log past 10,000 pages and says so.
#[test]
fn the_drain_empties_a_write_ahead_log_past_ten_thousand_pages() {
    let app = App::new();
    let drain = || app.drain()["database"].clone();
    let quiet = drain();
    assert_eq!(quiet["wal_emptied"], false, "{quiet}");
    assert!(
        quiet["wal_pages"].as_i64().is_some_and(|p| p >= 0),
        "{quiet}"
    );

    let writer = NativeSql::open(&app.db_path());
    write_pages(&writer, spindesk_core::store::wal::LIMIT_PAGES + 500);
    let grown = wal_bytes(&app);
    assert!(grown > 40_000_000, "{grown} bytes");
    let busy = drain();
    assert_eq!(busy["wal_emptied"], true, "{busy}");
    assert!(
        busy["wal_pages"]
            .as_i64()
            .is_some_and(|p| p > spindesk_core::store::wal::LIMIT_PAGES),
        "{busy}"
    );
    assert_eq!(wal_bytes(&app), 0);
    drop(writer);
}

/// Saving an article writes its index by upserts, whose statement journals the help center's
/// first write keeps in memory (`temp_store`): lost when the help center moved to its own
/// database, and indexing 10,000 articles ran ~30% slower without it. A search, which only
/// reads, makes none of the settings.
#[test]
fn an_article_save_keeps_its_statement_journals_in_memory_and_a_search_makes_no_setting() {
    let app = App::new();
    let section = app.hc_section("en-us", "Orders");
    let seen = std::cell::RefCell::new(Vec::<String>::new());
    app.request(
        "help-center",
        "POST",
        &format!("/api/v2/help_center/en-us/sections/{section}/articles"),
    )
    .admin()
    .json(&json!({"article": {"title": "Refunds", "body": "<p>How refunds work.</p>"}}))
    .send_watching_help_center(&|sql: &str| seen.borrow_mut().push(sql.to_owned()))
    .expect(201);
    let seen = seen.into_inner();
    let made = seen
        .iter()
        .position(|s| s == "PRAGMA temp_store = MEMORY")
        .unwrap_or_else(|| panic!("{seen:#?}"));
    let begin = seen
        .iter()
        .position(|s| s.starts_with("BEGIN"))
        .expect("a write");
    assert!(made < begin, "made before the write: {seen:#?}");

    let searched = std::cell::RefCell::new(Vec::<String>::new());
    app.request(
        "help-center",
        "GET",
        "/api/v2/help_center/articles/search?query=refunds",
    )
    .send_watching_help_center(&|sql: &str| searched.borrow_mut().push(sql.to_owned()))
    .expect(200);
    let searched = searched.into_inner();
    assert!(
        !searched.iter().any(|s| s.starts_with("PRAGMA")),
        "{searched:#?}"
    );
}

/// A widget request's schema check comes with its session's read: no statement of its own
/// reads the version or the connection's settings, and the first write makes only the settings
/// that read found missing (foreign keys are on in every new connection of this SQLite). A
/// database one version behind is still migrated by the first request, which then reads its
/// session again from the migrated schema.
#[test]
fn a_widget_requests_schema_check_comes_with_its_session_read_and_still_migrates() {
    let app = App::new();
    let v = app.visitor("en");
    app.say(&v, "hello", None);
    let checks_alone = |seen: &[String]| {
        seen.iter()
            .filter(|s| s.contains("pragma_user_version") && !s.contains("FROM widget_sessions"))
            .count()
            + seen.iter().filter(|s| *s == "PRAGMA user_version").count()
    };
    let (r, seen) = app
        .request("widget", "GET", "/api/widget/messages?after=0&wait=0")
        .bearer(&v.token)
        .send_listing();
    r.expect(200);
    assert_eq!(checks_alone(&seen.0), 0, "{:#?}", seen.0);
    let session = seen.0.first().expect("a statement");
    assert!(
        session.contains("FROM widget_sessions") && session.contains("pragma_user_version"),
        "the session's read is the first statement and checks the schema: {session}"
    );
    let (r, seen) = app
        .widget_message(&v, "what are your opening hours?", None)
        .send_listing();
    r.expect(201);
    assert_eq!(checks_alone(&seen.0), 0, "{:#?}", seen.0);
    let (before, _) = seen.around_write();
    let settings: Vec<&String> = before.iter().filter(|s| s.starts_with("PRAGMA")).collect();
    assert_eq!(
        settings,
        [
            "PRAGMA synchronous = NORMAL",
            "PRAGMA temp_store = MEMORY",
            "PRAGMA busy_timeout = 10"
        ],
        "{before:#?}"
    );

    // One version behind, as after a deploy that added version 32 (the held polls' table
    // leaves the main database).
    let latest = MIGRATIONS.last().unwrap().version;
    for statement in [
        "CREATE TABLE held_polls (session TEXT PRIMARY KEY, client_addr TEXT NOT NULL,
         holder INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID",
        "DELETE FROM schema_migrations WHERE version = 32",
        "PRAGMA user_version = 31",
    ] {
        app.db().execute(statement, &[]).expect(statement);
    }
    let (r, seen) = app
        .widget_message(&v, "are you there?", None)
        .send_listing();
    let r = r.expect(201).json();
    assert_eq!(r["messages"][0]["text"], "are you there?");
    assert_eq!(app.count("PRAGMA user_version"), latest);
    assert_eq!(
        app.count("SELECT count(*) FROM sqlite_schema WHERE name = 'held_polls'"),
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM schema_migrations WHERE version = 32"),
        1
    );
    let session_reads = seen
        .0
        .iter()
        .filter(|s| s.contains("FROM widget_sessions"))
        .count();
    assert_eq!(
        session_reads, 2,
        "read again after migrating: {:#?}",
        seen.0
    );
}
