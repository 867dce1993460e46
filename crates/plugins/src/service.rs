//! The plugins service: discovery ([`crate::discovery`]) and the lifecycle
//! ([`crate::system`]), in core's conventions.

use std::sync::Arc;

use core_config::ConfigService;
use core_logging::{Logger, LoggerFactory};

use crate::config::{PLUGINS_CONFIG_PATH, PluginsConfig};
use crate::context::{ContextSources, PluginInfo};
use crate::contracts::{PluginsServiceSetup, PluginsServiceStart};
use crate::discovery::{self, DiscoveredPlugins, Discovery};
use crate::error::PluginsError;
use crate::plugin::CoreContracts;
use crate::registration::PluginRegistration;
use crate::system::PluginsSystem;

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

    /// Reads the `plugins` config section, discovers the registered plugins and hands the
    /// enabled ones, with their dependency links, to the lifecycle engine.
    fn run_discovery(&mut self) -> Result<DiscoveredPlugins, PluginsError> {
        self.plugins_config = self.config.at_path::<PluginsConfig>(PLUGINS_CONFIG_PATH)?;
        let registrations = std::mem::take(&mut self.registrations);
        let Discovery {
            report,
            plugins,
            graph,
        } = discovery::discover(&self.config, &self.log, registrations)?;
        self.system.set_plugins(plugins, graph);
        self.log
            .debug(format_args!("Discovered {} plugins.", report.plugins.len()));
        Ok(report)
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
