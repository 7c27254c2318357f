//! The help center's own SQLite database (`sqlite_databases = [.., "help_center"]`): its
//! categories, sections, articles and search index, and nothing else.
//!
//! Why a database of its own: a Spin instance opens a fresh connection per request, and SQLite
//! parses the whole schema of a database on a connection's first statement. The main database
//! has ~150 tables, indexes and triggers (~30 KB of SQL); the help center's are 15 objects
//! (~3.5 KB). A public help-center request (an article page, a search) reads only these, so on
//! its own database it never pays for the desk's schema: at 8 concurrent searches on 2 workers
//! with a connection per request, 720 → 1,150 searches/s and p99 14–15 → ~10 ms
//! (`cargo bench -p spindesk-bench --bench search`, the "connection opened per request" pass).
//!
//! Versions, in `PRAGMA user_version` as the main database keeps its own:
//! 1. the tables, and the help center's rows moved from the main database, where versions 2–27
//!    of its schema kept them (existing installations; a new one moves its empty tables);
//! 2. those tables dropped from the main database (after 1 has committed here, so nothing is
//!    lost if an instance stops in between: the drop is simply done by the next request);
//! 3. published articles indexed by language, and the featured ones apart ([`PUBLISHED`]);
//! 4. published articles counted per language, kept by triggers ([`COUNTED`]).
//!
//! Nothing here may refer to the main database by foreign key: `author_id` is a user's id kept
//! as a plain number (users are never deleted, only anonymised), and the main database's
//! `attachments.article_id` is plain since its version 28.

use crate::ports::{Env, Millis, SqlError, SqlErrorKind, Value};
use crate::store::{
    self, ensure_schema, schema_is_current, user_version, Db, Setting, BUSY_TIMEOUT, TEMP_STORE,
};

/// The label `spin.toml` grants and runtime config files define.
pub const LABEL: &str = "help_center";

const MOVED: i64 = 1;
const DROPPED_FROM_MAIN: i64 = 2;
const PUBLISHED_BY_LANGUAGE: i64 = 3;
const COUNTED_BY_LANGUAGE: i64 = 4;
const LATEST: i64 = COUNTED_BY_LANGUAGE;

/// Version 3. Version 1's `hc_articles_published (draft, locale)` misled SQLite's planner:
/// without statistics (no `ANALYZE`) it takes an equality on an index's first column for a few
/// rows, so "published articles with these ids", "in this section" or "in this language" read
/// every published article through that index instead of the key, the section's index or the
/// language's range — a bot turn that shows articles, a help-center search and a section page
/// cost time in proportion to the whole help center (10,000 articles: ~1 ms per statement).
/// Partial indexes keep `draft` out of the key: the published articles by language (a
/// language's first published article is one seek), and the few featured ones (promoted or
/// voted up) the bot shows under its greeting. Their `WHERE` is what the queries say, word for
/// word, so the planner can use them.
const PUBLISHED: &[&str] = &[
    "DROP INDEX IF EXISTS hc_articles_published",
    "CREATE INDEX hc_articles_published_by_locale ON hc_articles (locale, position)
     WHERE draft = 0",
    "CREATE INDEX hc_articles_featured ON hc_articles (locale)
     WHERE draft = 0 AND (promoted = 1 OR vote_sum > 0)",
];

/// Version 4. `/hc` for a visitor whose languages the help center lacks, and every 404 page,
/// show the language with the most published articles: counted with `GROUP BY` that read
/// every published article (~0.8 ms at 10,000). The counts are kept instead, by triggers, so
/// every way an article is written keeps them — a category or section deleted deletes its
/// articles by cascade, and those deletes fire the triggers too.
const COUNTED: &[&str] = &[
    "CREATE TABLE hc_published_counts (
        locale TEXT PRIMARY KEY,
        articles INTEGER NOT NULL CHECK (articles >= 0)
    ) WITHOUT ROWID",
    "INSERT INTO hc_published_counts (locale, articles)
     SELECT locale, count(*) FROM hc_articles WHERE draft = 0 GROUP BY locale",
    "CREATE TRIGGER hc_published_counts_on_insert AFTER INSERT ON hc_articles
     WHEN NEW.draft = 0 BEGIN
        INSERT INTO hc_published_counts (locale, articles) VALUES (NEW.locale, 1)
        ON CONFLICT (locale) DO UPDATE SET articles = articles + 1;
     END",
    "CREATE TRIGGER hc_published_counts_on_delete AFTER DELETE ON hc_articles
     WHEN OLD.draft = 0 BEGIN
        UPDATE hc_published_counts SET articles = articles - 1 WHERE locale = OLD.locale;
     END",
    "CREATE TRIGGER hc_published_counts_on_update AFTER UPDATE OF draft, locale ON hc_articles
     WHEN OLD.draft IS NOT NEW.draft OR OLD.locale IS NOT NEW.locale BEGIN
        UPDATE hc_published_counts SET articles = articles - 1
        WHERE OLD.draft = 0 AND locale = OLD.locale;
        INSERT INTO hc_published_counts (locale, articles) SELECT NEW.locale, 1
        WHERE NEW.draft = 0
        ON CONFLICT (locale) DO UPDATE SET articles = articles + 1;
     END",
];

