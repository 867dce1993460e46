//! The logging service end to end: real files in temporary directories, real threads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use core_logging::{LogLevel, LogMeta, LoggingConfig, LoggingError, LoggingService};
use serde_json::json;

/// A config whose root writes `[{level}][{context}] {message}` lines to `path` at `level`.
fn file_config(path: &Path, level: &str) -> LoggingConfig {
    config(json!({
        "appenders": { "file": { "kind": "file", "path": path, "layout": { "kind": "pattern", "pattern": "[{level}][{context}] {message}" } } },
        "root": { "level": level, "appenders": ["file"] },
    }))
}

fn config(value: serde_json::Value) -> LoggingConfig {
    serde_json::from_value(value).unwrap()
}

fn lines(path: &Path) -> Vec<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => text.lines().map(str::to_owned).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

fn temp_file(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[test]
fn records_before_the_first_config_are_buffered_then_filtered_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "kibana.log");
    let logging = LoggingService::new();
    let logger = logging.logger_factory().get(&["server"]);
    // Before any config every level is accepted: the config decides later.
    assert!(logger.is_enabled(LogLevel::Trace));
    logger.trace("early trace");
    logger.info("early info");
    logger.warn("early warn");
    logging.upgrade(file_config(&path, "info")).unwrap();
    assert!(!logger.is_enabled(LogLevel::Debug));
    logger.info("configured");
    logging.stop();
    assert_eq!(
        lines(&path),
        [
            "[INFO ][server] early info",
            "[WARN ][server] early warn",
            "[INFO ][server] configured"
        ]
    );
}

#[test]
fn buffer_overflow_is_counted_and_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "kibana.log");
    let logging = LoggingService::new();
    let logger = logging.logger_factory().get(&["boot"]);
    for i in 0..10_005 {
        logger.info(i);
    }
    logging.upgrade(file_config(&path, "info")).unwrap();
    logging.stop();
    let lines = lines(&path);
    assert_eq!(lines.len(), 10_001);
    assert_eq!(lines[0], "[INFO ][boot] 0");
    assert_eq!(lines[9_999], "[INFO ][boot] 9999");
    assert_eq!(
        lines[10_000],
        "[WARN ][logging] 5 log records emitted before logging was configured were dropped: at most 10000 are buffered"
    );
}

#[test]
fn contexts_inherit_levels_and_appenders_through_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let (root_log, plugins_log) = (temp_file(&dir, "root.log"), temp_file(&dir, "plugins.log"));
    let pattern = json!({ "kind": "pattern", "pattern": "[{level}][{context}] {message}" });
    let logging = LoggingService::new();
    logging
        .upgrade(config(json!({
            "appenders": {
                "root": { "kind": "file", "path": root_log, "layout": pattern },
                "plugins": { "kind": "file", "path": plugins_log, "layout": pattern },
            },
            "root": { "level": "warn", "appenders": ["root"] },
            "loggers": [
                { "context": "plugins", "level": "debug", "appenders": ["plugins"] },
                { "context": "plugins.quiet", "level": "error" },
                { "context": "silent", "level": "off" },
                { "context": "chatty", "level": "all" },
            ],
        })))
        .unwrap();
    let factory = logging.logger_factory();
    let plugin = factory.prefixed(&["plugins", "myPlugin"]);
    plugin.get(&[]).debug("plugin debug");
    plugin
        .get(&["routes"])
        .trace("dropped: plugins is at debug");
    factory
        .get(&["plugins", "quiet", "x"])
        .warn("dropped: plugins.quiet is at error");
    factory.get(&["plugins", "quiet", "x"]).error("quiet error");
    factory.get(&["server"]).info("dropped: root is at warn");
    factory.get(&["server"]).warn("server warn");
    factory.get(&["silent", "x"]).fatal("dropped: off");
    factory.get(&["chatty"]).trace("chatty trace");
    assert!(!factory.get(&["silent"]).is_enabled(LogLevel::Fatal));
    logging.stop();
    assert_eq!(
        lines(&root_log),
        [
            "[WARN ][server] server warn",
            "[TRACE][chatty] chatty trace"
        ]
    );
    assert_eq!(
        lines(&plugins_log),
        [
            "[DEBUG][plugins.myPlugin] plugin debug",
            "[ERROR][plugins.quiet.x] quiet error"
        ]
    );
}

#[test]
fn loggers_handed_out_earlier_follow_a_new_config() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (temp_file(&dir, "first.log"), temp_file(&dir, "second.log"));
    let logging = LoggingService::new();
    let logger = logging.logger_factory().get(&["http"]);
    logging.upgrade(file_config(&first, "info")).unwrap();
    logger.debug("dropped");
    logger.info("to first");
    logging.upgrade(file_config(&second, "debug")).unwrap();
    assert!(logger.is_enabled(LogLevel::Debug));
    logger.debug("to second");
    logging.stop();
    assert_eq!(lines(&first), ["[INFO ][http] to first"]);
    assert_eq!(lines(&second), ["[DEBUG][http] to second"]);
}

