//! Version 2: the help center — categories, sections, articles, and the search index.
//!
//! Shaped for Zendesk's Help Center API. Each row has one locale (Spindesk keeps no separate
//! translations: a Korean and an English article are two articles). The search index is an
//! FTS5 table fed with terms from `crate::text` (space-separated), not with raw text, so the
//! same analysis runs when indexing and when searching; it holds published articles only, and
//! the code that writes an article updates it in the same transaction.

use super::migration::Migration;

pub const MIGRATION: Migration = Migration {
    version: 2,
    name: "help center",
    statements: &[
        "CREATE TABLE hc_categories (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            locale TEXT NOT NULL,
            source_locale TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )",
        "CREATE INDEX hc_categories_locale ON hc_categories (locale, position)",
        "CREATE TABLE hc_sections (
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
        "CREATE INDEX hc_sections_category ON hc_sections (category_id, position)",
        "CREATE INDEX hc_sections_locale ON hc_sections (locale, position)",
        // `body` is the HTML as written; `body_text` its text without tags (what is indexed,
        // and what snippets are cut from). The long text columns come last: SQLite reads a
        // row's columns in order, through overflow pages, so the columns search filters on
        // (section, locale, draft) stay cheap to reach.
        "CREATE TABLE hc_articles (
            id INTEGER PRIMARY KEY,
            section_id INTEGER NOT NULL REFERENCES hc_sections (id) ON DELETE CASCADE,
            author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
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
        "CREATE INDEX hc_articles_section ON hc_articles (section_id, position)",
        "CREATE INDEX hc_articles_locale ON hc_articles (locale, position)",
        "CREATE INDEX hc_articles_published ON hc_articles (draft, locale)",
        // Labels again, one row each, for the `label_names` filter (any-of, case-insensitive).
        "CREATE TABLE hc_article_labels (
            article_id INTEGER NOT NULL REFERENCES hc_articles (id) ON DELETE CASCADE,
            name TEXT NOT NULL COLLATE NOCASE,
            PRIMARY KEY (article_id, name)
        ) WITHOUT ROWID",
        "CREATE INDEX hc_article_labels_name ON hc_article_labels (name)",
        // rowid = hc_articles.id. Terms contain no ASCII punctuation or spaces, and the `ascii`
        // tokenizer keeps every non-ASCII character inside a token, so FTS5 sees exactly the
        // terms `crate::text` produced. `scope` holds the article's locale and language as
        // tokens (`0locenus 0langen`), so the common locale filter is part of the MATCH and a
        // search never has to read `hc_articles` rows to filter (that join cost 3x the search).
        "CREATE VIRTUAL TABLE hc_article_index USING fts5 (
            title, body, labels, scope, tokenize = 'ascii'
        )",
        // Document frequencies per term, for spelling corrections and relevance thresholds.
        "CREATE VIRTUAL TABLE hc_article_vocab USING fts5vocab (hc_article_index, 'row')",
        // However an article goes (its own DELETE, or a cascade from its section or category),
        // it leaves the index in the same transaction.
        "CREATE TRIGGER hc_articles_unindex AFTER DELETE ON hc_articles BEGIN
            DELETE FROM hc_article_index WHERE rowid = old.id;
        END",
    ],
};
