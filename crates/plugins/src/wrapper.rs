//! One plugin's lifecycle state: created right before setup, stopped at most once
//! (Kibana's `PluginWrapper`).

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use core_logging::Logger;
use futures::FutureExt;

use crate::context::{PluginInfo, PluginInitializerContext};
use crate::deps::{DepsView, Phase};
use crate::error::{LifecycleFailure, PluginsError};
use crate::plugin::{BoxFuture, CoreContracts, ErasedPlugin, PluginContract};
use crate::registration::Initializer;

pub(crate) struct PluginWrapper<C: CoreContracts> {
    pub(crate) id: Arc<str>,
    pub(crate) info: PluginInfo,
    /// The plugin's own logger (`plugins.<id>`).
    log: Logger,
    context: PluginInitializerContext,
    /// `None` for ui-only plugins, and once the instance has been created.
    initializer: Option<Initializer<C>>,
    instance: Option<Box<dyn ErasedPlugin<C>>>,
}

impl<C: CoreContracts> PluginWrapper<C> {
    /// `id` is the plugin's interned id (the same string as `info.id()`).
    pub(crate) fn new(
        id: Arc<str>,
        info: PluginInfo,
        log: Logger,
        context: PluginInitializerContext,
        initializer: Option<Initializer<C>>,
    ) -> Self {
        debug_assert_eq!(&*id, info.id());
        Self {
            id,
            info,
            log,
            context,
            initializer,
            instance: None,
        }
    }

    pub(crate) fn has_server_part(&self) -> bool {
        self.info.manifest.server
    }

    /// Creates the instance and runs its setup.
    pub(crate) async fn setup(
        &mut self,
        core: C::Setup,
        deps: DepsView,
        timeout: Duration,
    ) -> Result<PluginContract, PluginsError> {
        let instance = self.create_instance()?;
        self.log.info("Setting up plugin");
        let instance = self.instance.insert(instance);
        let result = run_step(&self.id, Phase::Setup, timeout, instance.setup(core, deps)).await;
        if result.is_err() {
            // A plugin whose setup failed is not set up: it will not be started or stopped.
            self.instance = None;
        }
        result
    }

    pub(crate) async fn start(
        &mut self,
        core: C::Start,
        deps: DepsView,
        timeout: Duration,
    ) -> Result<PluginContract, PluginsError> {
        let Some(instance) = self.instance.as_mut() else {
            return Err(PluginsError::StartBeforeSetup(self.id.to_string()));
        };
        run_step(&self.id, Phase::Start, timeout, instance.start(core, deps)).await
    }

    /// Stops the plugin and drops its instance.
    pub(crate) async fn stop(&mut self, timeout: Duration) -> Result<(), PluginsError> {
        let Some(mut instance) = self.instance.take() else {
            return Err(PluginsError::StopBeforeSetup(self.id.to_string()));
        };
        self.log.info("Stopping plugin");
        run_step(&self.id, Phase::Stop, timeout, instance.stop()).await
    }

    fn create_instance(&mut self) -> Result<Box<dyn ErasedPlugin<C>>, PluginsError> {
        self.log.debug("Initializing plugin");
        let Some(initializer) = self.initializer.take() else {
            return Err(PluginsError::OutOfOrder(
                "set up a plugin twice or one without a server part",
                "each plugin is set up once",
            ));
        };
        let context = self.context.clone();
        std::panic::catch_unwind(AssertUnwindSafe(|| initializer(context))).map_err(|panic| {
            PluginsError::Lifecycle {
                plugin: self.id.to_string(),
                phase: Phase::Setup,
                failure: LifecycleFailure::Panic(panic_message(panic.as_ref())),
            }
        })
    }
}

