//! Log levels.

use std::fmt;
use std::str::FromStr;

/// The severity of a record, and the threshold of a logger.
///
/// Ordered as Kibana orders them: `all` lets everything through, `off` nothing. A logger with
/// level `L` emits a record of level `R` when `R` is at least as severe as `L`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
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
#[error(
    "unknown log level \"{0}\", expected one of all, fatal, error, warn, info, debug, trace, off"
)]
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

impl LogLevel {
    /// The verbosity rank a threshold lets through: a record of level `R` passes threshold `T`
    /// when `R.rank() <= T.threshold_rank()`. `off` lets nothing through (0), `all` everything.
    pub(crate) fn threshold_rank(self) -> u8 {
        match self {
            LogLevel::Off => 0,
            LogLevel::Fatal => 1,
            LogLevel::Error => 2,
            LogLevel::Warn => 3,
            LogLevel::Info => 4,
            LogLevel::Debug => 5,
            LogLevel::Trace | LogLevel::All => 6,
        }
    }

    /// The rank of a record level (1 = fatal ... 6 = trace). `all` and `off` are thresholds
    /// only: a record "at `all`" passes when trace records do, one "at `off`" never passes.
    pub(crate) fn record_rank(self) -> u8 {
        match self {
            LogLevel::All => 6,
            LogLevel::Off => u8::MAX,
            other => other.threshold_rank(),
        }
    }

    /// The slog level a record of this level is sent with (Kibana's `fatal` is slog's `Critical`).
    pub(crate) fn to_slog(self) -> slog::Level {
        match self {
            LogLevel::Off | LogLevel::Fatal => slog::Level::Critical,
            LogLevel::Error => slog::Level::Error,
            LogLevel::Warn => slog::Level::Warning,
            LogLevel::Info => slog::Level::Info,
            LogLevel::Debug => slog::Level::Debug,
            LogLevel::All | LogLevel::Trace => slog::Level::Trace,
        }
    }

    /// The record level of a slog level.
    pub(crate) fn from_slog(level: slog::Level) -> LogLevel {
        match level {
            slog::Level::Critical => LogLevel::Fatal,
            slog::Level::Error => LogLevel::Error,
            slog::Level::Warning => LogLevel::Warn,
            slog::Level::Info => LogLevel::Info,
            slog::Level::Debug => LogLevel::Debug,
            slog::Level::Trace => LogLevel::Trace,
        }
    }

    /// Upper-case name padded to five characters, as Kibana's pattern layout prints it.
    pub(crate) fn padded_upper(self) -> &'static str {
        match self {
            LogLevel::All => "ALL  ",
            LogLevel::Fatal => "FATAL",
            LogLevel::Error => "ERROR",
            LogLevel::Warn => "WARN ",
            LogLevel::Info => "INFO ",
            LogLevel::Debug => "DEBUG",
            LogLevel::Trace => "TRACE",
            LogLevel::Off => "OFF  ",
        }
    }

    /// Upper-case name without padding (JSON layout).
    pub(crate) fn upper(self) -> &'static str {
        self.padded_upper().trim_end()
    }
}

#[cfg(test)]
mod tests {
    use super::LogLevel;

    #[test]
    fn thresholds_order_like_kibana() {
        let records = [
            LogLevel::Fatal,
            LogLevel::Error,
            LogLevel::Warn,
            LogLevel::Info,
            LogLevel::Debug,
            LogLevel::Trace,
        ];
        let passes = |threshold: LogLevel| {
            records
                .iter()
                .filter(|r| r.record_rank() <= threshold.threshold_rank())
                .count()
        };
        assert_eq!(passes(LogLevel::Off), 0);
        assert_eq!(passes(LogLevel::Fatal), 1);
        assert_eq!(passes(LogLevel::Warn), 3);
        assert_eq!(passes(LogLevel::Info), 4);
        assert_eq!(passes(LogLevel::Trace), 6);
        assert_eq!(passes(LogLevel::All), 6);
        // A record "at off" never passes, not even the `all` threshold.
        assert!(LogLevel::Off.record_rank() > LogLevel::All.threshold_rank());
    }

    #[test]
    fn parses_and_prints_every_level() {
        for level in [
            LogLevel::All,
            LogLevel::Fatal,
            LogLevel::Error,
            LogLevel::Warn,
            LogLevel::Info,
            LogLevel::Debug,
            LogLevel::Trace,
            LogLevel::Off,
        ] {
            assert_eq!(level.as_str().parse::<LogLevel>(), Ok(level));
            if level != LogLevel::Off {
                assert_eq!(
                    LogLevel::from_slog(level.to_slog()).record_rank(),
                    level.record_rank()
                );
            }
        }
        assert!("verbose".parse::<LogLevel>().is_err());
    }
}
