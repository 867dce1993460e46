//! `cargo xtask bench [--quick]`: core-server against plain actix-web (the ceiling), same machine,
//! same run, alternating A/B, medians and ratios. Writes target/bench/report.{md,json}; never asserts
//! timings (numbers on a shared machine are for reading, not for failing a build).

mod report;
mod server;
mod stats;

#[path = "../../../crates/http/benches/support/loadgen.rs"]
mod loadgen;

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::shell;
use report::{HttpComparison, HttpFigures, Report, RssAfterLoad, Startup};
use server::Kind;

/// How much to measure: `--quick` for smoke runs (well under a minute once built), full otherwise.
#[derive(Debug, Clone, Copy)]
struct Plan {
    quick: bool,
    starts: usize,
    rounds: usize,
    round_duration: Duration,
    connections: usize,
}

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Self {
                quick,
                starts: 3,
                rounds: 2,
                round_duration: Duration::from_secs(2),
                connections: 32,
            }
        } else {
            Self {
                quick,
                starts: 9,
                rounds: 5,
                round_duration: Duration::from_secs(5),
                connections: 32,
            }
        }
    }
}

/// One route pair to load: the same work on both servers.
struct RoutePair {
    name: &'static str,
    /// Behind authentication: core-server with a session_auth user and its session cookie, the plain
    /// server's header check with an `authorization` header.
    auth: bool,
    core_path: &'static str,
    plain_path: &'static str,
}

/// The greeting route vs the plain JSON route (the brief's comparison), then the same validated
/// path-param route on both, which is the like-for-like one.
const ROUTES: &[RoutePair] = &[
    RoutePair {
        name: "JSON (greeting vs plain)",
        auth: false,
        core_path: "/api/greeting/hello/Ana",
        plain_path: "/api/hello",
    },
    RoutePair {
        name: "validated path param",
        auth: false,
        core_path: "/api/greeting/hello/Ana",
        plain_path: "/api/greeting/hello/Ana",
    },
    RoutePair {
        name: "behind auth",
        auth: true,
        core_path: "/api/greeting/hello/Ana",
        plain_path: "/api/guarded",
    },
];

/// The user core-server is started with for the auth comparison (bench-only credentials).
const BENCH_USER: (&str, &str) = ("bench", "bench-password");

/// `GET path` with one extra header line.
fn get_with_header(path: &str, header: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n{header}\r\ncontent-length: 0\r\n\r\n")
        .into_bytes()
}

/// Entry point of `cargo xtask bench`.
pub(crate) fn run(args: &[String]) -> Result<()> {
    let quick = match args {
        [] => false,
        [flag] if flag == "--quick" => true,
        other => {
            bail!("unknown arguments for bench: {other:?} (usage: cargo xtask bench [--quick])")
        }
    };
    let plan = Plan::new(quick);
    shell::cargo(&[
        "build",
        "--release",
        "--bin",
        "core-server",
        "-p",
        "distribution",
    ])?;
    shell::cargo(&[
        "build",
        "--release",
        "--bin",
        "bench-plain-actix",
        "-p",
        "bench-plain-actix",
    ])?;
    let root = shell::workspace_root();
    let bin_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), Into::into)
        .join("release");

    let startup = measure_startup(&plan, &bin_dir)?;
    let (http, rss_after_load) = measure_http(&plan, &bin_dir)?;
    let report = Report {
        mode: if plan.quick { "quick" } else { "full" }.to_owned(),
        conditions: format!(
            "{} CPU(s) available, shared with whatever else runs; loopback; load from the in-process Rust \
             load generator (crates/http/benches/support/loadgen.rs), {} keep-alive connections, {} rounds of \
             {:?} per server per route, servers alternating.",
            std::thread::available_parallelism().map_or(0, usize::from),
            plan.connections,
            plan.rounds,
            plan.round_duration
        ),
        startup,
        http,
        rss_after_load,
    };
    let out_dir = root.join("target/bench");
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let markdown = report.to_markdown();
    write(&out_dir.join("report.md"), &markdown)?;
    write(&out_dir.join("report.json"), &report.to_json()?)?;
    println!("{markdown}");
    println!(
        "written: {0}/report.md and {0}/report.json",
        out_dir.display()
    );
    Ok(())
}

