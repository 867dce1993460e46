//! The server's request counters (Kibana's server collector): requests by status code,
//! disconnects, concurrent connections and response times, kept in relaxed atomics that every
//! worker bumps and core reads (and resets) once per collection interval.
//!
//! A request costs a clock read and a handful of relaxed atomic adds; nothing is allocated.
//! A route observer (see [`HttpService::observe_routes`](crate::HttpService::observe_routes)),
//! when one is set, is also told each routed response's status and duration.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::router::RouteInfo;

/// The lowest status code counted one by one; the array covers `100..=599`.
const FIRST_STATUS: u16 = 100;
/// How many status codes are counted one by one.
const STATUS_SLOTS: usize = 500;

/// The counters themselves, shared by every worker and every [`ServerMetrics`] handle.
struct Counters {
    total: AtomicU64,
    disconnects: AtomicU64,
    /// One per status code `100..=599`; anything else is counted in `other_status`.
    status_codes: [AtomicU64; STATUS_SLOTS],
    other_status: AtomicU64,
    /// Responses finished in this interval, and their durations (sum and max, in µs).
    responses: AtomicU64,
    response_micros_sum: AtomicU64,
    response_micros_max: AtomicU64,
    /// Open connections (a gauge: never reset).
    connections: AtomicI64,
}

/// A handle on one server's request counters. Cheap to clone; every clone reads the same
/// counters.
#[derive(Clone)]
pub struct ServerMetrics(Arc<Counters>);

impl Default for ServerMetrics {
    fn default() -> Self {
        Self(Arc::new(Counters {
            total: AtomicU64::new(0),
            disconnects: AtomicU64::new(0),
            status_codes: std::array::from_fn(|_| AtomicU64::new(0)),
            other_status: AtomicU64::new(0),
            responses: AtomicU64::new(0),
            response_micros_sum: AtomicU64::new(0),
            response_micros_max: AtomicU64::new(0),
            connections: AtomicI64::new(0),
        }))
    }
}

impl std::fmt::Debug for ServerMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerMetrics")
            .field("total", &self.0.total.load(Ordering::Relaxed))
            .field(
                "concurrent_connections",
                &self.0.connections.load(Ordering::Relaxed),
            )
            .finish_non_exhaustive()
    }
}

/// What the server counted since the previous [`ServerMetrics::collect_and_reset`] (Kibana's
/// `requests`, `response_times` and `concurrent_connections`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerMetricsSnapshot {
    /// Requests received.
    pub total: u64,
    /// Requests whose client went away before their response was complete.
    pub disconnects: u64,
    /// Responses by status code (codes outside `100..=599` are counted under `0`).
    pub status_codes: BTreeMap<u16, u64>,
    /// The mean response time, in milliseconds (`0` when nothing was answered).
    pub avg_response_time_ms: f64,
    /// The longest response time, in milliseconds.
    pub max_response_time_ms: f64,
    /// Connections open at collection time.
    pub concurrent_connections: u64,
}

impl ServerMetricsSnapshot {
    /// The responses of one status class, e.g. `2` for every `2xx`.
    ///
    /// # Arguments
    ///
    /// * `class` - the status code's first digit (`1` to `5`).
    pub fn status_class(&self, class: u16) -> u64 {
        self.status_codes
            .iter()
            .filter(|(code, _)| **code / 100 == class)
            .map(|(_, count)| count)
            .sum()
    }
}

impl ServerMetrics {
    /// Reads every counter and resets the per-interval ones (requests, status codes,
    /// disconnects, response times) to zero; the connection gauge is read, not reset. Each
    /// counter is swapped on its own, so a request finishing meanwhile is counted in this
    /// snapshot or in the next, never lost.
    pub fn collect_and_reset(&self) -> ServerMetricsSnapshot {
        let counters = &self.0;
        let mut status_codes = BTreeMap::new();
        for (slot, count) in counters.status_codes.iter().enumerate() {
            if count.load(Ordering::Relaxed) != 0 {
                let code = FIRST_STATUS + u16::try_from(slot).unwrap_or(0);
                status_codes.insert(code, count.swap(0, Ordering::Relaxed));
            }
        }
        let other = counters.other_status.swap(0, Ordering::Relaxed);
        if other != 0 {
            status_codes.insert(0, other);
        }
        let responses = counters.responses.swap(0, Ordering::Relaxed);
        let sum = counters.response_micros_sum.swap(0, Ordering::Relaxed);
        let max = counters.response_micros_max.swap(0, Ordering::Relaxed);
        ServerMetricsSnapshot {
            total: counters.total.swap(0, Ordering::Relaxed),
            disconnects: counters.disconnects.swap(0, Ordering::Relaxed),
            status_codes,
            avg_response_time_ms: if responses == 0 {
                0.0
            } else {
                sum as f64 / responses as f64 / 1000.0
            },
            max_response_time_ms: max as f64 / 1000.0,
            concurrent_connections: u64::try_from(counters.connections.load(Ordering::Relaxed))
                .unwrap_or(0),
        }
    }

