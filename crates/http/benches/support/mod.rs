//! Shared by the HTTP benchmarks: settings from the environment, the client runtime and the summary line. The
//! load generator is `bench_support::loadgen`.

use bench_support::loadgen::LoadReport;

/// The value of the environment variable `name` parsed as `T`, or `default` when unset or unparsable.
pub(crate) fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// The load settings both HTTP benchmarks read from `BENCH_*` environment variables.
pub(crate) struct BenchSettings {
    /// Seconds of load per round (`BENCH_SECONDS`, default 5).
    pub(crate) seconds: f64,
    /// Rounds per server (`BENCH_ROUNDS`, default 3).
    pub(crate) rounds: usize,
    /// Keep-alive connections (`BENCH_CONNECTIONS`, default 32).
    pub(crate) connections: usize,
    /// Server workers (`BENCH_WORKERS`, default 1).
    pub(crate) workers: usize,
    /// Load-generator threads (`BENCH_CLIENT_THREADS`, default 1).
    pub(crate) client_threads: usize,
}

impl BenchSettings {
    /// Reads the settings; outside `cargo bench` (which passes `--bench`), e.g. under
    /// `cargo test --benches`, one short round keeps the harness exercised but quick.
    pub(crate) fn from_env() -> Self {
        let quick = !std::env::args().any(|arg| arg == "--bench");
        Self {
            seconds: if quick {
                0.3
            } else {
                env_or("BENCH_SECONDS", 5.0)
            },
            rounds: if quick { 1 } else { env_or("BENCH_ROUNDS", 3) },
            connections: env_or("BENCH_CONNECTIONS", 32),
            workers: env_or("BENCH_WORKERS", 1),
            client_threads: env_or("BENCH_CLIENT_THREADS", 1),
        }
    }
}

/// The multi-thread runtime the load generator runs on.
pub(crate) fn client_runtime(threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .expect("runtime")
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
