//! One module per HTTP surface (Spin component).
pub mod admin;
pub mod bot;
pub mod channels;
pub mod commit;
pub mod conversations;
pub mod help_center;
pub mod tickets;
pub mod widget;

use crate::ports::Env;
use crate::store::{ensure_schema, Db};
use crate::surface::Surface;
use crate::web::ApiError;

/// The request's database, migrated to the latest schema.
pub fn database<'a>(env: &Env<'a>) -> Result<Db<'a>, ApiError> {
    let db = Db::new(env.sql);
    ensure_schema(&db, env.clock.now_ms())?;
    Ok(db)
}

/// The core's surfaces, in the order `spin.toml` lists the components (the `static-site`
/// surface, which owns the browser pages, is in the `spindesk-static` crate).
pub const SURFACES: &[Surface] = &[
    widget::SURFACE,
    channels::SURFACE,
    bot::SURFACE,
    help_center::SURFACE,
    tickets::SURFACE,
    conversations::SURFACE,
    admin::SURFACE,
];

/// The surface of component `component`.
pub fn surface(component: &str) -> Option<&'static Surface> {
    SURFACES.iter().find(|s| s.component == component)
}
