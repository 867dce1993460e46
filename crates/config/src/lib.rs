//! Kibana-style configuration: YAML files (nested maps or dotted keys, `${ENV}` substitution),
//! overrides, typed and validated values per config path, change subscriptions, and [`Env`].
//!
//! (API skeleton: the config helper replaces this text with the crate's real docs.)

mod env;
mod error;
mod schema;
mod service;

pub use env::{CliArgs, Env, EnvMode, EnvOptions, PackageInfo};
pub use error::{ConfigError, ValidationError};
pub use schema::ConfigSchema;
pub use service::{ConfigService, ConfigSubscription};

#[cfg(any(test, feature = "testing"))]
pub mod testing;
