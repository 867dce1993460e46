//! The config service. (API skeleton; bodies to be written.)

use std::path::PathBuf;
use std::sync::Arc;

use crate::{ConfigError, ConfigSchema, Env};

/// Holds the raw config tree (files + overrides) and hands out typed sections
/// (Kibana's `ConfigService`). Cheap to clone; clones share state.
#[derive(Clone)]
pub struct ConfigService {
    _private: (),
}

impl ConfigService {
    /// Reads `env.config_paths` in order (later files win) and builds the service.
    pub fn from_env(env: Arc<Env>) -> Result<Self, ConfigError> {
        let _ = env;
        todo!()
    }
    /// A service over an in-memory YAML document (tests, embedding).
    pub fn from_yaml_str(yaml: &str, env: Arc<Env>) -> Result<Self, ConfigError> {
        let _ = (yaml, env);
        todo!()
    }
    /// A service over an in-memory JSON tree (tests, embedding). Dotted keys are expanded.
    pub fn from_value(value: serde_json::Value, env: Arc<Env>) -> Result<Self, ConfigError> {
        let _ = (value, env);
        todo!()
    }
    /// The environment.
    pub fn env(&self) -> &Arc<Env> {
        todo!()
    }
    /// Overrides `key` (dotted) with `value`; overrides win over files and survive reloads.
    pub fn set(&self, key: &str, value: impl serde::Serialize) -> Result<(), ConfigError> {
        let _ = (key, value);
        todo!()
    }
    /// Re-reads the config files (SIGHUP); subscribers of changed sections are notified.
    pub fn reload(&self) -> Result<(), ConfigError> {
        todo!()
    }
    /// The typed, validated section at `path` (dotted); an absent section gives the type's defaults.
    pub fn at_path<T: ConfigSchema>(&self, path: &str) -> Result<T, ConfigError> {
        let _ = path;
        todo!()
    }
    /// Like [`ConfigService::at_path`], but `None` when nothing is configured at `path`.
    pub fn optional_at_path<T: ConfigSchema>(&self, path: &str) -> Result<Option<T>, ConfigError> {
        let _ = path;
        todo!()
    }
    /// The section at `path` now and whenever its raw subtree really changes.
    pub fn subscribe<T: ConfigSchema>(&self, path: &str) -> Result<ConfigSubscription<T>, ConfigError> {
        let _ = path;
        todo!()
    }
    /// Whether `<path>.enabled` is not `false`; marks the section (or just its `enabled` key) as used.
    pub fn is_enabled_at_path(&self, path: &str) -> bool {
        let _ = path;
        todo!()
    }
    /// Flattened keys nobody has read, sorted.
    pub fn unused_paths(&self) -> Vec<String> {
        todo!()
    }
    /// Fails with [`ConfigError::UnusedKeys`] when [`ConfigService::unused_paths`] is not empty.
    pub fn validate_all_used(&self) -> Result<(), ConfigError> {
        todo!()
    }
    /// The config files read, in order.
    pub fn config_paths(&self) -> Vec<PathBuf> {
        todo!()
    }
}

/// A typed view of one config section that follows changes.
pub struct ConfigSubscription<T> {
    _marker: std::marker::PhantomData<T>,
}

impl<T: ConfigSchema> ConfigSubscription<T> {
    /// The current value.
    pub fn current(&self) -> Arc<T> {
        todo!()
    }
    /// Waits until the section changes and returns the new value, or the validation error of the
    /// new raw value; `None` when the service is gone.
    pub async fn changed(&mut self) -> Option<Result<Arc<T>, ConfigError>> {
        todo!()
    }
}
