//! Kibana-style logging for the platform: [`Logger`], [`LoggerFactory`], [`LogMeta`] and the
//! [`LoggingService`] that routes records to appenders according to the `logging` config.
//!
//! # For plugin authors
//!
//! Your plugin receives a [`LoggerFactory`] already scoped to `plugins.<your id>`; ask it for
//! loggers by sub-context. Messages are anything `Display` (`format_args!` avoids building a
//! `String`), and they are formatted only if the record's level is enabled, so a disabled
//! `debug` costs about as much as reading an integer. `warn`, `error` and `fatal` also take an
//! error value (`*_err`), whose `source()` chain is logged with it; `*_with` attaches
//! structured [`LogMeta`].
//!
//! ```
//! use core_logging::{LogLevel, LogMeta};
//! # let (factory, logs) = core_logging::testing::capturing_logger_factory();
//! # let factory = factory.prefixed(&["plugins", "greeting"]);
//! // `factory` is what core hands to the plugin `greeting`.
//! let logger = factory.get(&["routes"]);
//! logger.info(format_args!("registered [{}] routes", 2));
//! logger.debug_with("route details", LogMeta::new().with("paths", ["/hello", "/bye"]));
//! # assert_eq!(logs.lines(), ["[info][plugins.greeting.routes] registered [2] routes",
//! #                           "[debug][plugins.greeting.routes] route details"]);
//! ```
//!
//! In unit tests, `testing::capturing_logger_factory` (feature `testing`) gives a factory that
//! records every level for assertions.
//!
//! # Configuration (`logging` in `kibana.yml`)
//!
//! [`LoggingConfig`] mirrors Kibana's schema: `appenders` (name → `console` or `file`, each with
//! a `pattern` or `json` layout), `root` (`level`, default `info`; `appenders`, default
//! `[default]`) and `loggers` (per-context `level` and `appenders`). A context without an entry
//! takes the level of its nearest dotted ancestor with one (`plugins.a.b` → `plugins.a` →
//! `plugins` → root), and the appenders of the nearest one that names appenders. The `default`
//! appender always exists: the console with the pattern layout, coloured when standard output
//! is a terminal and `NO_COLOR` is unset.
//!
//! ```yaml
//! logging:
//!   appenders:
//!     file: { kind: file, path: /var/log/kibana/kibana.log, layout: { kind: json } }
//!   root: { level: warn, appenders: [default, file] }
//!   loggers:
//!     - { context: plugins.myPlugin, level: debug }
//!     - { context: actix_server, level: error }   # records of the `log` crate, by target
//! ```
//!
//! Pattern layout placeholders (default `[{timestamp}][{level}][{context}] {message}`):
//! `{timestamp}` (ISO-8601 UTC with milliseconds), `{level}` (upper case padded to five:
//! `INFO `), `{context}`, `{message}` (an error value prints its message and then one
//! `    caused by: ...` line per source) and `{meta}` (the metadata as JSON, empty without any).
//! The JSON layout writes one object per line with `@timestamp`, `level`, `context`, `message`,
//! `pid`, and `error` (`message`, `name`, `stack`) and `meta` when present.
//!
//! # How records travel
//!
//! [`Logger`] → its level check (one atomic load) → a `slog::Logger` carrying the context →
//! the service's slog drain, which queues the record for one writer thread (bounded; a full
//! queue makes the caller wait, it never drops) → the writer routes it to the appenders of its
//! context. Config changes travel down the same queue, so they apply in order with the records
//! ([`LoggingService::upgrade`]); [`LoggingService::stop`] writes everything logged before it.

mod appender;
mod batch_channel;
mod bridge;
mod config;
mod drain;
mod error;
pub mod layout;
mod level;
mod logger;
mod meta;
mod record;
mod resolution;
mod service;
mod text;
mod trace_context;
mod tracing_bridge;
mod writer;

pub use config::{
    AppenderConfig, DEFAULT_APPENDER, LayoutConfig, LoggerConfig, LoggingConfig, RootLoggerConfig,
};
pub use error::LoggingError;
pub use level::{LogLevel, ParseLogLevelError};
pub use logger::{Logger, LoggerFactory};
pub use meta::LogMeta;
pub use service::LoggingService;
pub use trace_context::{SpanContextReader, TraceParent};
pub use tracing_bridge::TracingEvents;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
