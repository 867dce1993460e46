//! [`TracingEvents`]: `tracing` events of libraries into the platform's loggers, the
//! counterpart of the `log` bridge for crates that log through `tracing`.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

use crate::{LogLevel, Logger, LoggerFactory};

/// Hands `tracing` events to the logger of their target (`h2::codec` → context `h2.codec`),
/// at their level, as `message field=value ...`; spans are not its business.
///
/// As a [`Subscriber`] it is what core installs while spans are not exported: every span
/// callsite is then `never` (one branch per span), and events reach the appenders as `log`
/// records do. A subscriber that exports spans calls [`TracingEvents::interest`],
/// [`TracingEvents::enabled`] and [`TracingEvents::event`] from its own layer instead.
///
/// Whether an event callsite is wanted is decided once, when `tracing` registers it, from its
/// logger's level: a disabled event (actix-http's per-request `trace!`s at the default level)
/// then costs one branch. [`LoggingService`](crate::LoggingService) has `tracing` ask again
/// whenever the levels change.
#[derive(Debug, Clone)]
pub struct TracingEvents {
    loggers: LoggerFactory,
}

impl TracingEvents {
    /// Events go to the loggers of `loggers`.
    ///
    /// # Arguments
    ///
    /// * `loggers` - where an event's logger comes from (its target's parts as the context).
    pub fn new(loggers: LoggerFactory) -> Self {
        Self { loggers }
    }

    fn logger(&self, target: &str) -> Logger {
        let parts: Vec<&str> = target.split("::").collect();
        self.loggers.get(&parts)
    }

    /// Whether `tracing` should call this subscriber for the callsite of `metadata`: `always` for
    /// an event (or an `enabled!` hint that may be one) its logger's level lets through, `never`
    /// for other events and for spans.
    /// Asked once per callsite, and again whenever the logging levels change.
    ///
    /// # Arguments
    ///
    /// * `metadata` - the callsite's metadata.
    pub fn interest(&self, metadata: &Metadata<'_>) -> Interest {
        if self.enabled(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    /// Whether an event of `metadata` would be written (its logger's level allows it).
    ///
    /// # Arguments
    ///
    /// * `metadata` - the event's callsite metadata.
    pub fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        !metadata.is_span()
            && self
                .logger(metadata.target())
                .is_enabled(level_of(metadata.level()))
    }

    /// Writes `event` to its target's logger.
    ///
    /// # Arguments
    ///
    /// * `event` - the event, whose `message` field and other fields make the line.
    pub fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        let logger = self.logger(metadata.target());
        let mut level = level_of(metadata.level());
        // An error may be a client's fault, logged at debug (as the `log` bridge does).
        if level != LogLevel::Error && !logger.is_enabled(level) {
            return;
        }
        let mut line = Line::default();
        event.record(&mut line);
        if level == LogLevel::Error
            && crate::bridge::CLIENT_FAULTS.iter().any(|(target, prefix)| {
                metadata.target() == *target && line.message.starts_with(prefix)
            })
        {
            level = LogLevel::Debug;
        }
        if !logger.is_enabled(level) {
            return;
        }
        let text = if line.fields.is_empty() {
            line.message
        } else if line.message.is_empty() {
            line.fields
        } else {
            format!("{} {}", line.message, line.fields)
        };
        logger.log_at(level, text, None);
    }
}

fn level_of(level: &Level) -> LogLevel {
    match *level {
        Level::ERROR => LogLevel::Error,
        Level::WARN => LogLevel::Warn,
        Level::INFO => LogLevel::Info,
        Level::DEBUG => LogLevel::Debug,
        Level::TRACE => LogLevel::Trace,
    }
}

/// An event's `message` and its other fields as `name=value`.
#[derive(Default)]
struct Line {
    message: String,
    fields: String,
}

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.record_debug(field, &format_args!("{value}"));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            if !self.fields.is_empty() {
                self.fields.push(' ');
            }
            let _ = write!(self.fields, "{}={value:?}", field.name());
        }
    }
}

impl Subscriber for TracingEvents {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        // Spans, and `enabled!` hints about them, are `never`.
        self.interest(metadata)
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        TracingEvents::enabled(self, metadata)
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        // Never called: every span callsite is `never`.
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        TracingEvents::event(self, event);
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

#[cfg(test)]
mod tests {
    use super::TracingEvents;
    use crate::LogLevel;
    use crate::testing::capturing_logger_factory;

    #[test]
    fn events_reach_the_logger_of_their_target_and_spans_are_off() {
        let (loggers, logs) = capturing_logger_factory();
        tracing::subscriber::with_default(TracingEvents::new(loggers), || {
            let span = tracing::info_span!("ignored");
            assert!(span.is_disabled());
            assert!(!tracing::enabled!(
                kind: tracing::metadata::Kind::SPAN,
                target: "http.server",
                tracing::Level::INFO
            ));
            tracing::warn!(target: "h2::codec", stream = 3, "connection reset");
        });
        let lines = logs.lines();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("h2.codec"), "{}", lines[0]);
        assert!(
            lines[0].contains("connection reset stream=3"),
            "{}",
            lines[0]
        );
    }

    #[test]
    fn a_clients_fault_is_logged_at_debug() {
        let (loggers, logs) = capturing_logger_factory();
        tracing::subscriber::with_default(TracingEvents::new(loggers), || {
            tracing::error!(target: "actix_http::h1::dispatcher", "stream error: bad chunk");
        });
        assert_eq!(logs.messages_at(LogLevel::Error), Vec::<String>::new());
        assert_eq!(logs.messages_at(LogLevel::Debug).len(), 1);
    }
}