#[test]
fn json_layout_writes_one_object_per_line_with_errors_and_meta() {
    #[derive(Debug, thiserror::Error)]
    #[error("cannot bind")]
    struct BindError(#[source] std::io::Error);

    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "kibana.json");
    let logging = LoggingService::new();
    logging
        .upgrade(config(json!({
            "appenders": { "json": { "kind": "file", "path": path, "layout": { "kind": "json" } } },
            "root": { "appenders": ["json"] },
        })))
        .unwrap();
    let logger = logging.logger_factory().get(&["server", "http"]);
    logger.info_with("listening", LogMeta::new().with("port", 5601));
    logger.error_err(&BindError(std::io::Error::new(
        std::io::ErrorKind::AddrInUse,
        "address in use",
    )));
    logging.stop();
    let records: Vec<serde_json::Value> = lines(&path)
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["level"], "INFO");
    assert_eq!(records[0]["context"], "server.http");
    assert_eq!(records[0]["message"], "listening");
    assert_eq!(records[0]["meta"], json!({ "port": 5601 }));
    assert_eq!(records[0]["pid"], std::process::id());
    assert!(records[0].get("error").is_none());
    assert_eq!(records[1]["message"], "cannot bind");
    assert_eq!(records[1]["error"]["message"], "cannot bind");
    assert!(
        records[1]["error"]["name"]
            .as_str()
            .unwrap()
            .ends_with("BindError")
    );
    assert_eq!(
        records[1]["error"]["stack"],
        "cannot bind\n    caused by: address in use"
    );
    let timestamp = records[1]["@timestamp"].as_str().unwrap();
    assert_eq!(
        (timestamp.len(), &timestamp[10..11], &timestamp[23..]),
        (24, "T", "Z"),
        "{timestamp}"
    );
}

#[test]
fn a_missing_directory_is_an_error_naming_appender_and_path_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = temp_file(&dir, "good.log");
    let missing = dir.path().join("no-such-dir").join("kibana.log");
    let logging = LoggingService::new();
    logging.upgrade(file_config(&good, "info")).unwrap();
    let error = logging.upgrade(file_config(&missing, "info")).unwrap_err();
    assert!(
        matches!(&error, LoggingError::OpenFile { appender, path, .. } if appender == "file" && path == &missing)
    );
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "appender \"file\" cannot open log file {}: ",
            missing.display()
        )),
        "{message}"
    );
    logging
        .logger_factory()
        .get(&[])
        .info("still on the old config");
    logging.stop();
    assert_eq!(lines(&good), ["[INFO ][root] still on the old config"]);
    assert!(!missing.exists());
}

#[test]
fn invalid_config_is_rejected_with_its_key_path() {
    let logging = LoggingService::new();
    let error = logging
        .upgrade(config(json!({ "loggers": [{ "context": "plugins", "appenders": ["default"] }, { "context": "x", "appenders": ["file"] }] })))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "[logging.loggers[1].appenders]: Logger \"x\" contains unsupported appender key \"file\"."
    );
}

#[test]
fn stop_is_idempotent_and_final() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "kibana.log");
    let logging = LoggingService::new();
    let logger = logging.logger_factory().get(&["x"]);
    logging.upgrade(file_config(&path, "info")).unwrap();
    logger.info("before stop");
    logging.stop();
    logging.stop();
    assert!(!logger.is_enabled(LogLevel::Fatal));
    logger.fatal("after stop: discarded");
    assert!(matches!(
        logging.upgrade(file_config(&path, "info")),
        Err(LoggingError::Stopped)
    ));
    drop(logging);
    assert_eq!(lines(&path), ["[INFO ][x] before stop"]);
}

/// Several threads log numbered records (`<thread> <i>`) while `during` runs on this thread.
fn log_from_threads(
    logging: &LoggingService,
    threads: usize,
    per_thread: usize,
    during: impl FnOnce(),
) {
    let factory = logging.logger_factory();
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let logger = factory.get(&["load", &format!("t{thread}")]);
            scope.spawn(move || {
                for i in 0..per_thread {
                    logger.info(format_args!("{thread} {i}"));
                }
            });
        }
        during();
    });
}

/// Checks that each thread's records are all there, once each, in the order logged.
fn assert_complete(lines: &[String], threads: usize, per_thread: usize) {
    assert_eq!(lines.len(), threads * per_thread);
    let mut next: HashMap<usize, usize> = HashMap::new();
    for line in lines {
        let (_, numbers) = line.split_once("] ").unwrap();
        let (thread, i) = numbers.split_once(' ').unwrap();
        let (thread, i): (usize, usize) = (thread.parse().unwrap(), i.parse().unwrap());
        let expected = next.entry(thread).or_default();
        assert_eq!(
            i, *expected,
            "thread {thread} out of order or lost a record"
        );
        *expected += 1;
    }
    assert!((0..threads).all(|thread| next.get(&thread) == Some(&per_thread)));
}

#[test]
fn stop_writes_every_record_from_many_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "kibana.log");
    let logging = LoggingService::new();
    logging.upgrade(file_config(&path, "info")).unwrap();
    log_from_threads(&logging, 4, 25_000, || {});
    logging.stop();
    assert_complete(&lines(&path), 4, 25_000);
}

#[test]
fn reconfiguring_mid_stream_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = (0..3)
        .map(|i| temp_file(&dir, &format!("part{i}.log")))
        .collect();
    let logging = LoggingService::new();
    logging.upgrade(file_config(&files[0], "info")).unwrap();
    log_from_threads(&logging, 3, 20_000, || {
        // Switch files while the threads log, including back to files already written.
        for round in 1..=100 {
            logging
                .upgrade(file_config(&files[round % files.len()], "info"))
                .unwrap();
            std::thread::yield_now();
        }
    });
    logging.stop();
    let mut all: Vec<String> = files.iter().flat_map(|file| lines(file)).collect();
    // Which file a record lands in depends on timing; each record exactly once is what matters.
    all.sort_by_key(|line| {
        let (_, numbers) = line.split_once("] ").unwrap();
        let (thread, i) = numbers.split_once(' ').unwrap();
        (
            thread.parse::<usize>().unwrap(),
            i.parse::<usize>().unwrap(),
        )
    });
    assert_complete(&all, 3, 20_000);
}
