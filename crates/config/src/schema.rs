//! Typed config sections.

use serde::de::DeserializeOwned;

use crate::ValidationError;

/// A typed, validated config section (the counterpart of a Kibana config schema).
///
/// Deserialization gives types and defaults (`#[serde(default, deny_unknown_fields,
/// rename_all = "camelCase")]`); [`ConfigSchema::validate`] adds the checks serde cannot
/// express (ranges, cross-field rules). Errors name paths relative to the section; the
/// config service prefixes the section's own path.
pub trait ConfigSchema: DeserializeOwned + Send + Sync + 'static {
    /// Checks beyond what deserialization enforces. The default accepts everything.
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }
}
