//! End-to-end tests.
mod help_center_api;
mod help_center_relevance;
