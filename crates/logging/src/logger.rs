//! Loggers and the factory that hands them out. (API skeleton; bodies to be written.)

use std::error::Error;
use std::fmt::Display;

use crate::{LogLevel, LogMeta};

/// A logger bound to one context such as `plugins.myPlugin` (Kibana's `Logger`).
///
/// Cheap to clone. Every method checks the level before it formats anything.
#[derive(Clone)]
pub struct Logger {
    _private: (),
}

impl Logger {
    /// The dotted context this logger writes under.
    pub fn context(&self) -> &str {
        todo!()
    }
    /// Whether a record at `level` would be written.
    pub fn is_enabled(&self, level: LogLevel) -> bool {
        let _ = level;
        todo!()
    }
    /// Logs at trace level.
    pub fn trace(&self, message: impl Display) {
        let _ = message;
    }
    /// Logs at trace level with metadata.
    pub fn trace_with(&self, message: impl Display, meta: LogMeta) {
        let _ = (message, meta);
    }
    /// Logs at debug level.
    pub fn debug(&self, message: impl Display) {
        let _ = message;
    }
    /// Logs at debug level with metadata.
    pub fn debug_with(&self, message: impl Display, meta: LogMeta) {
        let _ = (message, meta);
    }
    /// Logs at info level.
    pub fn info(&self, message: impl Display) {
        let _ = message;
    }
    /// Logs at info level with metadata.
    pub fn info_with(&self, message: impl Display, meta: LogMeta) {
        let _ = (message, meta);
    }
    /// Logs at warn level.
    pub fn warn(&self, message: impl Display) {
        let _ = message;
    }
    /// Logs at warn level with metadata.
    pub fn warn_with(&self, message: impl Display, meta: LogMeta) {
        let _ = (message, meta);
    }
    /// Logs an error value (message and source chain) at warn level.
    pub fn warn_err<E: Error + ?Sized>(&self, error: &E) {
        let _ = error;
    }
    /// Logs at error level.
    pub fn error(&self, message: impl Display) {
        let _ = message;
    }
    /// Logs at error level with metadata.
    pub fn error_with(&self, message: impl Display, meta: LogMeta) {
        let _ = (message, meta);
    }
    /// Logs an error value (message and source chain) at error level.
    pub fn error_err<E: Error + ?Sized>(&self, error: &E) {
        let _ = error;
    }
    /// Logs at fatal level.
    pub fn fatal(&self, message: impl Display) {
        let _ = message;
    }
    /// Logs at fatal level with metadata.
    pub fn fatal_with(&self, message: impl Display, meta: LogMeta) {
        let _ = (message, meta);
    }
    /// Logs an error value (message and source chain) at fatal level.
    pub fn fatal_err<E: Error + ?Sized>(&self, error: &E) {
        let _ = error;
    }
}

/// Hands out [`Logger`]s by context (Kibana's `LoggerFactory`). Cheap to clone.
#[derive(Clone)]
pub struct LoggerFactory {
    _private: (),
}

impl LoggerFactory {
    /// A logger whose context is `parts` joined with `.`, after this factory's prefix;
    /// no parts at all gives `root`.
    pub fn get(&self, parts: &[&str]) -> Logger {
        let _ = parts;
        todo!()
    }
    /// A factory whose loggers' contexts all start with `parts` (plugins get `plugins.<id>`).
    pub fn prefixed(&self, parts: &[&str]) -> LoggerFactory {
        let _ = parts;
        todo!()
    }
}
