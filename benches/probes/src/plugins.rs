//! Discovery + ordering + setup + start of N no-op plugins, for each N asked.

use anyhow::{Result, bail};
use serde_json::{Value, json};

use crate::{Options, stats};

pub(crate) fn run(options: &Options) -> Result<Value> {
    if options.numbers.is_empty() {
        bail!("usage: bench-probes plugins <count>... [--rounds R]");
    }
    let rounds = options.get("rounds", 5).max(1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let logging = bench_support::plugins::quiet_logging()?;
    let loggers = logging.logger_factory();
    let mut sizes = Vec::new();
    for &plugins in &options.numbers {
        let manifests = bench_support::plugins::manifests(plugins);
        // The first run also creates each plugin's loggers (a real startup does that once); the
        // timed runs after it are what the median is over, as in the criterion bench.
        let cold = runtime.block_on(bench_support::plugins::run_lifecycle(&loggers, &manifests))?;
        let mut runs_ms = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let elapsed =
                runtime.block_on(bench_support::plugins::run_lifecycle(&loggers, &manifests))?;
            runs_ms.push(elapsed.as_secs_f64() * 1e3);
        }
        let median_ms = stats::median(&runs_ms);
        eprintln!(
            "plugins {plugins:>7}: median {median_ms:>9.2} ms (first run {:.2} ms)",
            cold.as_secs_f64() * 1e3
        );
        sizes.push(json!({
            "plugins": plugins,
            "median_ms": median_ms,
            "first_run_ms": cold.as_secs_f64() * 1e3,
            "runs_ms": runs_ms,
        }));
    }
    logging.stop();
    Ok(json!({ "rounds": rounds, "sizes": sizes }))
}
