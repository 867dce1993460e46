//! [`HttpService`] and its contracts: [`InternalHttpServiceSetup`] for core,
//! [`HttpServiceSetup`] and [`HttpServiceStart`] for plugins.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use core_config::ConfigService;
use core_logging::{Logger, LoggerFactory};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::base_path::BasePath;
use crate::config::HttpConfig;
use crate::error::{HttpError, RouteConflict};
use crate::lifecycle::{
    AuthResult, AuthToolkit, HttpAuth, InterceptorRegistry, InterceptorResult, OnPostAuthResult,
    OnPostAuthToolkit, OnPreAuthResult, OnPreAuthToolkit,
};
use crate::metrics::{RouteObserver, ServerMetrics};
use crate::request::KibanaRequest;
use crate::route::{RouteMethod, parse_path};
use crate::router::{RouteEntry, Router};
use crate::server::{self, RunningServer, ServerPlan};
use crate::session::{SessionCookieOptions, SessionStorageFactory};
use crate::tls;

/// Where the server listens, as configured (Kibana's server info).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    /// `server.host`.
    pub host: String,
    /// `server.port` (with `0`, see [`HttpServiceStart::local_addr`] for the bound port).
    pub port: u16,
    /// `http` or `https`.
    pub protocol: &'static str,
    /// `server.basePath`, if any.
    pub base_path: Option<String>,
}

/// Routes registered so far and whether the server is listening; shared by the service and
/// every copy of its setup contract.
#[derive(Default)]
struct Registry {
    routes: Vec<RegisteredRoute>,
    interceptors: InterceptorRegistry,
    /// Whether `create_cookie_session_storage_factory` already gave a factory.
    cookie_session_storage_created: bool,
    listening: bool,
}

struct RegisteredRoute {
    entry: RouteEntry,
    /// `(method, canonical pattern)` pairs with params renamed positionally, for conflict
    /// checks (trailing-slash variants are the same route, so they are not listed).
    keys: Vec<(RouteMethod, String)>,
}

