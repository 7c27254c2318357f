//! Categories, sections and articles in storage. Writes of articles go through
//! [`super::index::sync`] in the caller's transaction.

use super::index;
use crate::error::{Error, Result};
use crate::ports::{Millis, SqlError, Value};
use crate::store::{Db, Row};

// Articles are read and written through the catalog like categories and sections; the type
// lives below the index, which needs it too.
pub use super::article::{by_id as article, Article, ARTICLE_COLUMNS};

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub locale: String,
    pub source_locale: String,
    pub position: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub id: i64,
    pub category_id: i64,
    pub name: String,
    pub description: String,
    pub locale: String,
    pub source_locale: String,
    pub position: i64,
    pub sorting: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Category {
    fn from_row(r: &Row) -> Result<Self, SqlError> {
        Ok(Category {
            id: r.i64("id")?,
            name: r.string("name")?,
            description: r.string("description")?,
            locale: r.string("locale")?,
            source_locale: r.string("source_locale")?,
            position: r.i64("position")?,
            created_at: r.i64("created_at")?,
            updated_at: r.i64("updated_at")?,
        })
    }
}

impl Section {
    fn from_row(r: &Row) -> Result<Self, SqlError> {
        Ok(Section {
            id: r.i64("id")?,
            category_id: r.i64("category_id")?,
            name: r.string("name")?,
            description: r.string("description")?,
            locale: r.string("locale")?,
            source_locale: r.string("source_locale")?,
            position: r.i64("position")?,
            sorting: r.string("sorting")?,
            created_at: r.i64("created_at")?,
            updated_at: r.i64("updated_at")?,
        })
    }
}

/// List order. The column comes from this enum, never from the request text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Position,
    Title,
    CreatedAt,
    UpdatedAt,
    EditedAt,
}

impl SortBy {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "position" => SortBy::Position,
            "title" => SortBy::Title,
            "created_at" => SortBy::CreatedAt,
            "updated_at" => SortBy::UpdatedAt,
            "edited_at" => SortBy::EditedAt,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            SortBy::Position => "position",
            SortBy::Title => "title",
            SortBy::CreatedAt => "created_at",
            SortBy::UpdatedAt => "updated_at",
            SortBy::EditedAt => "edited_at",
        }
    }

    /// The column for table alias `t` (categories and sections sort by `name` for `title`).
    fn column(self, titled: bool) -> &'static str {
        match self {
            SortBy::Position => "position",
            SortBy::Title if titled => "title COLLATE NOCASE",
            SortBy::Title => "name COLLATE NOCASE",
            SortBy::CreatedAt => "created_at",
            SortBy::UpdatedAt => "updated_at",
            SortBy::EditedAt if titled => "edited_at",
            SortBy::EditedAt => "updated_at",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub by: SortBy,
    pub descending: bool,
    /// Articles only: promoted articles before the others (as help-center pages list them).
    pub promoted_first: bool,
}

impl Sort {
    /// A section's `sorting` as the order its articles are shown in: promoted articles
    /// first, then `manual` by position, `title` A to Z, dates newest first.
    pub fn of_section(sorting: &str) -> Sort {
        let by = match sorting {
            "title" => SortBy::Title,
            "created_at" => SortBy::CreatedAt,
            "updated_at" => SortBy::UpdatedAt,
            "edited_at" => SortBy::EditedAt,
            _ => SortBy::Position,
        };
        Sort {
            by,
            descending: !matches!(by, SortBy::Position | SortBy::Title),
            promoted_first: true,
        }
    }

    fn order_by(self, alias: &str, titled: bool) -> String {
        let dir = if self.descending { "DESC" } else { "ASC" };
        let promoted = if self.promoted_first && titled {
            format!("{alias}.promoted DESC, ")
        } else {
            String::new()
        };
        format!(
            "{promoted}{alias}.{} {dir}, {alias}.id {dir}",
            self.by.column(titled)
        )
    }
}

/// A page of rows and the number of rows on all pages.
pub struct Listed<T> {
    pub items: Vec<T>,
    pub count: i64,
}

// ---- categories ----

pub fn category(db: &Db, id: i64) -> Result<Option<Category>> {
    Ok(db.query_opt(
        "SELECT * FROM hc_categories WHERE id = ?",
        &[id.into()],
        Category::from_row,
    )?)
}

