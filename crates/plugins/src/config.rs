//! The `plugins` config section.

use std::time::Duration;

use core_config::{ConfigSchema, ValidationError};

/// The config path of [`PluginsConfig`].
pub const PLUGINS_CONFIG_PATH: &str = "plugins";

/// Settings of the plugins service (config path `plugins`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct PluginsConfig {
    /// Whether plugins are set up and started at all (`false`: discovery only).
    pub initialize: bool,
    /// How long one plugin's `setup`, `start` or `stop` may take. Accepts `"30s"`-style
    /// durations (humantime syntax) or a number of milliseconds.
    #[serde(deserialize_with = "core_config::values::duration")]
    pub lifecycle_timeout: Duration,
}

impl Default for PluginsConfig {
    fn default() -> Self {
        Self {
            initialize: true,
            lifecycle_timeout: Duration::from_secs(30),
        }
    }
}

impl ConfigSchema for PluginsConfig {
    fn validate(&self) -> Result<(), ValidationError> {
        if self.lifecycle_timeout.is_zero() {
            return Err(ValidationError::new(
                "lifecycleTimeout",
                "must be longer than 0ms",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: serde_json::Value) -> Result<PluginsConfig, String> {
        serde_json::from_value(json).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_match_kibana() {
        let config = parse(serde_json::json!({})).unwrap();
        assert!(config.initialize);
        assert_eq!(config.lifecycle_timeout, Duration::from_secs(30));
    }

    #[test]
    fn accepts_strings_and_milliseconds() {
        let config = parse(serde_json::json!({"lifecycleTimeout": "1m 30s"})).unwrap();
        assert_eq!(config.lifecycle_timeout, Duration::from_secs(90));
        let config = parse(serde_json::json!({"lifecycleTimeout": 50})).unwrap();
        assert_eq!(config.lifecycle_timeout, Duration::from_millis(50));
    }

    #[test]
    fn rejects_bad_durations_and_unknown_keys() {
        let error = parse(serde_json::json!({"lifecycleTimeout": "soon"})).unwrap_err();
        assert!(
            error.contains("Failed to parse value as time value."),
            "{error}"
        );
        let error = parse(serde_json::json!({"lifecycleTimeout": -5})).unwrap_err();
        assert!(
            error.contains("Value in milliseconds is expected to be a safe positive integer."),
            "{error}"
        );
        let error = parse(serde_json::json!({"initialise": false})).unwrap_err();
        assert!(error.contains("unknown field `initialise`"), "{error}");
        let zero = PluginsConfig {
            lifecycle_timeout: Duration::ZERO,
            ..Default::default()
        };
        assert_eq!(zero.validate().unwrap_err().path, "lifecycleTimeout");
    }
}
