//! Benchmarks: the cost of a filtered-out call, and sustained records per second through a file
//! appender with the pattern layout (every run checks that no record was lost).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use core_logging::{LoggingConfig, LoggingService};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn file_config(path: &Path, level: &str) -> LoggingConfig {
    serde_json::from_value(serde_json::json!({
        "appenders": { "file": { "kind": "file", "path": path, "layout": { "kind": "pattern" } } },
        "root": { "level": level, "appenders": ["file"] },
    }))
    .expect("valid config")
}

fn filtered_out(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let logging = LoggingService::new();
    logging
        .upgrade(file_config(&dir.path().join("filtered.log"), "info"))
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

/// Logs `total` records from `threads` threads through a fresh service, stops it (which writes
/// and flushes everything), and returns the elapsed time. Panics if a line is missing.
fn run_file_appender(dir: &Path, threads: u64, total: u64) -> Duration {
    let path = dir.join(format!("throughput-{threads}-{total}.log"));
    let _ = std::fs::remove_file(&path);
    let logging = LoggingService::new();
    logging
        .upgrade(file_config(&path, "info"))
        .expect("config applies");
    let factory = logging.logger_factory();
    let per_thread = total / threads;
    let start = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let logger = factory.get(&["server", "http"]);
            scope.spawn(move || {
                for i in 0..per_thread {
                    logger.info(format_args!("GET /api/status 200 thread={thread} seq={i}"));
                }
            });
        }
    });
    logging.stop();
    let elapsed = start.elapsed();
    let lines = std::fs::read(&path)
        .expect("log file")
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64;
    assert_eq!(lines, per_thread * threads, "records lost");
    let _ = std::fs::remove_file(&path);
    elapsed
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
                let total = iters.max(1_000_000).div_ceil(threads) * threads;
                let elapsed = run_file_appender(dir.path(), threads, total);
                elapsed.mul_f64(iters as f64 / total as f64)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, filtered_out, file_appender);
criterion_main!(benches);