/// The tables as version 27 of the main database left them (`store/schema_v2.rs`, `_v6.rs`),
/// parents first, each with the key its rows are copied in order of.
const TABLES: &[Table] = &[
    Table {
        name: "hc_categories",
        key: &["id"],
        batch: 500,
        create: "CREATE TABLE hc_categories (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            locale TEXT NOT NULL,
            source_locale TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
    },
    Table {
        name: "hc_sections",
        key: &["id"],
        batch: 500,
        create: "CREATE TABLE hc_sections (
            id INTEGER PRIMARY KEY,
            category_id INTEGER NOT NULL REFERENCES hc_categories (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            locale TEXT NOT NULL,
            source_locale TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            sorting TEXT NOT NULL DEFAULT 'manual',
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
    },
    Table {
        name: "hc_articles",
        key: &["id"],
        // An article's body may be 1 MB: a few at a time keeps the copy's memory small.
        batch: 20,
        create: "CREATE TABLE hc_articles (
            id INTEGER PRIMARY KEY,
            section_id INTEGER NOT NULL REFERENCES hc_sections (id) ON DELETE CASCADE,
            author_id INTEGER,
            locale TEXT NOT NULL,
            source_locale TEXT NOT NULL,
            draft INTEGER NOT NULL DEFAULT 0 CHECK (draft IN (0, 1)),
            promoted INTEGER NOT NULL DEFAULT 0 CHECK (promoted IN (0, 1)),
            position INTEGER NOT NULL DEFAULT 0,
            comments_disabled INTEGER NOT NULL DEFAULT 0 CHECK (comments_disabled IN (0, 1)),
            permission_group_id INTEGER,
            user_segment_id INTEGER,
            vote_sum INTEGER NOT NULL DEFAULT 0,
            vote_count INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            edited_at INTEGER NOT NULL,
            label_names TEXT NOT NULL DEFAULT '[]',
            title TEXT NOT NULL,
            body TEXT NOT NULL DEFAULT '',
            body_text TEXT NOT NULL DEFAULT ''
        )",
    },
    Table {
        name: "hc_article_labels",
        key: &["article_id", "name"],
        batch: 500,
        create: "CREATE TABLE hc_article_labels (
            article_id INTEGER NOT NULL REFERENCES hc_articles (id) ON DELETE CASCADE,
            name TEXT NOT NULL COLLATE NOCASE,
            PRIMARY KEY (article_id, name)
        ) WITHOUT ROWID",
    },
    Table {
        name: "hc_article_terms",
        key: &["article_id"],
        batch: 100,
        create: "CREATE TABLE hc_article_terms (
            article_id INTEGER PRIMARY KEY,
            locale TEXT NOT NULL,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            labels TEXT NOT NULL,
            analysis INTEGER NOT NULL
        )",
    },
    Table {
        name: "hc_postings",
        key: &["term", "locale", "block"],
        batch: 500,
        create: "CREATE TABLE hc_postings (
            term TEXT NOT NULL,
            locale TEXT NOT NULL,
            block INTEGER NOT NULL,
            entries BLOB NOT NULL,
            PRIMARY KEY (term, locale, block)
        ) WITHOUT ROWID",
    },
    Table {
        name: "hc_terms",
        key: &["term"],
        batch: 1000,
        create: "CREATE TABLE hc_terms (
            term TEXT PRIMARY KEY,
            articles INTEGER NOT NULL CHECK (articles >= 0)
        ) WITHOUT ROWID",
    },
    Table {
        name: "hc_index_stats",
        key: &["id"],
        batch: 1,
        create: "CREATE TABLE hc_index_stats (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            articles INTEGER NOT NULL CHECK (articles >= 0),
            terms INTEGER NOT NULL CHECK (terms >= 0),
            analysis INTEGER NOT NULL
        )",
    },
];

const INDEXES: &[&str] = &[
    "CREATE INDEX hc_categories_locale ON hc_categories (locale, position)",
    "CREATE INDEX hc_sections_category ON hc_sections (category_id, position)",
    "CREATE INDEX hc_sections_locale ON hc_sections (locale, position)",
    "CREATE INDEX hc_articles_section ON hc_articles (section_id, position)",
    "CREATE INDEX hc_articles_locale ON hc_articles (locale, position)",
    "CREATE INDEX hc_articles_published ON hc_articles (draft, locale)",
    "CREATE INDEX hc_article_labels_name ON hc_article_labels (name)",
];

