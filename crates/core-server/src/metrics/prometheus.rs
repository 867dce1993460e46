//! `GET /api/metrics/prometheus` (opt-in: `metrics.prometheus.enabled`): the latest ops metrics
//! and per-route latency histograms in the Prometheus / OpenMetrics text format, encoded by the
//! `prometheus-client` crate.
//!
//! Each route's histograms are labelled by its declared path (`route`, e.g.
//! `/api/greeting/hello/{name}`, never the raw path, so the number of series stays the number of
//! routes), `method`, `status_class` (`2xx`...) and `plugin` (the plugin that registered it, or
//! `core`). They are created when the server starts, one per route and status class, so a
//! request only observes its duration into a histogram prepared for it: three relaxed atomic
//! adds, no lock (the crate's own `Histogram` takes a mutex per observation, which two workers
//! answering the same route contend for). They are encoded at each scrape with the crate's
//! encoder. When the endpoint is off no observer is set and requests pay nothing for it.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use core_config::ConfigSchema;
use core_http::{
    AuthRequired, RouteConfig, RouteInfo, RouteObserver, RouteOptions, RouteRecorder,
    RouteValidation, Router,
};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;
use serde::Deserialize;
use tokio::sync::watch;

use super::OpsMetrics;
use crate::route_owners::RouteOwners;

/// The path of the Prometheus endpoint.
pub const PROMETHEUS_PATH: &str = "/api/metrics/prometheus";

/// The content type of the OpenMetrics text format the endpoint answers in (Prometheus reads
/// it).
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Upper bounds of the latency buckets, in microseconds: 1 ms to 10 s (then `+Inf`).
const BUCKETS_MICROS: [u64; 13] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    5_000_000, 10_000_000,
];

/// The `metrics.*` config section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// `metrics.prometheus.*`.
    pub prometheus: PrometheusConfig,
}

/// The `metrics.prometheus.*` settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrometheusConfig {
    /// `metrics.prometheus.enabled`: serve [`PROMETHEUS_PATH`] and time every routed request
    /// by route. Default `false`.
    pub enabled: bool,
}

impl ConfigSchema for MetricsConfig {}

