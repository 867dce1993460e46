//! Test doubles for plugin authors (feature `testing`): a [`CoreSetup`] without a running
//! server, and running one route of a [`Router`] in-process (validation included).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use core_server::testing::{TestRequest, call_route, core_setup};
//! use core_server::{ElasticsearchClientConfig, RouteConfig, RouteMethod, RouteValidation};
//!
//! #[derive(serde::Deserialize)]
//! struct Params { name: String }
//!
//! let (core, _logs) = core_setup("myPlugin", ElasticsearchClientConfig::default()).await.unwrap();
//! let mut router = core.http.create_router("/api/my_plugin");
//! router.get(RouteConfig::new("/hello/{name}", RouteValidation::new().params::<Params>()), |_ctx, req, res| async move {
//!     Ok(res.ok(serde_json::json!({ "hello": req.params().name })))
//! });
//! let response = call_route(&router, RouteMethod::Get, "/api/my_plugin/hello/{name}", TestRequest::new().param("name", "Ana"))
//!     .await
//!     .unwrap();
//! assert_eq!(response.json(), serde_json::json!({ "hello": "Ana" }));
//! # });
//! ```

use core_elasticsearch::{ElasticsearchClientConfig, ElasticsearchServiceSetup};
use core_http::{HttpConfig, HttpService, RouteMethod};
use core_logging::testing::{CapturedLogs, capturing_logger_factory};

pub use core_http::testing::{TestRequest, TestResponse};

use crate::context::{ContextFactory, Router};
use crate::core::{CoreSetup, HttpServiceSetup};
use crate::error::ServerError;
use crate::route_owners::RouteOwners;

/// A `CoreSetup` for plugin `plugin_id`, as core would build it, with default `server` settings
/// (nothing listens) and Elasticsearch clients over `elasticsearch`. Logs are captured.
pub async fn core_setup(
    plugin_id: &str,
    elasticsearch: ElasticsearchClientConfig,
) -> Result<(CoreSetup, CapturedLogs), ServerError> {
    let (loggers, logs) = capturing_logger_factory();
    let mut http = HttpService::from_config(HttpConfig::default(), &loggers);
    let http = http.setup().await?.http;
    let elasticsearch = ElasticsearchServiceSetup::new(elasticsearch, loggers)?;
    let contexts = ContextFactory::new(&elasticsearch);
    let core = CoreSetup {
        http: HttpServiceSetup::new(http, contexts, RouteOwners::default(), plugin_id),
        elasticsearch,
    };
    Ok((core, logs))
}

/// Runs the route of `router` declared as `method` + `full_path` (prefix + path, params in `{}`)
/// against `request`, exactly as the server would; the handler's context is scoped to the
/// request's headers. `Err` names the route when there is none.
pub async fn call_route(
    router: &Router,
    method: RouteMethod,
    full_path: &str,
    request: TestRequest,
) -> Result<TestResponse, String> {
    core_http::testing::call_route(router.inner(), method, full_path, request).await
}
