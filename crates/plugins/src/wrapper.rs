//! One plugin's lifecycle state: created right before setup, stopped at most once
//! (Kibana's `PluginWrapper`).

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use core_logging::Logger;
use futures::FutureExt;

use crate::context::{ContextSources, PluginInfo, shared_config_path};
use crate::contracts::PluginContract;
use crate::dependencies::{DepsView, Phase};
use crate::erased::{BoxFuture, ErasedPlugin};
use crate::error::{LifecycleFailure, PluginsError};
use crate::plugin::CoreContracts;
use crate::registration::Initializer;

pub(crate) struct PluginWrapper<C: CoreContracts> {
    pub(crate) id: Arc<str>,
    pub(crate) info: PluginInfo,
    /// Copied from the manifest at discovery, so the lifecycle, which visits plugins in
    /// dependency order (scattered in memory), need not read the manifest.
    server: bool,
    config_path: Arc<str>,
    /// The plugin's own logger (`plugins.<id>`), created with its initializer context right
    /// before setup: a plugin that is never set up costs neither.
    log: Option<Logger>,
    /// `None` for ui-only plugins, and once the instance has been created.
    initializer: Option<Initializer<C>>,
    instance: Option<Box<dyn ErasedPlugin<C>>>,
}

impl<C: CoreContracts> PluginWrapper<C> {
    /// `id` is the plugin's interned id (the same string as `info.id()`).
    pub(crate) fn new(id: Arc<str>, info: PluginInfo, initializer: Option<Initializer<C>>) -> Self {
        debug_assert_eq!(&*id, info.id());
        Self {
            server: info.manifest.server,
            config_path: shared_config_path(&info.manifest, &id),
            id,
            info,
            log: None,
            initializer,
            instance: None,
        }
    }

    pub(crate) fn has_server_part(&self) -> bool {
        self.server
    }

    /// Creates the instance (with its initializer context from `sources`) and runs its setup.
    pub(crate) async fn setup(
        &mut self,
        sources: &ContextSources,
        core: C::Setup,
        deps: DepsView,
        timeout: Duration,
    ) -> Result<PluginContract, PluginsError> {
        let (instance, log) = self.create_instance(sources)?;
        log.info("Setting up plugin");
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
        if let Some(log) = &self.log {
            log.info("Stopping plugin");
        }
        run_step(&self.id, Phase::Stop, timeout, instance.stop()).await
    }

    fn create_instance(
        &mut self,
        sources: &ContextSources,
    ) -> Result<(Box<dyn ErasedPlugin<C>>, &Logger), PluginsError> {
        let context = sources.context_for(
            self.info.opaque_id,
            Arc::clone(&self.id),
            Arc::clone(&self.config_path),
        );
        let log = self.log.insert(context.logger().get(&[]));
        log.debug("Initializing plugin");
        let Some(initializer) = self.initializer.take() else {
            return Err(PluginsError::OutOfOrder(
                "set up a plugin twice or one without a server part",
                "each plugin is set up once",
            ));
        };
        match std::panic::catch_unwind(AssertUnwindSafe(|| initializer(context))) {
            Ok(instance) => Ok((instance, log)),
            Err(panic) => Err(PluginsError::Lifecycle {
                plugin: self.id.to_string(),
                phase: Phase::Setup,
                failure: LifecycleFailure::Panic(panic_message(panic.as_ref())),
            }),
        }
    }
}

/// Runs one lifecycle step, turning its error, panic or time-out into a [`PluginsError`].
///
/// Most steps complete on their first poll; only a step that has to wait is put under a timer
/// (with the deadline counted from the step's start), so the common case arms no timer.
async fn run_step<T>(
    plugin: &str,
    phase: Phase,
    timeout: Duration,
    step: BoxFuture<'_, anyhow::Result<T>>,
) -> Result<T, PluginsError> {
    // A time-out too large to be a deadline (`Duration::MAX`) is no time-out at all.
    let deadline = tokio::time::Instant::now().checked_add(timeout);
    let mut step = AssertUnwindSafe(step).catch_unwind();
    let first = std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut step).poll(cx))).await;
    let outcome = match (first, deadline) {
        (Poll::Ready(outcome), _) => Ok(outcome),
        (Poll::Pending, Some(deadline)) => tokio::time::timeout_at(deadline, step).await,
        (Poll::Pending, None) => Ok(step.await),
    };
    let failure = match outcome {
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
    use crate::dependencies::{SetupDeps, StartDeps};
    use crate::discovery::manifest::PluginManifest;
    use crate::erased::TypedPlugin;
    use crate::plugin::Plugin;

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
        let info = PluginInfo {
            opaque_id: PluginOpaqueId::new(0),
            manifest: Arc::new(manifest),
            source: "quiet/kibana.json".into(),
        };
        let initializer: Initializer<NoCore> = Box::new(|_| Box::new(TypedPlugin(Quiet)));
        PluginWrapper::new(Arc::from("quiet"), info, Some(initializer))
    }

    fn sources() -> ContextSources {
        let (loggers, _logs) = capturing_logger_factory();
        ContextSources {
            env: test_env(),
            loggers,
            config: config_from_json(serde_json::json!({})),
        }
    }

    fn deps(phase: Phase) -> DepsView {
        DepsView::standalone("quiet", phase)
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
        let contract = plugin
            .setup(&sources(), (), deps(Phase::Setup), timeout)
            .await
            .unwrap();
        assert!(contract.downcast_ref::<()>().is_some());
        plugin.start((), deps(Phase::Start), timeout).await.unwrap();
        plugin.stop(timeout).await.unwrap();
        assert!(
            matches!(plugin.stop(timeout).await, Err(PluginsError::StopBeforeSetup(id)) if id == "quiet")
        );
    }

    /// A step that has to wait runs under the time-out; one that finishes at once needs no
    /// timer; and a time-out too large for a deadline does not overflow.
    #[tokio::test(start_paused = true)]
    async fn waiting_steps_are_timed_and_huge_timeouts_do_not_overflow() {
        let quick = run_step("p", Phase::Start, Duration::ZERO, Box::pin(async { Ok(1) })).await;
        assert_eq!(quick.unwrap(), 1);

        let waits = |delay: Duration| -> BoxFuture<'static, anyhow::Result<u8>> {
            Box::pin(async move {
                tokio::time::sleep(delay).await;
                Ok(2)
            })
        };
        let late = run_step(
            "p",
            Phase::Start,
            Duration::from_secs(1),
            waits(Duration::from_secs(2)),
        )
        .await
        .unwrap_err();
        assert_eq!(
            late.to_string(),
            PluginsError::Lifecycle {
                plugin: "p".into(),
                phase: Phase::Start,
                failure: LifecycleFailure::Timeout(Duration::from_secs(1)),
            }
            .to_string()
        );
        let in_time = run_step(
            "p",
            Phase::Start,
            Duration::from_secs(3),
            waits(Duration::from_secs(2)),
        );
        assert_eq!(in_time.await.unwrap(), 2);
        let unbounded = run_step(
            "p",
            Phase::Start,
            Duration::MAX,
            waits(Duration::from_secs(5)),
        );
        assert_eq!(unbounded.await.unwrap(), 2);
    }
}
