//! The lifecycle engine: orders the enabled plugins and runs setup/start/stop over them
//! (Kibana's `PluginsSystem`).

use std::any::TypeId;
use std::sync::Arc;
use std::time::Duration;

use core_logging::Logger;

use crate::context::PluginInfo;
use crate::contracts::{DiscoveredPlugin, PluginContracts};
use crate::deps::{DeclaredDep, DepsView, Phase, TypeIndex};
use crate::error::PluginsError;
use crate::graph::{GraphDep, GraphNode, OrderingFailure, topological_order};
use crate::plugin::{CoreContracts, PluginContract};
use crate::wrapper::PluginWrapper;

/// One declared dependency, resolved against the plugins in the system.
pub(crate) struct ResolvedDep {
    pub(crate) id: Arc<str>,
    /// Position in `plugins`; `None` for a missing or disabled dependency.
    pub(crate) position: Option<usize>,
    /// The dependency's plugin type when it was discovered with a server part (enabled or
    /// not: a disabled optional dependency must still be recognised as declared).
    pub(crate) type_id: Option<TypeId>,
    pub(crate) required: bool,
}

pub(crate) struct PluginsSystem<C: CoreContracts> {
    log: Logger,
    plugins: Vec<PluginWrapper<C>>,
    types: Arc<TypeIndex>,
    /// Per plugin, its declared dependencies resolved once by discovery (ids, positions,
    /// types), so the engine does no name lookups.
    resolved: Vec<Box<[ResolvedDep]>>,
    /// Positions in `plugins`, in setup order, once computed.
    order: Option<Vec<usize>>,
    /// Plugins whose setup completed, in setup order (Kibana's `satupPlugins`).
    set_up: Vec<usize>,
}

impl<C: CoreContracts> PluginsSystem<C> {
    pub(crate) fn new(log: Logger) -> Self {
        Self {
            log,
            plugins: Vec::new(),
            types: Arc::default(),
            resolved: Vec::new(),
            order: None,
            set_up: Vec::new(),
        }
    }

    /// Adds the next plugin with its declared dependencies, whose positions refer to plugins
    /// added before or after it.
    pub(crate) fn add_plugin(&mut self, plugin: PluginWrapper<C>, deps: Box<[ResolvedDep]>) {
        self.plugins.push(plugin);
        self.resolved.push(deps);
        self.order = None;
    }

    /// The plugin types of every discovered plugin, enabled or not (a disabled optional
    /// dependency must still be recognised as declared).
    pub(crate) fn set_types(&mut self, types: TypeIndex) {
        self.types = Arc::new(types);
    }

    pub(crate) fn len(&self) -> usize {
        self.plugins.len()
    }

    fn sorted(&mut self) -> Result<Vec<usize>, PluginsError> {
        if let Some(order) = &self.order {
            return Ok(order.clone());
        }
        let deps: Vec<Vec<GraphDep<'_>>> = self
            .resolved
            .iter()
            .map(|deps| {
                deps.iter()
                    .map(|dep| GraphDep {
                        name: &dep.id,
                        position: dep.position,
                        required: dep.required,
                    })
                    .collect()
            })
            .collect();
        let nodes: Vec<GraphNode<'_>> = self
            .plugins
            .iter()
            .zip(&deps)
            .map(|(plugin, deps)| GraphNode {
                name: &plugin.id,
                deps,
            })
            .collect();
        let order = topological_order(&nodes).map_err(|failure| match failure {
            OrderingFailure::Cycle { unordered, cycle } => {
                PluginsError::DependencyCycle { unordered, cycle }
            }
            OrderingFailure::Missing {
                unordered,
                plugin,
                dependency,
            } => PluginsError::MissingDependency {
                unordered,
                plugin,
                dependency,
            },
        })?;
        self.order = Some(order.clone());
        Ok(order)
    }

    /// The ids at `positions`, comma-joined (as Kibana printed an array), formatted only when
    /// the record is written.
    fn names<'a>(&'a self, positions: &'a [usize]) -> impl std::fmt::Display + 'a {
        NameList {
            plugins: &self.plugins,
            positions,
        }
    }

    /// The view of plugin `i`'s declared dependencies over `contracts` (by position).
    fn deps_of(&self, i: usize, phase: Phase, contracts: &[Option<PluginContract>]) -> DepsView {
        let declared = self.resolved[i]
            .iter()
            .map(|dep| DeclaredDep {
                id: Arc::clone(&dep.id),
                type_id: dep.type_id,
                contract: dep.position.and_then(|j| contracts[j].clone()),
            })
            .collect();
        DepsView {
            plugin: Arc::clone(&self.plugins[i].id),
            phase,
            declared,
            types: Arc::clone(&self.types),
        }
    }