/// Runs one lifecycle step, turning its error, panic or time-out into a [`PluginsError`].
async fn run_step<T>(
    plugin: &str,
    phase: Phase,
    timeout: Duration,
    step: BoxFuture<'_, anyhow::Result<T>>,
) -> Result<T, PluginsError> {
    let failure = match tokio::time::timeout(timeout, AssertUnwindSafe(step).catch_unwind()).await {
        Ok(Ok(Ok(value))) => return Ok(value),
        Ok(Ok(Err(error))) => LifecycleFailure::Error(format!("{error:#}")),
        Ok(Err(panic)) => LifecycleFailure::Panic(panic_message(panic.as_ref())),
        Err(_elapsed) => LifecycleFailure::Timeout(timeout),
    };
    Err(PluginsError::Lifecycle {
        plugin: plugin.to_owned(),
        phase,
        failure,
    })
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use core_config::testing::{config_from_json, test_env};
    use core_logging::testing::capturing_logger_factory;

    use super::*;
    use crate::context::PluginOpaqueId;
    use crate::deps::{SetupDeps, StartDeps};
    use crate::manifest::PluginManifest;
    use crate::plugin::{Plugin, TypedPlugin};

    struct NoCore;
    impl CoreContracts for NoCore {
        type Setup = ();
        type Start = ();
    }

    /// A plugin that keeps the default `stop`.
    struct Quiet;
    impl Plugin<NoCore> for Quiet {
        type Setup = ();
        type Start = ();
        async fn setup(&mut self, _: (), _: SetupDeps<NoCore>) -> anyhow::Result<()> {
            Ok(())
        }
        async fn start(&mut self, _: (), _: StartDeps<NoCore>) -> anyhow::Result<()> {
            Ok(())
        }
    }

    fn wrapper() -> PluginWrapper<NoCore> {
        let manifest = PluginManifest::parse(
            r#"{"id":"quiet","version":"1.0.0","server":true}"#,
            "quiet/kibana.json",
            "1.0.0",
        )
        .unwrap();
        let (loggers, _logs) = capturing_logger_factory();
        let opaque_id = PluginOpaqueId::new(0);
        let context = PluginInitializerContext::new(
            opaque_id,
            &manifest,
            test_env(),
            &loggers,
            config_from_json(serde_json::json!({})),
        );
        let info = PluginInfo {
            opaque_id,
            manifest: Arc::new(manifest),
            source: "quiet/kibana.json".into(),
        };
        let initializer: Initializer<NoCore> = Box::new(|_| Box::new(TypedPlugin(Quiet)));
        PluginWrapper::new(
            Arc::from("quiet"),
            info,
            loggers.get(&["plugins", "quiet"]),
            context,
            Some(initializer),
        )
    }

    fn deps(phase: Phase) -> DepsView {
        DepsView {
            plugin: Arc::from("quiet"),
            phase,
            declared: Vec::new(),
            types: Arc::default(),
        }
    }

    #[tokio::test]
    async fn start_and_stop_before_setup_use_kibanas_messages() {
        let mut plugin = wrapper();
        let timeout = Duration::from_secs(1);
        let start = plugin
            .start((), deps(Phase::Start), timeout)
            .await
            .unwrap_err();
        assert_eq!(
            start.to_string(),
            "Plugin \"quiet\" can't be started since it isn't set up."
        );
        let stop = plugin.stop(timeout).await.unwrap_err();
        assert_eq!(
            stop.to_string(),
            "Plugin \"quiet\" can't be stopped since it isn't set up."
        );
    }

    #[tokio::test]
    async fn default_stop_succeeds_once_and_drops_the_instance() {
        let mut plugin = wrapper();
        let timeout = Duration::from_secs(1);
        let contract = plugin.setup((), deps(Phase::Setup), timeout).await.unwrap();
        assert!(contract.downcast_ref::<()>().is_some());
        plugin.start((), deps(Phase::Start), timeout).await.unwrap();
        plugin.stop(timeout).await.unwrap();
        assert!(
            matches!(plugin.stop(timeout).await, Err(PluginsError::StopBeforeSetup(id)) if id == "quiet")
        );
    }
}
