//! The ops metrics service (Kibana's `metrics` core service): every `ops.interval` it collects
//! the process, the async runtime, the OS and the HTTP server's counters into one
//! [`OpsMetrics`], publishes it on a `watch` channel (plugins read it from
//! [`CoreStart::metrics`](crate::CoreStart::metrics)), logs it at debug under `metrics.ops`, and
//! resets the server's per-interval counters.

mod collectors;
mod log;
mod prometheus;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use core_config::{ConfigSchema, ValidationError};
use core_http::ServerMetrics;
use core_logging::{LogLevel, LogMeta, Logger};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use self::collectors::Collector;
pub use self::prometheus::{MetricsConfig, PROMETHEUS_PATH, PrometheusConfig};
pub(crate) use self::prometheus::{Prometheus, prometheus_router};

/// The `ops.*` config section (Kibana's `ops`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpsConfig {
    /// `ops.interval`: how often ops metrics are collected. Default `5s`.
    #[serde(deserialize_with = "core_config::values::duration")]
    pub interval: Duration,
}

impl Default for OpsConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
        }
    }
}

impl ConfigSchema for OpsConfig {
    fn validate(&self) -> Result<(), ValidationError> {
        if self.interval < Duration::from_millis(100) {
            return Err(ValidationError::new("interval", "must be at least 100ms"));
        }
        Ok(())
    }
}

/// One collection of ops metrics (Kibana's `OpsMetrics`). Serialized in the shape of
/// Kibana's `/api/stats` (snake_case field names); `collected_at` is `last_updated` there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpsMetrics {
    /// When it was collected.
    #[serde(skip)]
    pub collected_at: SystemTime,
    /// The server process.
    pub process: ProcessMetrics,
    /// The async runtime core and the plugins run on (what Node's event loop is to Kibana).
    pub runtime: RuntimeMetrics,
    /// The host.
    pub os: OsMetrics,
    /// Response times over the interval.
    pub response_times: ResponseTimes,
    /// Requests over the interval.
    pub requests: RequestsMetrics,
    /// Connections open at collection time.
    pub concurrent_connections: u64,
}

impl Default for OpsMetrics {
    fn default() -> Self {
        Self {
            collected_at: SystemTime::UNIX_EPOCH,
            process: ProcessMetrics::default(),
            runtime: RuntimeMetrics::default(),
            os: OsMetrics::default(),
            response_times: ResponseTimes::default(),
            requests: RequestsMetrics::default(),
            concurrent_connections: 0,
        }
    }
}

/// The server process (Kibana's `OpsProcessMetrics`, without the JavaScript heap).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProcessMetrics {
    /// Memory.
    pub memory: ProcessMemory,
    /// CPU time.
    pub cpu: ProcessCpu,
    /// Kibana's event loop delay, in milliseconds: the runtime's measured scheduling delay
    /// (see [`RuntimeMetrics::scheduling_delay_in_millis`]).
    pub event_loop_delay: f64,
    /// The process id.
    pub pid: u32,
    /// Time since the process started, in milliseconds.
    pub uptime_in_millis: u64,
}

/// The process's memory.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProcessMemory {
    /// Resident set size, in bytes.
    pub resident_set_size_in_bytes: u64,
}

/// The process's CPU time.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProcessCpu {
    /// User plus system CPU time since the process started, in seconds.
    pub total_in_seconds: f64,
    /// CPU time over the last interval as a percentage of its wall time (above 100 when
    /// more than one core was busy).
    pub percent: f64,
}

/// The async runtime (tokio's stable runtime metrics).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuntimeMetrics {
    /// Worker threads.
    pub workers: u64,
    /// Tasks alive (spawned and not finished).
    pub alive_tasks: u64,
    /// Tasks waiting in the global queue.
    pub global_queue_depth: u64,
    /// How long a task that yields waits to run again, in milliseconds, measured at
    /// collection: Kibana's event loop delay for this runtime.
    pub scheduling_delay_in_millis: f64,
}

/// The host (Kibana's `OpsOsMetrics`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OsMetrics {
    /// The OS, e.g. `linux`.
    pub platform: String,
    /// The OS and its release, e.g. `linux-6.1.0`.
    pub platform_release: String,
    /// The load averages; `None` where the OS does not tell.
    pub load: Option<OsLoad>,
    /// Memory.
    pub memory: OsMemory,
    /// Time since boot, in milliseconds.
    pub uptime_in_millis: u64,
}

