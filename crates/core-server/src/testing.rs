//! Test doubles for plugin authors (feature `testing`), as Kibana's `coreMock`:
//!
//! - [`TestCore`]: the core a plugin gets, without a running server. It creates the plugin's
//!   [`PluginInitializerContext`] from its `kibana.json` and a config, gives the [`CoreSetup`]
//!   and [`CoreStart`] to pass to `setup` / `start`, calls the routes `setup` registered, and
//!   captures the logs.
//! - [`MockDeps`]: the plugin's dependencies, from contracts the test gives.
//! - [`TestServer`]: chosen plugins in a real server on a loopback port, for tests over HTTP.
//!
//! A unit test of a plugin's `setup`, its dependency mocked, then a call of the route it
//! registered:
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use core_server::testing::{MockDeps, TestCore, TestRequest};
//! use core_server::{
//!     Core, CoreSetup, CoreStart, Plugin, PluginInitializerContext, RouteConfig, RouteMethod,
//!     RouteValidation, SetupDeps, StartDeps,
//! };
//!
//! /// The dependency: its setup contract is a greeting word.
//! struct Words;
//! impl Plugin<Core> for Words {
//!     type Setup = String;
//!     type Start = ();
//!     async fn setup(&mut self, _: CoreSetup, _: SetupDeps) -> anyhow::Result<String> {
//!         Ok("Hello".into())
//!     }
//!     async fn start(&mut self, _: CoreStart, _: StartDeps) -> anyhow::Result<()> {
//!         Ok(())
//!     }
//! }
//!
//! /// The plugin under test: `GET /api/hello` greets with the dependency's word.
//! struct Hello;
//! impl Plugin<Core> for Hello {
//!     type Setup = ();
//!     type Start = ();
//!     async fn setup(&mut self, core: CoreSetup, deps: SetupDeps) -> anyhow::Result<()> {
//!         let word = deps.get::<Words>()?.clone();
//!         let mut router = core.http.create_router("/api/hello");
//!         router.get(RouteConfig::new("/", RouteValidation::none()), move |_ctx, _req, res| {
//!             let message = format!("{word}, world!");
//!             async move { Ok(res.ok(serde_json::json!({ "message": message }))) }
//!         });
//!         core.http.register_router(router)?;
//!         Ok(())
//!     }
//!     async fn start(&mut self, _: CoreStart, _: StartDeps) -> anyhow::Result<()> {
//!         Ok(())
//!     }
//! }
//!
//! let manifest = r#"{ "id": "hello", "version": "1.0.0", "kibanaVersion": "kibana",
//!                     "server": true, "requiredPlugins": ["words"] }"#;
//! let core = TestCore::new(manifest, serde_json::json!({})).await.unwrap();
//! let deps = MockDeps::new("hello").required::<Words>("words", "Hej".into(), ());
//! Hello.setup(core.setup(), deps.setup()).await.unwrap();
//! let response = core.call(RouteMethod::Get, "/api/hello", TestRequest::new()).await.unwrap();
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.json(), serde_json::json!({ "message": "Hej, world!" }));
//! # });
//! ```

use std::net::SocketAddr;

use core_config::ConfigService;
use core_elasticsearch::{
    ElasticsearchClientConfig, ElasticsearchConfig, ElasticsearchServiceSetup,
};
use core_http::{HttpConfig, HttpService, RouteMethod};
use core_logging::LoggerFactory;
use core_logging::testing::{CapturedLogs, capturing_logger_factory};
use core_plugins::PluginsError;
use serde_json::Value;

pub use core_http::testing::{TestRequest, TestResponse};

use crate::context::{ContextFactory, Router};
use crate::core::{Core, CoreSetup, CoreStart, ElasticsearchServiceStart, HttpServiceSetup};
use crate::error::ServerError;
use crate::route_owners::RouteOwners;
use crate::server::Server;
use crate::session_cleanups::SessionCleanups;
use crate::{PluginInitializerContext, PluginRegistration};

/// The dependencies of a plugin under test, from contracts the test gives: `.required::<P>(id,
/// setup, start)`, `.optional::<P>(id, contracts)`, then `.setup()` / `.start()` for the
/// plugin's `setup` / `start` (see [`core_plugins::testing::MockDeps`]).
pub type MockDeps = core_plugins::testing::MockDeps<Core>;

