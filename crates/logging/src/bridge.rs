//! The bridge from the `log` crate into this logging (see
//! [`crate::LoggingService::install_log_bridge`]).

use std::sync::Arc;

use crate::logger::Core;
use crate::{LogLevel, LoggingError};

/// The process-wide `log` logger: each record goes to the logger of its target's context.
struct LogBridge {
    core: Arc<Core>,
}

/// `actix_server::worker` → `actix_server.worker`; an empty target → `log`.
fn context_of(target: &str) -> String {
    if target.is_empty() {
        "log".to_owned()
    } else {
        target.replace("::", ".")
    }
}

fn level_of(level: log::Level) -> LogLevel {
    match level {
        log::Level::Error => LogLevel::Error,
        log::Level::Warn => LogLevel::Warn,
        log::Level::Info => LogLevel::Info,
        log::Level::Debug => LogLevel::Debug,
        log::Level::Trace => LogLevel::Trace,
    }
}

/// Records a library logs at error level for what is a client's mistake, not the server's fault:
/// `(target, start of the message)`. They are logged at debug, so a client cannot fill the logs
/// with ERROR lines.
pub(crate) const CLIENT_FAULTS: &[(&str, &str)] = &[
    // actix-http's connection loop: a malformed request (a bad request line, header or chunk)
    // or a connection the client broke off.
    ("actix_http::h1::dispatcher", "stream error"),
];

/// The level `record` is logged at: its own, but debug for a [`CLIENT_FAULTS`] record.
fn level_for(record: &log::Record<'_>) -> LogLevel {
    let level = level_of(record.level());
    if level != LogLevel::Error {
        return level;
    }
    let client_fault = CLIENT_FAULTS.iter().any(|(target, prefix)| {
        record.target() == *target
            && match record.args().as_str() {
                Some(message) => message.starts_with(prefix),
                None => record.args().to_string().starts_with(prefix),
            }
    });
    if client_fault { LogLevel::Debug } else { level }
}

impl log::Log for LogBridge {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        self.core
            .logger(&context_of(metadata.target()))
            .is_enabled(level_of(metadata.level()))
    }

    fn log(&self, record: &log::Record<'_>) {
        let logger = self.core.logger(&context_of(record.target()));
        logger.log_at(level_for(record), record.args(), None);
    }

    fn flush(&self) {}
}

/// Installs the bridge as the process's `log` logger.
pub(crate) fn install(core: Arc<Core>) -> Result<(), LoggingError> {
    log::set_boxed_logger(Box::new(LogBridge { core }))
        .map_err(|_| LoggingError::LogBridgeAlreadyInstalled)
}

/// Sets `log`'s global filter so that calls below every configured level return at once.
pub(crate) fn set_max_level(level: LogLevel) {
    log::set_max_level(match level {
        LogLevel::Off => log::LevelFilter::Off,
        LogLevel::Fatal | LogLevel::Error => log::LevelFilter::Error,
        LogLevel::Warn => log::LevelFilter::Warn,
        LogLevel::Info => log::LevelFilter::Info,
        LogLevel::Debug => log::LevelFilter::Debug,
        LogLevel::Trace | LogLevel::All => log::LevelFilter::Trace,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_become_dotted_contexts() {
        assert_eq!(context_of("actix_server::worker"), "actix_server.worker");
        assert_eq!(context_of("reqwest"), "reqwest");
        assert_eq!(context_of(""), "log");
        assert_eq!(level_of(log::Level::Warn), LogLevel::Warn);
    }

    #[test]
    fn a_clients_mistake_is_debug_a_servers_fault_stays_an_error() {
        let level = |target: &str, message: std::fmt::Arguments<'_>| {
            level_for(
                &log::Record::builder()
                    .level(log::Level::Error)
                    .target(target)
                    .args(message)
                    .build(),
            )
        };
        let error = "invalid chunk size";
        assert_eq!(
            level(
                "actix_http::h1::dispatcher",
                format_args!("stream error: {error}")
            ),
            LogLevel::Debug
        );
        assert_eq!(
            level(
                "actix_http::h1::dispatcher",
                format_args!("Internal server error: unexpected eof")
            ),
            LogLevel::Error
        );
        assert_eq!(
            level("other_crate", format_args!("stream error: {error}")),
            LogLevel::Error
        );
    }
}
