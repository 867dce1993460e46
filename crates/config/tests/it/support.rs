//! Shared fixtures: config types shaped like Kibana's core sections, temp files, `check`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use core_config::{ConfigError, ConfigSchema, ConfigService, Env, EnvOptions, ValidationError};
use serde::{Deserialize, Deserializer};
use tempfile::TempDir;

/// A cut-down `server` section.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Server {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) base_path: Option<String>,
    pub(crate) max_payload_bytes: u64,
    pub(crate) keepalive_seconds: Option<Seconds>,
    pub(crate) ssl: Ssl,
}

impl Default for Server {
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: 5601,
            base_path: None,
            max_payload_bytes: 1_048_576,
            keepalive_seconds: None,
            ssl: Ssl::default(),
        }
    }
}

impl ConfigSchema for Server {
    fn validate(&self) -> Result<(), ValidationError> {
        if let Some(base_path) = &self.base_path
            && (!base_path.starts_with('/') || base_path.ends_with('/'))
        {
            return Err(ValidationError::new(
                "basePath",
                "must start with a slash, don't end with one",
            ));
        }
        if self.ssl.enabled && self.ssl.certificate.is_none() {
            return Err(ValidationError::new(
                "ssl",
                "must specify [certificate] and [key] when ssl is enabled",
            ));
        }
        Ok(())
    }
}

/// `server.ssl`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Ssl {
    pub(crate) enabled: bool,
    pub(crate) certificate: Option<String>,
}

/// A number of seconds written as `"30s"`: a custom `Deserialize` with its own message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Seconds(pub(crate) u64);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.strip_suffix('s')
            .and_then(|digits| digits.parse().ok())
            .map(Seconds)
            .ok_or_else(|| {
                serde::de::Error::custom(format!("[{text}] is not a duration like \"30s\""))
            })
    }
}

/// A cut-down `elasticsearch` section.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Elasticsearch {
    pub(crate) hosts: Vec<String>,
    pub(crate) request_timeout: u32,
    pub(crate) custom_headers: BTreeMap<String, String>,
    pub(crate) ssl: EsSsl,
    pub(crate) ping_timeout: Option<i8>,
}

impl Default for Elasticsearch {
    fn default() -> Self {
        Self {
            hosts: vec!["http://localhost:9200".into()],
            request_timeout: 30_000,
            custom_headers: BTreeMap::new(),
            ssl: EsSsl::default(),
            ping_timeout: None,
        }
    }
}

impl ConfigSchema for Elasticsearch {}

/// `elasticsearch.ssl`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct EsSsl {
    pub(crate) verification_mode: VerificationMode,
}

/// `elasticsearch.ssl.verificationMode`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum VerificationMode {
    None,
    Certificate,
    #[default]
    Full,
}

/// A section with a required key and no defaults.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Required {
    pub(crate) encryption_key: String,
    #[serde(default)]
    pub(crate) enabled: Option<bool>,
}

impl ConfigSchema for Required {
    fn validate(&self) -> Result<(), ValidationError> {
        if self.encryption_key.len() < 32 {
            return Err(ValidationError::new(
                "encryptionKey",
                "must be at least 32 characters",
            ));
        }
        Ok(())
    }
}

/// A plugin section that has an `enabled` flag.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PluginSection {
    pub(crate) enabled: bool,
    pub(crate) greeting: String,
}

impl ConfigSchema for PluginSection {}

/// An environment whose config files are `paths`.
pub(crate) fn env_with(paths: Vec<PathBuf>) -> Arc<Env> {
    Arc::new(Env::new(EnvOptions {
        config_paths: paths,
        ..EnvOptions::default()
    }))
}

/// A temp dir holding config files.
pub(crate) struct Files {
    pub(crate) dir: TempDir,
}

impl Files {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("create temp dir"),
        }
    }

    /// Writes (or rewrites) `name` and returns its path.
    pub(crate) fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write config file");
        path
    }
}

/// A service over `yaml` written to a real file, with no environment variables set.
pub(crate) fn service(yaml: &str) -> ConfigService {
    let files = Files::new();
    let path = files.write("kibana.yml", yaml);
    ConfigService::from_env_with_vars(env_with(vec![path]), |_| None).expect("config loads")
}

/// The outcome of reading section `path` as `T` from `yaml`: the value's debug form or the
/// error message, so message tests read as a table of inputs and outputs.
pub(crate) fn check<T: ConfigSchema + std::fmt::Debug>(path: &str, yaml: &str) -> String {
    let files = Files::new();
    let file = files.write("kibana.yml", yaml);
    let service = ConfigService::from_env_with_vars(env_with(vec![file]), |_| None);
    match service.and_then(|service| service.at_path::<T>(path)) {
        Ok(value) => format!("Ok: {value:?}"),
        Err(error) => error.to_string(),
    }
}

/// The error of a failed read, for matching on variants.
pub(crate) fn error_of<T: std::fmt::Debug>(result: Result<T, ConfigError>) -> ConfigError {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(error) => error,
    }
}