/// The core one plugin gets, without a running server (Kibana's `coreMock`): its
/// initializer context, a [`CoreSetup`] and a [`CoreStart`] over the same services, the routes
/// its `setup` registered, and the logs it wrote.
///
/// Nothing listens. The Elasticsearch clients use the config's `elasticsearch` section (a
/// wiremock server's URL in `elasticsearch.hosts`, say) and connect only when called.
pub struct TestCore {
    context: PluginInitializerContext,
    setup: CoreSetup,
    start: CoreStart,
    logs: CapturedLogs,
}

impl TestCore {
    /// The core for the plugin of `manifest_json` (its `kibana.json`, validated as at
    /// startup), with the settings in `config` (a JSON object of the whole config tree:
    /// the plugin's section under its config path, `elasticsearch`, `server`).
    ///
    /// # Arguments
    ///
    /// * `manifest_json` - the plugin's manifest, e.g. `include_str!("../kibana.json")`.
    /// * `config` - the config tree, e.g. `json!({ "bookmarks": { "maxItems": 5 } })`.
    pub async fn new(manifest_json: &str, config: Value) -> Result<Self, ServerError> {
        let config = core_config::testing::config_from_json(config);
        let (loggers, logs) = capturing_logger_factory();
        let context =
            core_plugins::testing::initializer_context(manifest_json, config.clone(), &loggers)
                .map_err(|error| ServerError::Plugins(PluginsError::Discovery(vec![error])))?;
        let plugin_id = context.plugin_id().to_owned();
        let mut http = HttpService::from_config(
            HttpConfig {
                auto_listen: false,
                ..config.at_path::<HttpConfig>("server")?
            },
            &loggers,
        );
        let http_setup = http.setup().await?.http;
        let http_start = http.start().await?;
        let elasticsearch = elasticsearch_setup(&config, &loggers)?;
        let setup = CoreSetup {
            http: HttpServiceSetup::new(
                http_setup,
                ContextFactory::new(&elasticsearch),
                RouteOwners::default(),
                SessionCleanups::default(),
                &plugin_id,
            ),
            elasticsearch: elasticsearch.clone(),
        };
        let start = CoreStart {
            http: http_start,
            elasticsearch: ElasticsearchServiceStart {
                admin_client: elasticsearch.admin_client.clone(),
                data_client: elasticsearch.data_client.clone(),
            },
            metrics: crate::metrics::MetricsServiceStart::new(
                tokio::sync::watch::channel(crate::metrics::OpsMetrics::default()).1,
                crate::metrics::OpsConfig::default().interval,
            ),
        };
        Ok(Self {
            context,
            setup,
            start,
            logs,
        })
    }

    /// The plugin's initializer context: its config, logger and environment, as core would
    /// pass it to the plugin's constructor.
    pub fn context(&self) -> PluginInitializerContext {
        self.context.clone()
    }

    /// What the plugin's `setup` receives. Every call shares the same services: routes
    /// registered through one are seen by [`call`](Self::call).
    pub fn setup(&self) -> CoreSetup {
        self.setup.clone()
    }

    /// What the plugin's `start` receives (the server does not listen).
    pub fn start(&self) -> CoreStart {
        self.start.clone()
    }

    /// The log lines written so far through the plugin's loggers and core's.
    pub fn logs(&self) -> &CapturedLogs {
        &self.logs
    }

    /// Runs the route registered (by `setup`) as `method` + `full_path` against `request`:
    /// validation, handler and error handling as the server would, interceptors aside. `Err`
    /// names the route when none is registered.
    ///
    /// # Arguments
    ///
    /// * `method` - the route's method.
    /// * `full_path` - the router prefix and route path as declared, e.g. `/api/items/{id}`.
    /// * `request` - the params, query, headers and body to send.
    pub async fn call(
        &self,
        method: RouteMethod,
        full_path: &str,
        request: TestRequest,
    ) -> Result<TestResponse, String> {
        core_http::testing::call_registered(self.setup.http.inner(), method, full_path, request)
            .await
    }
}

impl std::fmt::Debug for TestCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCore")
            .field("plugin_id", &self.context.plugin_id())
            .finish_non_exhaustive()
    }
}

