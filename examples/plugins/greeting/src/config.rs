//! The `greeting` config section.

use core_server::{ConfigSchema, ValidationError};
use serde::Deserialize;

/// `greeting.*` in `kibana.yml`; every key has a default.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct GreetingConfig {
    /// `greeting.enabled: false` turns the plugin (and the plugins requiring it) off.
    pub enabled: bool,
    /// The word greetings start with.
    pub greeting: String,
    /// Who `GET /api/greeting/hello` greets.
    pub default_name: String,
    /// The longest name a route accepts.
    pub max_name_length: usize,
}

impl Default for GreetingConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            greeting: "Hello".to_owned(),
            default_name: "world".to_owned(),
            max_name_length: 64,
        }
    }
}

impl ConfigSchema for GreetingConfig {
    fn validate(&self) -> Result<(), ValidationError> {
        if self.greeting.trim().is_empty() {
            return Err(ValidationError::new("greeting", "must not be empty"));
        }
        if self.max_name_length == 0 {
            return Err(ValidationError::new("maxNameLength", "must be at least 1"));
        }
        if self.default_name.chars().count() > self.max_name_length {
            return Err(ValidationError::new(
                "defaultName",
                format!(
                    "must be at most [{}] characters (maxNameLength)",
                    self.max_name_length
                ),
            ));
        }
        Ok(())
    }
}
