//! The plugins service: discovery, enablement and the lifecycle, in core's conventions.

use std::any::TypeId;
use std::sync::Arc;

use core_config::{ConfigService, Env};
use core_logging::{Logger, LoggerFactory};
use rustc_hash::FxHashMap;

use crate::config::{PLUGINS_CONFIG_PATH, PluginsConfig};
use crate::context::{PluginInfo, PluginInitializerContext, PluginOpaqueId};
use crate::contracts::{PluginsServiceSetup, PluginsServiceStart};
use crate::deps::TypeIndex;
use crate::discovery_error::PluginDiscoveryError;
use crate::error::PluginsError;
use crate::manifest::{PluginManifest, PluginName};
use crate::plugin::CoreContracts;
use crate::registration::{ManifestSource, PluginRegistration, ServerPart};
use crate::system::{PluginsSystem, ResolvedDep};
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
    loggers: LoggerFactory,
    config: ConfigService,
    registrations: Vec<PluginRegistration<C>>,
    plugins_config: PluginsConfig,
    system: PluginsSystem<C>,
    discovered: Option<DiscoveredPlugins>,
}

impl<C: CoreContracts> PluginsService<C> {
    /// A service over the distribution's `registrations`.
    pub fn new(
        config: ConfigService,
        loggers: LoggerFactory,
        registrations: Vec<PluginRegistration<C>>,
    ) -> Self {
        let log = loggers.get(&["plugins"]);
        Self {
            system: PluginsSystem::new(log.clone()),
            log,
            loggers,
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

        // Duplicates and explicit enablement, in discovery order. Ids are interned once here;
        // every later structure shares these `Arc`s.
        let ids: Vec<Arc<str>> = candidates
            .iter()
            .map(|candidate| Arc::from(candidate.manifest.id.as_str()))
            .collect();
        let mut positions: FxHashMap<&str, usize> =
            FxHashMap::with_capacity_and_hasher(candidates.len(), Default::default());
        let mut types: TypeIndex = TypeIndex::default();
        let mut explicitly_enabled = Vec::with_capacity(candidates.len());
        for (i, candidate) in candidates.iter().enumerate() {
            let id = candidate.manifest.id.as_str();
            if let Some(&first) = positions.get(id) {
                return Err(PluginsError::DuplicateId {
                    id: id.to_owned(),
                    first: candidates[first].source.clone(),
                    second: candidate.source.clone(),
                });
            }
            positions.insert(id, i);
            match &candidate.server {
                Some(server) => types
                    .entry(server.type_id)
                    .or_default()
                    .push(Arc::clone(&ids[i])),
                None if candidate.manifest.server => {
                    return Err(PluginsError::MissingServerPart {
                        id: id.to_owned(),
                        source_path: candidate.source.clone(),
                    });
                }
                None => {}
            }
            explicitly_enabled.push(
                self.config
                    .is_enabled_at_path(&candidate.manifest.config_path),
            );
        }
        // Every declared dependency is looked up by name exactly once, here.
        let links: Vec<Box<[DependencyLink]>> = candidates
            .iter()
            .map(|candidate| link_dependencies(&candidate.manifest, &positions, &ids))
            .collect();
        drop(positions);

        let statuses = enablement(&links, &explicitly_enabled);
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

        // Positions in the lifecycle engine (enabled plugins only), known before any plugin is
        // added so that dependencies on later plugins resolve too.
        let mut engine_position: Vec<Option<usize>> = Vec::with_capacity(candidates.len());
        let mut enabled = 0;
        for status in &statuses {
            if *status == PluginStatus::Enabled {
                engine_position.push(Some(enabled));
                enabled += 1;
            } else {
                engine_position.push(None);
            }
        }
        let type_ids: Vec<Option<TypeId>> = candidates
            .iter()
            .map(|candidate| candidate.server.as_ref().map(|server| server.type_id))
            .collect();

        let mut report = DiscoveredPlugins {
            plugins: Vec::with_capacity(candidates.len()),
        };
        let parts = candidates.into_iter().zip(statuses).zip(ids).zip(&links);
        for (opaque, (((candidate, status), id), links)) in parts.enumerate() {
            report
                .plugins
                .push((candidate.manifest.id.clone(), status.clone()));
            if status != PluginStatus::Enabled {
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
            let resolved = links
                .iter()
                .map(|link| ResolvedDep {
                    id: Arc::clone(&link.id),
                    position: link.target.and_then(|d| engine_position[d]),
                    type_id: link.target.and_then(|d| type_ids[d]),
                    required: link.required,
                })
                .collect();
            let wrapper = self.wrap(opaque as u64, id, candidate, &env);
            self.system.add_plugin(wrapper, resolved);
        }
        self.system.set_types(types);
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
            let source = registration.manifest.path();
            let parsed = match &registration.manifest {
                ManifestSource::Inline { text, path } => {
                    PluginManifest::parse(text, path, kibana_version)
                }
                ManifestSource::File(path) => PluginManifest::read(path, kibana_version),
            };
            match parsed {
                Ok(manifest) => candidates.push(Candidate {
                    manifest: Arc::new(manifest),
                    source,
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

    fn wrap(
        &self,
        opaque: u64,
        id: Arc<str>,
        candidate: Candidate<C>,
        env: &Arc<Env>,
    ) -> PluginWrapper<C> {
        let opaque_id = PluginOpaqueId::new(opaque);
        let context = PluginInitializerContext::new(
            opaque_id,
            &candidate.manifest,
            Arc::clone(env),
            &self.loggers,
            self.config.clone(),
        );
        let log = self.loggers.get(&["plugins", &candidate.manifest.id]);
        let info = PluginInfo {
            opaque_id,
            manifest: candidate.manifest,
            source: candidate.source,
        };
        PluginWrapper::new(
            id,
            info,
            log,
            context,
            candidate.server.map(|server| server.initializer),
        )
    }

    /// Discovers (if not done yet), orders and sets up the enabled plugins. With
    /// `plugins.initialize: false`, nothing is set up and the contracts are empty.
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

/// One declared dependency of a discovered plugin, looked up once.
struct DependencyLink {
    /// The dependency's id (shared with the plugin's own id when it was discovered).
    id: Arc<str>,
    /// Its position in discovery order; `None` when no such plugin was discovered.
    target: Option<usize>,
    required: bool,
}

/// The declared dependencies of `manifest` (required then optional, each once), resolved
/// against the discovered plugins.
fn link_dependencies(
    manifest: &PluginManifest,
    positions: &FxHashMap<&str, usize>,
    ids: &[Arc<str>],
) -> Box<[DependencyLink]> {
    let declared = manifest
        .required_plugins
        .iter()
        .map(|name| (name, true))
        .chain(manifest.optional_plugins.iter().map(|name| (name, false)));
    let mut links: Vec<DependencyLink> =
        Vec::with_capacity(manifest.required_plugins.len() + manifest.optional_plugins.len());
    for (name, required) in declared {
        // A handful of names per manifest: a linear scan beats hashing.
        if links.iter().any(|link| *link.id == **name) {
            continue;
        }
        let target = positions.get(name.as_str()).copied();
        links.push(DependencyLink {
            id: target.map_or_else(|| Arc::from(name.as_str()), |d| Arc::clone(&ids[d])),
            target,
            required,
        });
    }
    links.into_boxed_slice()
}

/// Kibana's rule: a plugin runs when it is enabled and every plugin reachable through
/// `requiredPlugins` exists and is enabled. Computed in linear time by spreading "disabled"
/// backwards along required edges (Kibana's recursive walk is exponential on wide DAGs).
fn enablement(links: &[Box<[DependencyLink]>], explicitly_enabled: &[bool]) -> Vec<PluginStatus> {
    let n = links.len();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut runs: Vec<bool> = explicitly_enabled.to_vec();
    for (i, links) in links.iter().enumerate() {
        for link in links.iter().filter(|link| link.required) {
            match link.target {
                Some(d) => dependents[d].push(i),
                None => runs[i] = false,
            }
        }
    }
    let mut queue: Vec<usize> = (0..n).filter(|&i| !runs[i]).collect();
    while let Some(blocked) = queue.pop() {
        for &dependent in &dependents[blocked] {
            if runs[dependent] {
                runs[dependent] = false;
                queue.push(dependent);
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
                let missing = links[i]
                    .iter()
                    .filter(|link| link.required && !link.target.is_some_and(|d| runs[d]))
                    .map(|link| link.id.to_string())
                    .collect();
                PluginStatus::MissingDependencies(missing)
            }
        })
        .collect()
}
