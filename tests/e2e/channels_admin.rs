//! The channel integrations admin API.
