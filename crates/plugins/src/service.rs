//! The plugins service: discovery, enablement and the lifecycle, in core's conventions.

use std::any::TypeId;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use core_config::{ConfigService, Env};
use core_logging::{Logger, LoggerFactory};
use rustc_hash::FxHashMap;

use crate::config::{PLUGINS_CONFIG_PATH, PluginsConfig};
use crate::context::{ContextSources, PluginInfo, PluginOpaqueId};
use crate::contracts::{PluginsServiceSetup, PluginsServiceStart};
use crate::dep_graph::DepGraph;
use crate::discovery_error::PluginDiscoveryError;
use crate::error::PluginsError;
use crate::manifest::{PluginManifest, PluginName};
use crate::plugin::CoreContracts;
use crate::registration::{ManifestSource, PluginRegistration, ServerPart};
use crate::system::PluginsSystem;
use crate::wrapper::PluginWrapper;

/// Builds the core setup contract handed to one plugin.
pub type CoreSetupFactory<C> =
    Box<dyn Fn(&PluginInfo) -> <C as CoreContracts>::Setup + Send + Sync>;
/// Builds the core start contract handed to one plugin.
pub type CoreStartFactory<C> =
    Box<dyn Fn(&PluginInfo) -> <C as CoreContracts>::Start + Send + Sync>;

/// What [`PluginsService::setup`] needs from core.
pub struct PluginsServiceSetupDeps<C: CoreContracts> {
    /// Builds each plugin's `CoreSetup`, scoped to that plugin.
    pub core: CoreSetupFactory<C>,
}

impl<C: CoreContracts> PluginsServiceSetupDeps<C> {
    /// Setup dependencies from a per-plugin factory.
    ///
    /// # Arguments
    ///
    /// * `core` - builds the `CoreSetup` of the plugin it is given, once per plugin.
    pub fn new(core: impl Fn(&PluginInfo) -> C::Setup + Send + Sync + 'static) -> Self {
        Self {
            core: Box::new(core),
        }
    }
}

/// What [`PluginsService::start`] needs from core.
pub struct PluginsServiceStartDeps<C: CoreContracts> {
    /// Builds each plugin's `CoreStart`, scoped to that plugin.
    pub core: CoreStartFactory<C>,
}

impl<C: CoreContracts> PluginsServiceStartDeps<C> {
    /// Start dependencies from a per-plugin factory.
    ///
    /// # Arguments
    ///
    /// * `core` - builds the `CoreStart` of the plugin it is given, once per plugin.
    pub fn new(core: impl Fn(&PluginInfo) -> C::Start + Send + Sync + 'static) -> Self {
        Self {
            core: Box::new(core),
        }
    }
}

/// Whether a discovered plugin takes part in the lifecycle, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginStatus {
    /// Enabled, with all its required plugins.
    Enabled,
    /// `<configPath>.enabled` is `false`.
    Disabled,
    /// Enabled itself, but these required plugins are missing or disabled.
    MissingDependencies(Vec<PluginName>),
}

/// The outcome of [`PluginsService::discover`]: every discovered plugin in discovery order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscoveredPlugins {
    /// `(id, status)` per plugin.
    pub plugins: Vec<(PluginName, PluginStatus)>,
}

/// One registration whose manifest parsed.
struct Candidate<C: CoreContracts> {
    manifest: Arc<PluginManifest>,
    source: String,
    server: Option<ServerPart<C>>,
    config_check: Option<crate::registration::ConfigCheck>,
}

/// Discovers the registered plugins, decides which are enabled, and runs their lifecycle in
/// dependency order (Kibana's `PluginsService`).
pub struct PluginsService<C: CoreContracts> {
    log: Logger,
    config: ConfigService,
    registrations: Vec<PluginRegistration<C>>,
    plugins_config: PluginsConfig,
    system: PluginsSystem<C>,
    discovered: Option<DiscoveredPlugins>,
}

impl<C: CoreContracts> PluginsService<C> {
    /// A service over the distribution's `registrations`.
    ///
    /// # Arguments
    ///
    /// * `config` - the config the `plugins` section and the plugins' own sections are read from.
    /// * `loggers` - where the service's and the plugins' loggers come from.
    /// * `registrations` - the distribution's plugins, in any order; discovery orders them.
    pub fn new(
        config: ConfigService,
        loggers: LoggerFactory,
        registrations: Vec<PluginRegistration<C>>,
    ) -> Self {
        let log = loggers.get(&["plugins"]);
        let sources = ContextSources {
            env: Arc::clone(config.env()),
            loggers,
            config: config.clone(),
        };
        Self {
            system: PluginsSystem::new(log.clone(), sources),
            log,
            config,
            registrations,
            plugins_config: PluginsConfig::default(),
            discovered: None,
        }
    }

    /// Parses every manifest, rejects duplicates, and decides which plugins are enabled.
    /// Runs once; [`setup`](Self::setup) calls it when it has not run yet.
    pub fn discover(&mut self) -> Result<&DiscoveredPlugins, PluginsError> {
        if self.discovered.is_none() {
            let discovered = self.run_discovery()?;
            self.discovered = Some(discovered);
        }
        Ok(self.discovered.get_or_insert_default())
    }

