//! `cargo xtask bench [--quick | --smoke]`: core-server against plain actix-web (the ceiling), same machine,
//! same run, alternating A/B, medians and ratios. Writes target/bench/report.{md,json}; never asserts
//! timings (numbers on a shared machine are for reading, not for failing a build).
//!
//! When `node` and `npm` are on the `PATH` (and not in `--smoke` mode), the hapi peer (Kibana 7.x's
//! stack, `benches/hapi-peer`) joins the startup and HTTP alternation as a third server, for
//! information; see `hapi.rs`.

mod hapi;
mod load;
mod probe;
mod report;
mod server;
mod stats;
mod targets;

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::shell;
use report::{
    HapiPeer, HapiRoute, HttpComparison, HttpFigures, MetricsComparison, Report, RssAfterLoad,
    Startup,
};
use server::Kind;

/// How much to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every size, several rounds: the figures docs/performance.md quotes.
    Full,
    /// Fewer and shorter rounds, well under a minute once built.
    Quick,
    /// Debug builds and token sizes: proves the harness still runs end to end (what CI runs);
    /// its figures say nothing about performance.
    Smoke,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Quick => "quick",
            Mode::Smoke => "smoke: debug builds, token sizes; the figures are NOT performance",
        }
    }

    /// The cargo profile directory the binaries are built into.
    fn profile_dir(self) -> &'static str {
        if self == Mode::Smoke {
            "debug"
        } else {
            "release"
        }
    }
}

/// What one mode measures.
#[derive(Debug, Clone, Copy)]
struct Plan {
    mode: Mode,
    starts: usize,
    rounds: usize,
    round_duration: Duration,
    warm_up: Duration,
    connections: usize,
    plugin_sizes: &'static [usize],
    plugin_rounds: usize,
    log_records: usize,
    log_rounds: usize,
    filtered_calls: usize,
    es_calls: usize,
    es_rounds: usize,
}

impl Plan {
    fn new(mode: Mode) -> Self {
        match mode {
            Mode::Full => Self {
                mode,
                starts: 9,
                rounds: 5,
                round_duration: Duration::from_secs(5),
                warm_up: Duration::from_secs(1),
                connections: 32,
                plugin_sizes: &[1_000, 10_000, 100_000],
                plugin_rounds: 5,
                log_records: 2_000_000,
                log_rounds: 5,
                filtered_calls: 100_000_000,
                es_calls: 2_000,
                es_rounds: 6,
            },
            Mode::Quick => Self {
                mode,
                starts: 3,
                rounds: 2,
                round_duration: Duration::from_secs(2),
                warm_up: Duration::from_secs(1),
                connections: 32,
                plugin_sizes: &[1_000, 10_000],
                plugin_rounds: 3,
                log_records: 1_000_000,
                log_rounds: 2,
                filtered_calls: 20_000_000,
                es_calls: 500,
                es_rounds: 2,
            },
            Mode::Smoke => Self {
                mode,
                starts: 1,
                rounds: 1,
                round_duration: Duration::from_secs(1),
                warm_up: Duration::ZERO,
                connections: 4,
                plugin_sizes: &[10, 100],
                plugin_rounds: 1,
                log_records: 10_000,
                log_rounds: 1,
                filtered_calls: 100_000,
                es_calls: 20,
                es_rounds: 2,
            },
        }
    }
}

/// How a loaded request proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    /// Not at all: core-server without users.
    None,
    /// `Authorization: Basic` of the bench user on both: core-server's auth interceptor (the
    /// sessionAuth plugin's header check) vs the plain server's header comparison.
    BasicHeader,
    /// core-server's session cookie (decrypted and checked per request) vs the plain server's
    /// header comparison: what a browser session costs, not a like-for-like pair.
    SessionCookie,
}

/// One route pair to load: the same work on both servers (but for the session cookie, which
/// costs core-server a decryption the plain server's header check does not do).
struct RoutePair {
    name: &'static str,
    auth: Auth,
    core_path: &'static str,
    plain_path: &'static str,
    /// Headers both servers' requests carry besides the auth ones.
    extra_headers: &'static [(&'static str, &'static str)],
    /// Whether the hapi peer is loaded with the plain request: it serves neither the 2 KB route
    /// nor sessions.
    hapi: bool,
    /// Target: core-server's throughput at least this share of plain actix-web's.
    min_throughput_ratio: f64,
    /// Target: core-server's p99 at most this multiple of plain actix-web's, if any.
    max_p99_ratio: Option<f64>,
}

