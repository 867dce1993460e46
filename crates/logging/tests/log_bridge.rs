//! The `log` crate bridge (`log::set_logger` is process-global: one test) and the `tracing` one.

use core_logging::{LoggingConfig, LoggingError, LoggingService};
use serde_json::json;

#[test]
fn log_records_reach_the_configured_appenders_under_their_target() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kibana.log");
    let config = |root_level: &str| -> LoggingConfig {
        serde_json::from_value(json!({
            "appenders": { "file": { "kind": "file", "path": path, "layout": { "kind": "pattern", "pattern": "[{level}][{context}] {message}" } } },
            "root": { "level": root_level, "appenders": ["file"] },
            "loggers": [{ "context": "actix_server", "level": "warn" }],
        }))
        .unwrap()
    };
    let logging = LoggingService::new();
    logging.install_log_bridge().unwrap();
    // Before any config everything is buffered, so `log` lets everything through.
    assert_eq!(log::max_level(), log::LevelFilter::Trace);
    log::debug!(target: "reqwest::connect", "buffered debug");
    log::info!(target: "reqwest::connect", "buffered info");

    logging.upgrade(config("info")).unwrap();
    assert_eq!(log::max_level(), log::LevelFilter::Info);
    log::info!(target: "actix_server::worker", "dropped: actix_server is at warn");
    log::warn!(target: "actix_server::worker", "worker {} stopped", 3);
    log::debug!(target: "reqwest::connect", "dropped by log's max level");
    assert!(!log::log_enabled!(target: "actix_server::worker", log::Level::Info));
    assert!(log::log_enabled!(target: "reqwest::connect", log::Level::Info));

    logging.upgrade(config("trace")).unwrap();
    assert_eq!(log::max_level(), log::LevelFilter::Trace);
    log::trace!(target: "reqwest::connect", "now visible");
    log::error!("no explicit target: the module path is the target");

    assert!(matches!(
        logging.install_log_bridge(),
        Err(LoggingError::LogBridgeAlreadyInstalled)
    ));
    logging.stop();
    assert_eq!(log::max_level(), log::LevelFilter::Off);
    assert_eq!(
        std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .collect::<Vec<_>>(),
        [
            "[INFO ][reqwest.connect] buffered info",
            "[WARN ][actix_server.worker] worker 3 stopped",
            "[TRACE][reqwest.connect] now visible",
            "[ERROR][log_bridge] no explicit target: the module path is the target",
        ]
    );
}

/// `TracingEvents` decides per callsite from the levels, and decides again when they change.
/// A scoped default subscriber, so this test shares nothing process-wide with the one above.
#[test]
fn tracing_events_follow_the_levels_as_they_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kibana.log");
    let config = |root_level: &str| -> LoggingConfig {
        serde_json::from_value(json!({
            "appenders": { "file": { "kind": "file", "path": path, "layout": { "kind": "pattern", "pattern": "[{level}][{context}] {message}" } } },
            "root": { "level": root_level, "appenders": ["file"] },
        }))
        .unwrap()
    };
    let logging = LoggingService::new();
    logging.upgrade(config("info")).unwrap();
    let events = core_logging::TracingEvents::new(logging.logger_factory());
    tracing::subscriber::with_default(events, || {
        let debug = || tracing::debug!(target: "some_lib::conn", "debug event");
        debug();
        assert!(!tracing::enabled!(target: "some_lib::conn", tracing::Level::DEBUG));
        logging.upgrade(config("debug")).unwrap();
        assert!(tracing::enabled!(target: "some_lib::conn", tracing::Level::DEBUG));
        debug();
        logging.upgrade(config("info")).unwrap();
        debug();
    });
    logging.stop();
    assert_eq!(
        std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .collect::<Vec<_>>(),
        ["[DEBUG][some_lib.conn] debug event"]
    );
}
