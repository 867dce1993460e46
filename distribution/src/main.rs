//! `core-server`: the server with the example plugins. Run `core-server --help` for the flags.

use std::process::ExitCode;

use core_server::PluginRegistration;

/// The plugins this distribution ships, listed explicitly (no link-time collection).
fn registrations() -> Vec<PluginRegistration> {
    vec![
        example_greeting_plugin::registration(),
        example_search_plugin::registration(),
        example_session_auth_plugin::registration(),
    ]
}

fn main() -> ExitCode {
    core_server::cli::run(std::env::args_os(), registrations)
}
