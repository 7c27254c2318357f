//! End-to-end tests: HTTP requests through the same handlers the Spin components call, with
//! native ports, asserting responses and stored state.

mod admin;
mod architecture;
mod bot_api;
mod bot_api_calls;
mod bot_articles;
mod bot_demo;
mod bot_engine;
mod bot_everywhere;
mod bot_settings;
mod channels;
mod channels_admin;
mod channels_outbox;
mod channels_races;
mod channels_sealed;
mod conversations_api;
mod desk_api;
mod desk_clients;
mod desk_csat;
mod desk_macros;
mod desk_people;
mod desk_reports;
mod desk_routing;
mod desk_search;
mod desk_search_facets;
mod desk_views;
mod help_center_api;
mod help_center_pages;
mod help_center_relevance;
mod spin_manifest;
mod static_site;
mod storage;
mod tickets;
mod widget;
mod widget_live;
mod widget_races;
