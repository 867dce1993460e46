//! The core contracts plugins receive: [`CoreSetup`] and [`CoreStart`], scoped to one plugin,
//! and [`Core`], which plugs them into core-plugins' generic lifecycle.

use std::ops::Deref;

use core_elasticsearch::{ClusterClient, ElasticsearchServiceSetup};
use core_http::{BasePath, ServerInfo};
use core_plugins::{CoreContracts, PluginsServiceSetup, PluginsServiceStart};

use crate::context::{ContextFactory, Router};
use crate::route_owners::{RegisterRouterError, RouteOwners};

/// This server's set of core contracts: plugins implement `Plugin<Core>`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Core;

impl CoreContracts for Core {
    type Setup = CoreSetup;
    type Start = CoreStart;
}

/// What a plugin receives in `setup` (Kibana's `CoreSetup`).
#[derive(Debug, Clone)]
pub struct CoreSetup {
    /// `admin_client`, `data_client` and `create_client`.
    pub elasticsearch: ElasticsearchServiceSetup,
    /// Routers, base path, server info, TLS (and, once core-http has them, interceptors).
    pub http: HttpServiceSetup,
}

/// What a plugin receives in `start` (Kibana's `CoreStart`).
#[derive(Debug, Clone)]
pub struct CoreStart {
    /// Whether the server listens, and where.
    pub http: core_http::HttpServiceStart,
    /// The Elasticsearch clients.
    pub elasticsearch: ElasticsearchServiceStart,
}

/// The Elasticsearch clients at start.
#[derive(Debug, Clone)]
pub struct ElasticsearchServiceStart {
    /// The client for Kibana's own administrative indices.
    pub admin_client: ClusterClient,
    /// The client for user data.
    pub data_client: ClusterClient,
}

/// The HTTP contract a plugin gets during setup (Kibana's `HttpServiceSetup`).
///
/// Its routers hand a [`crate::RequestHandlerContext`] to every handler. Other methods of
/// core-http's setup contract (the interceptors, `auth()`, cookie session storage) are
/// reachable through `Deref`, so plugins see them as soon as core-http offers them.
#[derive(Clone)]
pub struct HttpServiceSetup {
    inner: core_http::HttpServiceSetup,
    contexts: ContextFactory,
    owners: RouteOwners,
    plugin_id: String,
}

impl HttpServiceSetup {
    pub(crate) fn new(
        inner: core_http::HttpServiceSetup,
        contexts: ContextFactory,
        owners: RouteOwners,
        plugin_id: &str,
    ) -> Self {
        Self {
            inner,
            contexts,
            owners,
            plugin_id: plugin_id.to_owned(),
        }
    }

    /// A new, empty router whose routes live under `prefix`.
    pub fn create_router(&self, prefix: impl Into<String>) -> Router {
        Router::new(prefix, self.contexts.clone())
    }

    /// Adds `router`'s routes to the server. Fails (registering nothing) when a route's method
    /// and path are taken by another router — two plugins cannot silently shadow each other —
    /// when a path is malformed, or when the server already listens. A conflict names the
    /// plugin (or `core`) that registered the route first.
    pub fn register_router(&self, router: Router) -> Result<(), RegisterRouterError> {
        let routes = router.get_routes();
        self.inner
            .register_router(router.into_inner())
            .map_err(|error| self.owners.explain(error))?;
        self.owners.record(&routes, &self.plugin_id);
        Ok(())
    }

    /// The base path service (`server.basePath` and per-request base paths).
    pub fn base_path(&self) -> &BasePath {
        self.inner.base_path()
    }

    /// Host, port, protocol and base path as configured.
    pub fn server_info(&self) -> &ServerInfo {
        self.inner.server_info()
    }

    /// Whether the server speaks HTTPS.
    pub fn is_tls_enabled(&self) -> bool {
        self.inner.is_tls_enabled()
    }

    /// The id of the plugin this contract was made for.
    pub fn plugin_id(&self) -> &str {
        &self.plugin_id
    }
}

impl Deref for HttpServiceSetup {
    type Target = core_http::HttpServiceSetup;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl std::fmt::Debug for HttpServiceSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServiceSetup")
            .field("plugin_id", &self.plugin_id)
            .field("server_info", self.server_info())
            .finish_non_exhaustive()
    }
}

/// What core's setup returns to the embedding code (Kibana's `InternalCoreSetup`).
#[derive(Clone)]
pub struct InternalCoreSetup {
    /// The HTTP service's internal contract.
    pub http: core_http::HttpServiceSetup,
    /// The Elasticsearch contract.
    pub elasticsearch: ElasticsearchServiceSetup,
    /// The plugins' setup contracts.
    pub plugins: PluginsServiceSetup,
}

/// What core's start returns (Kibana's `InternalCoreStart`).
#[derive(Debug, Clone)]
pub struct InternalCoreStart {
    /// Whether (and where) the server listens.
    pub http: core_http::HttpServiceStart,
    /// The Elasticsearch clients.
    pub elasticsearch: ElasticsearchServiceStart,
    /// The plugins' start contracts.
    pub plugins: PluginsServiceStart,
}

impl std::fmt::Debug for InternalCoreSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InternalCoreSetup")
            .field("server_info", self.http.server_info())
            .field("elasticsearch", &self.elasticsearch)
            .field("plugins", &self.plugins)
            .finish()
    }
}
