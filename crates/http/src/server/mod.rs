//! The actix-web side: mounting routes, the request pipeline, binding, TLS, graceful stop.
//! Nothing here is visible to plugins.

mod core_handlers;
mod handle;
mod interceptors;
mod pipeline;
mod redirect;
mod respond;

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::dev::{ServerHandle, ServiceRequest, fn_service};
use actix_web::{App, HttpServer};
use core_logging::Logger;
use futures::FutureExt;

use self::core_handlers::CoreHandlers;
use crate::config::HttpConfig;
use crate::error::HttpError;
use crate::lifecycle::Interceptors;
use crate::metrics::{RouteObserver, RouteRecorder, ServerMetrics};
use crate::route::{RouteMethod, parse_path};
use crate::router::{RouteEntry, RouteInfo};

pub(crate) use self::redirect::start_redirect_server;

/// A route as mounted: the entry plus its param names, in placeholder order (`p0`, `p1`, ...).
pub(crate) struct MountedRoute {
    pub(crate) entry: RouteEntry,
    pub(crate) param_names: Vec<String>,
    /// Whether its requests must carry `kbn-xsrf` or `kbn-version`.
    pub(crate) xsrf_required: bool,
}

/// Shared by every worker: routes and what the pipeline needs.
pub(crate) struct AppContext {
    pub(crate) routes: Vec<MountedRoute>,
    /// Path pattern → the routes answering it, by method (indexes into `routes`). Literal
    /// segments win over params; unknown paths, and known paths with another method (as on
    /// hapi), are `404`.
    pub(crate) table: matchit::Router<Vec<(RouteMethod, usize)>>,
    pub(crate) max_payload: u64,
    /// How long a request's whole body may take to arrive (`server.socketTimeout`).
    pub(crate) payload_timeout: std::time::Duration,
    /// `Some(base path)` when `rewriteBasePath` strips it before routing.
    pub(crate) rewrite_base_path: Option<String>,
    /// `http.server.response`: one debug line per response.
    pub(crate) response_logger: Logger,
    /// `http.router`: handler failures.
    pub(crate) router_logger: Logger,
    /// onPreAuth, auth and onPostAuth, as registered at start.
    pub(crate) interceptors: Arc<Interceptors>,
    /// Set when the server starts draining: every response from then on closes its connection,
    /// so a keep-alive client does not send its next request into a socket about to close.
    pub(crate) draining: Arc<AtomicBool>,
    /// Whose `x-opaque-id` becomes the request id.
    pub(crate) request_id: crate::config::RequestIdConfig,
    /// Core's XSRF and version checks, response headers and compression.
    pub(crate) core: CoreHandlers,
    /// The server's request counters.
    pub(crate) metrics: ServerMetrics,
    /// One recorder per route (same index as `routes`), when a route observer is set.
    pub(crate) route_recorders: Option<Vec<RouteRecorder>>,
    /// Handed each enabled request span with the trusted caller's trace, when set.
    pub(crate) span_hook: Option<crate::RequestSpanHook>,
}

/// What the server is started with.
pub(crate) struct ServerPlan {
    pub(crate) config: HttpConfig,
    pub(crate) workers: usize,
    pub(crate) tls: Option<Arc<rustls::ServerConfig>>,
    pub(crate) routes: Vec<RouteEntry>,
    pub(crate) response_logger: Logger,
    pub(crate) router_logger: Logger,
    pub(crate) interceptors: Arc<Interceptors>,
    /// The server's version (`kbn-version` must equal it).
    pub(crate) version: String,
    /// The request counters the pipeline bumps.
    pub(crate) metrics: ServerMetrics,
    /// Makes each route's recorder at start, when set.
    pub(crate) route_observer: Option<RouteObserver>,
    /// Handed each enabled request span, when set.
    pub(crate) span_hook: Option<crate::RequestSpanHook>,
}

/// How long a stopping server goes on serving before it stops accepting and closes its idle
/// keep-alive connections (at most `server.shutdownTimeout`). Every response in this time
/// closes its connection. Without it, a request a client sent on an idle keep-alive connection
/// just before the stop, which the server had not read yet, is dropped unanswered: actix-web
/// closes idle connections as soon as it stops, without reading what is waiting on them.
pub(crate) const DRAIN_GRACE: Duration = Duration::from_millis(200);

