//! Log levels.

use std::fmt;
use std::str::FromStr;

/// The severity of a record, and the threshold of a logger.
///
/// Ordered as Kibana orders them: `all` lets everything through, `off` nothing. A logger with
/// level `L` emits a record of level `R` when `R` is at least as severe as `L`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Threshold only: every record passes.
    All,
    /// The process cannot go on.
    Fatal,
    /// An operation failed.
    Error,
    /// Something unexpected that the process survives.
    Warn,
    /// Normal, noteworthy events.
    Info,
    /// Details for developers.
    Debug,
    /// Very detailed tracing.
    Trace,
    /// Threshold only: nothing passes.
    Off,
}

impl LogLevel {
    /// The lowercase name used in config and output (`info`, `warn`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::All => "all",
            LogLevel::Fatal => "fatal",
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
            LogLevel::Off => "off",
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no log level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown log level \"{0}\", expected one of all, fatal, error, warn, info, debug, trace, off")]
pub struct ParseLogLevelError(pub String);

impl FromStr for LogLevel {
    type Err = ParseLogLevelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "all" => LogLevel::All,
            "fatal" => LogLevel::Fatal,
            "error" => LogLevel::Error,
            "warn" => LogLevel::Warn,
            "info" => LogLevel::Info,
            "debug" => LogLevel::Debug,
            "trace" => LogLevel::Trace,
            "off" => LogLevel::Off,
            other => return Err(ParseLogLevelError(other.to_owned())),
        })
    }
}