/// The routes and their targets.
const ROUTES: &[RoutePair] = &[
    RoutePair {
        name: "plain JSON",
        auth: Auth::None,
        core_path: "/api/greeting/hello",
        plain_path: "/api/hello",
        extra_headers: &[],
        hapi: true,
        min_throughput_ratio: 0.9,
        max_p99_ratio: Some(1.2),
    },
    // What browsers send: core-server negotiates an encoding for every such request, and
    // leaves this small answer uncompressed (compression starts at 1 KiB).
    RoutePair {
        name: "plain JSON, client accepts gzip and br",
        auth: Auth::None,
        core_path: "/api/greeting/hello",
        plain_path: "/api/hello",
        extra_headers: &[("accept-encoding", "gzip, deflate, br")],
        hapi: true,
        min_throughput_ratio: 0.9,
        max_p99_ratio: Some(1.2),
    },
    // Both compress the 2 KB answer with gzip: core-server's own compression against
    // actix-web's `Compress` middleware on the same route.
    RoutePair {
        name: "2 KB JSON, gzip",
        auth: Auth::None,
        core_path: "/api/greeting/languages",
        plain_path: "/api/greeting/languages",
        extra_headers: &[("accept-encoding", "gzip")],
        hapi: false,
        min_throughput_ratio: 0.9,
        max_p99_ratio: Some(1.2),
    },
    RoutePair {
        name: "validated path param",
        auth: Auth::None,
        core_path: "/api/greeting/hello/Ana",
        plain_path: "/api/greeting/hello/Ana",
        extra_headers: &[],
        hapi: true,
        min_throughput_ratio: 0.9,
        max_p99_ratio: Some(1.2),
    },
    RoutePair {
        name: "behind auth (header check)",
        auth: Auth::BasicHeader,
        core_path: "/api/greeting/hello/Ana",
        plain_path: "/api/guarded/greeting/hello/Ana",
        extra_headers: &[],
        hapi: true,
        min_throughput_ratio: 0.9,
        max_p99_ratio: Some(1.2),
    },
    RoutePair {
        name: "behind auth (session cookie)",
        auth: Auth::SessionCookie,
        core_path: "/api/greeting/hello/Ana",
        plain_path: "/api/guarded/greeting/hello/Ana",
        extra_headers: &[],
        hapi: false,
        min_throughput_ratio: 0.75,
        max_p99_ratio: None,
    },
];

/// The user core-server is started with for the auth comparisons (bench-only credentials), and
/// the same as the `Authorization` value the plain server accepts.
const BENCH_USER: (&str, &str) = ("bench", "bench-password");
const BENCH_AUTHORIZATION: &str = "Basic YmVuY2g6YmVuY2gtcGFzc3dvcmQ=";

/// The arguments of `cargo xtask bench`; without a flag, the full run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::Args)]
pub(crate) struct BenchArgs {
    /// Fewer and shorter rounds, well under a minute once built
    #[arg(long, conflicts_with = "smoke")]
    pub(crate) quick: bool,
    /// Debug builds and token sizes, into target/bench/smoke/ (what CI runs); the figures say nothing
    /// about performance
    #[arg(long)]
    pub(crate) smoke: bool,
}

impl BenchArgs {
    /// How much to measure.
    fn mode(self) -> Mode {
        match (self.quick, self.smoke) {
            (_, true) => Mode::Smoke,
            (true, false) => Mode::Quick,
            (false, false) => Mode::Full,
        }
    }
}

