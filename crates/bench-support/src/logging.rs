//! The logging measurements shared by core-logging's benchmark, its `throughput` example and the
//! bench probes: plain functions, no criterion, so a probe can run one measurement and print it.
//!
//! Depends only on core-logging, serde_json, tempfile and std (feature `logging`).

use std::error::Error;
use std::fs::File;
use std::hint::black_box;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use core_logging::{LoggingConfig, LoggingService};

/// Errors of a measurement run (setting up the service, reading the file back).
pub type RunError = Box<dyn Error + Send + Sync>;

/// The message every producer logs, as `format_args!` pieces: a short HTTP access line.
/// Kept as a macro so each call formats two integers, like a real access log record.
macro_rules! access_line {
    ($thread:expr, $seq:expr) => {
        format_args!("GET /api/status 200 thread={} seq={}", $thread, $seq)
    };
}

/// A config whose root logs at `level` to one file appender at `path` with the default
/// pattern layout (`[{timestamp}][{level}][{context}] {message}`).
pub fn file_config(path: &Path, level: &str) -> Result<LoggingConfig, RunError> {
    Ok(serde_json::from_value(serde_json::json!({
        "appenders": { "file": { "kind": "file", "path": path, "layout": { "kind": "pattern" } } },
        "root": { "level": level, "appenders": ["file"] },
    }))?)
}

/// The outcome of [`log_to_file`].
#[derive(Debug, Clone, Copy)]
pub struct FileRun {
    /// Records logged, over all threads.
    pub records: u64,
    /// Lines found in the file after `stop` (equal to `records` unless something was lost).
    pub lines: u64,
    /// From just before the first record until `stop` returned (everything written, flushed and
    /// closed).
    pub elapsed: Duration,
}

impl FileRun {
    /// Records per second over [`FileRun::elapsed`].
    pub fn records_per_second(&self) -> f64 {
        self.records as f64 / self.elapsed.as_secs_f64()
    }

    /// Whether every record reached the file.
    pub fn lossless(&self) -> bool {
        self.lines == self.records
    }
}

/// Logs `records` info records from `threads` threads (at least one) through a fresh
/// [`LoggingService`] into a new file in `dir` with the pattern layout, stops the service (which
/// writes and flushes everything), then counts the file's lines. The file is removed afterwards.
///
/// Producer threads are named `log-producer-N`, so profilers can tell them from the service's
/// `core-logging` writer thread.
pub fn log_to_file(dir: &Path, records: u64, threads: u64) -> Result<FileRun, RunError> {
    let threads = threads.max(1);
    let path = dir.join(format!("throughput-{threads}-{records}.log"));
    // A leftover from an interrupted run would add lines; a missing file is the normal case.
    let _ = std::fs::remove_file(&path);
    let logging = LoggingService::try_new()?;
    logging.upgrade(file_config(&path, "info")?)?;
    let factory = logging.logger_factory();
    let start = Instant::now();
    std::thread::scope(|scope| -> Result<(), RunError> {
        let mut producers = Vec::new();
        for thread in 0..threads {
            // Spread the remainder so exactly `records` are logged.
            let count = records / threads + u64::from(thread < records % threads);
            let logger = factory.get(&["server", "http"]);
            producers.push(
                std::thread::Builder::new()
                    .name(format!("log-producer-{thread}"))
                    .spawn_scoped(scope, move || {
                        for seq in 0..count {
                            logger.info(access_line!(thread, seq));
                        }
                    })?,
            );
        }
        for producer in producers {
            producer.join().map_err(|_| "a producer thread panicked")?;
        }
        Ok(())
    })?;
    logging.stop();
    let elapsed = start.elapsed();
    let lines = count_lines(&path)?;
    std::fs::remove_file(&path)?;
    Ok(FileRun {
        records,
        lines,
        elapsed,
    })
}

/// [`log_to_file`] in a fresh temporary directory (removed afterwards).
pub fn log_to_temp_file(records: u64, threads: u64) -> Result<FileRun, RunError> {
    let dir = tempfile::tempdir()?;
    log_to_file(dir.path(), records, threads)
}

/// Newlines in the file at `path`, read in 1 MiB chunks (the file can be hundreds of MiB).
pub fn count_lines(path: &Path) -> Result<u64, RunError> {
    let mut file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let mut chunk = vec![0u8; 1 << 20];
    let mut lines = 0u64;
    loop {
        let read = file
            .read(&mut chunk)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if read == 0 {
            return Ok(lines);
        }
        lines += chunk[..read].iter().filter(|&&byte| byte == b'\n').count() as u64;
    }
}

/// Nanoseconds per `logger.debug(..)` call on a logger at `info` (filtered out at the call
/// site), over `calls` calls in a plain loop. The service writes to a file in `dir` that no
/// record reaches.
pub fn filtered_out_ns_per_call(dir: &Path, calls: u64) -> Result<f64, RunError> {
    let logging = LoggingService::try_new()?;
    logging.upgrade(file_config(&dir.join("filtered.log"), "info")?)?;
    let logger = logging.logger_factory().get(&["plugins", "bench"]);
    // Warm up: first calls fault in code and the logger's state.
    for _ in 0..calls.min(1_000_000) {
        logger.debug(black_box("not written"));
    }
    let start = Instant::now();
    for _ in 0..calls {
        logger.debug(black_box("not written"));
    }
    let elapsed = start.elapsed();
    logging.stop();
    Ok(elapsed.as_nanos() as f64 / calls.max(1) as f64)
}

/// [`filtered_out_ns_per_call`] with a fresh temporary directory (removed afterwards).
pub fn filtered_out_ns_per_call_in_temp(calls: u64) -> Result<f64, RunError> {
    let dir = tempfile::tempdir()?;
    filtered_out_ns_per_call(dir.path(), calls)
}
