//! The no-op plugin graph core-plugins' lifecycle benchmark and the bench probes measure, usable
//! outside criterion.
//!
//! [`manifests`] builds `n` manifests of one no-op plugin type: plugin `i` requires up to three
//! random plugins `j < i` (a random DAG, about three edges per plugin), registered in a shuffled
//! order so the topological sort has real work. [`run_lifecycle`] measures one startup of them:
//! `PluginsService::new`, discovery (manifest parsing, duplicate check, enablement), ordering,
//! setup and start of every plugin. Building the registrations and the config tree happens before
//! the clock starts, and dropping the service (freeing every plugin) after it stops, so the
//! figure holds only the plugins engine. Logging goes through a real [`LoggingService`] whose
//! root level is `off` ([`quiet_logging`]), so records are dropped at the call site.
//!
//! Depends only on core-plugins, core-logging, core-config (feature `testing`), serde_json and
//! anyhow (feature `plugins`), so a plain release binary can use it.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use core_config::testing::config_from_json;
use core_logging::{LoggerFactory, LoggingConfig, LoggingService};
use core_plugins::{
    CoreContracts, Plugin, PluginRegistration, PluginsService, PluginsServiceSetupDeps,
    PluginsServiceStartDeps, SetupDeps, StartDeps,
};

/// Core contracts with nothing in them: the benchmark measures the engine, not core.
pub struct BenchCore;

impl CoreContracts for BenchCore {
    type Setup = ();
    type Start = ();
}

/// A plugin that does nothing; one type registered under every id.
pub struct Noop;

impl Plugin<BenchCore> for Noop {
    type Setup = ();
    type Start = ();

    async fn setup(&mut self, _core: (), _deps: SetupDeps<BenchCore>) -> anyhow::Result<()> {
        Ok(())
    }

    async fn start(&mut self, _core: (), _deps: StartDeps<BenchCore>) -> anyhow::Result<()> {
        Ok(())
    }
}

/// xorshift64*: deterministic and dependency-free, so every run builds the same graph.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound as u64) as usize
    }
}

/// Manifests (`kibana.json` texts) of `n` plugins `p0 … p<n-1>`: plugin `i` requires up to
/// three random plugins `j < i` (so the graph is acyclic), listed in a shuffled order.
pub fn manifests(n: usize) -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut manifests: Vec<String> = (0..n)
        .map(|i| {
            let mut deps: Vec<String> = Vec::new();
            for _ in 0..3.min(i) {
                let dep = format!("p{}", rng.below(i));
                if !deps.contains(&dep) {
                    deps.push(dep);
                }
            }
            serde_json::json!({
                "id": format!("p{i}"),
                "version": "1.0.0",
                "kibanaVersion": "kibana",
                "server": true,
                "requiredPlugins": deps,
            })
            .to_string()
        })
        .collect();
    for i in (1..n).rev() {
        manifests.swap(i, rng.below(i + 1));
    }
    manifests
}

/// One [`Noop`] registration per manifest.
pub fn registrations(manifests: &[String]) -> Vec<PluginRegistration<BenchCore>> {
    manifests
        .iter()
        .map(|json| PluginRegistration::new::<Noop>(json.clone(), "bench/kibana.json", |_| Noop))
        .collect()
}

/// A logging service whose root level is `off`. Keep it for the whole run and hand its
/// `logger_factory()` to every [`run_lifecycle`]: loggers are interned per service, so the first
/// run creates the `plugins.<id>` loggers and later runs reuse them, as criterion's samples do.
/// Call `stop()` on it at the end.
pub fn quiet_logging() -> anyhow::Result<LoggingService> {
    let logging = LoggingService::try_new().context("starting the logging service")?;
    let quiet: LoggingConfig =
        serde_json::from_value(serde_json::json!({ "root": { "level": "off" } }))
            .context("logging config")?;
    logging
        .upgrade(quiet)
        .context("applying the logging config")?;
    Ok(logging)
}

/// The wall time of one startup of `manifests`: discovery, ordering, setup and start of every
/// plugin, with loggers from `loggers` (see [`quiet_logging`]). Needs a Tokio runtime with the
/// time driver enabled (a current-thread one is what the benchmark uses).
pub async fn run_lifecycle(
    loggers: &LoggerFactory,
    manifests: &[String],
) -> anyhow::Result<Duration> {
    let registrations = registrations(manifests);
    let config = config_from_json(serde_json::json!({}));

    let started = Instant::now();
    let mut service = PluginsService::new(config, loggers.clone(), registrations);
    let setup = service
        .setup(PluginsServiceSetupDeps::new(|_| ()))
        .await
        .context("plugins setup")?;
    let start = service
        .start(PluginsServiceStartDeps::new(|_| ()))
        .await
        .context("plugins start")?;
    let counts = (setup.contracts.len(), start.contracts.len());
    // The contracts are dropped inside the timed span (as the first version of the benchmark
    // did); the service with every plugin and context is dropped after it.
    drop((setup, start));
    let elapsed = started.elapsed();
    drop(service);

    anyhow::ensure!(
        counts == (manifests.len(), manifests.len()),
        "expected {} plugins set up and started, got {} and {}",
        manifests.len(),
        counts.0,
        counts.1
    );
    Ok(elapsed)
}
