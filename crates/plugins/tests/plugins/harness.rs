//! A test core, a recording plugin type and a service harness shared by the tests.

use std::sync::Arc;
use std::time::Duration;

use core_logging::testing::{CapturedLogs, capturing_logger_factory};
use core_plugins::{
    CoreContracts, Plugin, PluginRegistration, PluginsError, PluginsService, PluginsServiceSetup,
    PluginsServiceSetupDeps, PluginsServiceStart, PluginsServiceStartDeps, SetupDeps, StartDeps,
};
use events::Events;

/// The core contracts of the tests: each plugin learns which plugin its core was built for.
pub(crate) struct TestCore;

/// What a plugin gets as `CoreSetup` in these tests.
pub(crate) struct CoreSetupStub {
    pub(crate) built_for: String,
}

/// What a plugin gets as `CoreStart` in these tests.
pub(crate) struct CoreStartStub {
    pub(crate) built_for: String,
}

impl CoreContracts for TestCore {
    type Setup = CoreSetupStub;
    type Start = CoreStartStub;
}

/// A shared, ordered event log (std Mutex: enough for tests).
pub(crate) mod events {
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    pub(crate) struct Events(Arc<Mutex<Vec<String>>>);

    impl Events {
        pub(crate) fn push(&self, event: impl Into<String>) {
            self.0.lock().unwrap().push(event.into());
        }
        pub(crate) fn all(&self) -> Vec<String> {
            self.0.lock().unwrap().clone()
        }
    }
}

pub(crate) type SetupProbe = Arc<dyn Fn(&SetupDeps<TestCore>) -> String + Send + Sync>;
pub(crate) type StartProbe = Arc<dyn Fn(&StartDeps<TestCore>) -> String + Send + Sync>;

/// What a [`Recorder`] does besides recording.
#[derive(Clone, Default)]
pub(crate) struct Behavior {
    pub(crate) fail_setup: bool,
    pub(crate) panic_setup: bool,
    pub(crate) panic_initializer: bool,
    pub(crate) sleep_setup: Option<Duration>,
    pub(crate) fail_start: bool,
    pub(crate) fail_stop: bool,
    pub(crate) setup_probe: Option<SetupProbe>,
    pub(crate) start_probe: Option<StartProbe>,
}

/// A plugin that records every call; `N` makes each use a distinct Rust type. Its contracts are
/// `"<phase>-of-<id>"` strings.
pub(crate) struct Recorder<const N: usize> {
    id: String,
    events: Events,
    behavior: Behavior,
}

impl<const N: usize> Plugin<TestCore> for Recorder<N> {
    type Setup = String;
    type Start = String;

    async fn setup(
        &mut self,
        core: CoreSetupStub,
        deps: SetupDeps<TestCore>,
    ) -> anyhow::Result<String> {
        let received: Vec<String> = deps
            .available()
            .map(|name| format!("{name}={}", deps.get_by_name::<String>(name).unwrap()))
            .collect();
        self.events.push(format!(
            "setup {} core-for={} deps=[{}]",
            self.id,
            core.built_for,
            received.join(", ")
        ));
        if let Some(probe) = &self.behavior.setup_probe {
            self.events
                .push(format!("probe {}: {}", self.id, probe(&deps)));
        }
        if let Some(sleep) = self.behavior.sleep_setup {
            tokio::time::sleep(sleep).await;
        }
        if self.behavior.panic_setup {
            panic!("boom in {}", self.id);
        }
        if self.behavior.fail_setup {
            return Err(anyhow::anyhow!("connection refused").context("cannot reach the moon"));
        }
        Ok(format!("setup-of-{}", self.id))
    }

    async fn start(
        &mut self,
        core: CoreStartStub,
        deps: StartDeps<TestCore>,
    ) -> anyhow::Result<String> {
        let received: Vec<String> = deps
            .available()
            .map(|name| format!("{name}={}", deps.get_by_name::<String>(name).unwrap()))
            .collect();
        self.events.push(format!(
            "start {} core-for={} deps=[{}]",
            self.id,
            core.built_for,
            received.join(", ")
        ));
        if let Some(probe) = &self.behavior.start_probe {
            self.events
                .push(format!("probe {}: {}", self.id, probe(&deps)));
        }
        if self.behavior.fail_start {
            anyhow::bail!("start refused");
        }
        Ok(format!("start-of-{}", self.id))
    }

    async fn stop(&mut self) -> anyhow::Result<()> {
        self.events.push(format!("stop {}", self.id));
        if self.behavior.fail_stop {
            anyhow::bail!("stop refused");
        }
        Ok(())
    }
}

/// A manifest with a server part, compatible with any version.
pub(crate) fn manifest(id: &str, required: &[&str], optional: &[&str]) -> String {
    serde_json::json!({
        "id": id,
        "version": "1.0.0",
        "kibanaVersion": "kibana",
        "server": true,
        "requiredPlugins": required,
        "optionalPlugins": optional,
    })
    .to_string()
}

/// A registration of `Recorder<N>` with `manifest_json`.
pub(crate) fn recorder<const N: usize>(
    manifest_json: String,
    events: &Events,
    behavior: Behavior,
) -> PluginRegistration<TestCore> {
    let id: String = serde_json::from_str::<serde_json::Value>(&manifest_json)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "unparsable".to_owned());
    let events = events.clone();
    PluginRegistration::new::<Recorder<N>>(
        manifest_json,
        format!("plugins/{id}/kibana.json"),
        move |ctx| {
            events.push(format!(
                "init {} logger-prefix-ok={}",
                ctx.plugin_id(),
                ctx.plugin_id() == id
            ));
            if behavior.panic_initializer {
                panic!("initializer of {id} exploded");
            }
            Recorder {
                id,
                events,
                behavior,
            }
        },
    )
}

/// A plugins service with captured logs and an event log.
pub(crate) struct Harness {
    pub(crate) service: PluginsService<TestCore>,
    pub(crate) logs: CapturedLogs,
    pub(crate) events: Events,
}

impl Harness {
    pub(crate) fn new(
        config: serde_json::Value,
        registrations: Vec<PluginRegistration<TestCore>>,
        events: &Events,
    ) -> Self {
        let (loggers, logs) = capturing_logger_factory();
        let config = core_config::testing::config_from_json(config);
        Self {
            service: PluginsService::new(config, loggers, registrations),
            logs,
            events: events.clone(),
        }
    }

    pub(crate) async fn setup(&mut self) -> Result<PluginsServiceSetup, PluginsError> {
        let events = self.events.clone();
        self.service
            .setup(PluginsServiceSetupDeps::new(move |info| {
                events.push(format!("core-setup for {}", info.id()));
                CoreSetupStub {
                    built_for: info.id().to_owned(),
                }
            }))
            .await
    }

    pub(crate) async fn start(&mut self) -> Result<PluginsServiceStart, PluginsError> {
        self.service
            .start(PluginsServiceStartDeps::new(|info| CoreStartStub {
                built_for: info.id().to_owned(),
            }))
            .await
    }

    /// Log lines without debug records (those are snapshotted separately where they matter).
    pub(crate) fn lines_without_debug(&self) -> Vec<String> {
        self.logs
            .lines()
            .into_iter()
            .filter(|line| !line.starts_with("[debug]"))
            .collect()
    }
}

/// A plain recorder instance, for registrations written by hand in a test.
pub(crate) fn recorder_instance<const N: usize>(id: &str, events: &Events) -> Recorder<N> {
    Recorder {
        id: id.to_owned(),
        events: events.clone(),
        behavior: Behavior::default(),
    }
}