/// A running actix server.
pub(crate) struct RunningServer {
    handle: ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    pub(crate) local_addr: SocketAddr,
    pub(crate) listening: Arc<AtomicBool>,
    draining: Arc<AtomicBool>,
    /// [`DRAIN_GRACE`] bounded by the shutdown timeout; zero for the redirect server.
    drain_grace: Duration,
}

impl RunningServer {
    /// Answers what arrives for [`DRAIN_GRACE`] with `Connection: close`, then stops accepting,
    /// closes idle connections, lets in-flight requests finish (bounded by `shutdownTimeout`)
    /// and closes.
    pub(crate) async fn stop(self) {
        self.draining.store(true, Ordering::SeqCst);
        if !self.drain_grace.is_zero() {
            tokio::time::sleep(self.drain_grace).await;
        }
        self.handle.stop(true).await;
        // The task ends once the workers are gone; its result only repeats what stop did.
        let _ = self.task.await;
        self.listening.store(false, Ordering::SeqCst);
    }
}

/// Bounds how long a response may wait on a client that does not read it: the kernel closes a
/// connection whose sent data stays unacknowledged (a zero window included) for `timeout`
/// (`TCP_USER_TIMEOUT`, inherited by every accepted socket). Node's socket timeout, which
/// `server.socketTimeout` set on hapi, covered this; actix-web has no write timer. Without it a
/// client that never reads keeps its response in memory for as long as it likes.
fn bound_writes(listener: &TcpListener, timeout: std::time::Duration, logger: &Logger) {
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
    if let Err(error) = socket2::SockRef::from(listener).set_tcp_user_timeout(Some(timeout)) {
        logger.warn(format!(
            "cannot bound the time a response waits for a client that does not read it \
             (TCP_USER_TIMEOUT): {error}"
        ));
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "fuchsia")))]
    let _ = (listener, timeout, logger);
}

/// Sends what a response writes at once (`TCP_NODELAY`, inherited by every accepted socket on
/// Linux): a response written in several pieces (a compressed or streamed body, chunk by chunk)
/// must not wait for the client's delayed ACK, which stalls each such response for about 40 ms
/// on a keep-alive connection (Nagle's algorithm). Node, under hapi, sets it too.
fn disable_nagle(listener: &TcpListener, logger: &Logger) {
    if let Err(error) = socket2::SockRef::from(listener).set_tcp_nodelay(true) {
        logger.warn(format!(
            "cannot turn off Nagle's algorithm (TCP_NODELAY); responses written in pieces may wait for the client's ACK: {error}"
        ));
    }
}

/// Binds `host:port`, telling "port in use" apart from other failures.
pub(crate) fn bind(host: &str, port: u16, setting: &'static str) -> Result<TcpListener, HttpError> {
    TcpListener::bind((host, port)).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AddrInUse {
            HttpError::PortInUse {
                host: host.to_owned(),
                port,
                setting,
            }
        } else {
            HttpError::Bind {
                host: host.to_owned(),
                port,
                setting,
                source,
            }
        }
    })
}

