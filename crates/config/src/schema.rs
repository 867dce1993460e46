//! Typed config sections.

use serde::de::DeserializeOwned;

use crate::ValidationError;

/// A typed, validated config section (the counterpart of a Kibana config schema).
///
/// Deserialization gives types and defaults (`#[serde(default, deny_unknown_fields,
/// rename_all = "camelCase")]`); [`ConfigSchema::validate`] adds the checks serde cannot
/// express (ranges, cross-field rules). Errors name paths relative to the section; the
/// config service prefixes the section's own path.
///
/// Avoid `#[serde(flatten)]` in sections: serde then ignores `deny_unknown_fields`, so typos
/// inside the flattened part are silently accepted, and numeric strings are not coerced there.
///
/// ```
/// use core_config::{ConfigSchema, ValidationError};
///
/// #[derive(serde::Deserialize)]
/// #[serde(default, deny_unknown_fields, rename_all = "camelCase")]
/// struct PingConfig {
///     interval_ms: u64,
///     timeout_ms: u64,
/// }
///
/// impl Default for PingConfig {
///     fn default() -> Self {
///         Self { interval_ms: 2_500, timeout_ms: 1_000 }
///     }
/// }
///
/// impl ConfigSchema for PingConfig {
///     fn validate(&self) -> Result<(), ValidationError> {
///         if self.timeout_ms >= self.interval_ms {
///             return Err(ValidationError::new("timeoutMs", "must be shorter than [intervalMs]"));
///         }
///         Ok(())
///     }
/// }
/// ```
pub trait ConfigSchema: DeserializeOwned + Send + Sync + 'static {
    /// Checks beyond what deserialization enforces. The default accepts everything.
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }
}
