//! The numbers one bench run produced, and their Markdown and JSON renderings (same numbers in both).

use serde::{Deserialize, Serialize};

/// Everything one `cargo xtask bench` run measured.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    /// `full`, `quick` or `smoke ...`.
    pub(crate) mode: String,
    /// Whether the figures mean anything against the targets (not for smoke runs).
    pub(crate) judge_targets: bool,
    /// How the numbers were taken (machine, load generator, rounds), so a reader can judge them.
    pub(crate) conditions: String,
    /// Startup of core-server vs plain actix-web.
    pub(crate) startup: Startup,
    /// One entry per loaded route pair.
    pub(crate) http: Vec<HttpComparison>,
    /// RSS of each server after all the HTTP rounds.
    pub(crate) rss_after_load: RssAfterLoad,
    /// core-server with the Prometheus endpoint on against the defaults.
    pub(crate) prometheus: MetricsComparison,
    /// The optional hapi peer (Kibana 7.x's stack), for information.
    pub(crate) hapi_peer: HapiPeer,
    /// The plugins lifecycle at several sizes.
    pub(crate) plugins: PluginsFigures,
    /// Logging: filtered-out call and file appender.
    pub(crate) logging: LoggingFigures,
    /// Elasticsearch: platform vs bare client.
    pub(crate) elasticsearch: ElasticsearchFigures,
}

/// What `bench-probes plugins` printed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PluginsFigures {
    /// Timed runs per size.
    pub(crate) rounds: usize,
    /// One entry per plugin count, smallest first.
    pub(crate) sizes: Vec<PluginsSize>,
}

/// Discovery + ordering + setup + start of `plugins` no-op plugins.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PluginsSize {
    /// Number of plugins.
    pub(crate) plugins: usize,
    /// Median milliseconds over the rounds.
    pub(crate) median_ms: f64,
    /// The untimed-by-the-median first run, which also creates every plugin's loggers.
    pub(crate) first_run_ms: f64,
}

/// What `bench-probes logging` printed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LoggingFigures {
    /// Nanoseconds per call of a logger whose level filters the record out.
    pub(crate) filtered_out_ns: f64,
    /// Threads logging concurrently into the file appender.
    pub(crate) threads: usize,
    /// Records per timed run.
    pub(crate) records_per_round: u64,
    /// Timed runs.
    pub(crate) rounds: usize,
    /// Median records per second, from the first record to the file flushed at stop.
    pub(crate) records_per_sec: f64,
    /// Records logged but not found in the file, over all runs (must be 0).
    pub(crate) lost: u64,
}

/// What `bench-probes elasticsearch` printed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ElasticsearchFigures {
    /// Calls per timed block.
    pub(crate) calls_per_round: usize,
    /// Blocks of each client, alternating.
    pub(crate) rounds: usize,
    /// Median microseconds per call, bare official client.
    pub(crate) bare_us_per_call: f64,
    /// Median microseconds per call, `call_as_current_user`.
    pub(crate) platform_us_per_call: f64,
}

/// Resident set size after load, in KiB.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct RssAfterLoad {
    /// core-server (the instance without authentication).
    pub(crate) core_kib: f64,
    /// Plain actix-web.
    pub(crate) plain_kib: f64,
}

/// Time to the first 200 on `/api/status` and idle RSS, median over the starts.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Startup {
    /// Number of starts of each server.
    pub(crate) starts: usize,
    /// Median milliseconds from spawn to first 200, core-server.
    pub(crate) core_ms: f64,
    /// Same for plain actix-web.
    pub(crate) plain_ms: f64,
    /// `core_ms / plain_ms`.
    pub(crate) ratio: Option<f64>,
    /// Median idle RSS in KiB right after the first 200, core-server.
    pub(crate) core_rss_kib: f64,
    /// Same for plain actix-web.
    pub(crate) plain_rss_kib: f64,
}

