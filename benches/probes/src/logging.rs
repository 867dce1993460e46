//! `logging [--records N] [--rounds R] [--threads T] [--filtered-calls C]`: the filtered-out
//! call, and records per second through the file appender with every line counted.

use anyhow::{Result, anyhow};
use serde_json::{Value, json};

use crate::{Options, stats};

pub(crate) fn run(options: &Options) -> Result<Value> {
    let records = options.get("records", 2_000_000) as u64;
    let rounds = options.get("rounds", 5).max(1);
    let threads = options.get("threads", 1) as u64;
    let filtered_calls = options.get("filtered-calls", 50_000_000) as u64;
    let dir = tempfile::tempdir()?;
    let filtered_out_ns =
        bench_support::logging::filtered_out_ns_per_call(dir.path(), filtered_calls)
            .map_err(|e| anyhow!(e))?;
    eprintln!("logging filtered-out call: {filtered_out_ns:.2} ns");
    let (mut rates, mut lost) = (Vec::with_capacity(rounds), 0);
    for round in 0..rounds {
        let run = bench_support::logging::log_to_file(dir.path(), records, threads)
            .map_err(|e| anyhow!(e))?;
        lost += run.records.saturating_sub(run.lines);
        rates.push(run.records_per_second());
        eprintln!(
            "logging round {round}: {:>10.0} records/s, {} of {} lines in the file",
            run.records_per_second(),
            run.lines,
            run.records
        );
    }
    Ok(json!({
        "filtered_out_ns": filtered_out_ns,
        "threads": threads,
        "records_per_round": records,
        "rounds": rounds,
        "records_per_sec": stats::median(&rates),
        "lost": lost,
    }))
}
