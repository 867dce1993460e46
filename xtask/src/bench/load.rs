//! Where HTTP load comes from: `wrk` when it is installed (a separate, C-speed process), otherwise
//! the in-process Rust load generator (`bench_support::loadgen`). Both are closed
//! loops over keep-alive connections on loopback for a bounded duration, and both give the same
//! figures: completed requests with the expected status, errors, req/s, p50 and p99.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use bench_support::loadgen;

/// One load target: a GET with extra headers.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Server address.
    pub(crate) addr: SocketAddr,
    /// Path and query.
    pub(crate) path: String,
    /// Extra request headers (name, value).
    pub(crate) headers: Vec<(String, String)>,
}

/// What one load run measured, whichever tool produced it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Measured {
    /// Completed requests per second that had status 200.
    pub(crate) requests_per_sec: f64,
    /// Median latency.
    pub(crate) p50: Duration,
    /// 99th percentile latency.
    pub(crate) p99: Duration,
    /// Responses with another status, or socket errors.
    pub(crate) errors: u64,
}

/// The load generator in use.
pub(crate) enum LoadTool {
    /// `wrk` at this path, reporting through a Lua `done` hook written next to the report.
    Wrk {
        /// The wrk binary.
        binary: PathBuf,
        /// The Lua script that prints the figures as one JSON line.
        script: PathBuf,
    },
    /// The in-process generator on its own tokio runtime.
    Builtin(tokio::runtime::Runtime),
}

/// wrk threads: the same as the machine's cores would starve the servers on 2 cores less than
/// one connection per thread would starve wrk; two is wrk's own default.
const WRK_THREADS: usize = 2;

/// Marks the line wrk's `done` hook prints, so the rest of wrk's output can be ignored.
const WRK_MARKER: &str = "XTASK_BENCH ";

/// The `done` hook: totals and percentiles (microseconds) as one JSON line.
const WRK_SCRIPT: &str = r#"-- Written by `cargo xtask bench`: prints wrk's totals as one JSON line.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'XTASK_BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"status_errors":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"#;

impl LoadTool {
    /// `wrk` if it is on the `PATH` (or at `$WRK`), else the built-in generator.
    pub(crate) fn detect(out_dir: &Path) -> Result<Self> {
        let binary = std::env::var_os("WRK").map_or_else(|| PathBuf::from("wrk"), PathBuf::from);
        let works = Command::new(&binary)
            .arg("--version")
            .output()
            .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).contains("wrk"));
        if works {
            let script = out_dir.join("wrk-report.lua");
            std::fs::write(&script, WRK_SCRIPT)
                .with_context(|| format!("cannot write {}", script.display()))?;
            return Ok(Self::Wrk { binary, script });
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot build the load generator's runtime")?;
        Ok(Self::Builtin(runtime))
    }

    /// How the report describes the load.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Wrk { binary, .. } => format!(
                "load from wrk ({}, {WRK_THREADS} threads)",
                binary.display()
            ),
            Self::Builtin(_) => "load from the in-process Rust load generator \
                                 (bench_support::loadgen; install wrk to use it instead)"
                .to_owned(),
        }
    }

    /// Loads `target` with `connections` connections for `duration`.
    pub(crate) fn run(
        &self,
        target: &Target,
        connections: usize,
        duration: Duration,
    ) -> Result<Measured> {
        match self {
            Self::Wrk { binary, script } => run_wrk(binary, script, target, connections, duration),
            Self::Builtin(runtime) => {
                let mut request = format!(
                    "GET {} HTTP/1.1\r\nhost: {}\r\ncontent-length: 0\r\n",
                    target.path, target.addr
                );
                for (name, value) in &target.headers {
                    request.push_str(&format!("{name}: {value}\r\n"));
                }
                request.push_str("\r\n");
                let report = runtime.block_on(loadgen::run(&loadgen::LoadConfig {
                    addr: target.addr,
                    connections,
                    duration,
                    request: request.into_bytes(),
                    expected_status: 200,
                }));
                Ok(Measured {
                    requests_per_sec: report.requests_per_sec,
                    p50: report.p50,
                    p99: report.p99,
                    errors: report.errors,
                })
            }
        }
    }
}

fn run_wrk(
    binary: &Path,
    script: &Path,
    target: &Target,
    connections: usize,
    duration: Duration,
) -> Result<Measured> {
    let mut command = Command::new(binary);
    command
        .arg(format!("--threads={}", WRK_THREADS.min(connections)))
        .arg(format!("--connections={connections}"))
        .arg(format!("--duration={}s", duration.as_secs().max(1)))
        .arg("--script")
        .arg(script);
    for (name, value) in &target.headers {
        command.arg("--header").arg(format!("{name}: {value}"));
    }
    command.arg(format!("http://{}{}", target.addr, target.path));
    let output = command
        .output()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed ({}): {}{}",
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    parse_wrk_line(&stdout).with_context(|| format!("wrk printed no figures:\n{stdout}"))
}

/// The figures of the `done` hook's line in wrk's output.
fn parse_wrk_line(stdout: &str) -> Option<Measured> {
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix(WRK_MARKER))?;
    let figures: serde_json::Value = serde_json::from_str(line).ok()?;
    let field = |name: &str| figures.get(name)?.as_u64();
    let (requests, duration_us) = (field("requests")?, field("duration_us")?);
    let status_errors = field("status_errors")?;
    if duration_us == 0 {
        return None;
    }
    // wrk counts every completed response; non-2xx/3xx ones are errors, not throughput.
    let good = requests.saturating_sub(status_errors);
    Some(Measured {
        requests_per_sec: good as f64 / (duration_us as f64 / 1e6),
        p50: Duration::from_micros(field("p50_us")?),
        p99: Duration::from_micros(field("p99_us")?),
        errors: status_errors + field("socket_errors")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_figures_come_from_the_marked_line_and_errors_are_not_throughput() {
        let stdout = "Running 2s test @ http://127.0.0.1:1/x\n  2 threads and 32 connections\n\
                      XTASK_BENCH {\"requests\":1000,\"duration_us\":2000000,\"p50_us\":400,\"p99_us\":3500,\
                      \"status_errors\":10,\"socket_errors\":2}\nRequests/sec: 500.00\n";
        let measured = parse_wrk_line(stdout).unwrap();
        assert_eq!(measured.requests_per_sec, 495.0);
        assert_eq!(measured.p50, Duration::from_micros(400));
        assert_eq!(measured.p99, Duration::from_micros(3500));
        assert_eq!(measured.errors, 12);
        assert!(parse_wrk_line("Requests/sec: 500.00\n").is_none());
    }
}
