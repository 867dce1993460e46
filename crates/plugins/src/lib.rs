#![doc = include_str!("../README.md")]

mod config;
mod context;
mod contracts;
mod dependencies;
mod dependency_graph;
mod discovery;
mod erased;
mod error;
mod order;
mod plugin;
mod registration;
mod service;
mod system;
mod wrapper;

pub use config::{PLUGINS_CONFIG_PATH, PluginsConfig};
pub use context::{PluginConfigContext, PluginInfo, PluginInitializerContext, PluginOpaqueId};
pub use contracts::{
    DiscoveredPlugin, PluginContract, PluginContracts, PluginsServiceSetup, PluginsServiceStart,
};
pub use dependencies::{DependencyError, Phase, SetupDeps, StartDeps};
pub use discovery::error::{DiscoveryErrorKind, PluginDiscoveryError};
pub use discovery::manifest::{MAX_MANIFEST_BYTES, PluginManifest, PluginName};
pub use discovery::{DiscoveredPlugins, PluginStatus};
pub use error::{LifecycleFailure, PluginsError};
pub use plugin::{CoreContracts, Plugin};
pub use registration::PluginRegistration;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub use service::{
    CoreSetupFactory, CoreStartFactory, PluginsService, PluginsServiceSetupDeps,
    PluginsServiceStartDeps,
};
