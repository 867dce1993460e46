//! Discovery + ordering + setup + start of many no-op plugins in a random DAG (about three
//! required dependencies each), at 1k, 10k and 100k plugins to show how the cost grows.
//!
//! The graph and the measured span live in `bench_support::plugins` (shared with
//! `cargo xtask bench`): each sample is the sum of that many timed startups, each with fresh
//! registrations and config built before its clock starts.

use std::time::Duration;

use bench_support::plugins::{manifests, quiet_logging, run_lifecycle};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn lifecycle(c: &mut Criterion) {
    let logging = quiet_logging().expect("quiet logging service");
    let loggers = logging.logger_factory();
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
                b.iter_custom(|iterations| {
                    runtime.block_on(async {
                        let mut total = Duration::ZERO;
                        for _ in 0..iterations {
                            total += run_lifecycle(&loggers, manifests)
                                .await
                                .expect("lifecycle of the no-op plugins");
                        }
                        total
                    })
                });
            },
        );
    }
    group.finish();
    logging.stop();
}

criterion_group!(benches, lifecycle);
criterion_main!(benches);