/// One route of core-server loaded against its plain actix-web counterpart.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HttpComparison {
    /// What is compared, e.g. `plain JSON`.
    pub(crate) name: String,
    /// Request line sent to core-server.
    pub(crate) core_route: String,
    /// Request line sent to plain actix-web.
    pub(crate) plain_route: String,
    /// Median over rounds, core-server.
    pub(crate) core: HttpFigures,
    /// Median over rounds, plain actix-web.
    pub(crate) plain: HttpFigures,
    /// core req/s divided by plain req/s.
    pub(crate) throughput_ratio: Option<f64>,
    /// core p99 divided by plain p99.
    pub(crate) p99_ratio: Option<f64>,
    /// The least `throughput_ratio` this route must reach.
    pub(crate) min_throughput_ratio: f64,
    /// The most `p99_ratio` may be, when the route has a latency target.
    pub(crate) max_p99_ratio: Option<f64>,
}

/// core-server with `metrics.prometheus.enabled` (the request counters plus a per-route
/// histogram per request) against core-server with the defaults (the request counters only), on
/// one route, alternating rounds.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MetricsComparison {
    /// Request line sent to both.
    pub(crate) route: String,
    /// Median over rounds, the defaults.
    pub(crate) default: HttpFigures,
    /// Median over rounds, Prometheus on.
    pub(crate) prometheus: HttpFigures,
    /// Prometheus-on req/s divided by default req/s.
    pub(crate) throughput_ratio: Option<f64>,
    /// Prometheus-on p99 divided by default p99.
    pub(crate) p99_ratio: Option<f64>,
}

/// The goal for [`MetricsComparison::throughput_ratio`]: per-route metrics cost at most 3%.
pub(crate) const METRICS_MIN_THROUGHPUT_RATIO: f64 = 0.97;

/// Medians of one side's rounds.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct HttpFigures {
    /// Completed requests per second.
    pub(crate) requests_per_sec: f64,
    /// Median latency in milliseconds.
    pub(crate) p50_ms: f64,
    /// 99th percentile latency in milliseconds.
    pub(crate) p99_ms: f64,
    /// Errors summed over all rounds (non-200 or I/O failures).
    pub(crate) errors: u64,
}

/// The optional hapi peer: Kibana 7.x's per-request work on Node (`benches/hapi-peer`), measured in
/// the same run as the others. Informational: no target is judged on it.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct HapiPeer {
    /// Why it was not measured, or stopped being measured; `None` when it ran throughout.
    pub(crate) skipped: Option<String>,
    /// `node --version`, when node was found and `npm ci` succeeded.
    pub(crate) node_version: Option<String>,
    /// Median milliseconds from spawn to first 200 on `/api/status`.
    pub(crate) startup_ms: Option<f64>,
    /// Median idle RSS in KiB right after the first 200 (node's VmRSS).
    pub(crate) idle_rss_kib: Option<f64>,
    /// RSS in KiB after all its HTTP rounds.
    pub(crate) rss_after_load_kib: Option<f64>,
    /// One entry per route it was loaded on.
    pub(crate) http: Vec<HapiRoute>,
}

impl HapiPeer {
    /// Whether the peer is (still) measured in this run.
    pub(crate) fn usable(&self) -> bool {
        self.skipped.is_none()
    }

    /// Stops measuring the peer for the rest of the run, printing and keeping the first reason.
    pub(crate) fn skip(&mut self, why: impl Into<String>) {
        let why = why.into();
        eprintln!("hapi peer skipped: {why}");
        self.skipped.get_or_insert(why);
    }
}

/// The hapi peer on one route of [`Report::http`], with its ratios to the two other servers.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HapiRoute {
    /// The [`HttpComparison::name`] it belongs to.
    pub(crate) name: String,
    /// Request line sent to the peer (the plain actix-web one).
    pub(crate) route: String,
    /// Median over rounds.
    pub(crate) figures: HttpFigures,
    /// hapi req/s divided by plain actix-web req/s.
    pub(crate) throughput_vs_plain: Option<f64>,
    /// hapi req/s divided by core-server req/s.
    pub(crate) throughput_vs_core: Option<f64>,
    /// core-server req/s divided by plain actix-web req/s (where core-server stands between them).
    pub(crate) core_vs_plain: Option<f64>,
    /// hapi p99 divided by plain actix-web p99.
    pub(crate) p99_vs_plain: Option<f64>,
}

