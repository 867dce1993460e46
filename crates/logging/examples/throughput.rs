//! Logs many records through a file appender and reports records per second, checking that
//! every record reached the file, then times a filtered-out call:
//! `cargo run --release -p core-logging --example throughput -- [records] [threads]`. Run it
//! under `perf stat` to see the CPU time per record, which the wall-clock figure hides on a busy
//! machine. The measurements are the benchmark's (`bench_support::logging`).

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let records: u64 = args
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
    let run = bench_support::logging::log_to_file(dir.path(), records, threads)
        .map_err(anyhow::Error::from_boxed)?;
    anyhow::ensure!(
        run.lossless(),
        "lost records: {} lines for {} records",
        run.lines,
        run.records
    );
    println!(
        "{} records from {threads} thread(s) in {:.3} s: {:.0} records/s, all {} lines on disk",
        run.records,
        run.elapsed.as_secs_f64(),
        run.records_per_second(),
        run.lines
    );
    let calls = 50_000_000;
    let ns = bench_support::logging::filtered_out_ns_per_call(dir.path(), calls)
        .map_err(anyhow::Error::from_boxed)?;
    println!("filtered-out debug call: {ns:.2} ns ({calls} calls)");
    Ok(())
}
