//! What an HTTP surface is: one per Spin component. `spin.toml` maps each component id to a
//! `components/<id>` crate whose only job is to call [`Surface::handle`] with Spin's ports.
//! The surfaces themselves live in [`crate::api`], which lists them ([`crate::api::SURFACES`]).

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
    /// Runs the bot, so `spin.toml` gives it the `spindesk:bot/actions` dependency.
    pub actions: bool,
}

#[derive(Clone, Copy)]
pub struct Surface {
    /// The component id in `spin.toml`.
    pub component: &'static str,
    pub handle: fn(&Env, Request) -> Response,
    pub uses: Uses,
}
