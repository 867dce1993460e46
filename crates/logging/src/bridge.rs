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

impl log::Log for LogBridge {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        self.core
            .logger(&context_of(metadata.target()))
            .is_enabled(level_of(metadata.level()))
    }

    fn log(&self, record: &log::Record<'_>) {
        let logger = self.core.logger(&context_of(record.target()));
        logger.log_at(level_of(record.level()), record.args(), None);
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
}
