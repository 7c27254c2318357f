//! One module per HTTP surface (Spin component).
pub mod activity;
pub mod admin;
pub mod bot;
pub mod channels;
pub mod commit;
pub mod conversations;
pub mod files;
pub mod help_center;
pub mod integrations_v2;
pub mod live;
pub mod reports;
pub mod search;
pub mod tickets;
pub mod widget;

use crate::surface::Surface;

/// The core's surfaces, in the order `spin.toml` lists the components (the `static-site`
/// surface, which owns the browser pages, is in the `spindesk-static` crate).
pub const SURFACES: &[Surface] = &[
    widget::SURFACE,
    channels::SURFACE,
    bot::SURFACE,
    help_center::SURFACE,
    tickets::SURFACE,
    search::SURFACE,
    conversations::SURFACE,
    admin::SURFACE,
    reports::SURFACE,
    live::SURFACE,
    files::SURFACE,
];

/// The surface of component `component`.
pub fn surface(component: &str) -> Option<&'static Surface> {
    SURFACES.iter().find(|s| s.component == component)
}
