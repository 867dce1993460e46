//! Shared by the HTTP benchmarks: the load generator, settings from the environment, and the summary line.

pub mod loadgen;

use loadgen::LoadReport;

/// The value of the environment variable `name` parsed as `T`, or `default` when unset or unparsable.
pub(crate) fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Prints one line for `name` (mean requests/s, mean p99, errors over `reports`) and returns the two means.
pub(crate) fn summary(name: &str, reports: &[LoadReport]) -> (f64, f64) {
    let rps = reports.iter().map(|r| r.requests_per_sec).sum::<f64>() / reports.len() as f64;
    let p99 = reports
        .iter()
        .map(|r| r.p99.as_secs_f64() * 1e3)
        .sum::<f64>()
        / reports.len() as f64;
    let errors: u64 = reports.iter().map(|r| r.errors).sum();
    println!("{name:<12} mean {rps:>10.0} req/s   mean p99 {p99:>7.3} ms   errors {errors}");
    (rps, p99)
}
