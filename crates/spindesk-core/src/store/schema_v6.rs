//! Version 6: the help center's own search index, in place of FTS5.
//!
//! FTS5 computes BM25 by visiting every matching article (its term instances, its size row) and
//! by re-counting each query term's articles on every search: ~5 ms for a query matching most
//! of a 10,000-article help center. These tables keep, per term and locale, blocks of
//! (article, frequency, length) entries (`help_center/postings.rs`), the number of articles
//! per term, and the index's totals, so a search reads a few blobs and scores in memory
//! (`help_center/rank.rs`).
//!
//! The new tables start empty: `help_center::index::catch_up` indexes the published articles
//! in batches on the first help-center requests after the upgrade (`analysis` = 0 below says
//! the index is behind), and again whenever the text analysis rules change.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 6,
    name: "help_center_postings",
    statements: &[
        "DROP TRIGGER hc_articles_unindex",
        "DROP TABLE hc_article_vocab",
        "DROP TABLE hc_article_index",
        // What each indexed (published) article was indexed as: its analysed fields (terms
        // joined by spaces) and locale. Saving the article again takes exactly these entries
        // out of the postings. No foreign key: an article deleted by a cascade keeps its row
        // until `index::remove_orphans` takes its entries out.
        "CREATE TABLE hc_article_terms (
            article_id INTEGER PRIMARY KEY,
            locale TEXT NOT NULL,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            labels TEXT NOT NULL,
            analysis INTEGER NOT NULL
        )",
        "CREATE TABLE hc_postings (
            term TEXT NOT NULL,
            locale TEXT NOT NULL,
            block INTEGER NOT NULL,
            entries BLOB NOT NULL,
            PRIMARY KEY (term, locale, block)
        ) WITHOUT ROWID",
        // How many indexed articles have each term (or phrase), in any locale: BM25's document
        // frequency and the spelling fallback's vocabulary. Rows that reach 0 are deleted.
        "CREATE TABLE hc_terms (
            term TEXT PRIMARY KEY,
            articles INTEGER NOT NULL CHECK (articles >= 0)
        ) WITHOUT ROWID",
        // One row: indexed articles, their terms in all (BM25's average length), and the
        // analysis version the whole index is known to be built with (0: not yet).
        "CREATE TABLE hc_index_stats (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            articles INTEGER NOT NULL CHECK (articles >= 0),
            terms INTEGER NOT NULL CHECK (terms >= 0),
            analysis INTEGER NOT NULL
        )",
        "INSERT INTO hc_index_stats (id, articles, terms, analysis) VALUES (1, 0, 0, 0)",
    ],
};
