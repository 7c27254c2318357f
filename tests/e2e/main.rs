//! End-to-end tests.
mod bot_engine;
