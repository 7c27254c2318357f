//! An article as stored: its fields, its columns and reading one by id. Both the catalog
//! (which writes articles and keeps the index in step) and the search index (which reads
//! articles back when it catches up) need it, so it sits below both.

use crate::ports::{Millis, SqlError, Value};
use crate::store::{Db, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: i64,
    pub section_id: i64,
    pub author_id: Option<i64>,
    pub title: String,
    /// HTML as written.
    pub body: String,
    pub locale: String,
    pub source_locale: String,
    pub label_names: Vec<String>,
    pub draft: bool,
    pub promoted: bool,
    pub position: i64,
    pub comments_disabled: bool,
    pub permission_group_id: Option<i64>,
    pub user_segment_id: Option<i64>,
    pub vote_sum: i64,
    pub vote_count: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub edited_at: Millis,
}

/// The article columns, for `SELECT`s over `hc_articles a`.
pub const ARTICLE_COLUMNS: &str = "a.id, a.section_id, a.author_id, a.title, a.body, a.locale, \
    a.source_locale, a.label_names, a.draft, a.promoted, a.position, a.comments_disabled, \
    a.permission_group_id, a.user_segment_id, a.vote_sum, a.vote_count, a.created_at, \
    a.updated_at, a.edited_at";

impl Article {
    pub fn from_row(r: &Row) -> Result<Self, SqlError> {
        Ok(Article {
            id: r.i64("id")?,
            section_id: r.i64("section_id")?,
            author_id: r.opt_i64("author_id")?,
            title: r.string("title")?,
            body: r.string("body")?,
            locale: r.string("locale")?,
            source_locale: r.string("source_locale")?,
            label_names: serde_json::from_str(&r.string("label_names")?).unwrap_or_default(),
            draft: r.bool("draft")?,
            promoted: r.bool("promoted")?,
            position: r.i64("position")?,
            comments_disabled: r.bool("comments_disabled")?,
            permission_group_id: r.opt_i64("permission_group_id")?,
            user_segment_id: r.opt_i64("user_segment_id")?,
            vote_sum: r.i64("vote_sum")?,
            vote_count: r.i64("vote_count")?,
            created_at: r.i64("created_at")?,
            updated_at: r.i64("updated_at")?,
            edited_at: r.i64("edited_at")?,
        })
    }

    /// The values for `INSERT`/`UPDATE`, in the order the catalog's statements name the
    /// columns.
    pub(super) fn params(&self) -> Vec<Value> {
        vec![
            self.section_id.into(),
            self.author_id.into(),
            self.title.clone().into(),
            self.body.clone().into(),
            crate::html::to_text(&self.body).into(),
            self.locale.clone().into(),
            self.source_locale.clone().into(),
            serde_json::to_string(&self.label_names)
                .unwrap_or_else(|_| "[]".into())
                .into(),
            self.draft.into(),
            self.promoted.into(),
            self.position.into(),
            self.comments_disabled.into(),
            self.permission_group_id.into(),
            self.user_segment_id.into(),
            self.created_at.into(),
            self.updated_at.into(),
            self.edited_at.into(),
        ]
    }
}

pub fn by_id(db: &Db, id: i64) -> Result<Option<Article>, SqlError> {
    db.query_opt(
        &format!("SELECT {ARTICLE_COLUMNS} FROM hc_articles a WHERE a.id = ?"),
        &[id.into()],
        Article::from_row,
    )
}
