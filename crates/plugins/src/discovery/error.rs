//! Errors found while discovering plugins, in Kibana's `<message> (<kind>, <path>)` form.

use std::fmt;

/// What kind of discovery problem occurred (Kibana's `PluginDiscoveryErrorType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiscoveryErrorKind {
    /// The manifest file could not be read.
    MissingManifest,
    /// The manifest is not valid JSON or breaks a manifest rule.
    InvalidManifest,
    /// The manifest's `kibanaVersion` does not match the running server.
    IncompatibleVersion,
}

impl DiscoveryErrorKind {
    /// Kibana's name for the kind, e.g. `invalid-manifest`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingManifest => "missing-manifest",
            Self::InvalidManifest => "invalid-manifest",
            Self::IncompatibleVersion => "incompatible-version",
        }
    }

    /// Whether this kind stops the server from starting (Kibana: invalid and incompatible
    /// manifests do; a missing manifest does not).
    pub fn is_fatal(self) -> bool {
        matches!(self, Self::InvalidManifest | Self::IncompatibleVersion)
    }
}

impl fmt::Display for DiscoveryErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One plugin that could not be discovered, naming its manifest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} ({kind}, {path})")]
pub struct PluginDiscoveryError {
    /// The kind of problem.
    pub kind: DiscoveryErrorKind,
    /// The manifest path (as registered).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl PluginDiscoveryError {
    /// An error of `kind` about the manifest at `path`.
    ///
    /// # Arguments
    ///
    /// * `kind` - the kind of problem.
    /// * `path` - the manifest path as registered.
    /// * `message` - what is wrong.
    pub fn new(
        kind: DiscoveryErrorKind,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            path: path.into(),
            message: message.into(),
        }
    }
}