    /// Counts a request as received and returns the guard that counts its end (borrowing the
    /// counters: no reference count is touched per request).
    pub(crate) fn request_started(&self) -> RequestGuard<'_> {
        self.0.total.fetch_add(1, Ordering::Relaxed);
        RequestGuard {
            counters: &self.0,
            started: Instant::now(),
            finished: false,
        }
    }

    /// Counts a connection as open until the returned guard drops.
    pub(crate) fn connection_opened(&self) -> ConnectionGuard {
        self.0.connections.fetch_add(1, Ordering::Relaxed);
        ConnectionGuard(self.clone())
    }
}

/// A request in flight: [`finish`](Self::finish) counts its response; dropped unfinished (the
/// client went away and actix dropped the pipeline's future), it counts a disconnect.
pub(crate) struct RequestGuard<'a> {
    counters: &'a Counters,
    started: Instant,
    finished: bool,
}

impl RequestGuard<'_> {
    /// Counts the response: its status code and how long the request took. Returns the
    /// duration, for the route observer.
    pub(crate) fn finish(mut self, status: u16) -> Duration {
        self.finished = true;
        let elapsed = self.started.elapsed();
        let counters = self.counters;
        match status
            .checked_sub(FIRST_STATUS)
            .and_then(|slot| counters.status_codes.get(usize::from(slot)))
        {
            Some(count) => count.fetch_add(1, Ordering::Relaxed),
            None => counters.other_status.fetch_add(1, Ordering::Relaxed),
        };
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        counters.responses.fetch_add(1, Ordering::Relaxed);
        counters
            .response_micros_sum
            .fetch_add(micros, Ordering::Relaxed);
        counters
            .response_micros_max
            .fetch_max(micros, Ordering::Relaxed);
        elapsed
    }
}

impl Drop for RequestGuard<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.counters.disconnects.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// An open connection, kept in the connection's extensions: it drops when the connection
/// closes.
pub(crate) struct ConnectionGuard(ServerMetrics);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.0.connections.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Records one route's responses: called with the status code and the duration of every
/// response a route gives (errors and interceptor rejections after routing included).
pub type RouteRecorder = Box<dyn Fn(u16, Duration) + Send + Sync>;

/// Makes the [`RouteRecorder`] of each route, once per route when the server starts, so that a
/// request only calls what was prepared for its route.
pub type RouteObserver = Arc<dyn Fn(&RouteInfo) -> RouteRecorder + Send + Sync>;

/// Called with each request's `http.request` span when a subscriber records it, and the
/// `traceparent` of a trusted client, if it sent one (see
/// [`HttpService::on_request_span`](crate::HttpService::on_request_span)). It may link the
/// span to that trace (an OpenTelemetry layer's `set_parent`) and returns the trace context
/// the request then has (forwarded to Elasticsearch, logged as `trace.id`), or `None` to keep
/// core-http's own (the caller's trace, or a new one).
pub type RequestSpanHook = Arc<
    dyn Fn(&tracing::Span, Option<core_logging::TraceParent>) -> Option<core_logging::TraceParent>
        + Send
        + Sync,
>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_statuses_times_and_disconnects_then_resets() {
        let metrics = ServerMetrics::default();
        metrics.request_started().finish(200);
        metrics.request_started().finish(200);
        metrics.request_started().finish(404);
        metrics.request_started().finish(999);
        drop(metrics.request_started());
        let connection = metrics.connection_opened();

        let snapshot = metrics.collect_and_reset();
        assert_eq!(snapshot.total, 5);
        assert_eq!(snapshot.disconnects, 1);
        assert_eq!(
            snapshot.status_codes,
            BTreeMap::from([(0, 1), (200, 2), (404, 1)])
        );
        assert_eq!(snapshot.status_class(2), 2);
        assert_eq!(snapshot.status_class(4), 1);
        assert!(snapshot.max_response_time_ms >= snapshot.avg_response_time_ms);
        assert_eq!(snapshot.concurrent_connections, 1);

        drop(connection);
        let next = metrics.collect_and_reset();
        assert_eq!(
            next,
            ServerMetricsSnapshot {
                concurrent_connections: 0,
                ..ServerMetricsSnapshot::default()
            }
        );
    }
}