/// Entry point of `cargo xtask bench`.
pub(crate) fn run(args: &BenchArgs) -> Result<()> {
    let mode = args.mode();
    let plan = Plan::new(mode);
    for (package, binary) in [
        ("distribution", "core-server"),
        ("bench-plain-actix", "bench-plain-actix"),
        ("bench-probes", "bench-probes"),
    ] {
        let mut build = vec!["build", "--bin", binary, "-p", package];
        if mode != Mode::Smoke {
            build.push("--release");
        }
        shell::cargo(&build)?;
    }
    let root = shell::workspace_root();
    let target_dir =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), Into::into);
    let bin_dir = target_dir.join(mode.profile_dir());
    // A smoke run (CI) must not overwrite the last real report.
    let out_dir = match mode {
        Mode::Smoke => target_dir.join("bench").join("smoke"),
        Mode::Full | Mode::Quick => target_dir.join("bench"),
    };
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let tool = load::LoadTool::detect(&out_dir)?;
    let mut hapi_peer = hapi::prepare(mode == Mode::Smoke);

    let startup = measure_startup(&plan, &bin_dir, &mut hapi_peer)?;
    let (http, rss_after_load) = measure_http(&plan, &bin_dir, &tool, &mut hapi_peer)?;
    let prometheus = measure_prometheus(&plan, &bin_dir, &tool)?;
    let probes = probe::Probes::new(&bin_dir);
    let sizes: Vec<String> = plan.plugin_sizes.iter().map(usize::to_string).collect();
    let mut plugin_args: Vec<&str> = sizes.iter().map(String::as_str).collect();
    let plugin_rounds = plan.plugin_rounds.to_string();
    plugin_args.extend(["--rounds", &plugin_rounds]);
    let plugins = probes.run("plugins", &plugin_args)?;
    let (log_records, log_rounds) = (plan.log_records.to_string(), plan.log_rounds.to_string());
    let filtered_calls = plan.filtered_calls.to_string();
    let logging = probes.run(
        "logging",
        &[
            "--records",
            &log_records,
            "--rounds",
            &log_rounds,
            "--filtered-calls",
            &filtered_calls,
        ],
    )?;
    let (es_calls, es_rounds) = (plan.es_calls.to_string(), plan.es_rounds.to_string());
    let elasticsearch = probes.run(
        "elasticsearch",
        &["--calls", &es_calls, "--rounds", &es_rounds],
    )?;
    let report = Report {
        mode: mode.name().to_owned(),
        judge_targets: mode != Mode::Smoke,
        conditions: format!(
            "{} CPU(s) available, shared with whatever else runs; loopback; {}, {} keep-alive connections, \
             {} rounds of {:?} per server per route, servers alternating. {} builds.",
            std::thread::available_parallelism().map_or(0, usize::from),
            tool.describe(),
            plan.connections,
            plan.rounds,
            plan.round_duration,
            plan.mode.profile_dir()
        ),
        startup,
        http,
        rss_after_load,
        prometheus,
        hapi_peer,
        plugins,
        logging,
        elasticsearch,
    };
    let markdown = report.to_markdown(&targets::verdicts(&report));
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

/// The servers of one start or round, in order: core-server and plain actix-web, then the hapi
/// peer when it is measured; reversed every other time, so that core-server and plain actix-web
/// alternate which goes first.
fn order(index: usize, hapi: bool) -> Vec<Kind> {
    let mut kinds = vec![Kind::Core, Kind::Plain];
    if hapi {
        kinds.push(Kind::Hapi);
    }
    if !index.is_multiple_of(2) {
        kinds.reverse();
    }
    kinds
}