fn lock(registry: &Mutex<Registry>) -> MutexGuard<'_, Registry> {
    // A panic while holding the lock leaves the registry consistent (pushes are atomic).
    registry.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What plugins get from the HTTP service during setup (Kibana's `HttpServiceSetup`). Cheap to
/// clone. Plugins never see actix-web types.
#[derive(Clone)]
pub struct HttpServiceSetup {
    registry: Arc<Mutex<Registry>>,
    base_path: BasePath,
    server_info: ServerInfo,
    tls_enabled: bool,
    loggers: LoggerFactory,
}

impl HttpServiceSetup {
    /// A new, empty router whose routes live under `prefix`.
    ///
    /// # Arguments
    ///
    /// * `prefix` - the path every route of the router lives under, such as `/api/bookmarks`; empty
    ///   or `/` for the root.
    pub fn create_router(&self, prefix: impl Into<String>) -> Router {
        Router::new(prefix)
    }

    /// Adds `router`'s routes to the server. Fails when the server is already listening, when a
    /// route's full path could never match a request ([`HttpError::InvalidRoutePath`], see
    /// [`Router`] for the rules), or when a route's method and path are already taken, by this
    /// router or another ([`HttpError::RouteConflict`]; `/a` and `/a/` are the same path); then
    /// nothing of `router` is registered.
    ///
    /// # Arguments
    ///
    /// * `router` - the router whose routes are added, all or none.
    pub fn register_router(&self, router: Router) -> Result<(), HttpError> {
        let mut registry = lock(&self.registry);
        if registry.listening {
            return Err(HttpError::RouterRegisteredAfterStart);
        }
        let mut pending: Vec<RegisteredRoute> = Vec::new();
        for entry in router.into_routes() {
            let parsed =
                parse_path(&entry.full_path).map_err(|reason| HttpError::InvalidRoutePath {
                    method: entry.method,
                    full_path: entry.full_path.clone(),
                    router_prefix: entry.router_prefix.clone(),
                    reason,
                })?;
            let keys: Vec<(RouteMethod, String)> = parsed
                .canonical_patterns
                .into_iter()
                .map(|pattern| (entry.method, pattern))
                .collect();
            let clash = registry
                .routes
                .iter()
                .chain(pending.iter())
                .find(|existing| existing.keys.iter().any(|key| keys.contains(key)));
            if let Some(existing) = clash {
                return Err(HttpError::RouteConflict(Box::new(RouteConflict {
                    method: entry.method,
                    full_path: entry.full_path.clone(),
                    router_prefix: entry.router_prefix.clone(),
                    path: entry.path.clone(),
                    existing_full_path: existing.entry.full_path.clone(),
                    existing_router_prefix: existing.entry.router_prefix.clone(),
                    existing_path: existing.entry.path.clone(),
                })));
            }
            pending.push(RegisteredRoute { entry, keys });
        }
        registry.routes.extend(pending);
        Ok(())
    }

    /// The registered route declared as `method` + `full_path` (normalised), for the test
    /// doubles that call a route the way the server would.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn registered_route(
        &self,
        method: RouteMethod,
        full_path: &str,
    ) -> Option<RouteEntry> {
        lock(&self.registry)
            .routes
            .iter()
            .find(|route| route.entry.method == method && route.entry.full_path == full_path)
            .map(|route| route.entry.clone())
    }

    /// Adds an onPreAuth interceptor: it runs for every request, before routing, after the
    /// ones registered earlier. It may go on, rewrite the URL (routing then uses the new one),
    /// redirect, or reject; it may also set the request's base path. Routing has not happened
    /// yet, so `request.route()` shows the URL path, the request method and default options.
    ///
    /// ```
    /// # use core_http::{HttpConfig, HttpService};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let (loggers, _logs) = core_logging::testing::capturing_logger_factory();
    /// # let mut service = HttpService::from_config(HttpConfig::default(), &loggers);
    /// # let http = service.setup().await.unwrap().http;
    /// http.register_on_pre_auth(|request, t| async move {
    ///     Ok(if request.url().path == "/app/kibana" { t.rewrite_url("/app/home") } else { t.next() })
    /// })?;
    /// # Ok::<(), core_http::HttpError>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Arguments
    ///
    /// * `handler` - an async closure `(request, toolkit)` returning the toolkit's result; an error
    ///   answers a logged `500`.
    pub fn register_on_pre_auth<F, Fut>(&self, handler: F) -> Result<(), HttpError>
    where
        F: Fn(KibanaRequest, OnPreAuthToolkit) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = InterceptorResult<OnPreAuthResult>> + 'static,
    {
        self.with_interceptors(|interceptors| {
            interceptors.add_on_pre_auth(handler);
            Ok(())
        })
    }

    /// Registers the auth handler (at most one: a second call fails with
    /// `Auth interceptor was already registered`). It runs after routing for routes whose
    /// `auth_required` is `Required` (the default) or `Optional`.
    ///
    /// ```
    /// # use core_http::{AuthResultParams, HttpConfig, HttpService};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let (loggers, _logs) = core_logging::testing::capturing_logger_factory();
    /// # let mut service = HttpService::from_config(HttpConfig::default(), &loggers);
    /// # let http = service.setup().await.unwrap().http;
    /// http.register_auth(|request, t| async move {
    ///     Ok(match request.headers().get("authorization") {
    ///         Some(value) if value == "Bearer let-me-in" => t.authenticated(
    ///             AuthResultParams::new()
    ///                 .state(serde_json::json!({ "user": "elastic" }))
    ///                 .request_header("authorization", value),
    ///         ),
    ///         Some(_) => t.rejected("Unauthorized", 401).header("www-authenticate", "Bearer"),
    ///         None => t.not_handled(),
    ///     })
    /// })?;
    /// assert!(http.register_auth(|_, t| async move { Ok(t.not_handled()) }).is_err());
    /// # Ok::<(), core_http::HttpError>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Arguments
    ///
    /// * `handler` - an async closure `(request, toolkit)` returning the toolkit's result; an error
    ///   answers a logged `500`.
    pub fn register_auth<F, Fut>(&self, handler: F) -> Result<(), HttpError>
    where
        F: Fn(KibanaRequest, AuthToolkit) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = InterceptorResult<AuthResult>> + 'static,
    {
        self.with_interceptors(|interceptors| {
            if interceptors.set_auth(handler) {
                Ok(())
            } else {
                Err(HttpError::AuthAlreadyRegistered)
            }
        })
    }

    /// Adds an onPostAuth interceptor: it runs after auth (whether or not the route needed it),
    /// before validation and the handler, after the ones registered earlier. It may go on,
    /// redirect or reject.
    ///
    /// # Arguments
    ///
    /// * `handler` - an async closure `(request, toolkit)` returning the toolkit's result; an error
    ///   answers a logged `500`.
    pub fn register_on_post_auth<F, Fut>(&self, handler: F) -> Result<(), HttpError>
    where
        F: Fn(KibanaRequest, OnPostAuthToolkit) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = InterceptorResult<OnPostAuthResult>> + 'static,
    {
        self.with_interceptors(|interceptors| {
            interceptors.add_on_post_auth(handler);
            Ok(())
        })
    }

    /// Reads requests' auth state (`get`, `is_authenticated`, `get_auth_headers`).
    pub fn auth(&self) -> HttpAuth {
        HttpAuth::default()
    }

    /// A factory of encrypted cookie sessions holding a `T`. The cookie is `HttpOnly`, its
    /// `Path` is `server.basePath` (or `/`). One per server, as in Kibana: a second call fails
    /// with [`HttpError::CookieSessionStorageAlreadyCreated`] (a call that failed does not
    /// count). Fails with [`HttpError::Session`] naming the cookie when the key is under 32
    /// characters, the name is not a valid cookie name, or `SameSite::None` comes without
    /// `is_secure`.
    ///
    /// # Arguments
    ///
    /// * `options` - the cookie's name, encryption key (32 characters or more) and attributes.
    pub fn create_cookie_session_storage_factory<T>(
        &self,
        options: SessionCookieOptions<T>,
    ) -> Result<SessionStorageFactory<T>, HttpError>
    where
        T: Serialize + DeserializeOwned,
    {
        let mut registry = lock(&self.registry);
        if registry.cookie_session_storage_created {
            return Err(HttpError::CookieSessionStorageAlreadyCreated);
        }
        let path = match self.base_path.server_base_path() {
            "" => "/",
            base_path => base_path,
        };
        let factory = SessionStorageFactory::new(
            options,
            path,
            self.loggers.get(&["http", "cookie-session-storage"]),
        )?;
        registry.cookie_session_storage_created = true;
        Ok(factory)
    }

    fn with_interceptors(
        &self,
        register: impl FnOnce(&mut InterceptorRegistry) -> Result<(), HttpError>,
    ) -> Result<(), HttpError> {
        let mut registry = lock(&self.registry);
        if registry.listening {
            return Err(HttpError::InterceptorRegisteredAfterStart);
        }
        register(&mut registry.interceptors)
    }

    /// The base path service.
    pub fn base_path(&self) -> &BasePath {
        &self.base_path
    }

    /// Host, port, protocol and base path as configured.
    pub fn server_info(&self) -> &ServerInfo {
        &self.server_info
    }

    /// Whether the server speaks HTTPS.
    pub fn is_tls_enabled(&self) -> bool {
        self.tls_enabled
    }
}

