//! The public Help Center website under `/hc/`: the pages customers open from the bot's
//! article links and from search engines, server-rendered HTML (Zendesk's page addresses; see
//! [`paths`]). Published content only, the same for everyone: credentials are ignored, so a
//! draft is a 404 here even for staff, and pages may be cached by shared caches.
//!
//! The `help-center` surface ([`crate::api::help_center`]) serves these pages beside the API,
//! whose `html_url`s point here. Routes, status codes and caching are documented in
//! `docs/help-center.md` ("Public pages").

mod labels;
mod pages;
pub mod paths;
mod theme;

pub use pages::{handle, serves};
