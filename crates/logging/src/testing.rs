//! Test doubles for plugin authors and for the other core crates (feature `testing`).
//! (API skeleton; bodies to be written.)

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
    /// The error's message and its source chain, when an error value was logged.
    pub error: Option<String>,
}

/// The records captured so far; clones share the same buffer.
#[derive(Debug, Clone, Default)]
pub struct CapturedLogs {
    _private: (),
}

impl CapturedLogs {
    /// Every record captured so far, in order.
    pub fn records(&self) -> Vec<CapturedRecord> {
        todo!()
    }
    /// Every record as one line `[level][context] message`, handy for snapshots.
    pub fn lines(&self) -> Vec<String> {
        todo!()
    }
    /// The messages captured at exactly `level`.
    pub fn messages_at(&self, level: LogLevel) -> Vec<String> {
        let _ = level;
        todo!()
    }
    /// Forgets everything captured so far.
    pub fn clear(&self) {
        todo!()
    }
}

/// A logger factory whose loggers accept every level and record into the returned buffer.
pub fn capturing_logger_factory() -> (LoggerFactory, CapturedLogs) {
    todo!()
}
