//! Integration tests of core-http over real HTTP (one binary; see `harness`).

#[path = "../auth/mod.rs"]
mod auth;
#[path = "../kibana/mod.rs"]
mod kibana;

mod base_path;
mod config_errors;
mod doubles;
mod errors;
mod harness;
mod lifecycle;
mod logging;
mod metrics;
mod paths;
mod payload;
mod protections;
mod routes;
mod tls;
mod validation;
