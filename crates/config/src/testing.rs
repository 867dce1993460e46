//! Test doubles for plugin authors and the other core crates (feature `testing`).

use std::sync::Arc;

use crate::{CliArgs, ConfigService, Env, EnvOptions};

/// A development-mode [`Env`] rooted in the current directory, for tests.
pub fn test_env() -> Arc<Env> {
    let home_dir = std::env::current_dir().unwrap_or_default();
    Arc::new(Env::new(EnvOptions {
        home_dir,
        cli_args: CliArgs {
            dev: true,
            ..CliArgs::default()
        },
        ..EnvOptions::default()
    }))
}

/// A config service over an in-memory JSON tree, with [`test_env`].
///
/// # Arguments
///
/// * `value` - the config tree: a JSON object (nested or with dotted keys), or `null` for none.
///
/// # Panics
///
/// When `value` is not a map (or `null`): a test wrote an impossible config.
pub fn config_from_json(value: serde_json::Value) -> ConfigService {
    ConfigService::from_value(value, test_env()).expect("test config must be a JSON object")
}

/// A config service over an in-memory YAML document, with [`test_env`].
///
/// # Arguments
///
/// * `yaml` - the config as one YAML document (nested maps or dotted keys).
///
/// # Panics
///
/// When the YAML does not parse: a test wrote an impossible config.
pub fn config_from_yaml(yaml: &str) -> ConfigService {
    ConfigService::from_yaml_str(yaml, test_env())
        .unwrap_or_else(|error| panic!("test config must parse: {error}"))
}
