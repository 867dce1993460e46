//! The core contracts plugins receive: [`CoreSetup`] and [`CoreStart`], scoped to one plugin,
//! and [`Core`], which plugs them into core-plugins' generic lifecycle.

use std::future::Future;

use core_elasticsearch::{ClusterClient, ElasticsearchServiceSetup};
use core_http::{
    AuthResult, AuthToolkit, BasePath, HttpAuth, HttpError, InterceptorResult, KibanaRequest,
    OnPostAuthResult, OnPostAuthToolkit, OnPreAuthResult, OnPreAuthToolkit, ServerInfo,
    SessionCookieOptions, SessionStorageFactory,
};
use core_plugins::{CoreContracts, PluginsServiceSetup, PluginsServiceStart};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::context::{ContextFactory, Router};
use crate::metrics::MetricsServiceStart;
use crate::route_owners::{RegisterRouterError, RouteOwners};
use crate::session_cleanups::SessionCleanups;

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
    /// Routers, interceptors, auth state, cookie sessions, base path and server info.
    pub http: HttpServiceSetup,
}

/// What a plugin receives in `start` (Kibana's `CoreStart`).
#[derive(Debug, Clone)]
pub struct CoreStart {
    /// Whether the server listens, and where.
    pub http: core_http::HttpServiceStart,
    /// The Elasticsearch clients.
    pub elasticsearch: ElasticsearchServiceStart,
    /// The ops metrics: process, runtime, OS and HTTP server, every `ops.interval`.
    pub metrics: MetricsServiceStart,
}

/// The Elasticsearch clients at start.
#[derive(Debug, Clone)]
pub struct ElasticsearchServiceStart {
    /// The client for Kibana's own administrative indices.
    pub admin_client: ClusterClient,
    /// The client for user data.
    pub data_client: ClusterClient,
}

/// The HTTP contract a plugin gets during setup (Kibana's `HttpServiceSetup`): routers whose
/// handlers receive a [`crate::RequestHandlerContext`], the onPreAuth / auth / onPostAuth
/// interceptors, the request auth state, cookie session storage, the base path and server info.
#[derive(Clone)]
pub struct HttpServiceSetup {
    inner: core_http::HttpServiceSetup,
    contexts: ContextFactory,
    owners: RouteOwners,
    session_cleanups: SessionCleanups,
    plugin_id: String,
}

impl HttpServiceSetup {
    pub(crate) fn new(
        inner: core_http::HttpServiceSetup,
        contexts: ContextFactory,
        owners: RouteOwners,
        session_cleanups: SessionCleanups,
        plugin_id: &str,
    ) -> Self {
        Self {
            inner,
            contexts,
            owners,
            session_cleanups,
            plugin_id: plugin_id.to_owned(),
        }
    }

    /// A new, empty router whose routes live under `prefix`.
    ///
    /// # Arguments
    ///
    /// * `prefix` - the path every route of the router starts with, e.g. `/api/my_plugin`
    ///   (empty for routes at the root).
    pub fn create_router(&self, prefix: impl Into<String>) -> Router {
        Router::new(prefix, self.contexts.for_plugin(&self.plugin_id))
    }

    /// Adds `router`'s routes to the server. Fails (registering nothing) when a route's method
    /// and path are taken by another router — two plugins cannot silently shadow each other —
    /// when a path is malformed, or when the server already listens. A conflict names the
    /// plugin (or `core`) that registered the route first.
    ///
    /// # Arguments
    ///
    /// * `router` - a router from [`create_router`](Self::create_router), its routes declared.
    pub fn register_router(&self, router: Router) -> Result<(), RegisterRouterError> {
        let routes = router.get_routes();
        self.inner
            .register_router(router.into_inner())
            .map_err(|error| self.owners.explain(error))?;
        self.owners.record(&routes, &self.plugin_id);
        Ok(())
    }

    /// Adds an onPreAuth interceptor: it runs for every request, before routing, after the
    /// ones registered earlier, and may go on, rewrite the URL, redirect or reject. Fails once
    /// the server listens.
    ///
    /// # Arguments
    ///
    /// * `handler` - an async closure `(request, toolkit)` returning the toolkit's verdict.
    pub fn register_on_pre_auth<F, Fut>(&self, handler: F) -> Result<(), HttpError>
    where
        F: Fn(KibanaRequest, OnPreAuthToolkit) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = InterceptorResult<OnPreAuthResult>> + 'static,
    {
        self.inner.register_on_pre_auth(handler)
    }

    /// Sets the authentication handler (one per server): it runs for every route that
    /// requires (or optionally takes) authentication, and may authenticate (with a state and
    /// headers for Elasticsearch), redirect, reject or pass. A second registration fails.
    ///
    /// # Arguments
    ///
    /// * `handler` - an async closure `(request, toolkit)` returning the toolkit's verdict.
    pub fn register_auth<F, Fut>(&self, handler: F) -> Result<(), HttpError>
    where
        F: Fn(KibanaRequest, AuthToolkit) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = InterceptorResult<AuthResult>> + 'static,
    {
        self.inner.register_auth(handler)
    }

    /// Adds an onPostAuth interceptor: it runs after authentication, for routed requests, and
    /// may go on, redirect or reject. Fails once the server listens.
    ///
    /// # Arguments
    ///
    /// * `handler` - an async closure `(request, toolkit)` returning the toolkit's verdict.
    pub fn register_on_post_auth<F, Fut>(&self, handler: F) -> Result<(), HttpError>
    where
        F: Fn(KibanaRequest, OnPostAuthToolkit) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = InterceptorResult<OnPostAuthResult>> + 'static,
    {
        self.inner.register_on_post_auth(handler)
    }

    /// Reads the authentication state of a request (`auth().get(&request)`,
    /// `auth().is_authenticated(&request)`).
    pub fn auth(&self) -> HttpAuth {
        self.inner.auth()
    }

    /// The cookie session storage (one per server): sessions of type `T` kept in an encrypted
    /// cookie, or, with [`SessionCookieOptions::store`], in a session store (a
    /// [`MemorySessionStore`](crate::MemorySessionStore) or an
    /// [`ElasticsearchSessionStore`](crate::ElasticsearchSessionStore)) with only the session
    /// id in the cookie; read and written per request. A second call fails. With a store, the
    /// expired sessions are removed every `cleanup_interval` from server start to server stop.
    ///
    /// # Arguments
    ///
    /// * `options` - the cookie's name, encryption key, `secure` flag and session check; the
    ///   store, idle timeout, lifespan and cleanup interval for server-side sessions.
    pub fn create_cookie_session_storage_factory<T>(
        &self,
        options: SessionCookieOptions<T>,
    ) -> Result<SessionStorageFactory<T>, HttpError>
    where
        T: Serialize + DeserializeOwned,
    {
        let factory = self.inner.create_cookie_session_storage_factory(options)?;
        if let Some(cleanup) = factory.cleanup() {
            self.session_cleanups.add(cleanup);
        }
        Ok(factory)
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

    /// core-http's contract underneath, for the test doubles.
    #[cfg(feature = "testing")]
    pub(crate) fn inner(&self) -> &core_http::HttpServiceSetup {
        &self.inner
    }

    /// The id of the plugin this contract was made for.
    pub fn plugin_id(&self) -> &str {
        &self.plugin_id
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
    /// The ops metrics.
    pub metrics: MetricsServiceStart,
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
