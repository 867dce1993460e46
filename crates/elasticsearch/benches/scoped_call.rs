//! `call_as_current_user` against the bare official client sending the same request to the same
//! local stub (see `bench_support::elasticsearch`; `cargo xtask bench` measures the same pair).
//!
//! Each iteration makes both calls and times one, so that both figures see the same load on a
//! shared machine.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let pair = runtime
        .block_on(bench_support::elasticsearch::SearchPair::start())
        .expect("stub and clients");
    let pair = &pair;

    let mut group = c.benchmark_group("search_via_local_stub");
    group.bench_function("bare_official_client", |b| {
        b.to_async(&runtime).iter_custom(|iterations| async move {
            let mut timed = Duration::ZERO;
            for _ in 0..iterations {
                let start = Instant::now();
                pair.bare_call().await.expect("bare call");
                timed += start.elapsed();
                pair.platform_call().await.expect("platform call");
            }
            timed
        });
    });
    group.bench_function("call_as_current_user", |b| {
        b.to_async(&runtime).iter_custom(|iterations| async move {
            let mut timed = Duration::ZERO;
            for _ in 0..iterations {
                pair.bare_call().await.expect("bare call");
                let start = Instant::now();
                pair.platform_call().await.expect("platform call");
                timed += start.elapsed();
            }
            timed
        });
    });
    group.finish();

    c.bench_function("resolve_search_endpoint", |b| {
        b.iter(|| {
            core_elasticsearch::endpoint_table::resolve(
                "search",
                json!({"index": ["a", "b"], "size": 10, "body": {"size": 0}}),
            )
            .expect("search resolves")
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