/// Starts each server `plan.starts` times, alternating, and takes medians of startup and idle RSS.
/// The hapi peer's figures go into `hapi`; a failure of the peer skips it instead of failing.
fn measure_startup(plan: &Plan, bin_dir: &Path, hapi: &mut HapiPeer) -> Result<Startup> {
    let (mut core_ms, mut plain_ms, mut core_rss, mut plain_rss) = (vec![], vec![], vec![], vec![]);
    let (mut hapi_ms, mut hapi_rss) = (vec![], vec![]);
    for start in 0..plan.starts {
        // Alternate which goes first, so neither always gets the warmer page cache.
        for kind in order(start, hapi.usable()) {
            let measured = server::start(kind, bin_dir).and_then(|server| {
                Ok((server.startup.as_secs_f64() * 1e3, server.rss_kib()? as f64))
            });
            let (ms, rss) = match (kind, measured) {
                (Kind::Hapi, Err(error)) => {
                    hapi.skip(format!("it failed to start: {error:#}"));
                    continue;
                }
                (_, measured) => measured?,
            };
            match kind {
                Kind::Core => (core_ms.push(ms), core_rss.push(rss)),
                Kind::Plain => (plain_ms.push(ms), plain_rss.push(rss)),
                Kind::Hapi => (hapi_ms.push(ms), hapi_rss.push(rss)),
            };
            eprintln!(
                "startup {start}: {:<18} {ms:>8.2} ms  {rss:>8.0} KiB",
                kind.name()
            );
        }
    }
    if hapi.usable() {
        hapi.startup_ms = stats::median(&hapi_ms);
        hapi.idle_rss_kib = stats::median(&hapi_rss);
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
/// The hapi peer, when usable, is loaded in the same rounds on plain actix-web's requests (not on the
/// 2 KB route it does not serve, nor on the session-cookie pair, whose plain request is the
/// header-check one); its figures go into `hapi`.
fn measure_http(
    plan: &Plan,
    bin_dir: &Path,
    tool: &load::LoadTool,
    hapi: &mut HapiPeer,
) -> Result<(Vec<HttpComparison>, RssAfterLoad)> {
    let servers = HttpServers::start(bin_dir, hapi)?;
    let mut comparisons = Vec::new();
    for pair in ROUTES {
        let mut targets = servers.targets(pair, hapi);
        warm_up(plan, tool, &mut targets, hapi)?;
        let runs = load_rounds(plan, tool, pair.name, &mut targets, hapi)?;
        comparisons.push(compare(pair, &targets, &runs, hapi)?);
    }
    let after_load = RssAfterLoad {
        core_kib: servers.core.rss_kib()? as f64,
        plain_kib: servers.plain.rss_kib()? as f64,
    };
    if let Some(server) = servers.hapi.as_ref().filter(|_| hapi.usable()) {
        hapi.rss_after_load_kib = server.rss_kib().ok().map(|kib| kib as f64);
    }
    Ok((comparisons, after_load))
}

/// The servers every route pair is loaded on, started once for all of them (and stopped when
/// dropped).
struct HttpServers {
    /// core-server without users.
    core: server::Server,
    /// Plain actix-web.
    plain: server::Server,
    /// The hapi peer, when it is usable and started.
    hapi: Option<server::Server>,
    /// core-server with the bench user and a session encryption key.
    core_auth: server::Server,
    /// The session cookie of the bench user's login on `core_auth`.
    cookie: String,
}

impl HttpServers {
    /// Starts core-server, plain actix-web, the hapi peer when usable (a failure skips the peer)
    /// and core-server with the bench user, then logs that user in.
    fn start(bin_dir: &Path, hapi: &mut HapiPeer) -> Result<Self> {
        let core = server::start(Kind::Core, bin_dir)?;
        let plain = server::start(Kind::Plain, bin_dir)?;
        let mut hapi_server = None;
        if hapi.usable() {
            match server::start(Kind::Hapi, bin_dir) {
                Ok(server) => hapi_server = Some(server),
                Err(error) => hapi.skip(format!("it failed to start: {error:#}")),
            }
        }
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
        Ok(Self {
            core,
            plain,
            hapi: hapi_server,
            core_auth,
            cookie,
        })
    }

    /// What `pair` sends to each server: the core request carries the pair's auth, the plain
    /// one the `Authorization` header whenever the pair has any auth, and the hapi peer (when
    /// usable, and on the routes it serves) the plain request.
    fn targets(&self, pair: &RoutePair, hapi: &HapiPeer) -> PairTargets {
        let authorization = || vec![("authorization".to_owned(), BENCH_AUTHORIZATION.to_owned())];
        let (core_addr, core_headers) = match pair.auth {
            Auth::None => (self.core.addr, vec![]),
            Auth::BasicHeader => (self.core_auth.addr, authorization()),
            Auth::SessionCookie => (
                self.core_auth.addr,
                vec![("cookie".to_owned(), self.cookie.clone())],
            ),
        };
        let extra = || {
            pair.extra_headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        };
        let core = load::Target {
            addr: core_addr,
            path: pair.core_path.to_owned(),
            headers: core_headers.into_iter().chain(extra()).collect(),
        };
        let plain_auth = if pair.auth == Auth::None {
            vec![]
        } else {
            authorization()
        };
        let plain = load::Target {
            addr: self.plain.addr,
            path: pair.plain_path.to_owned(),
            headers: plain_auth.into_iter().chain(extra()).collect(),
        };
        let hapi = match &self.hapi {
            Some(server) if hapi.usable() && pair.hapi => Some(load::Target {
                addr: server.addr,
                ..plain.clone()
            }),
            _ => None,
        };
        PairTargets { core, plain, hapi }
    }
}

/// One route pair's request on each server.
struct PairTargets {
    /// core-server's.
    core: load::Target,
    /// Plain actix-web's.
    plain: load::Target,
    /// The hapi peer's, while it is measured on this pair.
    hapi: Option<load::Target>,
}

impl PairTargets {
    /// The target of `kind`, if it is measured.
    fn of(&self, kind: Kind) -> Option<&load::Target> {
        match kind {
            Kind::Core => Some(&self.core),
            Kind::Plain => Some(&self.plain),
            Kind::Hapi => self.hapi.as_ref(),
        }
    }
}

/// The measured rounds of one route pair, per server.
#[derive(Default)]
struct PairRuns {
    /// core-server's.
    core: Vec<load::Measured>,
    /// Plain actix-web's.
    plain: Vec<load::Measured>,
    /// The hapi peer's.
    hapi: Vec<load::Measured>,
}

impl PairRuns {
    /// The rounds of `kind`.
    fn of(&mut self, kind: Kind) -> &mut Vec<load::Measured> {
        match kind {
            Kind::Core => &mut self.core,
            Kind::Plain => &mut self.plain,
            Kind::Hapi => &mut self.hapi,
        }
    }
}

/// A short unmeasured load of each target (none when the plan has no warm-up). A failure of the
/// hapi peer skips it for the rest of the run instead of failing.
fn warm_up(
    plan: &Plan,
    tool: &load::LoadTool,
    targets: &mut PairTargets,
    hapi: &mut HapiPeer,
) -> Result<()> {
    if plan.warm_up.is_zero() {
        return Ok(());
    }
    for target in [&targets.core, &targets.plain] {
        tool.run(target, plan.connections, plan.warm_up)?;
    }
    if let Some(target) = &targets.hapi
        && let Err(error) = tool.run(target, plan.connections, plan.warm_up)
    {
        hapi.skip(format!("loading it failed: {error:#}"));
        targets.hapi = None;
    }
    Ok(())
}

/// `plan.rounds` measured rounds of every target of the pair named `name`, the servers
/// alternating which goes first. A failure of the hapi peer skips it instead of failing.
fn load_rounds(
    plan: &Plan,
    tool: &load::LoadTool,
    name: &str,
    targets: &mut PairTargets,
    hapi: &mut HapiPeer,
) -> Result<PairRuns> {
    let mut runs = PairRuns::default();
    for round in 0..plan.rounds {
        for kind in order(round, targets.hapi.is_some()) {
            let Some(target) = targets.of(kind) else {
                continue;
            };
            let result = match (
                kind,
                tool.run(target, plan.connections, plan.round_duration),
            ) {
                (Kind::Hapi, Err(error)) => {
                    hapi.skip(format!("loading it failed: {error:#}"));
                    targets.hapi = None;
                    continue;
                }
                (_, result) => result?,
            };
            eprintln!(
                "{name} round {round}: {:<18} {:>9.0} req/s  p50 {:>7.3} ms  p99 {:>7.3} ms  errors {}",
                kind.name(),
                result.requests_per_sec,
                result.p50.as_secs_f64() * 1e3,
                result.p99.as_secs_f64() * 1e3,
                result.errors
            );
            runs.of(kind).push(result);
        }
    }
    Ok(runs)
}

/// The figures of one pair: core-server against plain actix-web, and the hapi peer's row in
/// `hapi` when it was measured on the pair.
fn compare(
    pair: &RoutePair,
    targets: &PairTargets,
    runs: &PairRuns,
    hapi: &mut HapiPeer,
) -> Result<HttpComparison> {
    let (core, plain) = (figures(&runs.core)?, figures(&runs.plain)?);
    if let Some(target) = &targets.hapi {
        let hapi_figures = figures(&runs.hapi)?;
        let throughput = |baseline: &HttpFigures| {
            stats::ratio(hapi_figures.requests_per_sec, baseline.requests_per_sec)
        };
        hapi.http.push(HapiRoute {
            name: pair.name.to_owned(),
            route: describe(target),
            throughput_vs_plain: throughput(&plain),
            throughput_vs_core: throughput(&core),
            core_vs_plain: stats::ratio(core.requests_per_sec, plain.requests_per_sec),
            p99_vs_plain: stats::ratio(hapi_figures.p99_ms, plain.p99_ms),
            figures: hapi_figures,
        });
    }
    Ok(HttpComparison {
        name: pair.name.to_owned(),
        core_route: describe(&targets.core),
        plain_route: describe(&targets.plain),
        throughput_ratio: stats::ratio(core.requests_per_sec, plain.requests_per_sec),
        p99_ratio: stats::ratio(core.p99_ms, plain.p99_ms),
        min_throughput_ratio: pair.min_throughput_ratio,
        max_p99_ratio: pair.max_p99_ratio,
        core,
        plain,
    })
}

/// `GET <path>`, followed by the names of the headers the target sends, if any.
fn describe(target: &load::Target) -> String {
    let names: Vec<&str> = target
        .headers
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    if names.is_empty() {
        format!("GET {}", target.path)
    } else {
        format!("GET {} + {}", target.path, names.join(", "))
    }
}

/// The route both core-servers are loaded on in [`measure_prometheus`]: a validated param
/// route, so its histogram is labelled by the template, not the path.
const METRICS_ROUTE: &str = "/api/greeting/hello/Ana";

/// core-server with `metrics.prometheus.enabled` against core-server with the defaults:
/// alternating rounds on [`METRICS_ROUTE`].
fn measure_prometheus(
    plan: &Plan,
    bin_dir: &Path,
    tool: &load::LoadTool,
) -> Result<MetricsComparison> {
    let default = server::start(Kind::Core, bin_dir)?;
    let prometheus =
        server::start_with(Kind::Core, bin_dir, &["--metrics.prometheus.enabled=true"])?;
    let target = |addr| load::Target {
        addr,
        path: METRICS_ROUTE.to_owned(),
        headers: vec![],
    };
    let targets = [target(default.addr), target(prometheus.addr)];
    if !plan.warm_up.is_zero() {
        for target in &targets {
            tool.run(target, plan.connections, plan.warm_up)?;
        }
    }
    let mut runs = [vec![], vec![]];
    for round in 0..plan.rounds {
        let sides = if round.is_multiple_of(2) {
            [0, 1]
        } else {
            [1, 0]
        };
        for side in sides {
            let result = tool.run(&targets[side], plan.connections, plan.round_duration)?;
            eprintln!(
                "metrics round {round}: {:<13} {:>9.0} req/s  p50 {:>7.3} ms  p99 {:>7.3} ms  errors {}",
                ["defaults", "Prometheus on"][side],
                result.requests_per_sec,
                result.p50.as_secs_f64() * 1e3,
                result.p99.as_secs_f64() * 1e3,
                result.errors
            );
            runs[side].push(result);
        }
    }
    let (default, prometheus) = (figures(&runs[0])?, figures(&runs[1])?);
    Ok(MetricsComparison {
        route: format!("GET {METRICS_ROUTE}"),
        throughput_ratio: stats::ratio(prometheus.requests_per_sec, default.requests_per_sec),
        p99_ratio: stats::ratio(prometheus.p99_ms, default.p99_ms),
        default,
        prometheus,
    })
}

/// Medians of the rounds of one server.
fn figures(runs: &[load::Measured]) -> Result<HttpFigures> {
    let median = |f: fn(&load::Measured) -> f64| {
        stats::median(&runs.iter().map(f).collect::<Vec<_>>()).context("no load round measured")
    };
    Ok(HttpFigures {
        requests_per_sec: median(|r| r.requests_per_sec)?,
        p50_ms: median(|r| r.p50.as_secs_f64() * 1e3)?,
        p99_ms: median(|r| r.p99.as_secs_f64() * 1e3)?,
        errors: runs.iter().map(|r| r.errors).sum(),
    })
}
