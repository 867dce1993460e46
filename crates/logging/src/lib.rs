//! Kibana-style logging for the platform: [`Logger`], [`LoggerFactory`], [`LogMeta`] and the
//! [`LoggingService`] that routes records to appenders according to the `logging` config.
//!
//! (API skeleton: the logging helper replaces this text with the crate's real docs.)

mod level;
mod logger;
mod meta;

pub use level::LogLevel;
pub use logger::{Logger, LoggerFactory};
pub use meta::LogMeta;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