/// One performance target and what the run measured for it: a row of the report's Targets table
/// (`targets::verdicts` judges them).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    /// What is measured, e.g. `HTTP plain JSON: throughput vs plain actix-web`.
    pub(crate) measure: String,
    /// The target, e.g. `≥ 0.90`.
    pub(crate) target: String,
    /// The measured value, formatted.
    pub(crate) measured: String,
    /// `None` when the run did not measure it (e.g. a size left out of `--quick`).
    pub(crate) met: Option<bool>,
}

/// The verdicts as a Markdown table.
fn targets_table(verdicts: &[Verdict]) -> String {
    let mut out =
        String::from("## Targets\n\n| measure | target | measured | |\n|---|---|---:|---|\n");
    for v in verdicts {
        let mark = match v.met {
            Some(true) => "met",
            Some(false) => "**missed**",
            None => "not measured",
        };
        out.push_str(&format!(
            "| {} | {} | {} | {mark} |\n",
            v.measure, v.target, v.measured
        ));
    }
    out
}

fn fmt_ratio(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "n/a".to_owned(), |r| format!("{r:.2}"))
}

impl Report {
    /// The report as Markdown tables, with `verdicts` (the targets judged against this report, see
    /// `targets::verdicts`) as its first table when the run is judged.
    pub(crate) fn to_markdown(&self, verdicts: &[Verdict]) -> String {
        let s = &self.startup;
        let mut out = format!(
            "# Benchmark report ({})\n\n{}\n\n",
            self.mode, self.conditions
        );
        if self.judge_targets {
            out.push_str(&targets_table(verdicts));
        } else {
            out.push_str(
                "## Targets\n\nNot judged: this run's figures are not performance figures.\n",
            );
        }
        out.push_str(&format!(
            "\n## Startup\n\n\
             Median of {} starts each, alternating: spawn to first 200 on `/api/status`, and VmRSS then.\n\n\
             | server | first 200 (ms) | idle RSS (MiB) |\n|---|---:|---:|\n\
             | core-server | {:.1} | {:.1} |\n| plain actix-web | {:.1} | {:.1} |\n\
             | ratio | {} | {} |\n",
            s.starts,
            s.core_ms,
            s.core_rss_kib / 1024.0,
            s.plain_ms,
            s.plain_rss_kib / 1024.0,
            fmt_ratio(s.ratio),
            fmt_ratio(crate::bench::stats::ratio(s.core_rss_kib, s.plain_rss_kib)),
        ));
        out.push_str(
            "\n## HTTP\n\nMedians over alternating rounds.\n\n\
             | route | server | request | req/s | p50 (ms) | p99 (ms) | errors |\n\
             |---|---|---|---:|---:|---:|---:|\n",
        );
        for c in &self.http {
            for (server, route, f) in [
                ("core-server", &c.core_route, &c.core),
                ("plain actix-web", &c.plain_route, &c.plain),
            ] {
                out.push_str(&format!(
                    "| {} | {server} | `{route}` | {:.0} | {:.3} | {:.3} | {} |\n",
                    c.name, f.requests_per_sec, f.p50_ms, f.p99_ms, f.errors
                ));
            }
            out.push_str(&format!(
                "| {} | ratio | | {} | | {} | |\n",
                c.name,
                fmt_ratio(c.throughput_ratio),
                fmt_ratio(c.p99_ratio)
            ));
        }
        out.push_str(&format!(
            "\nRSS after load: core-server {:.1} MiB, plain actix-web {:.1} MiB (ratio {}).\n",
            self.rss_after_load.core_kib / 1024.0,
            self.rss_after_load.plain_kib / 1024.0,
            fmt_ratio(crate::bench::stats::ratio(
                self.rss_after_load.core_kib,
                self.rss_after_load.plain_kib
            ))
        ));
        out.push_str(&self.metrics_markdown());
        out.push_str(&self.hapi_markdown());
        out.push_str(&self.plugins_markdown());
        out.push_str(&self.logging_markdown());
        out.push_str(&self.elasticsearch_markdown());
        out
    }

