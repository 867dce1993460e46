//! Structured metadata attached to a record.

use serde::Serialize;
use serde_json::{Map, Value};

/// Free-form structured data attached to a log record (Kibana's `LogMeta`).
///
/// ```
/// use core_logging::LogMeta;
/// let meta = LogMeta::new().with("plugin", "greeting").with("routes", 3);
/// assert_eq!(meta.get("routes"), Some(&serde_json::json!(3)));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct LogMeta(Map<String, Value>);

impl LogMeta {
    /// An empty set of metadata.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key` with a value that serializes to JSON; a value that cannot be serialized is
    /// stored as its error message so that logging never fails.
    ///
    /// # Arguments
    ///
    /// * `key` - the field name; a field already there is replaced.
    /// * `value` - the field's value, stored as JSON.
    pub fn with(mut self, key: impl Into<String>, value: impl Serialize) -> Self {
        self.insert(key, value);
        self
    }

    /// Inserts `key`, replacing any previous value.
    ///
    /// # Arguments
    ///
    /// * `key` - the field name.
    /// * `value` - the field's value, stored as JSON; one that cannot be serialized is stored as
    ///   its error message.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Serialize) {
        let value = serde_json::to_value(value).unwrap_or_else(|e| Value::String(e.to_string()));
        self.0.insert(key.into(), value);
    }

    /// The value under `key`.
    ///
    /// # Arguments
    ///
    /// * `key` - the field name.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// Whether there is no metadata.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The metadata as a JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }
}

impl From<Map<String, Value>> for LogMeta {
    fn from(map: Map<String, Value>) -> Self {
        Self(map)
    }
}