/// The labels of a route's latency histogram: route, method, status class, plugin.
type RouteLabels = [(&'static str, String); 4];

/// One latency histogram, in relaxed atomics: a count per bucket (the last one `+Inf`) and
/// the sum in microseconds.
#[derive(Debug, Default)]
struct AtomicHistogram {
    buckets: [AtomicU64; BUCKETS_MICROS.len() + 1],
    sum_micros: AtomicU64,
}

impl AtomicHistogram {
    fn observe(&self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let bucket = BUCKETS_MICROS
            .iter()
            .position(|bound| micros <= *bound)
            .unwrap_or(BUCKETS_MICROS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

/// Every route's histograms with their labels, encoded at each scrape.
#[derive(Debug, Default)]
struct RouteHistograms {
    series: Mutex<Vec<(RouteLabels, Arc<AtomicHistogram>)>>,
}

impl Collector for RouteHistograms {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        let mut metric = encoder.encode_descriptor(
            "http_server_request_duration_seconds",
            "Time from receiving a request to its response, by route template, method, status \
             class and owning plugin",
            None,
            MetricType::Histogram,
        )?;
        for (labels, histogram) in series.iter() {
            let buckets: Vec<(f64, u64)> = histogram
                .buckets
                .iter()
                .enumerate()
                .map(|(index, count)| {
                    let bound = BUCKETS_MICROS
                        .get(index)
                        .map_or(f64::MAX, |micros| *micros as f64 / 1e6);
                    (bound, count.load(Ordering::Relaxed))
                })
                .collect();
            // The count is the buckets' total, so the two always agree within a scrape.
            let count: u64 = buckets.iter().map(|(_, count)| count).sum();
            // A series appears with its first request, as a labelled metric of a client library
            // does: every route has five status classes, and most never answer with most of them.
            if count == 0 {
                continue;
            }
            let sum = histogram.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            metric
                .encode_family(labels)?
                .encode_histogram::<NoLabelSet>(sum, count, &buckets, None)?;
        }
        Ok(())
    }
}

/// The registry behind the endpoint.
pub(crate) struct Prometheus {
    registry: Registry,
    routes: Arc<RouteHistograms>,
}

impl Prometheus {
    /// A registry with the ops metrics (read from `ops` at each scrape) and the route
    /// histograms.
    pub(crate) fn new(ops: watch::Receiver<OpsMetrics>) -> Arc<Self> {
        let mut registry = Registry::with_prefix("kibana");
        let routes = Arc::new(RouteHistograms::default());
        registry.register_collector(Box::new(Arc::clone(&routes)));
        registry.register_collector(Box::new(OpsCollector { ops }));
        Arc::new(Self { registry, routes })
    }

    /// The route observer to set on the HTTP service: one histogram per status class for each
    /// route, labelled with the route's owner from `owners`.
    pub(crate) fn observer(self: &Arc<Self>, owners: RouteOwners) -> RouteObserver {
        let routes = Arc::clone(&self.routes);
        Arc::new(move |route: &RouteInfo| -> RouteRecorder {
            let plugin = owners
                .owner_of(route.method, &route.full_path)
                .unwrap_or_else(|| "unknown".to_owned());
            let mut series = routes.series.lock().unwrap_or_else(PoisonError::into_inner);
            let histograms: [Arc<AtomicHistogram>; 5] = std::array::from_fn(|class| {
                let labels: RouteLabels = [
                    ("route", route.full_path.clone()),
                    ("method", route.method.as_str().to_owned()),
                    ("status_class", format!("{}xx", class + 1)),
                    ("plugin", plugin.clone()),
                ];
                let histogram = Arc::new(AtomicHistogram::default());
                series.push((labels, Arc::clone(&histogram)));
                histogram
            });
            Box::new(move |status, elapsed| {
                let class = usize::from(status / 100).clamp(1, 5) - 1;
                histograms[class].observe(elapsed);
            })
        })
    }

    /// The text the endpoint answers.
    pub(crate) fn render(&self) -> String {
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            // Writing to a `String` cannot fail; should the encoder, say so in the answer.
            let _ = writeln!(text, "# the metrics could not be encoded");
        }
        text
    }
}

/// The core router serving [`PROMETHEUS_PATH`] (no authentication, as `/api/status`: a scraper
/// carries no session; restrict it at the proxy if the route names are not for everyone).
pub(crate) fn prometheus_router(prometheus: Arc<Prometheus>) -> Router {
    let mut router = Router::new("/api/metrics");
    let options = RouteOptions::new().auth_required(AuthRequired::NotRequired);
    router.get(
        RouteConfig::new("/prometheus", RouteValidation::none()).options(options),
        move |_request, response| {
            let text = prometheus.render();
            async move { Ok(response.ok(text).header("content-type", CONTENT_TYPE)) }
        },
    );
    router
}

/// Encodes the latest ops metrics at each scrape.
#[derive(Debug)]
struct OpsCollector {
    ops: watch::Receiver<OpsMetrics>,
}

fn gauge(encoder: &mut DescriptorEncoder, name: &str, help: &str, value: f64) -> std::fmt::Result {
    let gauge = ConstGauge::new(value);
    gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)
}

impl Collector for OpsCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let ops = self.ops.borrow().clone();
        let e = &mut encoder;
        let process = &ops.process;
        gauge(
            e,
            "process_resident_memory_bytes",
            "Resident set size of the server process",
            process.memory.resident_set_size_in_bytes as f64,
        )?;
        let cpu = ConstCounter::new(process.cpu.total_in_seconds);
        cpu.encode(e.encode_descriptor(
            "process_cpu_seconds",
            "User and system CPU time of the server process",
            None,
            cpu.metric_type(),
        )?)?;
        gauge(
            e,
            "process_uptime_seconds",
            "Time since the server process started",
            process.uptime_in_millis as f64 / 1000.0,
        )?;
        gauge(
            e,
            "process_event_loop_delay_seconds",
            "Scheduling delay of the async runtime at the last collection",
            process.event_loop_delay / 1000.0,
        )?;
        gauge(
            e,
            "runtime_workers",
            "Worker threads of the async runtime",
            ops.runtime.workers as f64,
        )?;
        gauge(
            e,
            "runtime_alive_tasks",
            "Tasks alive on the async runtime",
            ops.runtime.alive_tasks as f64,
        )?;
        gauge(
            e,
            "runtime_global_queue_depth",
            "Tasks waiting in the async runtime's global queue",
            ops.runtime.global_queue_depth as f64,
        )?;
        if let Some(load) = ops.os.load {
            gauge(e, "os_load1", "Load average over 1 minute", load.one)?;
            gauge(e, "os_load5", "Load average over 5 minutes", load.five)?;
            gauge(e, "os_load15", "Load average over 15 minutes", load.fifteen)?;
        }
        gauge(
            e,
            "os_memory_total_bytes",
            "Memory of the host",
            ops.os.memory.total_in_bytes as f64,
        )?;
        gauge(
            e,
            "os_memory_free_bytes",
            "Memory of the host available without swapping",
            ops.os.memory.free_in_bytes as f64,
        )?;
        gauge(
            e,
            "os_uptime_seconds",
            "Time since the host booted",
            ops.os.uptime_in_millis as f64 / 1000.0,
        )?;
        gauge(
            e,
            "http_concurrent_connections",
            "Open connections to the server",
            ops.concurrent_connections as f64,
        )?;
        gauge(
            e,
            "http_interval_requests",
            "Requests received during the last ops.interval",
            ops.requests.total as f64,
        )?;
        gauge(
            e,
            "http_interval_disconnects",
            "Requests whose client went away during the last ops.interval",
            ops.requests.disconnects as f64,
        )?;
        gauge(
            e,
            "http_interval_response_time_avg_seconds",
            "Mean response time during the last ops.interval",
            ops.response_times.avg_in_millis / 1000.0,
        )?;
        gauge(
            e,
            "http_interval_response_time_max_seconds",
            "Longest response time during the last ops.interval",
            ops.response_times.max_in_millis / 1000.0,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_their_bucket_and_the_sum() {
        let histogram = AtomicHistogram::default();
        histogram.observe(Duration::from_micros(1_000));
        histogram.observe(Duration::from_micros(1_001));
        histogram.observe(Duration::from_secs(60));
        let counts: Vec<u64> = histogram
            .buckets
            .iter()
            .map(|count| count.load(Ordering::Relaxed))
            .collect();
        assert_eq!(counts[0], 1);
        assert_eq!(counts[1], 1);
        assert_eq!(counts[BUCKETS_MICROS.len()], 1);
        assert_eq!(
            histogram.sum_micros.load(Ordering::Relaxed),
            2_001 + 60_000_000
        );
    }
}
