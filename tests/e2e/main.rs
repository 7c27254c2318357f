//! End-to-end tests.
mod spin_manifest;
