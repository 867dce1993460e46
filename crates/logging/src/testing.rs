//! Test doubles for plugin authors and for the other core crates (feature `testing`).
//!
//! [`capturing_logger_factory`] gives a [`LoggerFactory`] whose loggers accept every level and
//! record synchronously into a shared buffer, so a test can assert on what was logged right
//! after the call, without a [`crate::LoggingService`] or any appender.
//!
//! ```
//! use core_logging::LogLevel;
//! let (factory, logs) = core_logging::testing::capturing_logger_factory();
//! factory.get(&["plugins"]).info(format_args!("Setting up [{}] plugins: [{}]", 2, "a, b"));
//! assert_eq!(logs.lines(), ["[info][plugins] Setting up [2] plugins: [a, b]"]);
//! assert_eq!(logs.messages_at(LogLevel::Info), ["Setting up [2] plugins: [a, b]"]);
//! ```

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use parking_lot::Mutex;
use slog::{Drain, OwnedKVList, Record};

use crate::logger::Core;
use crate::record::OwnedRecord;
use crate::{LogLevel, LogMeta, LoggerFactory};

/// One record captured by [`capturing_logger_factory`].
#[derive(Debug, Clone, PartialEq)]
pub struct CapturedRecord {
    /// The record's level.
    pub level: LogLevel,
    /// The logger's context, e.g. `plugins.myPlugin`.
    pub context: String,
    /// The formatted message.
    pub message: String,
    /// Metadata, when the record had any.
    pub meta: Option<LogMeta>,
    /// The error's message and its source chain (one `    caused by: ...` line per source),
    /// when an error value was logged.
    pub error: Option<String>,
}

impl From<OwnedRecord> for CapturedRecord {
    fn from(record: OwnedRecord) -> Self {
        let meta = record.meta_json.map(|json| {
            match serde_json::from_str::<serde_json::Map<_, _>>(&json) {
                Ok(map) => LogMeta::from(map),
                // Meta always arrives as a JSON object we serialized ourselves; keep the raw text otherwise.
                Err(_) => LogMeta::new().with("raw", json),
            }
        });
        CapturedRecord {
            level: record.level,
            context: record.context,
            message: record.message,
            meta,
            error: record.error.map(|error| error.stack),
        }
    }
}

/// The records captured so far; clones share the same buffer.
#[derive(Debug, Clone, Default)]
pub struct CapturedLogs {
    records: Arc<Mutex<Vec<CapturedRecord>>>,
}

impl CapturedLogs {
    /// Every record captured so far, in order.
    pub fn records(&self) -> Vec<CapturedRecord> {
        self.records.lock().clone()
    }

    /// Every record as one line `[level][context] message` (lowercase level), handy for
    /// snapshots.
    pub fn lines(&self) -> Vec<String> {
        self.records
            .lock()
            .iter()
            .map(|record| format!("[{}][{}] {}", record.level, record.context, record.message))
            .collect()
    }

    /// The messages captured at exactly `level`.
    ///
    /// # Arguments
    ///
    /// * `level` - the level the records must have; no higher or lower level matches.
    pub fn messages_at(&self, level: LogLevel) -> Vec<String> {
        self.records
            .lock()
            .iter()
            .filter(|record| record.level == level)
            .map(|record| record.message.clone())
            .collect()
    }

    /// Forgets everything captured so far.
    pub fn clear(&self) {
        self.records.lock().clear();
    }
}

/// A slog drain that decodes each record and appends it to a [`CapturedLogs`] buffer.
///
/// slog wants unwind-safe drains; a panic while pushing leaves the `Vec` valid, so asserting
/// unwind safety is sound.
struct CaptureDrain {
    logs: AssertUnwindSafe<CapturedLogs>,
}

impl Drain for CaptureDrain {
    type Ok = ();
    type Err = slog::Never;

    fn log(&self, record: &Record<'_>, values: &OwnedKVList) -> Result<(), slog::Never> {
        let owned = OwnedRecord::from_slog(record, values);
        self.logs.records.lock().push(owned.into());
        Ok(())
    }
}

/// A logger factory whose loggers accept every level and record into the returned buffer.
pub fn capturing_logger_factory() -> (LoggerFactory, CapturedLogs) {
    let logs = CapturedLogs::default();
    let root = slog::Logger::root(
        CaptureDrain {
            logs: AssertUnwindSafe(logs.clone()),
        },
        slog::o!(),
    );
    let core = Core::new(root, Arc::new(|_: &str| LogLevel::All), Default::default());
    (LoggerFactory::from_core(core), logs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("plugin failed")]
    struct PluginFailed(#[source] std::io::Error);

    #[test]
    fn captures_every_level_with_meta_and_errors() {
        let (factory, logs) = capturing_logger_factory();
        let logger = factory.prefixed(&["plugins", "x"]).get(&["sub"]);
        logger.trace("t");
        logger.debug("d");
        logger.info_with("i", LogMeta::new().with("n", 1));
        logger.warn_err(&PluginFailed(std::io::Error::other("disk full")));
        logger.error("e");
        logger.fatal("f");
        assert_eq!(
            logs.lines(),
            [
                "[trace][plugins.x.sub] t",
                "[debug][plugins.x.sub] d",
                "[info][plugins.x.sub] i",
                "[warn][plugins.x.sub] plugin failed",
                "[error][plugins.x.sub] e",
                "[fatal][plugins.x.sub] f",
            ]
        );
        let records = logs.records();
        assert_eq!(records[2].meta, Some(LogMeta::new().with("n", 1)));
        assert_eq!(
            records[3].error.as_deref(),
            Some("plugin failed\n    caused by: disk full")
        );
        assert_eq!(logs.messages_at(LogLevel::Error), ["e"]);
        logs.clear();
        assert!(logs.records().is_empty());
    }

    #[test]
    fn error_values_behind_dyn_error_are_captured() {
        let (factory, logs) = capturing_logger_factory();
        let error: Box<dyn std::error::Error + Send + Sync> = "boom".into();
        factory.get(&[]).error_err(error.as_ref());
        assert_eq!(logs.lines(), ["[error][root] boom"]);
    }
}