pub fn list_categories(
    db: &Db,
    locale: Option<&str>,
    sort: Sort,
    offset: i64,
    limit: i64,
) -> Result<Listed<Category>> {
    let (filter, params) = locale_filter("c", locale);
    let items = db.query(
        &format!(
            "SELECT c.* FROM hc_categories c {filter} ORDER BY {} LIMIT ? OFFSET ?",
            sort.order_by("c", false)
        ),
        &[params.clone(), vec![limit.into(), offset.into()]].concat(),
        Category::from_row,
    )?;
    let count = db
        .query_i64(
            &format!("SELECT count(*) FROM hc_categories c {filter}"),
            &params,
        )?
        .unwrap_or(0);
    Ok(Listed { items, count })
}

pub fn insert_category(db: &Db, c: &Category) -> Result<i64> {
    let id = db.query_i64(
        "INSERT INTO hc_categories (name, description, locale, source_locale, position, \
         created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        &[
            c.name.clone().into(),
            c.description.clone().into(),
            c.locale.clone().into(),
            c.source_locale.clone().into(),
            c.position.into(),
            c.created_at.into(),
            c.updated_at.into(),
        ],
    )?;
    id.ok_or_else(|| Error::corrupt("insert returned no id"))
}

pub fn update_category(db: &Db, c: &Category) -> Result<()> {
    db.execute(
        "UPDATE hc_categories SET name = ?, description = ?, position = ?, updated_at = ? \
         WHERE id = ?",
        &[
            c.name.clone().into(),
            c.description.clone().into(),
            c.position.into(),
            c.updated_at.into(),
            c.id.into(),
        ],
    )?;
    Ok(())
}

/// Deletes a category with its sections and their articles (a cascade), and takes those
/// articles out of the index.
/// Deletes the category with its sections and their articles (CASCADE): `None` when there is
/// no such category, else the ids of the articles deleted with it, whose files live in the
/// main database (`attachments::remove_article_files`).
pub fn delete_category(db: &Db, id: i64) -> Result<Option<Vec<i64>>> {
    let articles = db.query(
        "SELECT a.id FROM hc_articles a JOIN hc_sections s ON s.id = a.section_id
         WHERE s.category_id = ?",
        &[id.into()],
        |r| r.i64("id"),
    )?;
    let deleted = db.query_i64(
        "DELETE FROM hc_categories WHERE id = ? RETURNING id",
        &[id.into()],
    )?;
    index::remove_orphans(db)?;
    Ok(deleted.map(|_| articles))
}

// ---- sections ----

pub fn section(db: &Db, id: i64) -> Result<Option<Section>> {
    Ok(db.query_opt(
        "SELECT * FROM hc_sections WHERE id = ?",
        &[id.into()],
        Section::from_row,
    )?)
}

pub fn list_sections(
    db: &Db,
    locale: Option<&str>,
    category_id: Option<i64>,
    sort: Sort,
    offset: i64,
    limit: i64,
) -> Result<Listed<Section>> {
    let (mut filter, mut params) = locale_filter("s", locale);
    if let Some(category_id) = category_id {
        filter.push_str(if filter.is_empty() { "WHERE" } else { " AND" });
        filter.push_str(" s.category_id = ?");
        params.push(category_id.into());
    }
    let items = db.query(
        &format!(
            "SELECT s.* FROM hc_sections s {filter} ORDER BY {} LIMIT ? OFFSET ?",
            sort.order_by("s", false)
        ),
        &[params.clone(), vec![limit.into(), offset.into()]].concat(),
        Section::from_row,
    )?;
    let count = db
        .query_i64(
            &format!("SELECT count(*) FROM hc_sections s {filter}"),
            &params,
        )?
        .unwrap_or(0);
    Ok(Listed { items, count })
}

pub fn insert_section(db: &Db, s: &Section) -> Result<i64> {
    let id = db.query_i64(
        "INSERT INTO hc_sections (category_id, name, description, locale, source_locale, \
         position, sorting, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        &[
            s.category_id.into(),
            s.name.clone().into(),
            s.description.clone().into(),
            s.locale.clone().into(),
            s.source_locale.clone().into(),
            s.position.into(),
            s.sorting.clone().into(),
            s.created_at.into(),
            s.updated_at.into(),
        ],
    )?;
    id.ok_or_else(|| Error::corrupt("insert returned no id"))
}