    fn metrics_markdown(&self) -> String {
        let m = &self.prometheus;
        let mut out = format!(
            "\n## Metrics\n\ncore-server with `metrics.prometheus.enabled: true` (per-route latency \
             histograms) against the defaults (the request counters every request pays), alternating \
             rounds; goal: throughput ratio at least {METRICS_MIN_THROUGHPUT_RATIO:.2}.\n\n\
             | server | request | req/s | p50 (ms) | p99 (ms) | errors |\n|---|---|---:|---:|---:|---:|\n"
        );
        for (server, f) in [("defaults", &m.default), ("Prometheus on", &m.prometheus)] {
            out.push_str(&format!(
                "| {server} | `{}` | {:.0} | {:.3} | {:.3} | {} |\n",
                m.route, f.requests_per_sec, f.p50_ms, f.p99_ms, f.errors
            ));
        }
        out.push_str(&format!(
            "| ratio | | {} | | {} | |\n",
            fmt_ratio(m.throughput_ratio),
            fmt_ratio(m.p99_ratio)
        ));
        out
    }

    fn hapi_markdown(&self) -> String {
        let h = &self.hapi_peer;
        let mut out = String::from(
            "\n## Kibana's stack: hapi peer (informational, no target)\n\n\
             `benches/hapi-peer`: Node with `@hapi/hapi` 21 and joi doing Kibana 7.x's per-request work (no-op \
             onPreAuth and onPostAuth extensions, a default auth strategy checking the same Basic header, joi \
             validation of the path parameter) on plain actix-web's routes, in the same rounds, alternating with \
             the two others. Not loaded on the 2 KB gzip route, which it does not serve, nor on the \
             session-cookie route, whose plain request is the header-check one.\n",
        );
        if let Some(version) = &h.node_version {
            out.push_str(&format!("\nNode {version}, installed with `npm ci`.\n"));
        }
        if let Some(why) = &h.skipped {
            out.push_str(&format!("\n**Skipped:** {why}.\n"));
        }
        let mib = |kib: Option<f64>| {
            kib.map_or_else(|| "n/a".to_owned(), |k| format!("{:.1}", k / 1024.0))
        };
        if let Some(ms) = h.startup_ms {
            let s = &self.startup;
            out.push_str(&format!(
                "\n| server | first 200 (ms) | idle RSS (MiB) | RSS after load (MiB) |\n|---|---:|---:|---:|\n\
                 | plain actix-web | {:.1} | {:.1} | {:.1} |\n\
                 | core-server | {:.1} | {:.1} | {:.1} |\n\
                 | hapi peer | {ms:.1} | {} | {} |\n",
                s.plain_ms,
                s.plain_rss_kib / 1024.0,
                self.rss_after_load.plain_kib / 1024.0,
                s.core_ms,
                s.core_rss_kib / 1024.0,
                self.rss_after_load.core_kib / 1024.0,
                mib(h.idle_rss_kib),
                mib(h.rss_after_load_kib),
            ));
        }
        if !h.http.is_empty() {
            out.push_str(
                "\n| route | request | hapi req/s | p50 (ms) | p99 (ms) | errors | hapi / plain actix-web | \
                 hapi / core-server | core-server / plain actix-web |\n\
                 |---|---|---:|---:|---:|---:|---:|---:|---:|\n",
            );
            for r in &h.http {
                out.push_str(&format!(
                    "| {} | `{}` | {:.0} | {:.3} | {:.3} | {} | {} | {} | {} |\n",
                    r.name,
                    r.route,
                    r.figures.requests_per_sec,
                    r.figures.p50_ms,
                    r.figures.p99_ms,
                    r.figures.errors,
                    fmt_ratio(r.throughput_vs_plain),
                    fmt_ratio(r.throughput_vs_core),
                    fmt_ratio(r.core_vs_plain),
                ));
            }
        }
        out
    }

    fn plugins_markdown(&self) -> String {
        let mut out = format!(
            "\n## Plugins\n\nDiscovery + ordering + setup + start of N no-op plugins in a random DAG (up to \
             three required dependencies each), median of {} runs after a first run that also creates \
             every plugin's loggers.\n\n\
             | plugins | time (ms) | per plugin (µs) | first run (ms) |\n|---:|---:|---:|---:|\n",
            self.plugins.rounds
        );
        for size in &self.plugins.sizes {
            out.push_str(&format!(
                "| {} | {:.1} | {:.2} | {:.1} |\n",
                size.plugins,
                size.median_ms,
                size.median_ms * 1e3 / size.plugins.max(1) as f64,
                size.first_run_ms
            ));
        }
        out
    }

