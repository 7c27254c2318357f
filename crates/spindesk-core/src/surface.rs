//! The HTTP surfaces: one per Spin component. `spin.toml` maps each component id here to a
//! `components/<id>` crate whose only job is to call [`Surface::handle`] with Spin's ports.

use crate::ports::Env;

pub type Request = http::Request<Vec<u8>>;
pub type Response = http::Response<Vec<u8>>;

/// What a surface may touch. Tests run every handler with ports that refuse anything not listed
/// here, and a test checks that `spin.toml` grants exactly this to the component.
#[derive(Debug, Clone, Copy)]
pub struct Uses {
    pub sqlite: bool,
    pub key_value: bool,
    pub variables: &'static [&'static str],
    pub outbound: bool,
}

#[derive(Clone, Copy)]
pub struct Surface {
    /// The component id in `spin.toml`.
    pub component: &'static str,
    pub handle: fn(&Env, Request) -> Response,
    pub uses: Uses,
}

/// Every surface, in the order `spin.toml` lists the components.
pub const SURFACES: &[Surface] = &[
    crate::api::widget::SURFACE,
    crate::api::channels::SURFACE,
    crate::api::bot::SURFACE,
    crate::api::help_center::SURFACE,
    crate::api::tickets::SURFACE,
    crate::api::conversations::SURFACE,
    crate::api::admin::SURFACE,
];

pub fn surface(component: &str) -> Option<&'static Surface> {
    SURFACES.iter().find(|s| s.component == component)
}