struct Table {
    name: &'static str,
    /// Its primary key: rows are copied in its order, a batch after the last key copied.
    key: &'static [&'static str],
    /// Rows per statement of the copy.
    batch: usize,
    create: &'static str,
}

/// Brings the help center's database up to date; called before its first statement in a
/// request. The fast path is one statement on this connection only (its version): the main
/// database is not touched, so a request that reads the help center never opens it (the
/// connection's settings, asked for first, wait for its first write: see
/// [`CONNECTION_SETTINGS`]).
///
/// The slow path (the first request after an upgrade, or on a new installation) brings the
/// main database up to date, then copies its help-center rows here in one `BEGIN IMMEDIATE`
/// transaction that re-reads the version first (racing instances copy once), then drops them
/// there. A large help center makes this one request slow; the requests that arrive meanwhile
/// wait for the lock as for any write.
pub fn ensure(hc: &Db, main: &Db, now: Millis) -> Result<(), SqlError> {
    migrate_if_behind(hc, main, now).map(|_| ())
}

/// [`ensure`], saying whether the database was behind (and is now brought up to date).
fn migrate_if_behind(hc: &Db, main: &Db, now: Millis) -> Result<bool, SqlError> {
    // Held back until the first write by the adapters' connection; made at once on a bare one.
    for setting in CONNECTION_SETTINGS {
        hc.execute(setting.statement, &[])?;
    }
    let version = user_version(hc)?;
    if version == LATEST {
        return Ok(false);
    }
    migrate_from(hc, main, now, version)?;
    Ok(true)
}

/// [`ensure`]'s slow path, from `version`.
fn migrate_from(hc: &Db, main: &Db, now: Millis, version: i64) -> Result<(), SqlError> {
    // The main database at its latest version: its help-center tables in the shape copied
    // below, and `attachments` no longer referring to them (version 28). Usually it is already
    // (the request migrated it), and then nothing is changed: the first reader of the help
    // center may be inside a write of the main database.
    if version < LATEST && !schema_is_current(main)? {
        ensure_schema(main, now)?;
    }
    // A `help_center` label that names the main database: moving would copy the tables onto
    // themselves, drop them, and set the main database's version to this one's. Its version is
    // far above ours (28 and up), or — a new installation — its tables appeared just above.
    if version > LATEST || exists_in(hc, "schema_migrations")? {
        return Err(other(format!(
            "the `{LABEL}` database is at version {version}, not one of this release's (1 to \
             {LATEST}): it is the main database (or a newer release's help center); define \
             `{LABEL}` as a database of its own in the runtime config (see \
             runtime-config/local.toml)"
        )));
    }
    // Persistent in the file; engines without WAL refuse, which is fine.
    let _ = hc.execute("PRAGMA journal_mode = WAL", &[]);
    if version < MOVED {
        hc.transaction(|hc| {
            if user_version(hc)? >= MOVED {
                return Ok(());
            }
            for table in TABLES {
                hc.execute(table.create, &[])?;
            }
            for statement in INDEXES {
                hc.execute(statement, &[])?;
            }
            for table in TABLES {
                if exists_in(main, table.name)? {
                    copy(main, hc, table)?;
                }
            }
            // A main database that never had the index's one row (or no tables left to copy).
            hc.execute(
                "INSERT INTO hc_index_stats (id, articles, terms, analysis) VALUES (1, 0, 0, 0)
                 ON CONFLICT (id) DO NOTHING",
                &[],
            )?;
            hc.execute(&format!("PRAGMA user_version = {MOVED}"), &[])?;
            Ok::<_, SqlError>(())
        })?;
    }
    if version < DROPPED_FROM_MAIN {
        let dropped = main.transaction(|main| {
            // Children first: with foreign keys on, dropping a parent first would delete its
            // children's rows one by one before they are dropped anyway.
            for table in TABLES.iter().rev() {
                main.execute(&format!("DROP TABLE IF EXISTS {}", table.name), &[])?;
            }
            Ok::<_, SqlError>(())
        });
        match dropped {
            // Version 2 is not written on its own: another instance may have gone on to 3
            // meanwhile, and writing 2 after it would send the next reader back.
            Ok(()) => {}
            // The first reader may be inside a write of the main database (the bot answering
            // in a channel's webhook): the help center is usable (moved), and the next request
            // that opens it outside a transaction drops the old tables and goes on from there.
            Err(e) if e.message.contains("within a transaction") => return Ok(()),
            Err(e) => return Err(e),
        }
    }
    // The main database holds no help-center table any more (dropped just now, or before
    // version 2 was written): versions 2 to 4 in one transaction, if no one wrote them first.
    hc.transaction(|hc| {
        let version = user_version(hc)?;
        if version >= LATEST {
            return Ok(());
        }
        if version < PUBLISHED_BY_LANGUAGE {
            for statement in PUBLISHED {
                hc.execute(statement, &[])?;
            }
        }
        for statement in COUNTED {
            hc.execute(statement, &[])?;
        }
        hc.execute(&format!("PRAGMA user_version = {LATEST}"), &[])?;
        Ok::<_, SqlError>(())
    })
}

