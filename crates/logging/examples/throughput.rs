//! Logs many records through a file appender and reports records per second, checking that
//! every record reached the file: `cargo run --release -p core-logging --example throughput --
//! [records] [threads]`. Run it under `perf stat` to see the CPU time per record, which the
//! wall-clock figure hides on a busy machine.

use std::time::Instant;

use core_logging::{LoggingConfig, LoggingService};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let total: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(2_000_000);
    let threads: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1)
        .max(1);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("throughput.log");
    let config: LoggingConfig = serde_json::from_value(serde_json::json!({
        "appenders": { "file": { "kind": "file", "path": path, "layout": { "kind": "pattern" } } },
        "root": { "level": "info", "appenders": ["file"] },
    }))?;
    let logging = LoggingService::try_new()?;
    logging.upgrade(config)?;
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
    let lines = std::fs::read(&path)?
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64;
    anyhow::ensure!(
        lines == per_thread * threads,
        "lost records: {lines} lines for {} records",
        per_thread * threads
    );
    println!(
        "{} records from {threads} thread(s) in {:.3} s: {:.0} records/s, all {lines} lines on disk",
        per_thread * threads,
        elapsed.as_secs_f64(),
        (per_thread * threads) as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}