    pub(crate) async fn setup_plugins(
        &mut self,
        core: &(dyn Fn(&PluginInfo) -> C::Setup + Send + Sync),
        timeout: Duration,
    ) -> Result<PluginContracts, PluginsError> {
        if self.plugins.is_empty() {
            return Ok(PluginContracts::default());
        }
        let order = self.sorted()?;
        self.log.info(format_args!(
            "Setting up [{}] plugins: [{}]",
            self.plugins.len(),
            self.names(&order)
        ));

        let mut contracts: Vec<Option<PluginContract>> = vec![None; self.plugins.len()];
        let mut out = PluginContracts::with_capacity(order.len());
        for i in order {
            if !self.plugins[i].has_server_part() {
                continue;
            }
            self.log.debug(format_args!(
                "Setting up plugin \"{}\"...",
                self.plugins[i].id
            ));
            let deps = self.deps_of(i, Phase::Setup, &contracts);
            let core_setup = core(&self.plugins[i].info);
            match self.plugins[i].setup(core_setup, deps, timeout).await {
                Ok(contract) => {
                    out.insert(Arc::clone(&self.plugins[i].id), contract.clone());
                    contracts[i] = Some(contract);
                    self.set_up.push(i);
                }
                Err(error) => {
                    self.stop_plugins(timeout).await;
                    return Err(error);
                }
            }
        }
        Ok(out)
    }

    pub(crate) async fn start_plugins(
        &mut self,
        core: &(dyn Fn(&PluginInfo) -> C::Start + Send + Sync),
        timeout: Duration,
    ) -> Result<PluginContracts, PluginsError> {
        if self.set_up.is_empty() {
            return Ok(PluginContracts::default());
        }
        self.log.info(format_args!(
            "Starting [{}] plugins: [{}]",
            self.set_up.len(),
            self.names(&self.set_up)
        ));

        let mut contracts: Vec<Option<PluginContract>> = vec![None; self.plugins.len()];
        let mut out = PluginContracts::with_capacity(self.set_up.len());
        for i in self.set_up.clone() {
            self.log.debug(format_args!(
                "Starting plugin \"{}\"...",
                self.plugins[i].id
            ));
            let deps = self.deps_of(i, Phase::Start, &contracts);
            let core_start = core(&self.plugins[i].info);
            match self.plugins[i].start(core_start, deps, timeout).await {
                Ok(contract) => {
                    out.insert(Arc::clone(&self.plugins[i].id), contract.clone());
                    contracts[i] = Some(contract);
                }
                Err(error) => {
                    self.stop_plugins(timeout).await;
                    return Err(error);
                }
            }
        }
        Ok(out)
    }

    /// Stops every set-up plugin in reverse setup order; a failing stop is logged and the
    /// others still stop.
    pub(crate) async fn stop_plugins(&mut self, timeout: Duration) {
        if self.plugins.is_empty() || self.set_up.is_empty() {
            return;
        }
        self.log.info("Stopping all plugins.");
        while let Some(i) = self.set_up.pop() {
            self.log.debug(format_args!(
                "Stopping plugin \"{}\"...",
                self.plugins[i].id
            ));
            if let Err(error) = self.plugins[i].stop(timeout).await {
                self.log.error(error);
            }
        }
    }

    /// The plugins with a ui part, in topological order.
    pub(crate) fn ui_plugins(&mut self) -> Result<Vec<DiscoveredPlugin>, PluginsError> {
        if self.plugins.is_empty() {
            return Ok(Vec::new());
        }
        let order = self.sorted()?;
        Ok(order
            .into_iter()
            .map(|i| &self.plugins[i].info.manifest)
            .filter(|manifest| manifest.ui)
            .map(|manifest| DiscoveredPlugin::from_manifest(manifest))
            .collect())
    }
}

/// Displays plugin ids joined with `,`.
struct NameList<'a, C: CoreContracts> {
    plugins: &'a [PluginWrapper<C>],
    positions: &'a [usize],
}

impl<C: CoreContracts> std::fmt::Display for NameList<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, &i) in self.positions.iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            f.write_str(&self.plugins[i].id)?;
        }
        Ok(())
    }
}
