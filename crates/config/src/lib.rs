//! Configuration for the platform and its plugins, the way Kibana's server reads `kibana.yml`.
//!
//! A plugin author meets this crate through one call: read your section, typed and validated.
//!
//! ```
//! use std::sync::Arc;
//!
//! use core_config::{ConfigSchema, ConfigService, Env, EnvOptions, ValidationError};
//! use serde::Deserialize;
//!
//! /// The `greeter` section of `kibana.yml`.
//! #[derive(Debug, Deserialize)]
//! #[serde(default, deny_unknown_fields, rename_all = "camelCase")]
//! struct GreeterConfig {
//!     enabled: bool,
//!     greeting: String,
//!     max_length: u16,
//! }
//!
//! impl Default for GreeterConfig {
//!     fn default() -> Self {
//!         Self { enabled: true, greeting: "Hello".into(), max_length: 20 }
//!     }
//! }
//!
//! impl ConfigSchema for GreeterConfig {
//!     // What serde cannot say: a rule across two keys. Paths are relative to the section.
//!     fn validate(&self) -> Result<(), ValidationError> {
//!         if self.greeting.len() > usize::from(self.max_length) {
//!             let message = format!("must be at most [{}] characters", self.max_length);
//!             return Err(ValidationError::new("greeting", message));
//!         }
//!         Ok(())
//!     }
//! }
//!
//! # fn main() -> Result<(), core_config::ConfigError> {
//! let env = Arc::new(Env::new(EnvOptions::default()));
//! let config = ConfigService::from_yaml_str(
//!     "greeter:\n  greeting: Good morning\n  maxLength: 5\n",
//!     env,
//! )?;
//!
//! // The error names the full key path, as Kibana's did.
//! let error = config.at_path::<GreeterConfig>("greeter").unwrap_err();
//! assert_eq!(error.to_string(), "[greeter.greeting]: must be at most [5] characters");
//!
//! // Type errors use Kibana's config-schema words.
//! config.set("greeter.maxLength", "many")?;
//! let error = config.at_path::<GreeterConfig>("greeter").unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "[greeter.maxLength]: expected value of type [number] but got [string]"
//! );
//!
//! // Overrides (CLI flags) win over files; keys not configured keep their defaults.
//! config.set("greeter.maxLength", 50)?;
//! let greeter: GreeterConfig = config.at_path("greeter")?;
//! assert_eq!((greeter.greeting.as_str(), greeter.max_length, greeter.enabled), ("Good morning", 50, true));
//! # Ok(())
//! # }
//! ```
//!
//! # Where values come from
//!
//! [`ConfigService::from_env`] reads the YAML files of [`Env::config_paths`] in order; later
//! files win, and maps are deep-merged key by key (anything else is replaced). Then come the
//! overrides of [`ConfigService::set`], which also survive [`ConfigService::reload`].
//!
//! - **Dotted keys.** `server.port: 5601`, `server: {port: 5601}` and mixtures such as
//!   `server: {ssl.enabled: true}` mean the same thing. Within one file, later keys win.
//! - **Environment variables.** `${NAME}` in a string value is replaced by the variable's
//!   value, and `${NAME:default}` falls back to `default` when it is unset. An unset variable
//!   without a default is [`ConfigError::MissingEnvVar`], naming the key and the variable.
//!   Names are ASCII letters, digits and `_`; any other `${` is kept as written. Keys are never
//!   substituted.
//! - **Strings where numbers are expected.** Substituted values are strings, so (as Kibana's
//!   schemas did) a typed section accepts `"5601"` for a number and `"true"`/`"false"` for a
//!   boolean. Nothing else is coerced.
//! - **Empty files** are empty configs. A file whose top level is not a map is
//!   [`ConfigError::NotAMap`]; invalid YAML is [`ConfigError::Syntax`] with file, line and
//!   column. YAML merge keys (`<<: *anchor`) work; tags (`!foo`) and non-finite numbers are
//!   rejected.
//!
//! # Typed sections
//!
//! A section type implements [`ConfigSchema`]: serde gives types and defaults
//! (`#[serde(default, deny_unknown_fields, rename_all = "camelCase")]`), and
//! [`ConfigSchema::validate`] adds the rest. [`ConfigService::at_path`] gives the section (an
//! absent or `null` section deserializes from an empty map, so defaults apply);
//! [`ConfigService::optional_at_path`] gives `None` when nothing is configured; and
//! [`ConfigService::subscribe`] follows changes, waking only when that section's raw value
//! really changed. Each of these marks the path as *handled*.
//!
//! Every error is `[full.key.path]: message`, one style throughout, in the words of Kibana's
//! `@kbn/config-schema`. Array elements are addressed with dots (`elasticsearch.hosts.0`),
//! like Kibana's paths. Type words for what was found are Kibana's (`string`, `number`,
//! `boolean`, `null`, `Array`, `Object`).
//!
//! | problem | message |
//! |---|---|
//! | wrong type | `expected value of type [number] but got [string]` |
//! | float for an integer | `expected value of type [integer] but got [number]` |
//! | integer out of its type's range | `Value is [70000] but it must be equal to or lower than [65535].` |
//! | unknown key (`deny_unknown_fields`) | `definition for this key is missing` |
//! | required key absent | `expected a value but got [undefined]` |
//! | unknown enum value | `expected one of [none, certificate, full] but got [partial]` |
//! | [`ValidationError`] | its own message, behind the section path plus its path |
//! | custom `Deserialize` error | serde's text, behind the full path |
//!
//! # Enabled sections and unused keys
//!
//! [`ConfigService::is_enabled_at_path`] follows Kibana: a section without `enabled` is
//! enabled; `enabled: false` disables it and marks the whole section handled (a disabled
//! plugin's settings are not "unknown"); otherwise only the `enabled` key is marked. At the
//! end of startup, [`ConfigService::validate_all_used`] fails with [`ConfigError::UnusedKeys`]
//! if some leaf key is under no handled path: usually a typo.
//!
//! # Tests
//!
//! With the `testing` feature, the `testing` module has a development-mode [`Env`] and services built
//! from JSON or YAML literals, so a plugin can be unit-tested without files.
//!
//! This crate never logs: it returns values and errors, and callers decide what to print.

mod env;
mod error;
mod lenient;
mod messages;
mod schema;
mod section;
mod service;
mod subscription;
mod substitute;
mod tree;
pub mod values;
mod yaml;

pub use env::{CliArgs, Env, EnvMode, EnvOptions, PackageInfo, SupportedElasticsearch};
pub use error::{ConfigError, ValidationError};
pub use schema::ConfigSchema;
pub use service::ConfigService;
pub use subscription::ConfigSubscription;
pub use yaml::MAX_CONFIG_FILE_BYTES;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