/// The load averages over 1, 5 and 15 minutes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct OsLoad {
    /// Over 1 minute.
    #[serde(rename = "1m")]
    pub one: f64,
    /// Over 5 minutes.
    #[serde(rename = "5m")]
    pub five: f64,
    /// Over 15 minutes.
    #[serde(rename = "15m")]
    pub fifteen: f64,
}

/// The host's memory.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OsMemory {
    /// Total, in bytes.
    pub total_in_bytes: u64,
    /// Available without swapping, in bytes.
    pub free_in_bytes: u64,
    /// Total minus free, in bytes.
    pub used_in_bytes: u64,
}

/// Response times over the interval, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResponseTimes {
    /// The mean.
    pub avg_in_millis: f64,
    /// The longest.
    pub max_in_millis: f64,
}

/// Requests over the interval.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RequestsMetrics {
    /// Requests whose client went away before the answer.
    pub disconnects: u64,
    /// Requests received.
    pub total: u64,
    /// Responses by status code (`"200": 12`).
    pub status_codes: BTreeMap<String, u64>,
}

/// What plugins get from the metrics service at start (Kibana's `MetricsServiceStart`).
#[derive(Debug, Clone)]
pub struct MetricsServiceStart {
    ops: watch::Receiver<OpsMetrics>,
    interval: Duration,
}

impl MetricsServiceStart {
    pub(crate) fn new(ops: watch::Receiver<OpsMetrics>, interval: Duration) -> Self {
        Self { ops, interval }
    }

    /// The latest ops metrics, updated every [`collection_interval`](Self::collection_interval)
    /// (Kibana's `getOpsMetrics$()`): `borrow()` reads the latest, `changed().await` waits for
    /// the next. The first collection happens before plugins start.
    pub fn ops_metrics(&self) -> watch::Receiver<OpsMetrics> {
        self.ops.clone()
    }

    /// How often ops metrics are collected (`ops.interval`).
    pub fn collection_interval(&self) -> Duration {
        self.interval
    }
}

/// Collects one [`OpsMetrics`] after another.
struct Collection {
    collector: Collector,
    server: ServerMetrics,
    sender: watch::Sender<OpsMetrics>,
    log: Logger,
}

impl Collection {
    async fn refresh(&mut self) {
        let delay = collectors::scheduling_delay().await;
        let server = self.server.collect_and_reset();
        let metrics = OpsMetrics {
            collected_at: SystemTime::now(),
            process: self.collector.process(delay),
            runtime: collectors::runtime(delay),
            os: self.collector.os(),
            response_times: ResponseTimes {
                avg_in_millis: server.avg_response_time_ms,
                max_in_millis: server.max_response_time_ms,
            },
            requests: RequestsMetrics {
                disconnects: server.disconnects,
                total: server.total,
                status_codes: server
                    .status_codes
                    .iter()
                    .map(|(code, count)| (code.to_string(), *count))
                    .collect(),
            },
            concurrent_connections: server.concurrent_connections,
        };
        if self.log.is_enabled(LogLevel::Debug) {
            let meta = match log::ops_metrics_meta(&metrics) {
                serde_json::Value::Object(map) => LogMeta::from(map),
                _ => LogMeta::new(),
            };
            self.log
                .debug_with(log::ops_metrics_message(&metrics), meta);
        }
        self.sender.send_replace(metrics);
    }
}

/// The metrics service: created with the server, started after HTTP, stopped with it.
pub(crate) struct MetricsService {
    config: OpsConfig,
    log: Logger,
    sender: watch::Sender<OpsMetrics>,
    task: Option<JoinHandle<()>>,
}

impl MetricsService {
    pub(crate) fn new(config: OpsConfig, log: Logger) -> Self {
        Self {
            config,
            log,
            sender: watch::Sender::new(OpsMetrics::default()),
            task: None,
        }
    }

    /// The channel the collections are published on (the default value until start).
    pub(crate) fn subscribe(&self) -> watch::Receiver<OpsMetrics> {
        self.sender.subscribe()
    }

    /// How often metrics are collected.
    pub(crate) fn interval(&self) -> Duration {
        self.config.interval
    }

    /// Collects once, then every interval in the background.
    pub(crate) async fn start(&mut self, server: ServerMetrics) -> MetricsServiceStart {
        let mut collection = Collection {
            collector: Collector::default(),
            server,
            sender: self.sender.clone(),
            log: self.log.clone(),
        };
        collection.refresh().await;
        let interval = self.config.interval;
        self.task = Some(tokio::spawn(async move {
            let mut ticks =
                tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                collection.refresh().await;
            }
        }));
        MetricsServiceStart::new(self.subscribe(), interval)
    }

    pub(crate) async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}
