//! The help center's own database (`help_center/database.rs`): an installation whose help
//! center lives in the main database (versions 2–27) has it moved on the first request that
//! reads it — every row, the search index included — and the old tables dropped there; the
//! attachments that pointed at articles keep pointing at them.

use spindesk_core::help_center::catalog::{self, Article, Category, Section};
use spindesk_core::help_center::database;
use spindesk_core::ports::{NoActions, Sql, SqlError, Value};
use spindesk_core::store::{Db, MIGRATIONS};
use spindesk_native::{MapConfig, NativeSql};
use spindesk_tests::*;

/// Every table the help center had in the main database, with the order its rows compare in.
const TABLES: &[(&str, &str)] = &[
    ("hc_categories", "id"),
    ("hc_sections", "id"),
    ("hc_articles", "id"),
    ("hc_article_labels", "article_id, name"),
    ("hc_article_terms", "article_id"),
    ("hc_postings", "term, locale, block"),
    ("hc_terms", "term"),
    ("hc_index_stats", "id"),
];

fn article(section_id: i64, locale: &str, title: &str, body: &str, labels: &[&str]) -> Article {
    Article {
        id: 0,
        section_id,
        author_id: Some(1),
        title: title.into(),
        body: body.into(),
        locale: locale.into(),
        source_locale: locale.into(),
        label_names: labels.iter().map(|l| l.to_string()).collect(),
        draft: false,
        promoted: false,
        position: 0,
        comments_disabled: false,
        permission_group_id: None,
        user_segment_id: None,
        vote_sum: 3,
        vote_count: 4,
        created_at: 1_700_000_000_000,
        updated_at: 1_700_000_000_000,
        edited_at: 1_700_000_000_000,
    }
}

/// A main database at version 27 with a help center written the way that version wrote it (the
/// core's own catalog functions on the main database), an article's file, and a channel file
/// still being fetched (whose `media_fetches` row refers to its attachment).
fn version_27_with_a_help_center(app: &App) -> NativeSql {
    let sql = app.main_database_at(27);
    let db = Db::new(&sql);
    // The articles' author (an agent, user 1): a key into `users` there, a plain number after.
    sql.execute(
        "INSERT INTO users (id, public_id, role, name, email, created_at, updated_at) \
         VALUES (1, 'u-kim', 'agent', 'Kim', 'kim@example.com', 0, 0)",
        &[],
    )
    .expect("author");
    let category = |name: &str, locale: &str| {
        catalog::insert_category(
            &db,
            &Category {
                id: 0,
                name: name.into(),
                description: "All about it".into(),
                locale: locale.into(),
                source_locale: locale.into(),
                position: 1,
                created_at: 5,
                updated_at: 6,
            },
        )
        .expect("category")
    };
    let section = |category_id: i64, name: &str, locale: &str| {
        catalog::insert_section(
            &db,
            &Section {
                id: 0,
                category_id,
                name: name.into(),
                description: String::new(),
                locale: locale.into(),
                source_locale: locale.into(),
                position: 2,
                sorting: "manual".into(),
                created_at: 7,
                updated_at: 8,
            },
        )
        .expect("section")
    };
    let (en, ko) = (category("Orders", "en-us"), category("주문", "ko"));
    let (en, ko) = (section(en, "Returns", "en-us"), section(ko, "반품", "ko"));
    let refund = catalog::insert_article(
        &db,
        &article(
            en,
            "en-us",
            "Refund policy",
            "<p>How a refund reaches your card</p>",
            &["refund", "Billing"],
        ),
    )
    .expect("article");
    catalog::insert_article(
        &db,
        &article(
            ko,
            "ko",
            "환불 정책",
            "<p>환불은 카드로 돌아갑니다</p>",
            &["환불"],
        ),
    )
    .expect("article");
    let mut draft = article(en, "en-us", "Refund draft", "<p>Not yet</p>", &[]);
    draft.draft = true;
    catalog::insert_article(&db, &draft).expect("draft");
    // The index as a running desk has it: complete under the current rules.
    spindesk_core::help_center::index::catch_up(&db).expect("indexed");
    for statement in [
        format!(
            "INSERT INTO attachments (public_id, article_id, uploader_type, file_name, \
             content_type, size, status, created_at) \
             VALUES ('att-article', {refund}, 'api', 'card.png', 'image/png', 4, 'stored', 0)"
        ),
        "INSERT INTO attachments (public_id, uploader_type, file_name, content_type, status, \
         created_at) VALUES ('att-fetching', 'channel', 'IMG_1.jpg', 'image/jpeg', 'pending', 0)"
            .into(),
        "INSERT INTO media_fetches (attachment_public_id, media, next_attempt_at, created_at, \
         updated_at) VALUES ('att-fetching', '{}', 0, 0, 0)"
            .into(),
    ] {
        sql.execute(&statement, &[]).expect("files");
    }
    sql
}

