//! What a plugin receives when it is created (Kibana's `PluginInitializerContext`).

use std::sync::Arc;

use core_config::{ConfigError, ConfigSchema, ConfigService, ConfigSubscription, Env};
use core_logging::LoggerFactory;

use crate::discovery::manifest::PluginManifest;

/// An opaque token identifying one plugin to core (Kibana's `opaqueId` symbol): core can tell
/// plugins apart by it without plugins being able to forge another's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PluginOpaqueId(u64);

impl PluginOpaqueId {
    pub(crate) fn new(value: u64) -> Self {
        Self(value)
    }
}

/// What core knows about a plugin when it builds that plugin's core contracts.
#[derive(Debug, Clone)]
pub struct PluginInfo {
    /// The plugin's opaque id.
    pub opaque_id: PluginOpaqueId,
    /// The plugin's validated manifest.
    pub manifest: Arc<PluginManifest>,
    /// Where the manifest came from (used in messages).
    pub source: String,
}

impl PluginInfo {
    /// The plugin's id.
    pub fn id(&self) -> &str {
        &self.manifest.id
    }
}

/// Access to the plugin's own config section (at its manifest's `configPath`).
#[derive(Clone)]
pub struct PluginConfigContext {
    service: ConfigService,
    /// Shared, so cloning the context (once per plugin at setup) allocates nothing.
    path: Arc<str>,
}

impl PluginConfigContext {
    /// The dotted config path of this plugin.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The plugin's typed config now and on every change; absent config gives `T`'s defaults.
    pub fn create<T: ConfigSchema>(&self) -> Result<ConfigSubscription<T>, ConfigError> {
        self.service.subscribe(&self.path)
    }

    /// Like [`create`](Self::create), but `None` when nothing is configured at the plugin's path.
    pub fn create_if_exists<T: ConfigSchema>(
        &self,
    ) -> Result<Option<ConfigSubscription<T>>, ConfigError> {
        match self.service.optional_at_path::<T>(&self.path)? {
            None => Ok(None),
            Some(_) => self.service.subscribe(&self.path).map(Some),
        }
    }
}

/// The shared services every plugin's initializer context is built from.
#[derive(Clone)]
pub(crate) struct ContextSources {
    pub(crate) env: Arc<Env>,
    pub(crate) loggers: LoggerFactory,
    pub(crate) config: ConfigService,
}

impl ContextSources {
    /// The context of plugin `opaque_id`, whose interned id is `id` and whose config lives at
    /// `config_path`.
    pub(crate) fn context_for(
        &self,
        opaque_id: PluginOpaqueId,
        id: Arc<str>,
        config_path: Arc<str>,
    ) -> PluginInitializerContext {
        PluginInitializerContext::new(
            opaque_id,
            id,
            config_path,
            Arc::clone(&self.env),
            &self.loggers,
            self.config.clone(),
        )
    }
}

/// The config path of `manifest` as the context holds it: the interned `id` itself when the
/// manifest does not name another path (the usual case), so no string is copied.
pub(crate) fn shared_config_path(manifest: &PluginManifest, id: &Arc<str>) -> Arc<str> {
    if manifest.config_path == manifest.id {
        Arc::clone(id)
    } else {
        Arc::from(manifest.config_path.as_str())
    }
}

/// Everything a plugin gets when it is created: its identity, the environment, loggers under
/// `plugins.<id>`, and its config.
#[derive(Clone)]
pub struct PluginInitializerContext {
    opaque_id: PluginOpaqueId,
    id: Arc<str>,
    env: Arc<Env>,
    logger: LoggerFactory,
    config: PluginConfigContext,
}

impl PluginInitializerContext {
    /// Builds the context of the plugin with interned id `id` whose config lives at
    /// `config_path` (the plugins service does this right before creating the plugin; plugin
    /// unit tests use `testing::initializer_context`).
    pub(crate) fn new(
        opaque_id: PluginOpaqueId,
        id: Arc<str>,
        config_path: Arc<str>,
        env: Arc<Env>,
        root_logger: &LoggerFactory,
        config: ConfigService,
    ) -> Self {
        Self {
            opaque_id,
            logger: root_logger.prefixed(&["plugins", &id]),
            id,
            env,
            config: PluginConfigContext {
                service: config,
                path: config_path,
            },
        }
    }

    /// The plugin's opaque id.
    pub fn opaque_id(&self) -> PluginOpaqueId {
        self.opaque_id
    }

    /// The plugin's id.
    pub fn plugin_id(&self) -> &str {
        &self.id
    }

    /// The server's environment (mode, package info, paths); read-only.
    pub fn env(&self) -> &Arc<Env> {
        &self.env
    }

    /// A logger factory whose contexts start with `plugins.<id>`.
    pub fn logger(&self) -> &LoggerFactory {
        &self.logger
    }

    /// The plugin's config section.
    pub fn config(&self) -> &PluginConfigContext {
        &self.config
    }
}
