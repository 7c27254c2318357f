//! How long the upgrade's one slow request takes: a help center of 10,000 generated articles
//! (half Korean, half English, indexed) written where versions 2–27 kept it, in the main
//! database, then moved to its own database by the first request that opens it
//! (`help_center::database::ensure`: every row copied in one transaction, the index included,
//! then the old tables dropped).
//!
//! `cargo bench -p spindesk-bench --bench help_center_move` (`MOVE_ARTICLES` changes the size)

use spindesk_bench::{write_articles, Vocabulary};
use spindesk_core::help_center::{database, index};
use spindesk_core::ports::Sql;
use spindesk_core::store::{Db, MIGRATIONS};
use spindesk_native::NativeSql;
use std::time::Instant;

fn main() {
    let n: usize = std::env::var("MOVE_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = std::env::temp_dir().join(format!("spindesk-move-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("folder");
    let main = NativeSql::open(&dir.join("main.db"));
    let db = Db::new(&main);
    // The main database as version 27 left it, the help center inside.
    main.execute("PRAGMA journal_mode = WAL", &[]).expect("wal");
    for m in MIGRATIONS.iter().filter(|m| m.version <= 27) {
        for statement in m.statements {
            main.execute(statement, &[]).expect("v1..v27");
        }
    }
    main.execute("PRAGMA user_version = 27", &[]).expect("v27");
    write_articles(&db, &Vocabulary::load(), n).expect("articles");
    index::catch_up(&db).expect("indexed");
    let count = |sql: &NativeSql, table: &str| {
        Db::new(sql)
            .query_i64(&format!("SELECT count(*) FROM {table}"), &[])
            .expect("count")
            .unwrap_or(0)
    };
    let postings = count(&main, "hc_postings");
    let bytes = std::fs::metadata(dir.join("main.db")).map_or(0, |m| m.len());

    let help_center = NativeSql::open(&dir.join("help_center.db"));
    let started = Instant::now();
    database::ensure(&Db::new(&help_center), &db, 0).expect("moved");
    let took = started.elapsed();
    assert_eq!(count(&help_center, "hc_articles"), n as i64);
    assert_eq!(count(&help_center, "hc_postings"), postings);
    let started = Instant::now();
    database::ensure(&Db::new(&help_center), &db, 0).expect("up to date");
    let again = started.elapsed();
    eprintln!(
        "help_center_move: {n} articles, {postings} posting blocks ({:.0} MB main database): \
         moved in {:.2} s; the next request's check {:.3} ms",
        bytes as f64 / 1e6,
        took.as_secs_f64(),
        again.as_secs_f64() * 1e3
    );
    let _ = std::fs::remove_dir_all(&dir);
}
