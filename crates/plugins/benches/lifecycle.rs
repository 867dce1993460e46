//! Discovery + ordering + setup + start of many no-op plugins in a random DAG (about three
//! required dependencies each), at 1k, 10k and 100k plugins to show how the cost grows.
//!
//! Logging goes through a real `LoggingService` whose root level is `off`, so records are
//! dropped at the call site and the figures measure the plugins engine itself.

use std::hint::black_box;

use core_config::testing::config_from_json;
use core_logging::{LoggingConfig, LoggingService};
use core_plugins::{
    CoreContracts, Plugin, PluginRegistration, PluginsService, PluginsServiceSetupDeps,
    PluginsServiceStartDeps, SetupDeps, StartDeps,
};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

struct BenchCore;

impl CoreContracts for BenchCore {
    type Setup = ();
    type Start = ();
}

/// A plugin that does nothing; one type registered under every id.
struct Noop;

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

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound as u64) as usize
    }
}

/// Manifests of `n` plugins: plugin `i` requires up to three random plugins `j < i`
/// (so the graph is acyclic), listed in a shuffled insertion order.
fn manifests(n: usize) -> Vec<String> {
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

fn registrations(manifests: &[String]) -> Vec<PluginRegistration<BenchCore>> {
    manifests
        .iter()
        .map(|json| PluginRegistration::new::<Noop>(json.clone(), "bench/kibana.json", |_| Noop))
        .collect()
}

fn lifecycle(c: &mut Criterion) {
    let logging = LoggingService::new();
    let quiet: LoggingConfig =
        serde_json::from_value(serde_json::json!({"root": {"level": "off"}}))
            .expect("valid logging config");
    logging.upgrade(quiet).expect("logging config applies");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let mut group = c.benchmark_group("discover_setup_start");
    group.sample_size(10);
    for n in [1_000usize, 10_000, 100_000] {
        let manifests = manifests(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(n),
            &manifests,
            |b, manifests| {
                b.iter_batched(
                    || {
                        (
                            registrations(manifests),
                            config_from_json(serde_json::json!({})),
                        )
                    },
                    |(registrations, config)| {
                        let mut service =
                            PluginsService::new(config, logging.logger_factory(), registrations);
                        runtime.block_on(async {
                            let setup = service
                                .setup(PluginsServiceSetupDeps::new(|_| ()))
                                .await
                                .expect("setup");
                            let start = service
                                .start(PluginsServiceStartDeps::new(|_| ()))
                                .await
                                .expect("start");
                            black_box((setup.contracts.len(), start.contracts.len()));
                        });
                        // Returned so that dropping 100k plugins is not timed.
                        service
                    },
                    BatchSize::PerIteration,
                );
            },
        );
    }
    group.finish();
    logging.stop();
}

criterion_group!(benches, lifecycle);
criterion_main!(benches);