pub fn update_section(db: &Db, s: &Section) -> Result<()> {
    db.execute(
        "UPDATE hc_sections SET category_id = ?, name = ?, description = ?, position = ?, \
         updated_at = ? WHERE id = ?",
        &[
            s.category_id.into(),
            s.name.clone().into(),
            s.description.clone().into(),
            s.position.into(),
            s.updated_at.into(),
            s.id.into(),
        ],
    )?;
    Ok(())
}

/// Deletes a section with its articles (a cascade), and takes those articles out of the index.
/// Deletes the section with its articles (CASCADE): `None` when there is no such section, else
/// the ids of the articles deleted with it (see [`delete_category`]).
pub fn delete_section(db: &Db, id: i64) -> Result<Option<Vec<i64>>> {
    let articles = db.query(
        "SELECT id FROM hc_articles WHERE section_id = ?",
        &[id.into()],
        |r| r.i64("id"),
    )?;
    let deleted = db.query_i64(
        "DELETE FROM hc_sections WHERE id = ? RETURNING id",
        &[id.into()],
    )?;
    index::remove_orphans(db)?;
    Ok(deleted.map(|_| articles))
}

// ---- articles ----

/// Which articles a list shows.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter<'a> {
    pub locale: Option<&'a str>,
    pub section_id: Option<i64>,
    pub category_id: Option<i64>,
    /// Staff see drafts; everyone else sees published articles only.
    pub include_drafts: bool,
}

