//! One module per HTTP surface (Spin component).
pub mod admin;
pub mod bot;
pub mod channels;
pub mod conversations;
pub mod help_center;
pub mod static_site;
pub mod tickets;
pub mod widget;
