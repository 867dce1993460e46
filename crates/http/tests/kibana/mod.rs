//! Kibana's own HTTP test cases (7.2–7.6), ported one by one: one Rust test per Kibana case,
//! named after its title, with the Kibana file named at the top of each module. Cases the Rust
//! API cannot express, deliberate deviations and cases that need features this crate does not
//! have yet are listed in the crate README.

mod base_path_service;
mod cookie_session_storage;
mod http_config;
mod http_server;
mod lifecycle;
mod lifecycle_handlers;
mod router;