fn write(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

/// Starts each server `plan.starts` times, alternating, and takes medians of startup and idle RSS.
fn measure_startup(plan: &Plan, bin_dir: &Path) -> Result<Startup> {
    let (mut core_ms, mut plain_ms, mut core_rss, mut plain_rss) = (vec![], vec![], vec![], vec![]);
    for start in 0..plan.starts {
        // Alternate which goes first, so neither always gets the warmer page cache.
        let order = if start.is_multiple_of(2) {
            [Kind::Core, Kind::Plain]
        } else {
            [Kind::Plain, Kind::Core]
        };
        for kind in order {
            let server = server::start(kind, bin_dir)?;
            let ms = server.startup.as_secs_f64() * 1e3;
            let rss = server.rss_kib()? as f64;
            match kind {
                Kind::Core => (core_ms.push(ms), core_rss.push(rss)),
                Kind::Plain => (plain_ms.push(ms), plain_rss.push(rss)),
            };
            eprintln!(
                "startup {start}: {:<18} {ms:>8.2} ms  {rss:>8.0} KiB",
                kind.name()
            );
        }
    }
    let median = |values: &[f64]| stats::median(values).context("no startup measured");
    let (core_ms, plain_ms) = (median(&core_ms)?, median(&plain_ms)?);
    Ok(Startup {
        starts: plan.starts,
        core_ms,
        plain_ms,
        ratio: stats::ratio(core_ms, plain_ms),
        core_rss_kib: median(&core_rss)?,
        plain_rss_kib: median(&plain_rss)?,
    })
}

/// Loads every route pair on one running instance of each server, alternating rounds.
/// Also returns the RSS of the unauthenticated core-server and of the plain server after all rounds.
fn measure_http(plan: &Plan, bin_dir: &Path) -> Result<(Vec<HttpComparison>, RssAfterLoad)> {
    let core = server::start(Kind::Core, bin_dir)?;
    let plain = server::start(Kind::Plain, bin_dir)?;
    let password_override = format!(
        "--sessionAuth.users.{}.password={}",
        BENCH_USER.0, BENCH_USER.1
    );
    let core_auth = server::start_with(
        Kind::Core,
        bin_dir,
        &[
            "--sessionAuth.encryptionKey=bench-only-key-bench-only-key-0123",
            &password_override,
        ],
    )?;
    let cookie = server::login(core_auth.addr, BENCH_USER.0, BENCH_USER.1)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot build the load generator's runtime")?;
    let mut comparisons = Vec::new();
    for pair in ROUTES {
        let config = |addr, path: &str| loadgen::LoadConfig {
            addr,
            connections: plan.connections,
            duration: plan.round_duration,
            request: loadgen::http_request("GET", path, "127.0.0.1", "application/json", b""),
            expected_status: 200,
        };
        let (mut core_config, mut plain_config) = if pair.auth {
            (
                config(core_auth.addr, pair.core_path),
                config(plain.addr, pair.plain_path),
            )
        } else {
            (
                config(core.addr, pair.core_path),
                config(plain.addr, pair.plain_path),
            )
        };
        if pair.auth {
            core_config.request = get_with_header(pair.core_path, &format!("cookie: {cookie}"));
            plain_config.request = get_with_header(
                pair.plain_path,
                "authorization: Basic YmVuY2g6YmVuY2gtcGFzc3dvcmQ=",
            );
        }
        // A short warm-up of each, not measured.
        for warm in [&core_config, &plain_config] {
            let mut warm = warm.clone();
            warm.duration = Duration::from_millis(300);
            runtime.block_on(loadgen::run(&warm));
        }
        let (mut core_runs, mut plain_runs) = (vec![], vec![]);
        for round in 0..plan.rounds {
            let core_first = round.is_multiple_of(2);
            for is_core in [core_first, !core_first] {
                let (config, runs, name) = if is_core {
                    (&core_config, &mut core_runs, Kind::Core.name())
                } else {
                    (&plain_config, &mut plain_runs, Kind::Plain.name())
                };
                let result = runtime.block_on(loadgen::run(config));
                eprintln!(
                    "{} round {round}: {name:<18} {:>9.0} req/s  p50 {:>7.3} ms  p99 {:>7.3} ms  errors {}",
                    pair.name,
                    result.requests_per_sec,
                    result.p50.as_secs_f64() * 1e3,
                    result.p99.as_secs_f64() * 1e3,
                    result.errors
                );
                runs.push(result);
            }
        }
        let (core_figures, plain_figures) = (figures(&core_runs)?, figures(&plain_runs)?);
        comparisons.push(HttpComparison {
            name: pair.name.to_owned(),
            core_route: format!(
                "GET {}{}",
                pair.core_path,
                if pair.auth { " + session cookie" } else { "" }
            ),
            plain_route: format!(
                "GET {}{}",
                pair.plain_path,
                if pair.auth {
                    " + authorization header"
                } else {
                    ""
                }
            ),
            throughput_ratio: stats::ratio(
                core_figures.requests_per_sec,
                plain_figures.requests_per_sec,
            ),
            p99_ratio: stats::ratio(core_figures.p99_ms, plain_figures.p99_ms),
            core: core_figures,
            plain: plain_figures,
        });
    }
    let after_load = RssAfterLoad {
        core_kib: core.rss_kib()? as f64,
        plain_kib: plain.rss_kib()? as f64,
    };
    Ok((comparisons, after_load))
}

/// Medians of the rounds of one server.
fn figures(runs: &[loadgen::LoadReport]) -> Result<HttpFigures> {
    let median = |f: fn(&loadgen::LoadReport) -> f64| {
        stats::median(&runs.iter().map(f).collect::<Vec<_>>()).context("no load round measured")
    };
    Ok(HttpFigures {
        requests_per_sec: median(|r| r.requests_per_sec)?,
        p50_ms: median(|r| r.p50.as_secs_f64() * 1e3)?,
        p99_ms: median(|r| r.p99.as_secs_f64() * 1e3)?,
        errors: runs.iter().map(|r| r.errors).sum(),
    })
}
