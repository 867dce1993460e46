//! Benchmarks: the cost of a filtered-out call, of a span while spans are not exported (what every
//! request pays for its spans under `TracingEvents`), and sustained records per second through a
//! file appender with the pattern layout (every run checks that no record was lost). The measuring
//! routines live in `bench_support::logging`, shared with the `throughput` example and the bench
//! probes.

use std::hint::black_box;
use std::time::Duration;

use core_logging::LoggingService;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn filtered_out(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let logging = LoggingService::new();
    logging
        .upgrade(
            bench_support::logging::file_config(&dir.path().join("filtered.log"), "info")
                .expect("config"),
        )
        .expect("config applies");
    let logger = logging.logger_factory().get(&["plugins", "bench"]);
    let mut group = c.benchmark_group("filtered_out");
    group.bench_function("debug_str", |b| {
        b.iter(|| logger.debug(black_box("not written")))
    });
    let payload = vec![1u64; 64];
    group.bench_function("trace_format_args", |b| {
        b.iter(|| logger.trace(format_args!("expensive {:?}", black_box(&payload))))
    });
    group.finish();
    logging.stop();
}

/// A span shaped like the request span (a target nobody exports, fields recorded later), under
/// `TracingEvents` as the default subscriber, as a server runs without an exporter.
fn span_not_exported(c: &mut Criterion) {
    let logging = LoggingService::new();
    let events = core_logging::TracingEvents::new(logging.logger_factory());
    let _default = tracing::subscriber::set_default(events);
    let mut group = c.benchmark_group("span_not_exported");
    group.bench_function("info_span_record_enter", |b| {
        b.iter(|| {
            let span = tracing::info_span!(
                target: "http.server",
                "http.request",
                http.route = tracing::field::Empty,
                http.response.status_code = tracing::field::Empty,
            );
            if !span.is_disabled() {
                span.record("http.route", black_box("/api/greeting/{name}"));
            }
            let _entered = span.enter();
            black_box(&span);
        })
    });
    group.finish();
    logging.stop();
}

fn file_appender(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut group = c.benchmark_group("file_appender_pattern");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(1));
    for threads in [1, 2] {
        group.bench_function(format!("{threads}_threads"), |b| {
            // Records per iteration are criterion's choice; at least 1 000 000 per run so the
            // service's start and stop are amortized.
            b.iter_custom(|iters| {
                let records = iters.max(1_000_000);
                let run =
                    bench_support::logging::log_to_file(dir.path(), records, threads).expect("run");
                assert!(
                    run.lossless(),
                    "records lost: {} lines for {} records",
                    run.lines,
                    run.records
                );
                run.elapsed.mul_f64(iters as f64 / records as f64)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, filtered_out, span_not_exported, file_appender);
criterion_main!(benches);
