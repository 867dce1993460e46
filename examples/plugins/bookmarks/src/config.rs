//! `bookmarks.*` in `kibana.yml`.

use core_server::{ConfigSchema, ValidationError};
use serde::Deserialize;

/// The plugin's settings, with their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct BookmarksConfig {
    /// `bookmarks.enabled: false` turns the plugin off. Core reads this key itself; the struct
    /// lists it because `deny_unknown_fields` would refuse it otherwise.
    pub enabled: bool,
    /// The index the bookmarks are searched in.
    pub index: String,
    /// The most bookmarks one request returns, 1 to 100.
    pub max_items: u32,
}

impl Default for BookmarksConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            index: "bookmarks".to_owned(),
            max_items: 20,
        }
    }
}

impl ConfigSchema for BookmarksConfig {
    /// Rules serde cannot say: reported as `[bookmarks.maxItems]: ...` at startup.
    fn validate(&self) -> Result<(), ValidationError> {
        if !(1..=100).contains(&self.max_items) {
            return Err(ValidationError::new(
                "maxItems",
                format!(
                    "Value is [{}] but it must be between [1] and [100].",
                    self.max_items
                ),
            ));
        }
        Ok(())
    }
}
