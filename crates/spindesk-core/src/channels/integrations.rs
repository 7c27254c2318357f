//! Channel integrations: stored per type with write-only credentials.