/// The `attachments` database of a component not granted it (these requests read no file).
struct NotGranted;

impl Sql for NotGranted {
    fn execute(&self, _: &str, _: &[Value]) -> Result<spindesk_core::ports::Rows, SqlError> {
        Err(SqlError::from_message("access denied: attachments"))
    }
}

/// The ports of a request on `main` and `help_center`, for calling the core directly.
fn env_on<'a>(
    app: &'a App,
    main: &'a dyn Sql,
    help_center: &'a NativeSql,
    config: &'a MapConfig,
) -> spindesk_core::Env<'a> {
    spindesk_core::Env {
        sql: main,
        help_center,
        live: &NotGranted,
        kv: &app.kv,
        outbound: &app.outbound,
        clock: &app.clock,
        random: &app.random,
        config,
        log: &app.log,
        actions: &NoActions,
        files: &spindesk_core::ports::NoFiles,
        attachments: &NotGranted,
    }
}

fn rows(sql: &NativeSql, table: &str, order: &str) -> Vec<Vec<Value>> {
    sql.execute(&format!("SELECT * FROM {table} ORDER BY {order}"), &[])
        .expect("rows")
        .rows
}

fn tables_named_hc(sql: &NativeSql) -> i64 {
    match sql
        .execute(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name LIKE 'hc\\_%' \
             ESCAPE '\\'",
            &[],
        )
        .expect("schema")
        .rows[0][0]
    {
        Value::Integer(n) => n,
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn the_first_help_center_request_moves_every_row_and_drops_the_old_tables() {
    let app = App::new();
    let main = version_27_with_a_help_center(&app);
    let before: Vec<_> = TABLES
        .iter()
        .map(|(table, order)| rows(&main, table, order))
        .collect();
    assert!(before[5].len() > 5, "the index has postings to move");

    let found = app
        .request(
            "help-center",
            "GET",
            "/api/v2/help_center/articles/search.json?query=refund",
        )
        .send()
        .expect(200)
        .json();
    assert_eq!(
        found["count"], 1,
        "published English articles only: {found}"
    );
    assert_eq!(found["results"][0]["title"], "Refund policy");
    assert_eq!(
        found["results"][0]["label_names"],
        json!(["refund", "Billing"])
    );

    // Every row arrived as it was, the index included (nothing had to be re-indexed).
    let help_center = app.help_center_db();
    for ((table, order), was) in TABLES.iter().zip(&before) {
        assert_eq!(&rows(&help_center, table, order), was, "{table}");
    }
    assert_eq!(
        app.help_center_count("PRAGMA user_version"),
        4,
        "moved, dropped from the main database, then published articles indexed and counted \
         by language"
    );
    let indexes: Vec<Vec<Value>> = app.help_center_rows(
        "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'hc_articles' \
         AND sql IS NOT NULL ORDER BY name",
        &[],
    );
    assert_eq!(
        indexes,
        [
            "hc_articles_featured",
            "hc_articles_locale",
            "hc_articles_published_by_locale",
            "hc_articles_section"
        ]
        .map(|n| vec![Value::Text(n.into())]),
        "version 1's (draft, locale) index is gone"
    );
    assert_eq!(tables_named_hc(&main), 0);
    // The main database's files: the article's still names its article; the file being
    // fetched kept its fetch (version 28 rebuilt `attachments` without the key to `hc_articles`,
    // and its child table with it).
    let refund = match &before[2][0][0] {
        Value::Integer(id) => *id,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        app.rows(
            "SELECT public_id, article_id FROM attachments ORDER BY id",
            &[]
        ),
        vec![
            vec![Value::Text("att-article".into()), Value::Integer(refund)],
            vec![Value::Text("att-fetching".into()), Value::Null],
        ]
    );
    assert_eq!(
        app.count("SELECT count(*) FROM media_fetches WHERE attachment_public_id = 'att-fetching'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM pragma_foreign_key_list('attachments') WHERE \"table\" LIKE 'hc%'"),
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM pragma_foreign_key_check"),
        0
    );
    // A removed attachment still removes its fetch (the rebuilt child points at the new table).
    app.db()
        .execute(
            "DELETE FROM attachments WHERE public_id = 'att-fetching'",
            &[],
        )
        .expect("delete");
    assert_eq!(app.count("SELECT count(*) FROM media_fetches"), 0);

    // The public pages read the moved help center, in both languages, and writes go there too.
    let home = app
        .request("help-center", "GET", "/hc/ko")
        .send()
        .expect(200);
    assert!(String::from_utf8_lossy(&home.body).contains("환불 정책"));
    let ko = app
        .request(
            "help-center",
            "GET",
            "/api/v2/help_center/articles/search.json?query=%ED%99%98%EB%B6%88&locale=ko",
        )
        .send()
        .expect(200)
        .json();
    assert_eq!(ko["count"], 1, "{ko}");
    app.request(
        "help-center",
        "DELETE",
        &format!("/api/v2/help_center/articles/{refund}"),
    )
    .admin()
    .send()
    .expect(204);
    assert_eq!(
        app.help_center_count(&format!(
            "SELECT count(*) FROM hc_articles WHERE id = {refund}"
        )),
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM attachments WHERE public_id = 'att-article'"),
        0
    );
    assert_eq!(tables_named_hc(&main), 0, "nothing is written back");
}

/// The first reader may be inside a write of the main database (the bot answering in a
/// channel's webhook): the help center is moved and usable at once, and the old tables are
/// dropped by the next reader outside a transaction — `DROP TABLE` cannot commit someone
/// else's transaction.
#[test]
fn a_first_reader_inside_a_main_transaction_leaves_the_drop_to_the_next_one() {
    let app = App::new();
    let main = version_27_with_a_help_center(&app);
    let help_center = app.help_center_db();
    let config = MapConfig::default();
    let env = env_on(&app, &main, &help_center, &config);
    // As a request does, the main database first (to version 28), then a write begins.
    spindesk_core::store::database(&env).expect("main");
    main.execute("BEGIN IMMEDIATE", &[]).expect("begin");
    let db = database::open(&env).expect("moved inside the transaction");
    let published = db
        .query_i64("SELECT count(*) FROM hc_articles WHERE draft = 0", &[])
        .expect("read");
    assert_eq!(published, Some(2));
    assert_eq!(app.help_center_count("PRAGMA user_version"), 1);
    main.execute("COMMIT", &[]).expect("commit");
    assert_eq!(tables_named_hc(&main), 8, "still there, unused");

    database::open(&env).expect("dropped now");
    assert_eq!(app.help_center_count("PRAGMA user_version"), 4);
    assert_eq!(tables_named_hc(&main), 0);
}

/// The main database of one request, running `meanwhile` once right after the transaction
/// that drops the old tables commits.
struct DropCommitted<'a> {
    inner: &'a NativeSql,
    dropping: std::cell::Cell<bool>,
    meanwhile: &'a dyn Fn(),
}

impl Sql for DropCommitted<'_> {
    fn execute(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<spindesk_core::ports::Rows, spindesk_core::ports::SqlError> {
        let rows = self.inner.execute(sql, params)?;
        if sql.starts_with("DROP TABLE IF EXISTS hc_") {
            self.dropping.set(true);
        } else if sql == "COMMIT" && self.dropping.replace(false) {
            (self.meanwhile)();
        }
        Ok(rows)
    }
}

/// Two first readers after an upgrade (two instances): one goes all the way to the latest
/// version while the other is between dropping the old tables and recording that it did. The
/// slower one must not write its older version over the newer one — the next reader would
/// then redo versions 3 and 4 and fail on an index that exists.
#[test]
fn a_reader_overtaken_during_the_move_does_not_turn_the_version_back() {
    let app = App::new();
    let main = version_27_with_a_help_center(&app);
    let config = MapConfig::default();
    let help_center = app.help_center_db();
    spindesk_core::store::database(&env_on(&app, &main, &help_center, &config)).expect("main");
    let overtaking = || {
        let (main, help_center) = (NativeSql::open(&app.db_path()), app.help_center_db());
        database::open(&env_on(&app, &main, &help_center, &config)).expect("the other reader");
        assert_eq!(app.help_center_count("PRAGMA user_version"), 4);
    };
    let slow = DropCommitted {
        inner: &main,
        dropping: std::cell::Cell::new(false),
        meanwhile: &overtaking,
    };
    database::open(&env_on(&app, &slow, &help_center, &config)).expect("the slower reader");
    assert_eq!(
        app.help_center_count("PRAGMA user_version"),
        4,
        "not back to 2"
    );

    let (main, help_center) = (NativeSql::open(&app.db_path()), app.help_center_db());
    let db = database::open(&env_on(&app, &main, &help_center, &config)).expect("the next reader");
    assert_eq!(
        db.query_i64("SELECT count(*) FROM hc_articles WHERE draft = 0", &[])
            .expect("read"),
        Some(2)
    );
}

/// A new installation: the main database's migrations still create the old tables (released
/// migrations never change), and the help center's first reader drops them, empty.
#[test]
fn a_new_installation_keeps_its_help_center_apart_from_the_start() {
    let app = App::new();
    app.request("help-center", "GET", "/api/v2/help_center/categories")
        .send()
        .expect(200);
    assert_eq!(tables_named_hc(&app.db()), 0);
    assert_eq!(
        app.help_center_count("SELECT count(*) FROM hc_index_stats WHERE id = 1"),
        1
    );
    // A component that never reads the help center never opens its database.
    let fresh = App::new();
    fresh
        .request("tickets", "GET", "/api/v2/tickets.json")
        .send();
    assert_eq!(
        fresh.help_center_count("SELECT count(*) FROM sqlite_schema"),
        0
    );
}

/// The label pointed at the main database by mistake is refused, with what to do, rather than
/// moving the help center onto itself and dropping it.
#[test]
fn the_main_database_is_refused_as_the_help_center_s() {
    let app = App::new();
    let main = app.db();
    let config = MapConfig::default();
    let env = env_on(&app, &main, &main, &config);
    let refused_as_its_own = || {
        let refused = database::open(&env).err().expect("refused");
        assert!(
            refused
                .message
                .contains("define `help_center` as a database of its own"),
            "{refused:?}"
        );
    };
    // A new installation whose first request reads the help center: the main database is
    // migrated, then recognised; nothing is dropped, its version stays its own.
    refused_as_its_own();
    let latest = MIGRATIONS.last().unwrap().version;
    assert_eq!(app.count("PRAGMA user_version"), latest);
    assert_eq!(
        app.count("SELECT count(*) FROM sqlite_schema WHERE name = 'hc_articles'"),
        1,
        "nothing dropped"
    );
    // And every request after it.
    spindesk_core::store::database(&env).expect("main");
    refused_as_its_own();
    assert_eq!(
        app.count("SELECT count(*) FROM hc_articles"),
        0,
        "nothing dropped"
    );
}