/// What a write needs of the connection: categories delete their sections, sections their
/// articles, articles their labels (foreign keys are off unless asked for, per connection);
/// and SQLite's own short wait for the lock before [`Db`]'s retries. Made when the request
/// first writes, not per request ([`crate::store::SettingsOnFirstWrite`], with which the
/// adapters wrap this database's connection): most help-center requests only read (a page, a
/// search), and every statement is a host round trip under Spin.
pub const CONNECTION_SETTINGS: &[Setting] = &[
    Setting {
        pragma: "foreign_keys",
        value: 1,
        statement: "PRAGMA foreign_keys = ON",
    },
    // Saving an article writes its index rows by upserts: their statement journals in memory.
    // Made on a connection's first write only, so a search (a read) does not pay for it.
    TEMP_STORE,
    // `BUSY_TIMEOUT_MS` (10 ms), as the main database's connections wait.
    BUSY_TIMEOUT,
];

/// The request's help-center database, brought up to date (see [`ensure`]).
pub fn open<'a>(env: &Env<'a>) -> Result<Db<'a>, SqlError> {
    let hc = Db::new(env.help_center).with_waits(env.clock, env.random);
    let main = Db::new(env.sql).with_waits(env.clock, env.random);
    ensure(&hc, &main, env.clock.now_ms())?;
    Ok(hc)
}

/// [`open`], with what `first_read` read, the schema check riding on that read as on the main
/// database's (`store::database_with`, whose rules `first_read` follows: it only reads, its
/// first row ends with the connection's `Db::schema_check_columns`, and it runs again when the
/// database was behind or the read failed).
pub fn open_with<'a, T, E: From<SqlError>>(
    env: &Env<'a>,
    first_read: impl Fn(&Db<'a>) -> Result<T, E>,
) -> Result<(Db<'a>, T), E> {
    let hc = Db::new(env.help_center).with_waits(env.clock, env.random);
    let main = Db::new(env.sql).with_waits(env.clock, env.random);
    let now = env.clock.now_ms();
    store::read_then_migrate(hc, CONNECTION_SETTINGS, first_read, |hc| {
        migrate_if_behind(hc, &main, now)
    })
}

fn other(message: String) -> SqlError {
    SqlError {
        kind: SqlErrorKind::Other,
        message,
    }
}

fn exists_in(db: &Db, table: &str) -> Result<bool, SqlError> {
    Ok(db
        .query_i64(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?",
            &[table.into()],
        )?
        .unwrap_or(0)
        > 0)
}

/// Copies `table`'s rows from `from` to `to`, `table.batch` rows per statement, in key order
/// (each batch starts after the last key copied: no OFFSET that rereads what was copied).
fn copy(from: &Db, to: &Db, table: &Table) -> Result<(), SqlError> {
    let keys = table.key.join(", ");
    let mut after: Option<Vec<Value>> = None;
    loop {
        let filter = match &after {
            None => String::new(),
            Some(last) => format!("WHERE ({keys}) > ({})", vec!["?"; last.len()].join(", ")),
        };
        let rows = from.execute(
            &format!(
                "SELECT * FROM {} {filter} ORDER BY {keys} LIMIT {}",
                table.name, table.batch
            ),
            after.as_deref().unwrap_or(&[]),
        )?;
        let Some(last) = rows.rows.last() else {
            return Ok(());
        };
        let key_at: Vec<usize> = table
            .key
            .iter()
            .map(|k| {
                rows.columns
                    .iter()
                    .position(|c| c == k)
                    .ok_or_else(|| other(format!("{}: no column {k} to copy by", table.name)))
            })
            .collect::<Result<_, _>>()?;
        after = Some(key_at.iter().map(|&i| last[i].clone()).collect());
        let row = format!("({})", vec!["?"; rows.columns.len()].join(", "));
        to.execute(
            &format!(
                "INSERT INTO {} ({}) VALUES {}",
                table.name,
                rows.columns.join(", "),
                vec![row; rows.rows.len()].join(", ")
            ),
            &rows.rows.concat(),
        )?;
        if rows.rows.len() < table.batch {
            return Ok(());
        }
    }
}
