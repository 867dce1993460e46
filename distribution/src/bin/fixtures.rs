//! `core-server-fixtures`: the distribution's runner with extra plugins the end-to-end tests need
//! in a real process. Not shipped. `CORE_SERVER_FIXTURES` (comma-separated) adds:
//! `setup-error` (plugin `failing`, whose setup returns an error) and `setup-timeout` (plugin
//! `sleepy`, whose setup never finishes). The `slow` plugin is always there:
//! `GET /api/slow/{ms}` answers after `ms` milliseconds (a request in flight during shutdown).

use std::process::ExitCode;
use std::time::Duration;

use core_server::{
    Core, CoreSetup, CoreStart, Logger, Plugin, PluginInitializerContext, PluginRegistration,
    RouteConfig, RouteValidation, SetupDeps, StartDeps,
};
use serde::Deserialize;
use serde_json::json;

const SLOW_MANIFEST: &str =
    r#"{ "id": "slow", "version": "0.1.0", "kibanaVersion": "kibana", "server": true }"#;
const FAILING_MANIFEST: &str =
    r#"{ "id": "failing", "version": "0.1.0", "kibanaVersion": "kibana", "server": true }"#;
const SLEEPY_MANIFEST: &str =
    r#"{ "id": "sleepy", "version": "0.1.0", "kibanaVersion": "kibana", "server": true }"#;

/// Answers after a delay; logs when it is stopped.
struct SlowPlugin {
    log: Logger,
}

#[derive(Deserialize)]
struct Delay {
    ms: u64,
}

impl Plugin<Core> for SlowPlugin {
    type Setup = ();
    type Start = ();

    async fn setup(&mut self, core: CoreSetup, _deps: SetupDeps) -> anyhow::Result<()> {
        let mut router = core.http.create_router("/api/slow");
        let log = self.log.clone();
        router.get(
            RouteConfig::new("/{ms}", RouteValidation::new().params::<Delay>()),
            move |_ctx, req, res| {
                let (ms, log) = (req.params().ms, log.clone());
                async move {
                    log.info(format_args!("slow request started ({ms}ms)"));
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    log.info("slow request finished");
                    Ok(res.ok(json!({ "waited_ms": ms })))
                }
            },
        );
        core.http.register_router(router)?;
        Ok(())
    }

    async fn start(&mut self, _core: CoreStart, _deps: StartDeps) -> anyhow::Result<()> {
        Ok(())
    }

    async fn stop(&mut self) -> anyhow::Result<()> {
        self.log.info("slow plugin stopped");
        Ok(())
    }
}

/// Fails its setup.
struct FailingPlugin;

impl Plugin<Core> for FailingPlugin {
    type Setup = ();
    type Start = ();

    async fn setup(&mut self, _core: CoreSetup, _deps: SetupDeps) -> anyhow::Result<()> {
        anyhow::bail!("the fixture refuses to set up")
    }

    async fn start(&mut self, _core: CoreStart, _deps: StartDeps) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Never finishes its setup.
struct SleepyPlugin;

impl Plugin<Core> for SleepyPlugin {
    type Setup = ();
    type Start = ();

    async fn setup(&mut self, _core: CoreSetup, _deps: SetupDeps) -> anyhow::Result<()> {
        std::future::pending::<()>().await;
        Ok(())
    }

    async fn start(&mut self, _core: CoreStart, _deps: StartDeps) -> anyhow::Result<()> {
        Ok(())
    }
}

fn registrations() -> Vec<PluginRegistration> {
    let mut registrations = vec![
        example_greeting_plugin::registration(),
        example_search_plugin::registration(),
        PluginRegistration::new::<SlowPlugin>(
            SLOW_MANIFEST,
            "fixtures/slow/kibana.json",
            |context: PluginInitializerContext| SlowPlugin {
                log: context.logger().get(&[]),
            },
        ),
    ];
    let wanted = std::env::var("CORE_SERVER_FIXTURES").unwrap_or_default();
    for fixture in wanted
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        match fixture {
            "setup-error" => registrations.push(PluginRegistration::new::<FailingPlugin>(
                FAILING_MANIFEST,
                "fixtures/failing/kibana.json",
                |_| FailingPlugin,
            )),
            "setup-timeout" => registrations.push(PluginRegistration::new::<SleepyPlugin>(
                SLEEPY_MANIFEST,
                "fixtures/sleepy/kibana.json",
                |_| SleepyPlugin,
            )),
            other => eprintln!("core-server-fixtures: unknown fixture {other:?} ignored"),
        }
    }
    registrations
}

fn main() -> ExitCode {
    core_server::cli::run(std::env::args_os(), registrations)
}
