//! `bookmarks-server`: the server with the greeting and bookmarks plugins.

use std::process::ExitCode;

fn main() -> ExitCode {
    core_server::cli::run(std::env::args_os(), || {
        vec![
            example_greeting_plugin::registration(),
            example_bookmarks_plugin::registration(),
        ]
    })
}
