//! Building one typed section from its raw subtree: deserialize (with defaults), then validate.

use serde_json::{Map, Value};

use crate::lenient::Lenient;
use crate::messages::deserialize_error;
use crate::tree::join;
use crate::{ConfigError, ConfigSchema, ValidationError};

/// The typed value of the section at `path` whose raw subtree is `raw`.
///
/// An absent or `null` subtree deserializes from an empty map, so `#[serde(default)]` fields
/// take their defaults and required fields are reported as missing.
pub(crate) fn typed<T: ConfigSchema>(path: &str, raw: Option<&Value>) -> Result<T, ConfigError> {
    let empty = Value::Object(Map::new());
    let raw = match raw {
        None | Some(Value::Null) => &empty,
        Some(value) => value,
    };
    // Deserializing consumes its input; the borrowed original stays for error messages.
    let value: T = serde_path_to_error::deserialize(Lenient(raw.clone()))
        .map_err(|error| deserialize_error(path, raw, &error))?;
    value
        .validate()
        .map_err(|error| validation_error(path, error))?;
    Ok(value)
}

/// A [`ValidationError`] relative to the section, as a [`ConfigError`] with the full path.
pub(crate) fn validation_error(section: &str, error: ValidationError) -> ConfigError {
    ConfigError::Invalid {
        path: join(section, &error.path),
        message: error.message,
    }
}
