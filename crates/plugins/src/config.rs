//! The `plugins` config section.

use std::fmt;
use std::time::Duration;

use core_config::{ConfigSchema, ValidationError};
use serde::de::{self, Deserializer, Visitor};

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
    #[serde(deserialize_with = "deserialize_duration")]
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

/// A duration given as a humantime string (`"30s"`, `"1m 30s"`, `"500ms"`) or milliseconds.
fn deserialize_duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    struct DurationVisitor;

    impl Visitor<'_> for DurationVisitor {
        type Value = Duration;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a duration such as \"30s\" or a number of milliseconds")
        }

        fn visit_u64<E: de::Error>(self, millis: u64) -> Result<Duration, E> {
            Ok(Duration::from_millis(millis))
        }

        fn visit_i64<E: de::Error>(self, millis: i64) -> Result<Duration, E> {
            u64::try_from(millis)
                .map(Duration::from_millis)
                .map_err(|_| E::custom(format!("expected a positive duration but got {millis}")))
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
            humantime::parse_duration(text.trim()).map_err(|e| {
                E::custom(format!(
                    "expected a duration such as \"30s\" but got \"{text}\": {e}"
                ))
            })
        }
    }

    deserializer.deserialize_any(DurationVisitor)
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
            error.contains("expected a duration such as \"30s\" but got \"soon\""),
            "{error}"
        );
        let error = parse(serde_json::json!({"lifecycleTimeout": -5})).unwrap_err();
        assert!(
            error.contains("expected a positive duration but got -5"),
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
