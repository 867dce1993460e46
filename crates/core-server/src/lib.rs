//! The server: composes the core services (config, logging, http, elasticsearch, plugins), runs
//! the plugins, and is the one crate a plugin author depends on.
//!
//! # Writing a plugin
//!
//! A plugin crate has a `kibana.json` next to its `Cargo.toml` and a type implementing
//! [`Plugin<Core>`](Plugin). In `setup` it gets a [`CoreSetup`] scoped to it: routers, base path,
//! server info, and the Elasticsearch clients. Route handlers receive a
//! [`RequestHandlerContext`] whose Elasticsearch clients are scoped to the current request (on
//! first use), so a search as the current user is one call:
//!
//! ```
//! use core_server::{
//!     CallApiOptions, Core, CoreSetup, CoreStart, Plugin, PluginInitializerContext, RouteConfig,
//!     RouteValidation, SetupDeps, StartDeps,
//! };
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Query {
//!     q: String,
//! }
//!
//! /// Searches `logs-*` as the user who asks.
//! pub struct LogSearchPlugin {
//!     context: PluginInitializerContext,
//! }
//!
//! impl Plugin<Core> for LogSearchPlugin {
//!     type Setup = ();
//!     type Start = ();
//!
//!     async fn setup(&mut self, core: CoreSetup, _deps: SetupDeps) -> anyhow::Result<()> {
//!         let mut router = core.http.create_router("/api/log_search");
//!         router.get(RouteConfig::new("/", RouteValidation::new().query::<Query>()), |ctx, req, res| async move {
//!             let params = serde_json::json!({ "index": "logs-*", "q": req.query().q });
//!             let hits = ctx.elasticsearch.data_client()
//!                 .call_as_current_user("search", params, CallApiOptions::default())
//!                 .await?;
//!             Ok(res.ok(hits))
//!         });
//!         core.http.register_router(router)?;
//!         self.context.logger().get(&[]).info("log search is ready");
//!         Ok(())
//!     }
//!
//!     async fn start(&mut self, _core: CoreStart, _deps: StartDeps) -> anyhow::Result<()> {
//!         Ok(())
//!     }
//! }
//!
//! ```
//!
//! The crate exposes its registration, which a distribution lists before calling [`cli::run`]
//! (`plugin_registration!` reads the crate's `kibana.json`, so this compiles in a plugin crate):
//!
//! ```ignore
//! pub fn registration() -> core_server::PluginRegistration {
//!     core_server::plugin_registration!(LogSearchPlugin, |context| LogSearchPlugin { context })
//! }
//! ```
//!
//! [Your first plugin](../guide/first-plugin.md) (`docs/guide/first-plugin.md` in the
//! repository) builds a complete plugin with its tests; the test doubles (`TestCore`,
//! `MockDeps`, `TestServer`) are in `core_server::testing` (feature `testing`).
//!
//! # The Kibana `kibana-plugin-server` surface, item by item
//!
//! | Kibana 7.2 | here |
//! |---|---|
//! | `ClusterClient`, `ScopedClusterClient`, `CallAPIOptions`, `APICaller`, `ElasticsearchClientConfig`, `ElasticsearchServiceSetup` | [`ClusterClient`], [`ScopedClusterClient`], [`CallApiOptions`], [`ApiCaller`], [`ElasticsearchClientConfig`], [`ElasticsearchServiceSetup`] |
//! | `KibanaRequest`, `KibanaRequestRoute`, `Headers`, `Router`, `RouteConfigOptions`, `RouteMethod` | [`KibanaRequest`], [`KibanaRequestRoute`], [`Headers`], [`Router`], [`RouteOptions`], [`RouteMethod`] |
//! | `CoreSetup`, `CoreStart`, `InternalCoreStart`, `HttpServiceSetup`, `HttpServiceStart` | [`CoreSetup`], [`CoreStart`], [`runtime::InternalCoreStart`], [`HttpServiceSetup`], [`HttpServiceStart`] |
//! | `Plugin`, `PluginInitializer`, `PluginInitializerContext`, `PluginName`, `DiscoveredPlugin`, `PluginsServiceSetup`, `PluginsServiceStart` | [`Plugin`], [`PluginInitializer`], [`PluginInitializerContext`], [`PluginName`], [`DiscoveredPlugin`], [`runtime::PluginsServiceSetup`], [`runtime::PluginsServiceStart`] |
//! | `Logger`, `LoggerFactory`, `LogMeta` | [`Logger`], [`LoggerFactory`], [`LogMeta`] |
//! | `RecursiveReadonly` | [`RecursiveReadonly`], an alias of `Arc<T>`: shared ownership already forbids mutation, deeply |
//! | `OnPreAuthToolkit`, `OnPostAuthToolkit`, `AuthToolkit`, `SessionStorage`, `SessionStorageFactory` | [`OnPreAuthToolkit`], [`OnPostAuthToolkit`], [`AuthToolkit`], [`SessionStorage`], [`SessionStorageFactory`] |
//! | `OnPreAuthHandler`, `AuthenticationHandler`, `OnPostAuthHandler` | [`OnPreAuthHandler`], [`AuthenticationHandler`], [`OnPostAuthHandler`]: the boxed form core stores; plugins pass closures `Fn(KibanaRequest, Toolkit) -> impl Future<Output = InterceptorResult<..>>` to [`HttpServiceSetup::register_on_pre_auth`] / [`register_auth`](HttpServiceSetup::register_auth) / [`register_on_post_auth`](HttpServiceSetup::register_on_post_auth) |
//!
//! A plugin crate depends on `core-server` alone among this project's crates; it also uses
//! `anyhow` (lifecycle results) and `serde` (request validation types, config) directly.
//!
//! # Running
//!
//! [`cli::run`] is the whole `core-server` binary: flags, config files, logging, signals. See the
//! project README for the flags and configuration.

mod context;
mod core;
mod elasticsearch_errors;
mod error;
mod instance_uuid;
mod metrics;
mod oas;
mod overrides;
mod root;
mod route_owners;
mod scoped_request;
mod server;
mod session_cleanups;
mod session_index;
mod stats;
mod status;
mod telemetry;

pub mod cli;
#[cfg(feature = "testing")]
pub mod testing;

pub use crate::context::{
    ElasticsearchRequestContext, RequestHandlerContext, Router, RouterWithState,
};
pub use crate::core::{Core, CoreSetup, CoreStart, ElasticsearchServiceStart, HttpServiceSetup};
pub use crate::metrics::{
    MetricsServiceStart, OpsMetrics, OsLoad, OsMemory, OsMetrics, ProcessCpu, ProcessMemory,
    ProcessMetrics, RequestsMetrics, ResponseTimes, RuntimeMetrics,
};
pub use crate::route_owners::RegisterRouterError;
pub use crate::scoped_request::RequestScope;
pub use crate::session_index::{DEFAULT_SESSION_INDEX, ElasticsearchSessionStore};
pub use crate::telemetry::{DEFAULT_OTLP_ENDPOINT, ExporterConfig, OtlpConfig, TracingConfig};

/// Running the server: what the binary and code embedding the server use, not plugins.
///
/// [`Root`](runtime::Root) owns logging and the [`Server`](runtime::Server), which composes the
/// core services and runs the plugins; [`crate::cli::run`] drives both from the command line.
pub mod runtime {
    pub use crate::core::{InternalCoreSetup, InternalCoreStart};
    pub use crate::error::ServerError;
    pub use crate::instance_uuid::{PathConfig, UuidError, resolve_instance_uuid};
    pub use crate::metrics::{MetricsConfig, OpsConfig, PROMETHEUS_PATH, PrometheusConfig};
    pub use crate::oas::{OAS_PATH, OAS_TITLE, OasFilter, oas_document};
    pub use crate::overrides::{ConfigOverride, OverrideError, parse_scalar, split_overrides};
    pub use crate::root::{OnShutdown, Root};
    pub use crate::server::Server;
    pub use crate::stats::STATS_PATH;
    pub use crate::status::{STATUS_PATH, ServiceStatus, StatusState};
    pub use core_plugins::{
        PluginContract, PluginManifest, PluginsServiceSetup, PluginsServiceStart,
    };
}

// Configuration.
pub use core_config::{
    ConfigError, ConfigSchema, ConfigSubscription, Env, EnvMode, PackageInfo, ValidationError,
};
// Logging.
pub use core_logging::{LogLevel, LogMeta, Logger, LoggerFactory};
// Plugins.
pub use core_plugins::{
    DependencyError, DiscoveredPlugin, PluginConfigContext, PluginInitializerContext, PluginName,
    PluginOpaqueId, plugin_registration,
};
// HTTP: interceptors, auth and sessions.
pub use core_http::{
    AuthResult, AuthResultParams, AuthState, AuthStateValue, AuthStatus, AuthToolkit,
    AuthenticationHandler, HttpAuth, InterceptorResult, OnPostAuthHandler, OnPostAuthResult,
    OnPostAuthToolkit, OnPreAuthHandler, OnPreAuthResult, OnPreAuthToolkit, SameSite,
    SessionCookieOptions, SessionError, SessionStorage, SessionStorageFactory,
};
pub use core_http::{
    CLEANUP_MAX_PER_RUN, DEFAULT_CLEANUP_INTERVAL, DEFAULT_MAX_SESSIONS, MemorySessionStore,
    SessionRecord, SessionStore, SessionStoreError, SessionStoreFuture,
};
// HTTP.
pub use core_http::{
    AuthRequired, BasePath, Empty, HandlerError, HandlerResult, Headers, HttpError,
    HttpServiceStart, KibanaRequest, KibanaRequestRoute, KibanaRequestRouteOptions, KibanaResponse,
    RequestId, RequestPart, RequestUrl, RequestValidationError, ResponseBody, ResponseError,
    ResponseFactory, RouteConfig, RouteInfo, RouteMethod, RouteOptions, RouteValidation,
    ServerInfo,
};
// HTTP: route documentation (the OpenAPI document at `GET /api/oas`).
pub use core_http::{
    OPENAPI_SECURITY_SCHEME, OpenApiInfo, PartSchema, ResponseDoc, RouteDocs, RouteSchemas,
    TypeSchema, openapi_document,
};
// Elasticsearch.
pub use core_elasticsearch::{
    ApiCaller, CallApiOptions, ClientConfigOverrides, ClusterClient, ElasticsearchClientConfig,
    ElasticsearchError, ElasticsearchServiceSetup, ElasticsearchStatus, FakeRequest,
    ResponseBodyStream, ScopeableRequest, ScopedClusterClient, StreamedResponse,
};

/// The service crates themselves, for what the facade does not re-export.
pub mod services {
    pub use core_config as config;
    pub use core_elasticsearch as elasticsearch;
    pub use core_http as http;
    pub use core_logging as logging;
    pub use core_plugins as plugins;
}

/// The plugin trait (Kibana's `Plugin`); plugins here implement `Plugin<Core>`.
pub use core_plugins::Plugin;

/// The setup contracts of a plugin's declared dependencies (`deps.get::<OtherPlugin>()`).
pub type SetupDeps = core_plugins::SetupDeps<Core>;
/// The start contracts of a plugin's declared dependencies.
pub type StartDeps = core_plugins::StartDeps<Core>;
/// One plugin of a distribution: its manifest and how to create it.
pub type PluginRegistration = core_plugins::PluginRegistration<Core>;
/// A value shared read-only, all the way down (Kibana's `RecursiveReadonly`).
///
/// TypeScript needed a mapped type to freeze nested objects; in Rust, `Arc<T>` hands out only
/// `&T`, so nothing reachable through it can be mutated (short of interior mutability that `T`
/// itself declares). Config sections from subscriptions and dependency contracts arrive this way.
pub type RecursiveReadonly<T> = std::sync::Arc<T>;

/// How a plugin is created from its context (Kibana's `PluginInitializer`).
pub type PluginInitializer<P> = fn(PluginInitializerContext) -> P;