    fn logging_markdown(&self) -> String {
        let l = &self.logging;
        format!(
            "\n## Logging\n\n\
             | measure | value |\n|---|---:|\n\
             | filtered-out call | {:.1} ns |\n\
             | file appender, pattern layout ({} thread(s), median of {} runs of {} records) | {:.0} records/s |\n\
             | records lost | {} |\n",
            l.filtered_out_ns, l.threads, l.rounds, l.records_per_round, l.records_per_sec, l.lost
        )
    }

    fn elasticsearch_markdown(&self) -> String {
        let e = &self.elasticsearch;
        format!(
            "\n## Elasticsearch\n\nThe same search sent to the same local stub, {} blocks of {} calls each, \
             alternating.\n\n\
             | client | µs per call |\n|---|---:|\n\
             | `call_as_current_user` | {:.1} |\n| bare official client | {:.1} |\n| ratio | {} |\n",
            e.rounds,
            e.calls_per_round,
            e.platform_us_per_call,
            e.bare_us_per_call,
            fmt_ratio(crate::bench::stats::ratio(
                e.platform_us_per_call,
                e.bare_us_per_call
            ))
        )
    }

    /// The same numbers as pretty JSON.
    pub(crate) fn to_json(&self) -> serde_json::Result<String> {
        serde_json::to_string_pretty(self)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> Report {
        let figures = |rps, p50_ms, p99_ms| HttpFigures {
            requests_per_sec: rps,
            p50_ms,
            p99_ms,
            errors: 0,
        };
        Report {
            mode: "quick".to_owned(),
            judge_targets: true,
            conditions: "test machine".to_owned(),
            startup: Startup {
                starts: 3,
                core_ms: 12.5,
                plain_ms: 5.0,
                ratio: Some(2.5),
                core_rss_kib: 8192.0,
                plain_rss_kib: 4096.0,
            },
            http: vec![HttpComparison {
                name: "plain JSON".to_owned(),
                core_route: "GET /api/greeting/hello/Ana".to_owned(),
                plain_route: "GET /api/hello".to_owned(),
                core: figures(90_000.0, 0.25, 1.2),
                plain: figures(180_000.0, 0.125, 1.0),
                throughput_ratio: Some(0.5),
                p99_ratio: Some(1.2),
                min_throughput_ratio: 0.9,
                max_p99_ratio: Some(1.2),
            }],
            rss_after_load: RssAfterLoad {
                core_kib: 16384.0,
                plain_kib: 8192.0,
            },
            prometheus: MetricsComparison {
                route: "GET /api/greeting/hello/Ana".to_owned(),
                default: figures(90_000.0, 0.25, 1.2),
                prometheus: figures(88_200.0, 0.25, 1.2),
                throughput_ratio: Some(0.98),
                p99_ratio: Some(1.0),
            },
            hapi_peer: HapiPeer {
                skipped: None,
                node_version: Some("v20.0.0".to_owned()),
                startup_ms: Some(300.0),
                idle_rss_kib: Some(67584.0),
                rss_after_load_kib: Some(81920.0),
                http: vec![HapiRoute {
                    name: "plain JSON".to_owned(),
                    route: "GET /api/hello".to_owned(),
                    figures: figures(18_000.0, 1.5, 4.0),
                    throughput_vs_plain: Some(0.1),
                    throughput_vs_core: Some(0.2),
                    core_vs_plain: Some(0.5),
                    p99_vs_plain: Some(4.0),
                }],
            },
            plugins: PluginsFigures {
                rounds: 3,
                sizes: vec![
                    PluginsSize {
                        plugins: 1_000,
                        median_ms: 4.0,
                        first_run_ms: 6.0,
                    },
                    PluginsSize {
                        plugins: 10_000,
                        median_ms: 45.0,
                        first_run_ms: 60.0,
                    },
                ],
            },
            logging: LoggingFigures {
                filtered_out_ns: 3.25,
                threads: 1,
                records_per_round: 1_000_000,
                rounds: 3,
                records_per_sec: 1_250_000.0,
                lost: 0,
            },
            elasticsearch: ElasticsearchFigures {
                calls_per_round: 100,
                rounds: 2,
                bare_us_per_call: 100.0,
                platform_us_per_call: 105.0,
            },
        }
    }

    #[test]
    fn markdown_has_the_metrics_comparison() {
        let markdown = sample().to_markdown(&[]);
        assert!(markdown.contains("## Metrics"), "{markdown}");
        assert!(markdown.contains("| Prometheus on | `GET /api/greeting/hello/Ana` | 88200 |"));
        assert!(markdown.contains("| ratio | | 0.98 | | 1.00 | |"));
    }

    #[test]
    fn markdown_has_the_plugins_logging_and_elasticsearch_sections() {
        let markdown = sample().to_markdown(&[]);
        assert!(
            markdown.contains("| 10000 | 45.0 | 4.50 | 60.0 |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| filtered-out call | 3.2 ns |"),
            "{markdown}"
        );
        assert!(markdown.contains("| 1250000 records/s |"), "{markdown}");
        assert!(markdown.contains("| records lost | 0 |"), "{markdown}");
        assert!(markdown.contains("| ratio | 1.05 |"), "{markdown}");
    }

    #[test]
    fn markdown_has_one_row_per_server_and_the_ratios() {
        let markdown = sample().to_markdown(&[]);
        assert!(
            markdown.contains("| core-server | 12.5 | 8.0 |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| plain actix-web | 5.0 | 4.0 |"),
            "{markdown}"
        );
        assert!(markdown.contains("| ratio | 2.50 | 2.00 |"), "{markdown}");
        assert!(
            markdown.contains(
                "| plain JSON | core-server | `GET /api/greeting/hello/Ana` | 90000 | 0.250 | 1.200 | 0 |"
            ),
            "{markdown}"
        );
        assert!(
            markdown.contains("| plain JSON | ratio | | 0.50 | | 1.20 | |"),
            "{markdown}"
        );
    }

    #[test]
    fn markdown_has_the_hapi_peer_rows_and_ratios() {
        let markdown = sample().to_markdown(&[]);
        assert!(
            markdown.contains("| hapi peer | 300.0 | 66.0 | 80.0 |"),
            "{markdown}"
        );
        assert!(
            markdown.contains(
                "| plain JSON | `GET /api/hello` | 18000 | 1.500 | 4.000 | 0 | 0.10 | 0.20 | 0.50 |"
            ),
            "{markdown}"
        );
        assert!(!markdown.contains("**Skipped:**"), "{markdown}");
    }

    #[test]
    fn a_skipped_hapi_peer_is_a_note_not_a_failure() {
        let mut report = sample();
        report.hapi_peer = HapiPeer::default();
        report
            .hapi_peer
            .skip("`node` is not on the PATH (install Node.js and npm)");
        assert!(!report.hapi_peer.usable());
        let markdown = report.to_markdown(&[]);
        assert!(
            markdown.contains("**Skipped:** `node` is not on the PATH (install Node.js and npm)."),
            "{markdown}"
        );
        assert!(!markdown.contains("| hapi peer |"), "{markdown}");
        let json: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
        assert_eq!(json["hapi_peer"]["http"], serde_json::json!([]));
    }

    #[test]
    fn json_carries_the_same_numbers() {
        let json: serde_json::Value = serde_json::from_str(&sample().to_json().unwrap()).unwrap();
        assert_eq!(json["startup"]["core_ms"], 12.5);
        assert_eq!(json["http"][0]["core"]["requests_per_sec"], 90_000.0);
        assert_eq!(json["http"][0]["throughput_ratio"], 0.5);
    }

    #[test]
    fn missing_ratio_renders_as_not_available() {
        let mut report = sample();
        report.http[0].p99_ratio = None;
        assert!(report.to_markdown(&[]).contains("| 0.50 | | n/a | |"));
    }
}
