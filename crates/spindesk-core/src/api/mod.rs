//! One module per HTTP surface (Spin component).
pub mod admin;
pub mod bot;
pub mod channels;
pub mod conversations;
pub mod help_center;
pub mod tickets;
pub mod widget;

use crate::ports::Env;
use crate::store::{ensure_schema, Db};
use crate::web::ApiError;

/// The request's database, migrated to the latest schema.
pub fn database<'a>(env: &Env<'a>) -> Result<Db<'a>, ApiError> {
    let db = Db::new(env.sql);
    ensure_schema(&db, env.clock.now_ms())?;
    Ok(db)
}
