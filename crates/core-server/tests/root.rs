//! `Root` turns a failed setup into one fatal line, an orderly shutdown and the on-shutdown
//! callback, and routes libraries' `log` records and `tracing` events into the platform's
//! appenders. `Root` installs process-wide hooks: each test here needs its own process, as
//! nextest runs them.

use std::sync::{Arc, Mutex};

use core_config::ConfigService;
use core_logging::LoggingService;
use core_server::runtime::Root;
use serde_json::json;

#[tokio::test]
async fn a_failed_setup_logs_one_fatal_line_and_calls_on_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let log_file = dir.path().join("server.log");
    let config = ConfigService::from_value(
        json!({
            "server": { "host": "127.0.0.1", "port": 0 },
            "logging": {
                "appenders": { "file": { "kind": "file", "path": log_file, "layout": { "kind": "pattern", "pattern": "[{level}][{context}] {message}" } } },
                "root": { "appenders": ["file"], "level": "info" },
            },
            "greeting": { "word": "unused" },
        }),
        core_config::testing::test_env(),
    )
    .unwrap();
    let reasons = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&reasons);
    let mut root = Root::new(config, LoggingService::new(), Vec::new())
        .on_shutdown(move |reason| seen.lock().unwrap().push(reason.map(ToString::to_string)));

    let error = root.setup().await.unwrap_err();
    let expected = "Unknown configuration key(s): \"greeting.word\". Check for spelling errors and ensure that expected plugins are installed.";
    assert_eq!(error.to_string(), expected);
    assert_eq!(*reasons.lock().unwrap(), [Some(expected.to_owned())]);

    let text = std::fs::read_to_string(&log_file).unwrap();
    let fatal: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("[FATAL]"))
        .collect();
    assert_eq!(fatal, [format!("[FATAL][root] {expected}")]);

    // Shutting down again does nothing (and does not call the callback twice).
    root.shutdown(None).await;
    assert_eq!(reasons.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn libraries_tracing_events_reach_the_appenders_of_their_target() {
    let dir = tempfile::tempdir().unwrap();
    let log_file = dir.path().join("server.log");
    let config = ConfigService::from_value(
        json!({
            "server": { "host": "127.0.0.1", "port": 0 },
            "elasticsearch": { "healthCheck": { "delay": "1h" } },
            "path": { "data": dir.path().join("data") },
            "logging": {
                "appenders": { "file": { "kind": "file", "path": log_file, "layout": { "kind": "pattern", "pattern": "[{level}][{context}] {message}" } } },
                "root": { "appenders": ["file"], "level": "info" },
            },
        }),
        core_config::testing::test_env(),
    )
    .unwrap();
    let mut root = Root::new(config, LoggingService::new(), Vec::new());
    root.setup().await.expect("setup");
    tracing::warn!(target: "some_lib::conn", peer = 7, "connection dropped");
    tracing::debug!(target: "some_lib::conn", "below the level");
    root.shutdown(None).await;

    let text = std::fs::read_to_string(&log_file).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("some_lib"))
        .collect();
    assert_eq!(lines, ["[WARN ][some_lib.conn] connection dropped peer=7"]);
}