/// The Elasticsearch setup contract over the config's `elasticsearch` section.
fn elasticsearch_setup(
    config: &ConfigService,
    loggers: &LoggerFactory,
) -> Result<ElasticsearchServiceSetup, ServerError> {
    let section = config.at_path::<ElasticsearchConfig>("elasticsearch")?;
    Ok(ElasticsearchServiceSetup::new(
        ElasticsearchClientConfig::from(&section),
        loggers.clone(),
    )?)
}

/// Runs the route of `router` declared as `method` + `full_path` (prefix + path, params in `{}`)
/// against `request`, exactly as the server would; the handler's context is scoped to the
/// request's headers. `Err` names the route when there is none. For a router that is not
/// registered; [`TestCore::call`] calls registered ones.
///
/// # Arguments
///
/// * `router` - the router that declares the route.
/// * `method` - the route's method.
/// * `full_path` - the router prefix and route path as declared, e.g. `/api/items/{id}`.
/// * `request` - the params, query, headers and body to send.
pub async fn call_route(
    router: &Router,
    method: RouteMethod,
    full_path: &str,
    request: TestRequest,
) -> Result<TestResponse, String> {
    core_http::testing::call_route(router.inner(), method, full_path, request).await
}

/// Chosen plugins in a real server listening on `127.0.0.1` at a free port, for tests over
/// HTTP: the same setup, start, routing, interceptors and status page as the binary.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use core_server::testing::TestServer;
///
/// let server = TestServer::start(Vec::new(), serde_json::json!({})).await.unwrap();
/// assert!(server.url("/api/status").starts_with("http://127.0.0.1:"));
/// server.stop().await;
/// # });
/// ```
pub struct TestServer {
    server: Server,
    address: SocketAddr,
    logs: CapturedLogs,
    /// `path.data` unless the test sets it: removed with the server.
    _data: tempfile::TempDir,
}

impl TestServer {
    /// Sets up and starts `registrations` with the settings in `config` (a JSON object of the
    /// whole config tree). `server.host` and `server.port` default to `127.0.0.1` and `0`, and
    /// the Elasticsearch health check waits an hour unless `config` says otherwise, so a test
    /// without Elasticsearch is quiet, and `path.data` (where the instance UUID is kept) is a
    /// temporary folder removed with the server. Requests that change state need a
    /// `kbn-xsrf` header, as on a real server.
    ///
    /// # Arguments
    ///
    /// * `registrations` - the plugins to run, e.g. `vec![my_plugin::registration()]`.
    /// * `config` - the config tree, e.g. `json!({ "elasticsearch": { "hosts": [url] } })`.
    pub async fn start(
        registrations: Vec<PluginRegistration>,
        config: Value,
    ) -> Result<Self, ServerError> {
        let data = tempfile::tempdir().map_err(ServerError::Runtime)?;
        let defaults = core_config::testing::config_from_json(serde_json::json!({
            "server": { "host": "127.0.0.1", "port": 0 },
            "elasticsearch": { "healthCheck": { "delay": "1h" } },
            "path": { "data": data.path() },
        }));
        // Each top-level section of `config` deep-merges into the defaults, as a later file would.
        if let Value::Object(sections) = config {
            for (key, section) in sections {
                defaults.set(&key, section)?;
            }
        }
        let (loggers, logs) = capturing_logger_factory();
        let mut server = Server::new(defaults, &loggers, registrations)?;
        server.setup().await?;
        let start = match server.start().await {
            Ok(start) => start,
            Err(error) => {
                server.stop().await;
                return Err(error);
            }
        };
        let Some(address) = start.http.local_addr() else {
            server.stop().await;
            return Err(ServerError::OutOfOrder(
                "serve tests",
                "server.autoListen is false",
            ));
        };
        Ok(Self {
            server,
            address,
            logs,
            _data: data,
        })
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://<address><path>`.
    ///
    /// # Arguments
    ///
    /// * `path` - the path and query, starting with `/`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The log lines written so far.
    pub fn logs(&self) -> &CapturedLogs {
        &self.logs
    }

    /// Stops the plugins and the server (draining in-flight requests).
    pub async fn stop(mut self) {
        self.server.stop().await;
    }
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}
