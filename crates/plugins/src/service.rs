//! The plugins service: discovery, enablement and the lifecycle, in core's conventions.

use std::collections::HashMap;
use std::sync::Arc;

use core_config::{ConfigService, Env};
use core_logging::{Logger, LoggerFactory};

use crate::config::{PLUGINS_CONFIG_PATH, PluginsConfig};
use crate::context::{PluginInfo, PluginInitializerContext, PluginOpaqueId};
use crate::contracts::{PluginsServiceSetup, PluginsServiceStart};
use crate::deps::TypeIndex;
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

        // Duplicates and explicit enablement, in discovery order.
        let mut positions: HashMap<&str, usize> = HashMap::with_capacity(candidates.len());
        let mut types: TypeIndex = HashMap::with_capacity(candidates.len());
        let mut type_of = HashMap::with_capacity(candidates.len());
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
                Some(server) => {
                    let id: Arc<str> = Arc::from(id);
                    types
                        .entry(server.type_id)
                        .or_default()
                        .push(Arc::clone(&id));
                    type_of.insert(id, server.type_id);
                }
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

        let statuses = enablement(&candidates, &positions, &explicitly_enabled);
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
        drop(positions);

        let mut report = DiscoveredPlugins {
            plugins: Vec::with_capacity(candidates.len()),
        };
        for (opaque, (candidate, status)) in candidates.into_iter().zip(statuses).enumerate() {
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
            self.system
                .add_plugin(self.wrap(opaque as u64, candidate, &env));
        }
        self.system.set_types(types, type_of);
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

    fn wrap(&self, opaque: u64, candidate: Candidate<C>, env: &Arc<Env>) -> PluginWrapper<C> {
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
            info,
            log,
            context,
            candidate
                .server
                .map(|server| (server.type_id, server.initializer)),
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

/// Kibana's rule: a plugin runs when it is enabled and every plugin reachable through
/// `requiredPlugins` exists and is enabled. Computed in linear time by spreading "disabled"
/// backwards along required edges (Kibana's recursive walk is exponential on wide DAGs).
fn enablement<C: CoreContracts>(
    candidates: &[Candidate<C>],
    positions: &HashMap<&str, usize>,
    explicitly_enabled: &[bool],
) -> Vec<PluginStatus> {
    let n = candidates.len();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut runs: Vec<bool> = explicitly_enabled.to_vec();
    for (i, candidate) in candidates.iter().enumerate() {
        for dep in &candidate.manifest.required_plugins {
            match positions.get(dep.as_str()) {
                Some(&d) => dependents[d].push(i),
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
                let mut missing: Vec<PluginName> = Vec::new();
                for dep in &candidates[i].manifest.required_plugins {
                    let ok = positions.get(dep.as_str()).is_some_and(|&d| runs[d]);
                    if !ok && !missing.contains(dep) {
                        missing.push(dep.clone());
                    }
                }
                PluginStatus::MissingDependencies(missing)
            }
        })
        .collect()
}
