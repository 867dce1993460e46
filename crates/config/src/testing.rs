//! Test doubles (feature `testing`). (API skeleton.)

use std::sync::Arc;

use crate::{ConfigService, Env, EnvOptions};

/// A development-mode [`Env`] rooted in the current directory, for tests.
pub fn test_env() -> Arc<Env> {
    Arc::new(Env::new(EnvOptions::default()))
}

/// A config service over an in-memory JSON tree, with [`test_env`].
pub fn config_from_json(value: serde_json::Value) -> ConfigService {
    ConfigService::from_value(value, test_env()).expect("test config is valid")
}