/// Binds and starts serving `plan`'s routes.
pub(crate) fn start(plan: ServerPlan) -> Result<RunningServer, HttpError> {
    let ServerPlan {
        config,
        workers,
        tls,
        routes,
        response_logger,
        router_logger,
        interceptors,
        version,
        metrics,
        route_observer,
        span_hook,
    } = plan;
    let core = CoreHandlers::new(&config, &version);
    let http_logger = interceptors.server_logger().clone();

    // One table entry per path pattern, listing the routes (method → index) it answers.
    let mut groups: BTreeMap<String, Vec<(RouteMethod, usize)>> = BTreeMap::new();
    let mut mounted = Vec::with_capacity(routes.len());
    for (index, entry) in routes.into_iter().enumerate() {
        let parsed =
            parse_path(&entry.full_path).map_err(|reason| HttpError::InvalidRoutePath {
                method: entry.method,
                full_path: entry.full_path.clone(),
                router_prefix: entry.router_prefix.clone(),
                reason,
            })?;
        for pattern in parsed.canonical_patterns {
            groups
                .entry(pattern)
                .or_default()
                .push((entry.method, index));
        }
        mounted.push(MountedRoute {
            xsrf_required: core.xsrf_applies(&entry),
            entry,
            param_names: parsed.param_names,
        });
    }
    let mut table = matchit::Router::new();
    for (pattern, methods) in groups {
        // Conflicts were refused at registration (same method and canonical pattern), and the
        // routes with the same canonical pattern share one entry here, so the table should
        // take every pattern; should it not, the error names the first route of the entry.
        let first = &mounted[methods[0].1].entry;
        let (method, full_path, router_prefix) = (
            first.method,
            first.full_path.clone(),
            first.router_prefix.clone(),
        );
        table
            .insert(pattern, methods)
            .map_err(|error| HttpError::InvalidRoutePath {
                method,
                full_path,
                router_prefix,
                reason: format!("the routing table refused it: {error}"),
            })?;
    }

    let route_recorders = route_observer.map(|observer| {
        mounted
            .iter()
            .map(|route| {
                observer(&RouteInfo {
                    method: route.entry.method,
                    path: route.entry.path.clone(),
                    full_path: route.entry.full_path.clone(),
                    options: route.entry.options.clone(),
                    schemas: route.entry.schemas,
                    docs: route.entry.docs.clone(),
                })
            })
            .collect()
    });
    let draining = Arc::new(AtomicBool::new(false));
    let drain_grace = DRAIN_GRACE.min(config.shutdown_timeout);
    let context = Arc::new(AppContext {
        routes: mounted,
        table,
        max_payload: config.max_payload,
        payload_timeout: config.socket_timeout,
        rewrite_base_path: if config.rewrite_base_path {
            config.base_path().map(str::to_owned)
        } else {
            None
        },
        response_logger,
        router_logger,
        interceptors,
        draining: Arc::clone(&draining),
        request_id: config.request_id.clone(),
        core,
        metrics: metrics.clone(),
        route_recorders,
        span_hook,
    });

    // No actix routing or middleware: one service runs the whole pipeline (see `pipeline`), so
    // per-request state is passed along instead of stored in the request's extensions, and the
    // route is found with one lookup in `table`.
    let factory = move || {
        let context = Arc::clone(&context);
        App::new().default_service(fn_service(move |request: ServiceRequest| {
            pipeline::serve(Arc::clone(&context), request).map(Ok::<_, actix_web::Error>)
        }))
    };

    let listener = bind(&config.host, config.port, "server.port")?;
    bound_writes(&listener, config.socket_timeout, &http_logger);
    disable_nagle(&listener, &http_logger);
    let local_addr = listener.local_addr().map_err(|source| HttpError::Bind {
        host: config.host.clone(),
        port: config.port,
        setting: "server.port",
        source,
    })?;
    let server = HttpServer::new(factory)
        // The guard lives in the connection's extensions and drops when the connection closes.
        .on_connect(move |_, extensions| {
            extensions.insert(metrics.connection_opened());
        })
        .workers(workers.max(1))
        // A client that closes its side while its request is in flight has gone away, as Node
        // (hence Kibana) treats it: the request's future is dropped, which counts a disconnect
        // and stops the handler. actix-web otherwise keeps serving half-closed connections.
        .h1_allow_half_closed(false)
        .keep_alive(config.keepalive_timeout)
        .client_request_timeout(config.socket_timeout)
        // The grace is part of the shutdown timeout (actix counts whole seconds).
        .shutdown_timeout(
            config
                .shutdown_timeout
                .saturating_sub(drain_grace)
                .as_secs_f64()
                .ceil() as u64,
        )
        .disable_signals();
    let bind_error = |source| HttpError::Bind {
        host: config.host.clone(),
        port: config.port,
        setting: "server.port",
        source,
    };
    let server = match tls {
        Some(tls) => server
            .listen_rustls_0_23(listener, (*tls).clone())
            .map_err(bind_error)?,
        None => server.listen(listener).map_err(bind_error)?,
    }
    .run();
    let handle = server.handle();
    let task = tokio::spawn(server);
    Ok(RunningServer {
        handle,
        task,
        local_addr,
        listening: Arc::new(AtomicBool::new(true)),
        draining,
        drain_grace,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The accepted sockets must inherit `TCP_NODELAY` from the listener, or compressed and
    /// streamed answers wait for delayed ACKs.
    #[test]
    fn accepted_sockets_inherit_nodelay_from_the_listener() {
        let (loggers, _logs) = core_logging::testing::capturing_logger_factory();
        let listener = bind("127.0.0.1", 0, "server.port").unwrap();
        disable_nagle(&listener, &loggers.get(&["http"]));
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        assert!(accepted.nodelay().unwrap());
        assert!(
            !client.nodelay().unwrap(),
            "a fresh socket has Nagle on: the check can fail"
        );
    }
}