/// What core gets from [`HttpService::setup`]: the plugins' contract (routers, interceptors,
/// auth state, session storage) plus the config.
#[derive(Clone)]
pub struct InternalHttpServiceSetup {
    /// The contract handed to plugins.
    pub http: HttpServiceSetup,
    /// The `server` config the service runs with.
    pub config: Arc<HttpConfig>,
}

/// What plugins get from the HTTP service at start (Kibana's `HttpServiceStart`).
#[derive(Debug, Clone)]
pub struct HttpServiceStart {
    listening: Arc<AtomicBool>,
    local_addr: Option<SocketAddr>,
}

impl HttpServiceStart {
    /// Whether the server is accepting connections.
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::SeqCst)
    }

    /// The bound address (useful with `server.port: 0`); `None` when not listening
    /// (`autoListen: false`).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }
}

/// The HTTP service: `new` → `setup` (plugins register routers) → `start` (bind and serve) →
/// `stop` (drain in-flight requests within `server.shutdownTimeout`, then close).
pub struct HttpService {
    config: Arc<HttpConfig>,
    loggers: LoggerFactory,
    log: Logger,
    workers: Option<usize>,
    registry: Arc<Mutex<Registry>>,
    setup_done: Option<Option<Arc<rustls::ServerConfig>>>,
    server: Option<RunningServer>,
    redirect_server: Option<RunningServer>,
    listening: Arc<AtomicBool>,
    /// The server's version, which a `kbn-version` request header must equal.
    version: String,
    /// The request counters of the main server (the redirect server is not counted).
    metrics: ServerMetrics,
    /// Makes a recorder per route at start, when set.
    route_observer: Option<RouteObserver>,
    span_hook: Option<crate::RequestSpanHook>,
}