    fn run_discovery(&mut self) -> Result<DiscoveredPlugins, PluginsError> {
        self.plugins_config = self.config.at_path::<PluginsConfig>(PLUGINS_CONFIG_PATH)?;
        let env: Arc<Env> = Arc::clone(self.config.env());
        let candidates = self.parse_manifests(&env.package_info.version)?;
        let count = candidates.len();

        // The id → position map's keys are slices of one contiguous copy of every id: the
        // dependency lookups below compare keys at random, and a compact copy stays in cache
        // where the manifests (one heap allocation each) would not.
        let mut id_text = String::with_capacity(
            candidates
                .iter()
                .map(|candidate| candidate.manifest.id.len())
                .sum(),
        );
        let mut id_ends = Vec::with_capacity(count);
        for candidate in &candidates {
            id_text.push_str(&candidate.manifest.id);
            id_ends.push(id_text.len());
        }

        // Duplicates and explicit enablement, in discovery order. Ids are interned once here;
        // every later structure shares these `Arc`s.
        let mut ids: Vec<Arc<str>> = Vec::with_capacity(count);
        let mut types: Vec<Option<TypeId>> = Vec::with_capacity(count);
        let mut positions: FxHashMap<&str, usize> =
            FxHashMap::with_capacity_and_hasher(count, Default::default());
        let mut explicitly_enabled = Vec::with_capacity(count);
        let mut id_start = 0;
        for (i, (candidate, &id_end)) in candidates.iter().zip(&id_ends).enumerate() {
            let id = &id_text[id_start..id_end];
            id_start = id_end;
            match positions.entry(id) {
                Entry::Occupied(first) => {
                    return Err(PluginsError::DuplicateId {
                        id: id.to_owned(),
                        first: candidates[*first.get()].source.clone(),
                        second: candidate.source.clone(),
                    });
                }
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
            if candidate.server.is_none() && candidate.manifest.server {
                return Err(PluginsError::MissingServerPart {
                    id: id.to_owned(),
                    source_path: candidate.source.clone(),
                });
            }
            ids.push(Arc::from(id));
            types.push(candidate.server.as_ref().map(|server| server.type_id));
            explicitly_enabled.push(
                self.config
                    .is_enabled_at_path(&candidate.manifest.config_path),
            );
        }
        // Every declared dependency is looked up by name exactly once, here.
        let mut graph = DepGraph::new(ids, types);
        for candidate in &candidates {
            let manifest = &candidate.manifest;
            let declared = manifest
                .required_plugins
                .iter()
                .map(|name| (name.as_str(), true))
                .chain(
                    manifest
                        .optional_plugins
                        .iter()
                        .map(|name| (name.as_str(), false)),
                );
            graph.link_next(declared, &positions);
        }
        drop(positions);

        let statuses = enablement(&graph, &explicitly_enabled);
        for (candidate, status) in candidates.iter().zip(&statuses) {
            let id = &candidate.manifest.id;
            match status {
                PluginStatus::Enabled => {}
                PluginStatus::Disabled => self.log.info(format_args!("Plugin \"{id}\" is disabled.")),
                PluginStatus::MissingDependencies(missing) => self.log.info(format_args!(
                    "Plugin \"{id}\" has been disabled since some of its direct or transitive dependencies are missing or disabled. Missing or disabled: [{}]",
                    missing.join(", ")
                )),
            }
        }

        // Engine positions (enabled plugins only) are known before any plugin is added, so
        // dependencies on later plugins resolve too.
        graph.set_enabled(
            statuses
                .iter()
                .map(|status| *status == PluginStatus::Enabled),
        );
        let mut report = DiscoveredPlugins {
            plugins: Vec::with_capacity(count),
        };
        let mut plugins = Vec::with_capacity(graph.engine_len());
        for (i, (candidate, status)) in candidates.into_iter().zip(statuses).enumerate() {
            let enabled = status == PluginStatus::Enabled;
            report.plugins.push((candidate.manifest.id.clone(), status));
            if !enabled {
                continue;
            }
            if let Some(check) = candidate.config_check {
                check(&self.config, &candidate.manifest.config_path).map_err(|error| {
                    PluginsError::PluginConfig {
                        plugin: candidate.manifest.id.clone(),
                        error,
                    }
                })?;
            }
            plugins.push(wrap(i as u64, Arc::clone(graph.id(i)), candidate));
        }
        self.system.set_plugins(plugins, graph);
        self.log
            .debug(format_args!("Discovered {} plugins.", report.plugins.len()));
        Ok(report)
    }

    /// Parses every registration's manifest; invalid and incompatible manifests are fatal
    /// (logged, then reported together), unreadable ones are skipped with a warning.
    fn parse_manifests(&mut self, kibana_version: &str) -> Result<Vec<Candidate<C>>, PluginsError> {
        let mut candidates = Vec::with_capacity(self.registrations.len());
        let mut fatal: Vec<PluginDiscoveryError> = Vec::new();
        for registration in std::mem::take(&mut self.registrations) {
            let parsed = match &registration.manifest {
                ManifestSource::Inline { text, path } => {
                    PluginManifest::parse(text, path, kibana_version)
                }
                ManifestSource::File(path) => PluginManifest::read(path, kibana_version),
            };
            match parsed {
                Ok(manifest) => candidates.push(Candidate {
                    manifest: Arc::new(manifest),
                    source: registration.manifest.into_path(),
                    server: registration.server,
                    config_check: registration.config_check,
                }),
                Err(error) if error.kind.is_fatal() => {
                    self.log.error(&error);
                    fatal.push(error);
                }
                Err(error) => self.log.warn(format_args!("Plugin skipped: {error}")),
            }
        }
        if fatal.is_empty() {
            Ok(candidates)
        } else {
            Err(PluginsError::Discovery(fatal))
        }
    }

    /// Discovers (if not done yet), orders and sets up the enabled plugins. With
    /// `plugins.initialize: false`, nothing is set up and the contracts are empty.
    ///
    /// # Arguments
    ///
    /// * `deps` - builds each plugin's `CoreSetup`.
    pub async fn setup(
        &mut self,
        deps: PluginsServiceSetupDeps<C>,
    ) -> Result<PluginsServiceSetup, PluginsError> {
        self.discover()?;
        let ui_plugins = self.system.ui_plugins()?;
        if !self.plugins_config.initialize {
            self.log.info("Plugin initialization disabled.");
            return Ok(PluginsServiceSetup {
                contracts: Default::default(),
                ui_plugins,
            });
        }
        let timeout = self.plugins_config.lifecycle_timeout;
        let contracts = self.system.setup_plugins(&*deps.core, timeout).await?;
        Ok(PluginsServiceSetup {
            contracts,
            ui_plugins,
        })
    }

    /// Starts the plugins that were set up, in setup order.
    ///
    /// # Arguments
    ///
    /// * `deps` - builds each plugin's `CoreStart`.
    pub async fn start(
        &mut self,
        deps: PluginsServiceStartDeps<C>,
    ) -> Result<PluginsServiceStart, PluginsError> {
        if self.discovered.is_none() {
            return Err(PluginsError::OutOfOrder("start", "setup has not run"));
        }
        let timeout = self.plugins_config.lifecycle_timeout;
        let contracts = self.system.start_plugins(&*deps.core, timeout).await?;
        Ok(PluginsServiceStart { contracts })
    }

    /// Stops the plugins in reverse setup order; failures are logged, never returned.
    pub async fn stop(&mut self) {
        self.system
            .stop_plugins(self.plugins_config.lifecycle_timeout)
            .await;
    }

    /// How many plugins take part in the lifecycle (after enablement).
    pub fn enabled_count(&self) -> usize {
        self.system.len()
    }
}

/// A plugin as the lifecycle engine holds it: created right before its setup.
fn wrap<C: CoreContracts>(opaque: u64, id: Arc<str>, candidate: Candidate<C>) -> PluginWrapper<C> {
    let info = PluginInfo {
        opaque_id: PluginOpaqueId::new(opaque),
        manifest: candidate.manifest,
        source: candidate.source,
    };
    PluginWrapper::new(id, info, candidate.server.map(|server| server.initializer))
}

/// Kibana's rule: a plugin runs when it is enabled and every plugin reachable through
/// `requiredPlugins` exists and is enabled. Computed in linear time by spreading "disabled"
/// backwards along required edges (Kibana's recursive walk is exponential on wide DAGs).
fn enablement(graph: &DepGraph, explicitly_enabled: &[bool]) -> Vec<PluginStatus> {
    let n = graph.discovered();
    let mut runs: Vec<bool> = explicitly_enabled.to_vec();
    for (i, runs) in runs.iter_mut().enumerate() {
        if graph
            .links(i)
            .iter()
            .any(|link| link.required && graph.target(link).is_none())
        {
            *runs = false;
        }
    }
    let mut queue: Vec<usize> = (0..n).filter(|&i| !runs[i]).collect();
    if !queue.is_empty() {
        // Only when something is disabled: who requires whom, to spread it.
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for i in 0..n {
            for link in graph.links(i).iter().filter(|link| link.required) {
                if let Some(d) = graph.target(link) {
                    dependents[d].push(i);
                }
            }
        }
        while let Some(blocked) = queue.pop() {
            for &dependent in &dependents[blocked] {
                if runs[dependent] {
                    runs[dependent] = false;
                    queue.push(dependent);
                }
            }
        }
    }
    (0..n)
        .map(|i| {
            if runs[i] {
                PluginStatus::Enabled
            } else if !explicitly_enabled[i] {
                PluginStatus::Disabled
            } else {
                let missing = graph
                    .links(i)
                    .iter()
                    .filter(|link| link.required && !graph.target(link).is_some_and(|d| runs[d]))
                    .map(|link| graph.name(link).to_string())
                    .collect();
                PluginStatus::MissingDependencies(missing)
            }
        })
        .collect()
}