pub fn list_articles(
    db: &Db,
    filter: &ArticleFilter,
    sort: Sort,
    offset: i64,
    limit: i64,
) -> Result<Listed<Article>> {
    let mut clauses: Vec<&str> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    if let Some(locale) = filter.locale {
        clauses.push("a.locale = ?");
        params.push(locale.into());
    }
    if let Some(section_id) = filter.section_id {
        clauses.push("a.section_id = ?");
        params.push(section_id.into());
    }
    if let Some(category_id) = filter.category_id {
        clauses.push("a.section_id IN (SELECT id FROM hc_sections WHERE category_id = ?)");
        params.push(category_id.into());
    }
    if !filter.include_drafts {
        clauses.push("a.draft = 0");
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let items = db.query(
        &format!(
            "SELECT {ARTICLE_COLUMNS} FROM hc_articles a {filter} ORDER BY {} LIMIT ? OFFSET ?",
            sort.order_by("a", true)
        ),
        &[params.clone(), vec![limit.into(), offset.into()]].concat(),
        Article::from_row,
    )?;
    let count = db
        .query_i64(
            &format!("SELECT count(*) FROM hc_articles a {filter}"),
            &params,
        )?
        .unwrap_or(0);
    Ok(Listed { items, count })
}

/// The first `per_section` published articles of each of `section_ids` in `sort` order, each
/// with the number of published articles in its section; one statement for all sections (a
/// page listing many sections would otherwise make two round trips per section).
pub fn first_articles(
    db: &Db,
    section_ids: &[i64],
    sort: Sort,
    per_section: i64,
) -> Result<Vec<(Article, i64)>> {
    if section_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = serde_json::to_string(section_ids).unwrap_or_else(|_| "[]".into());
    Ok(db.query(
        &format!(
            "SELECT * FROM (SELECT {ARTICLE_COLUMNS}, \
             row_number() OVER (PARTITION BY a.section_id ORDER BY {}) AS n, \
             count(*) OVER (PARTITION BY a.section_id) AS in_section \
             FROM hc_articles a WHERE a.draft = 0 \
             AND a.section_id IN (SELECT value FROM json_each(?))) \
             WHERE n <= ? ORDER BY section_id, n",
            sort.order_by("a", true)
        ),
        &[ids.into(), per_section.into()],
        |r| Ok((Article::from_row(r)?, r.i64("in_section")?)),
    )?)
}

/// The locale with the most published articles (ties: the first by name), `None` when
/// nothing is published. From the counts the database keeps (`database.rs`, version 4): one
/// row per language, not one per article.
pub fn busiest_locale(db: &Db) -> Result<Option<String>> {
    Ok(db.query_opt(
        "SELECT locale FROM hc_published_counts WHERE articles > 0 \
         ORDER BY articles DESC, locale LIMIT 1",
        &[],
        |r| r.string("locale"),
    )?)
}

/// The help center's locale for a browser's language `tag` (lower case, `ko-kr`): the tag
/// itself, else its language (`ko`), else the first of that language's locales (`en` or
/// `en-gb` → `en-us`), if the help center has anything in one of them. Index seeks only.
pub fn locale_for_tag(db: &Db, tag: &str) -> Result<Option<String>> {
    let language = tag.split('-').next().unwrap_or(tag);
    // `ko` is its own language: looked up once.
    let exact = if language == tag {
        &[tag][..]
    } else {
        &[tag, language][..]
    };
    for &exact in exact {
        if has_locale(db, exact)? {
            return Ok(Some(exact.to_owned()));
        }
    }
    // `en-...`: `.` sorts right after `-`.
    let (from, to) = (format!("{language}-"), format!("{language}."));
    Ok(db.query_opt(
        "SELECT min(locale) AS locale FROM ( \
         SELECT min(locale) AS locale FROM hc_categories WHERE locale > ?1 AND locale < ?2 \
         UNION ALL SELECT min(locale) FROM hc_sections WHERE locale > ?1 AND locale < ?2 \
         UNION ALL SELECT min(locale) FROM hc_articles WHERE draft = 0 AND locale > ?1 AND locale < ?2)",
        &[from.into(), to.into()],
        |r| r.opt_string("locale"),
    )?
    .flatten())
}

/// Whether the help center has anything in `locale`: a category, a section or a published
/// article.
pub fn has_locale(db: &Db, locale: &str) -> Result<bool> {
    Ok(db
        .query_i64(
            "SELECT EXISTS (SELECT 1 FROM hc_categories WHERE locale = ?) \
             OR EXISTS (SELECT 1 FROM hc_sections WHERE locale = ?) \
             OR EXISTS (SELECT 1 FROM hc_articles WHERE locale = ? AND draft = 0)",
            &[locale.into(), locale.into(), locale.into()],
        )?
        .unwrap_or(0)
        != 0)
}

/// Inserts the article (its id is ignored) and indexes it; returns the new id.
pub fn insert_article(db: &Db, a: &Article) -> Result<i64> {
    let id = db
        .query_i64(
            "INSERT INTO hc_articles (section_id, author_id, title, body, body_text, locale, \
             source_locale, label_names, draft, promoted, position, comments_disabled, \
             permission_group_id, user_segment_id, created_at, updated_at, edited_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &a.params(),
        )?
        .ok_or_else(|| Error::corrupt("insert returned no id"))?;
    write_labels(db, id, &a.label_names)?;
    index::sync(db, &Article { id, ..a.clone() })?;
    Ok(id)
}

/// Saves every field of the article and brings the index in line with it.
pub fn update_article(db: &Db, a: &Article) -> Result<()> {
    let mut params = a.params();
    params.push(a.id.into());
    db.execute(
        "UPDATE hc_articles SET section_id = ?, author_id = ?, title = ?, body = ?, \
         body_text = ?, locale = ?, source_locale = ?, label_names = ?, draft = ?, \
         promoted = ?, position = ?, comments_disabled = ?, permission_group_id = ?, \
         user_segment_id = ?, created_at = ?, updated_at = ?, edited_at = ? WHERE id = ?",
        &params,
    )?;
    db.execute(
        "DELETE FROM hc_article_labels WHERE article_id = ?",
        &[a.id.into()],
    )?;
    write_labels(db, a.id, &a.label_names)?;
    Ok(index::sync(db, a)?)
}

/// Deletes the article and takes it out of the index.
pub fn delete_article(db: &Db, id: i64) -> Result<bool> {
    let deleted = db.query_i64(
        "DELETE FROM hc_articles WHERE id = ? RETURNING id",
        &[id.into()],
    )?;
    index::unindex(db, id)?;
    Ok(deleted.is_some())
}

fn write_labels(db: &Db, id: i64, labels: &[String]) -> Result<()> {
    for label in labels {
        db.execute(
            "INSERT INTO hc_article_labels (article_id, name) VALUES (?, ?) \
             ON CONFLICT DO NOTHING",
            &[id.into(), label.clone().into()],
        )?;
    }
    Ok(())
}

fn locale_filter(alias: &str, locale: Option<&str>) -> (String, Vec<Value>) {
    match locale {
        Some(locale) => (format!("WHERE {alias}.locale = ?"), vec![locale.into()]),
        None => (String::new(), Vec::new()),
    }
}
