//! Config errors. Every error names the full key path.

use std::path::PathBuf;

/// A problem found while reading or validating configuration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A config file could not be read.
    #[error("cannot read config file {path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },
    /// A config file is not valid YAML.
    #[error("invalid YAML in {path} at line {line}, column {column}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A config file is not valid YAML and the parser gave no position (e.g. several
    /// `---` documents in one file).
    #[error("invalid YAML in {path}: {message}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A config file's top level is not a map of keys (e.g. a bare list or string).
    #[error("config file {path} must contain a map of keys at the top level, but got [{found}]")]
    NotAMap {
        /// The file.
        path: PathBuf,
        /// What the top level is, in Kibana's type words (`Array`, `string`, ...).
        found: String,
    },
    /// A value at `path` is invalid (wrong type, out of range, unknown key, ...).
    #[error("[{path}]: {message}")]
    Invalid {
        /// The full dotted key path, e.g. `server.port`.
        path: String,
        /// What is wrong, e.g. `expected a number between 0 and 65535 but got "abc"`.
        message: String,
    },
    /// `${NAME}` names an environment variable that is not set.
    #[error("[{path}]: environment variable \"{variable}\" is not set")]
    MissingEnvVar {
        /// The key whose value uses the variable.
        path: String,
        /// The variable's name.
        variable: String,
    },
    /// Keys that no part of the system reads.
    #[error("Unknown configuration key(s): {}. Check for spelling errors and ensure that expected plugins are installed.", .0.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", "))]
    UnusedKeys(Vec<String>),
}

/// A validation failure inside a typed section, relative to that section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The key path relative to the section (`port`, `ssl.key`); empty for the section itself.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl ValidationError {
    /// A failure at `path` (relative to the section being validated).
    ///
    /// # Arguments
    ///
    /// * `path` - the dotted key path inside the section, such as `ssl.key`; empty for the section
    ///   itself.
    /// * `message` - what is wrong, as the user should read it.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}
