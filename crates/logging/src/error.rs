//! Errors of the logging service.

use std::path::PathBuf;

/// Why a logging config could not be applied, or the `log` bridge installed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoggingError {
    /// The config failed validation; `path` is relative to the `logging` section.
    #[error("[logging.{path}]: {message}")]
    InvalidConfig {
        /// The key path inside `logging`, e.g. `loggers[0].appenders`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A file appender's file could not be opened (a missing directory, no permission, ...).
    #[error("appender \"{appender}\" cannot open log file {path}: {source}")]
    OpenFile {
        /// The appender's name in `logging.appenders`.
        appender: String,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The service was stopped; it accepts no new config.
    #[error("the logging service is stopped")]
    Stopped,
    /// The writer thread could not be started.
    #[error("cannot start the log writer thread: {0}")]
    WriterThread(#[source] std::io::Error),
    /// Another `log` crate logger is already installed in this process.
    #[error("cannot install the `log` bridge: a `log` logger is already installed in this process")]
    LogBridgeAlreadyInstalled,
}

impl From<core_config::ValidationError> for LoggingError {
    fn from(error: core_config::ValidationError) -> Self {
        LoggingError::InvalidConfig {
            path: error.path,
            message: error.message,
        }
    }
}
