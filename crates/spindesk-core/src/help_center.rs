//! The help center: categories, sections and articles per locale (Zendesk Help Center's
//! model), their search index, search, and article suggestions for the bot.
//!
//! HTTP lives in `api::help_center` (the API) and `help_center_site` (the public pages); this
//! module takes a [`Db`](crate::store::Db) and plain values, so the bot calls
//! [`recommend::recommend`] directly.

pub mod article;
pub mod catalog;
pub mod database;
pub mod index;
pub mod language;
pub mod postings;
pub mod rank;
pub mod recommend;
pub mod search;
pub mod vocabulary;

pub use recommend::{recommend, recommend_for_reader, Recommendation};

/// Help-center locales are the one [`crate::locale::Locale`], written as Zendesk writes them
/// ([`Locale::as_str`]: `en-us`, `ko`).
pub use crate::locale::Locale;