impl HttpService {
    /// Reads and validates the `server` section.
    ///
    /// # Arguments
    ///
    /// * `config` - the config service to read the `server` section from.
    /// * `loggers` - the factory of the service's loggers (contexts under `http`).
    pub fn new(config: &ConfigService, loggers: &LoggerFactory) -> Result<Self, HttpError> {
        Ok(
            Self::from_config(config.at_path::<HttpConfig>("server")?, loggers)
                .with_version(&config.env().package_info.version),
        )
    }

    /// A service for an already validated config.
    ///
    /// # Arguments
    ///
    /// * `config` - the validated `server` section.
    /// * `loggers` - the factory of the service's loggers (contexts under `http`).
    pub fn from_config(config: HttpConfig, loggers: &LoggerFactory) -> Self {
        Self {
            config: Arc::new(config),
            loggers: loggers.clone(),
            log: loggers.get(&["http"]),
            workers: None,
            registry: Arc::default(),
            setup_done: None,
            server: None,
            redirect_server: None,
            listening: Arc::new(AtomicBool::new(false)),
            version: core_config::PackageInfo::default().version,
            metrics: ServerMetrics::default(),
            route_observer: None,
            span_hook: None,
        }
    }

    /// The server's request counters (Kibana's server collector): requests, status codes,
    /// disconnects, open connections and response times. Whoever collects them resets the
    /// per-interval counters, so core alone reads them; plugins get core's ops metrics.
    pub fn server_metrics(&self) -> ServerMetrics {
        self.metrics.clone()
    }

    /// Sets the route observer: at start it is called once per route, and the recorder it
    /// returns is called with the status and duration of each response that route gives.
    /// Without one (the default), routed requests pay nothing for it.
    ///
    /// # Arguments
    ///
    /// * `observer` - makes a route's recorder from its [`RouteInfo`](crate::RouteInfo).
    pub fn observe_routes(&mut self, observer: RouteObserver) {
        self.route_observer = Some(observer);
    }

    /// Sets the hook each enabled `http.request` span is handed to, with the trusted caller's
    /// `traceparent` (see [`RequestSpanHook`](crate::RequestSpanHook)). Core sets it when it
    /// exports spans, so that the exported trace and the forwarded `traceparent` agree.
    ///
    /// # Arguments
    ///
    /// * `hook` - links the span to the caller's trace and returns the request's trace context.
    pub fn on_request_span(&mut self, hook: crate::RequestSpanHook) {
        self.span_hook = Some(hook);
    }

    /// Sets the server version a `kbn-version` request header is checked against (`new`
    /// takes it from the environment's package info; `from_config` starts with the build's).
    ///
    /// # Arguments
    ///
    /// * `version` - the version, e.g. `8.19.0`.
    pub fn with_version(mut self, version: &str) -> Self {
        version.clone_into(&mut self.version);
        self
    }

    /// Overrides the number of actix workers (default: the number of available cores).
    ///
    /// # Arguments
    ///
    /// * `workers` - the number of actix worker threads; `0` counts as `1`.
    pub fn with_workers(mut self, workers: usize) -> Self {
        self.workers = Some(workers.max(1));
        self
    }

