//! Errors of the plugins service. Every variant names the plugin(s) involved.

use std::time::Duration;

use core_config::ConfigError;

use crate::dependencies::Phase;
use crate::discovery::error::PluginDiscoveryError;

/// Why a lifecycle step of one plugin failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LifecycleFailure {
    /// The step returned an error (its message with its causes).
    Error(String),
    /// The step panicked (the panic message).
    Panic(String),
    /// The step did not finish within `plugins.lifecycleTimeout`.
    Timeout(Duration),
}

/// A problem that stops the plugins service.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PluginsError {
    /// Invalid or incompatible manifests (Kibana's message, one tab-indented line per error).
    #[error("Failed to initialize plugins:{}", .0.iter().map(|e| format!("\n\t{e}")).collect::<String>())]
    Discovery(Vec<PluginDiscoveryError>),
    /// Two registrations share an id.
    #[error(
        "Plugin with id \"{id}\" is already registered! (registered by {first} and by {second})"
    )]
    DuplicateId {
        /// The id.
        id: String,
        /// The manifest registered first.
        first: String,
        /// The manifest registered second.
        second: String,
    },
    /// A manifest says `"server": true`, but the registration has no plugin type.
    #[error(
        "Plugin \"{id}\" declares \"server\": true in {source_path}, but was registered without a plugin type (PluginRegistration::ui_only)."
    )]
    MissingServerPart {
        /// The plugin id.
        id: String,
        /// Its manifest.
        source_path: String,
    },
    /// The `plugins` config section is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A plugin's config section does not match its declared config type.
    #[error("Plugin \"{plugin}\" has invalid configuration: {error}")]
    PluginConfig {
        /// The plugin id.
        plugin: String,
        /// The config error, naming the key path.
        error: ConfigError,
    },
    /// The dependency graph has a cycle (Kibana's message, then the cycle as a path).
    #[error(
        "Topological ordering of plugins did not complete, these edges could not be ordered: {} (dependency cycle: {})",
        unordered_json(.unordered), .cycle.join(" -> ")
    )]
    DependencyCycle {
        /// The plugins that could not be ordered, in insertion order.
        unordered: Vec<String>,
        /// `a -> b -> … -> a`, each depending on the next.
        cycle: Vec<String>,
    },
    /// A plugin in the graph requires one that is not in it.
    #[error(
        "Topological ordering of plugins did not complete, these edges could not be ordered: {} (plugin \"{plugin}\" requires \"{dependency}\", which is missing)",
        unordered_json(.unordered)
    )]
    MissingDependency {
        /// The plugins that could not be ordered, in insertion order.
        unordered: Vec<String>,
        /// The plugin with the missing dependency.
        plugin: String,
        /// The missing plugin.
        dependency: String,
    },
    /// A plugin's setup, start or stop failed.
    #[error("{}", lifecycle_message(.plugin, *.phase, .failure))]
    Lifecycle {
        /// The plugin id.
        plugin: String,
        /// The step that failed.
        phase: Phase,
        /// How it failed.
        failure: LifecycleFailure,
    },
    /// `start` of a plugin that was never set up (Kibana's message).
    #[error("Plugin \"{0}\" can't be started since it isn't set up.")]
    StartBeforeSetup(String),
    /// `stop` of a plugin that was never set up (Kibana's message).
    #[error("Plugin \"{0}\" can't be stopped since it isn't set up.")]
    StopBeforeSetup(String),
    /// The service's own steps were called out of order.
    #[error("The plugins service cannot {0}: {1}")]
    OutOfOrder(&'static str, &'static str),
}

/// Kibana serialised the leftover `[name, Set]` pairs; a JS `Set` becomes `{}`.
fn unordered_json(unordered: &[String]) -> String {
    let pairs: Vec<String> = unordered
        .iter()
        .map(|name| format!("[{},{{}}]", serde_json::Value::from(name.as_str())))
        .collect();
    format!("[{}]", pairs.join(","))
}

fn lifecycle_message(plugin: &str, phase: Phase, failure: &LifecycleFailure) -> String {
    match failure {
        LifecycleFailure::Timeout(timeout) => {
            let step = match phase {
                Phase::Setup => "Setup",
                Phase::Start => "Start",
                Phase::Stop => "Stop",
            };
            format!(
                "{step} lifecycle of \"{plugin}\" plugin wasn't completed in {}sec",
                timeout.as_secs_f64()
            )
        }
        LifecycleFailure::Error(message) => {
            format!("Plugin \"{plugin}\" failed during {phase}: {message}")
        }
        LifecycleFailure::Panic(message) => {
            format!("Plugin \"{plugin}\" panicked during {phase}: {message}")
        }
    }
}
