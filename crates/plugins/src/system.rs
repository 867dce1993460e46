//! The lifecycle engine: orders the enabled plugins and runs setup/start/stop over them
//! (Kibana's `PluginsSystem`).

use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

use core_logging::Logger;

use crate::context::{ContextSources, PluginInfo};
use crate::contracts::{DiscoveredPlugin, PluginContracts};
use crate::dependencies::{DepsView, Phase, PhaseContracts};
use crate::dependency_graph::DepGraph;
use crate::error::PluginsError;
use crate::order::{DependencySource, OrderingFailure, topological_order};
use crate::plugin::CoreContracts;
use crate::wrapper::PluginWrapper;

pub(crate) struct PluginsSystem<C: CoreContracts> {
    log: Logger,
    /// What each plugin's initializer context is built from.
    sources: ContextSources,
    /// The enabled plugins in discovery order; a plugin's index here is its engine position
    /// in `graph`.
    plugins: Vec<PluginWrapper<C>>,
    /// Every discovered plugin's dependencies, resolved once by discovery, so the engine does
    /// no name lookups.
    graph: Arc<DepGraph>,
    /// Positions in `plugins`, in setup order, once computed.
    order: Option<Vec<usize>>,
    /// Plugins whose setup completed, in setup order (Kibana's `satupPlugins`).
    set_up: Vec<usize>,
}

impl<C: CoreContracts> PluginsSystem<C> {
    pub(crate) fn new(log: Logger, sources: ContextSources) -> Self {
        Self {
            log,
            sources,
            plugins: Vec::new(),
            graph: Arc::default(),
            order: None,
            set_up: Vec::new(),
        }
    }

    /// Installs the enabled plugins (in discovery order) and the dependency graph whose engine
    /// positions index them.
    pub(crate) fn set_plugins(&mut self, plugins: Vec<PluginWrapper<C>>, graph: DepGraph) {
        debug_assert_eq!(plugins.len(), graph.engine_len());
        self.plugins = plugins;
        self.graph = Arc::new(graph);
        self.order = None;
    }

    pub(crate) fn len(&self) -> usize {
        self.plugins.len()
    }

    fn sorted(&mut self) -> Result<Vec<usize>, PluginsError> {
        if let Some(order) = &self.order {
            return Ok(order.clone());
        }
        let engine = EngineGraph {
            graph: &self.graph,
            plugins: &self.plugins,
        };
        let order = topological_order(&engine).map_err(|failure| match failure {
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
        Ok(self.store_in_order(order))
    }

    /// Moves the plugins into setup order, so setup and start walk them (and their contract
    /// slots) front to back instead of jumping around memory; returns the order that applies
    /// afterwards. Done once, before any step has run (nothing else holds the graph then).
    fn store_in_order(&mut self, order: Vec<usize>) -> Vec<usize> {
        let graph = match Arc::get_mut(&mut self.graph) {
            Some(graph) if self.set_up.is_empty() => graph,
            _ => {
                self.order = Some(order.clone());
                return order;
            }
        };
        graph.reorder_engine(&order);
        let mut slots: Vec<Option<PluginWrapper<C>>> = std::mem::take(&mut self.plugins)
            .into_iter()
            .map(Some)
            .collect();
        self.plugins = order
            .iter()
            .filter_map(|&position| slots[position].take())
            .collect();
        let order: Vec<usize> = (0..self.plugins.len()).collect();
        self.order = Some(order.clone());
        order
    }

    /// The ids at `positions`, comma-joined (as Kibana printed an array), formatted only when
    /// the record is written.
    fn names<'a>(&'a self, positions: &'a [usize]) -> impl std::fmt::Display + 'a {
        NameList {
            plugins: &self.plugins,
            positions,
        }
    }

    /// The view of plugin `i`'s declared dependencies over one step's `contracts`.
    fn deps_of(&self, i: usize, contracts: &Arc<PhaseContracts>) -> DepsView {
        DepsView {
            position: i,
            shared: Arc::clone(contracts),
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

        let contracts = Arc::new(PhaseContracts::new(Phase::Setup, Arc::clone(&self.graph)));
        let mut out = PluginContracts::with_capacity(order.len());
        for i in order {
            if !self.plugins[i].has_server_part() {
                continue;
            }
            self.log.debug(format_args!(
                "Setting up plugin \"{}\"...",
                self.plugins[i].id
            ));
            let deps = self.deps_of(i, &contracts);
            let core_setup = core(&self.plugins[i].info);
            let plugin = &mut self.plugins[i];
            let span = tracing::info_span!(
                target: "plugins",
                "plugin.setup",
                plugin.id = &*plugin.id,
            );
            match plugin
                .setup(&self.sources, core_setup, deps, timeout)
                .instrument(span)
                .await
            {
                Ok(contract) => {
                    out.insert(Arc::clone(&plugin.id), contract.clone());
                    contracts.set(i, contract);
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

        let contracts = Arc::new(PhaseContracts::new(Phase::Start, Arc::clone(&self.graph)));
        let mut out = PluginContracts::with_capacity(self.set_up.len());
        for n in 0..self.set_up.len() {
            let i = self.set_up[n];
            self.log.debug(format_args!(
                "Starting plugin \"{}\"...",
                self.plugins[i].id
            ));
            let deps = self.deps_of(i, &contracts);
            let core_start = core(&self.plugins[i].info);
            let plugin = &mut self.plugins[i];
            let span = tracing::info_span!(
                target: "plugins",
                "plugin.start",
                plugin.id = &*plugin.id,
            );
            match plugin
                .start(core_start, deps, timeout)
                .instrument(span)
                .await
            {
                Ok(contract) => {
                    out.insert(Arc::clone(&plugin.id), contract.clone());
                    contracts.set(i, contract);
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

/// The engine's plugins and their resolved dependencies, as the ordering reads them.
struct EngineGraph<'a, C: CoreContracts> {
    graph: &'a DepGraph,
    plugins: &'a [PluginWrapper<C>],
}

impl<C: CoreContracts> DependencySource for EngineGraph<'_, C> {
    fn len(&self) -> usize {
        self.plugins.len()
    }

    fn deps(&self, i: usize) -> impl Iterator<Item = (Option<usize>, bool)> + '_ {
        self.graph
            .links(self.graph.engine_plugin(i))
            .iter()
            .map(|link| (self.graph.position_of(link), link.required))
    }

    fn name(&self, i: usize) -> &str {
        &self.plugins[i].id
    }

    fn dep_name(&self, i: usize, k: usize) -> &str {
        self.graph
            .name(&self.graph.links(self.graph.engine_plugin(i))[k])
    }
}