    /// The config the service runs with.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// Prepares the server (reads TLS files now, so bad ones fail early) and returns the setup
    /// contracts.
    pub async fn setup(&mut self) -> Result<InternalHttpServiceSetup, HttpError> {
        if self.setup_done.is_some() {
            return Err(HttpError::AlreadyDone("set up"));
        }
        let tls = if self.config.ssl.enabled {
            Some(tls::server_config(&self.config.ssl)?)
        } else {
            None
        };
        self.setup_done = Some(tls);
        let http = HttpServiceSetup {
            registry: Arc::clone(&self.registry),
            base_path: BasePath::new(self.config.base_path().map(str::to_owned)),
            server_info: ServerInfo {
                host: self.config.host.clone(),
                port: self.config.port,
                protocol: if self.config.ssl.enabled {
                    "https"
                } else {
                    "http"
                },
                base_path: self.config.base_path().map(str::to_owned),
            },
            tls_enabled: self.config.ssl.enabled,
            loggers: self.loggers.clone(),
        };
        Ok(InternalHttpServiceSetup {
            http,
            config: Arc::clone(&self.config),
        })
    }

    /// Binds and serves the registered routes (unless `autoListen` is false). With TLS and
    /// `redirectHttpFromPort`, also starts the plain-HTTP redirect server.
    pub async fn start(&mut self) -> Result<HttpServiceStart, HttpError> {
        let Some(tls) = self.setup_done.clone() else {
            return Err(HttpError::NotSetUp);
        };
        if self.server.is_some() {
            return Err(HttpError::AlreadyDone("started"));
        }
        if !self.config.auto_listen {
            self.log
                .debug("autoListen is false: the HTTP server does not listen");
            return Ok(HttpServiceStart {
                listening: Arc::clone(&self.listening),
                local_addr: None,
            });
        }
        let (routes, interceptors) = {
            let mut registry = lock(&self.registry);
            registry.listening = true;
            let routes: Vec<RouteEntry> = registry
                .routes
                .iter()
                .map(|route| route.entry.clone())
                .collect();
            let interceptors = registry.interceptors.freeze(
                self.loggers.get(&["http", "interceptors"]),
                self.log.clone(),
            );
            (routes, Arc::new(interceptors))
        };
        let plan = ServerPlan {
            config: (*self.config).clone(),
            workers: self.workers.unwrap_or_else(default_workers),
            tls: tls.clone(),
            routes,
            response_logger: self.loggers.get(&["http", "server", "response"]),
            router_logger: self.loggers.get(&["http", "router"]),
            interceptors,
            version: self.version.clone(),
            metrics: self.metrics.clone(),
            route_observer: self.route_observer.clone(),
            span_hook: self.span_hook.clone(),
        };
        let server = match server::start(plan) {
            Ok(server) => server,
            Err(err) => {
                lock(&self.registry).listening = false;
                return Err(err);
            }
        };
        let local_addr = server.local_addr;
        if tls.is_some() && self.config.ssl.redirect_http_from_port.is_some() {
            match server::start_redirect_server(&self.config, local_addr.port()) {
                Ok(redirect) => self.redirect_server = Some(redirect),
                Err(err) => {
                    server.stop().await;
                    lock(&self.registry).listening = false;
                    return Err(err);
                }
            }
        }
        self.listening = Arc::clone(&server.listening);
        self.server = Some(server);
        let protocol = if tls.is_some() { "https" } else { "http" };
        // The base path is part of the server's URL only when the server strips it (Kibana's
        // rule): without `rewriteBasePath` a proxy in front removes it.
        let served_base_path = match self.config.base_path() {
            Some(base_path) if self.config.rewrite_base_path => base_path,
            _ => "",
        };
        self.log.info(format!(
            "http server running at {protocol}://{local_addr}{served_base_path}"
        ));
        Ok(HttpServiceStart {
            listening: Arc::clone(&self.listening),
            local_addr: Some(local_addr),
        })
    }

    /// Stops accepting connections, lets in-flight requests finish within
    /// `server.shutdownTimeout`, then closes. A no-op when not started.
    pub async fn stop(&mut self) -> Result<(), HttpError> {
        if let Some(server) = self.server.take() {
            self.log.debug("stopping http server");
            server.stop().await;
        }
        if let Some(redirect) = self.redirect_server.take() {
            redirect.stop().await;
        }
        lock(&self.registry).listening = false;
        Ok(())
    }
}

fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
}
