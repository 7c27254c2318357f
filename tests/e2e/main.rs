//! End-to-end tests.

mod static_site;
