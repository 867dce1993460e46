#![doc = include_str!("../README.md")]

mod config;
mod context;
mod contracts;
mod dep_graph;
mod deps;
mod discovery_error;
mod error;
mod graph;
mod manifest;
mod plugin;
mod registration;
mod service;
mod system;
mod wrapper;

pub use config::{PLUGINS_CONFIG_PATH, PluginsConfig};
pub use context::{PluginConfigContext, PluginInfo, PluginInitializerContext, PluginOpaqueId};
pub use contracts::{DiscoveredPlugin, PluginContracts, PluginsServiceSetup, PluginsServiceStart};
pub use deps::{DependencyError, Phase, SetupDeps, StartDeps};
pub use discovery_error::{DiscoveryErrorKind, PluginDiscoveryError};
pub use error::{LifecycleFailure, PluginsError};
pub use manifest::{MAX_MANIFEST_BYTES, PluginManifest, PluginName};
pub use plugin::{CoreContracts, Plugin, PluginContract};
pub use registration::PluginRegistration;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub use service::{
    CoreSetupFactory, CoreStartFactory, DiscoveredPlugins, PluginStatus, PluginsService,
    PluginsServiceSetupDeps, PluginsServiceStartDeps,
};
