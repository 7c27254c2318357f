//! What one schema version is (the versions themselves are `schema_vN.rs`).

/// One schema version: its statements run in order, in one transaction, exactly once.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub statements: &'static [&'static str],
}
