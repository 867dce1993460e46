//! What a route handler gets besides its request: [`RequestHandlerContext`], built per request
//! by the [`Router`] that core hands to plugins (Kibana 7.3+'s `(context, request, response)`).

use std::future::Future;
use std::sync::{Arc, OnceLock};

use core_elasticsearch::{ClusterClient, ElasticsearchServiceSetup, ScopedClusterClient};
use core_http::{
    HandlerResult, Headers, KibanaRequest, RequestHeaders, RequestIdHandle, ResponseFactory,
    RouteConfig, RouteInfo,
};
use futures::FutureExt;
use serde::de::DeserializeOwned;

use crate::elasticsearch_errors::with_elasticsearch_responses;
use crate::scoped_request::RequestScope;

/// Elasticsearch clients scoped to the current request: `call_as_current_user` sends the user's
/// whitelisted headers (e.g. `Authorization`), never the internal credentials. Every call, as
/// the internal user too, carries `x-opaque-id: <request id>;kibana:<plugin id>:<route path>`,
/// so Elasticsearch's slow log and tasks name the request, plugin and route that made it, and
/// `traceparent` with the request's trace id (see [`core_http::RequestIdHandle::trace`]).
///
/// Each client is scoped the first time it is asked for, so a handler that never calls
/// Elasticsearch pays nothing for it.
#[derive(Debug, Clone)]
pub struct ElasticsearchRequestContext {
    headers: RequestHeaders,
    auth_headers: Option<Headers>,
    request_id: RequestIdHandle,
    /// `kibana:<plugin id>:<route path>`, made once per route.
    origin: Arc<str>,
    admin: LazyScoped,
    data: LazyScoped,
}

#[derive(Debug, Clone)]
struct LazyScoped {
    client: ClusterClient,
    scoped: OnceLock<ScopedClusterClient>,
}

impl LazyScoped {
    fn new(client: &ClusterClient) -> Self {
        Self {
            client: client.clone(),
            scoped: OnceLock::new(),
        }
    }
}

impl ElasticsearchRequestContext {
    /// The admin client (Kibana's own indices), scoped to the request.
    pub fn admin_client(&self) -> &ScopedClusterClient {
        self.scoped(&self.admin)
    }

    /// The data client (user data), scoped to the request.
    pub fn data_client(&self) -> &ScopedClusterClient {
        self.scoped(&self.data)
    }

    fn scoped<'a>(&'a self, lazy: &'a LazyScoped) -> &'a ScopedClusterClient {
        lazy.scoped.get_or_init(|| {
            let scope = RequestScope::from_request_headers(&self.headers)
                .with_auth_headers(self.auth_headers.as_ref());
            let opaque_id = format!("{};{}", self.request_id.get(), self.origin);
            lazy.client
                .as_scoped(&scope)
                .with_opaque_id(&opaque_id)
                .with_trace_parent(*self.request_id.trace())
        })
    }
}

/// Core's per-request context for route handlers.
#[derive(Debug, Clone)]
pub struct RequestHandlerContext {
    /// Elasticsearch, as the current user.
    pub elasticsearch: ElasticsearchRequestContext,
}

/// Builds [`RequestHandlerContext`]s; one per server, shared by every router (each plugin's
/// copy knows the plugin's id).
#[derive(Debug, Clone)]
pub(crate) struct ContextFactory {
    admin_client: ClusterClient,
    data_client: ClusterClient,
    plugin_id: Arc<str>,
}

impl ContextFactory {
    pub(crate) fn new(elasticsearch: &ElasticsearchServiceSetup) -> Self {
        Self {
            admin_client: elasticsearch.admin_client.clone(),
            data_client: elasticsearch.data_client.clone(),
            plugin_id: Arc::from(crate::route_owners::CORE_OWNER),
        }
    }

    /// The factory for the routers of plugin `plugin_id`.
    pub(crate) fn for_plugin(&self, plugin_id: &str) -> Self {
        Self {
            plugin_id: Arc::from(plugin_id),
            ..self.clone()
        }
    }

    /// `kibana:<plugin id>:<full path>` for a route of `prefix` + `path`, the full path
    /// normalised as core-http does (no trailing `/` but the root).
    fn origin(&self, prefix: &str, path: &str) -> Arc<str> {
        let joined = format!("{prefix}{path}");
        let full = match joined.trim_end_matches('/') {
            "" => "/",
            trimmed => trimmed,
        };
        Arc::from(format!("kibana:{}:{full}", self.plugin_id))
    }

    pub(crate) fn for_request<P, Q, B>(
        &self,
        request: &KibanaRequest<P, Q, B>,
        origin: &Arc<str>,
    ) -> RequestHandlerContext {
        // The handler runs inside core-http's `http.request` span, which leaves the plugin to
        // core. `enabled!` is a check of its callsite's cached interest: nothing more is done
        // without a subscriber.
        if tracing::enabled!(
            kind: tracing::metadata::Kind::SPAN,
            target: "http.server",
            tracing::Level::INFO
        ) {
            let span = tracing::Span::current();
            if !span.is_disabled() {
                span.record("kibana.plugin", &*self.plugin_id);
            }
        }
        RequestHandlerContext {
            elasticsearch: ElasticsearchRequestContext {
                headers: request.headers().clone(),
                auth_headers: request.auth_headers().cloned(),
                request_id: request.id_handle(),
                origin: Arc::clone(origin),
                admin: LazyScoped::new(&self.admin_client),
                data: LazyScoped::new(&self.data_client),
            },
        }
    }
}

/// A plugin's router: core-http's [`core_http::Router`] whose handlers also receive a
/// [`RequestHandlerContext`]. Create it with `core.http.create_router(prefix)`, add routes,
/// then `core.http.register_router(router)?`.
///
/// Every route declares what it accepts ([`core_http::RouteValidation`]); a request that does
/// not fit is answered `400` naming the field and the handler never runs.
///
/// Paths follow [`core_http::Router`]'s rule: the full path is the prefix + the route path,
/// without a trailing `/` (but the root), and a request matches with or without one. So
/// `create_router("/api/bookmarks")` with a route `"/"` answers `GET /api/bookmarks` (and
/// `/api/bookmarks/`); a path no request could match is refused by `register_router`.
///
/// Handlers return [`HandlerResult`]: their error decides the response (see
/// [`core_http::HandlerError`]). An [`ElasticsearchError`](core_elasticsearch::ElasticsearchError)
/// anywhere in the error's chain answers for itself: unreachable → `503`; a user Elasticsearch
/// refused → `401` with its `WWW-Authenticate` challenge; another `4xx` → that status with
/// Elasticsearch's reason; a `5xx` → `502`; any other error → the generic, logged `500`.
pub struct Router {
    inner: core_http::Router,
    contexts: ContextFactory,
}

macro_rules! route_method {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        // `doc` attributes rather than `///`: rustdoc unindents the caller's docs (attributes
        // once they pass through the macro) and `///` lines differently when they are mixed.
        #[doc = ""]
        #[doc = " # Arguments"]
        #[doc = ""]
        #[doc = " * `config` - the route's path under the router's prefix (params in `{}`), its"]
        #[doc = "   validation and options."]
        #[doc = " * `handler` - an async closure `(context, request, response_factory)` run for each"]
        #[doc = "   validated request; its error decides the response."]
        pub fn $name<P, Q, B, F, Fut>(&mut self, config: RouteConfig<P, Q, B>, handler: F) -> &mut Self
        where
            P: DeserializeOwned + 'static,
            Q: DeserializeOwned + 'static,
            B: DeserializeOwned + 'static,
            F: Fn(RequestHandlerContext, KibanaRequest<P, Q, B>, ResponseFactory) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = HandlerResult> + 'static,
        {
            let contexts = self.contexts.clone();
            let origin = contexts.origin(self.inner.prefix(), &config.path);
            self.inner.$name(config, move |request, response| {
                handler(contexts.for_request(&request, &origin), request, response)
                    .map(with_elasticsearch_responses)
            });
            self
        }
    };
}

impl Router {
    pub(crate) fn new(prefix: impl Into<String>, contexts: ContextFactory) -> Self {
        Self {
            inner: core_http::Router::new(prefix),
            contexts,
        }
    }

    /// The path prefix of every route of this router.
    pub fn prefix(&self) -> &str {
        self.inner.prefix()
    }

    /// The routes added so far.
    pub fn get_routes(&self) -> Vec<RouteInfo> {
        self.inner.get_routes()
    }

    route_method!(
        /// Adds a `GET` route.
        get
    );
    route_method!(
        /// Adds a `POST` route.
        post
    );
    route_method!(
        /// Adds a `PUT` route.
        put
    );
    route_method!(
        /// Adds a `DELETE` route.
        delete
    );
    route_method!(
        /// Adds a `PATCH` route.
        patch
    );

    /// This router with `state` handed to each of the handlers added through the returned
    /// [`RouterWithState`], as axum's `State` does: every request gets its own clone of
    /// `state` (make it cheap to clone: an `Arc`, or a struct of contracts that are), so a
    /// handler's `async move` block can own it without a clone of its own.
    ///
    /// ```
    /// # async fn demo(core: core_server::CoreSetup) -> anyhow::Result<()> {
    /// use core_server::{RouteConfig, RouteValidation};
    /// use serde_json::json;
    ///
    /// #[derive(Clone)]
    /// struct Greeting { word: std::sync::Arc<str> }
    ///
    /// let mut router = core.http.create_router("/api/greeting");
    /// let greeting = Greeting { word: "Hello".into() };
    /// router.with_state(greeting).get(
    ///     RouteConfig::new("/", RouteValidation::none()),
    ///     |greeting, _ctx, _req, res| async move {
    ///         Ok(res.ok(json!({ "message": format!("{}, world!", greeting.word) })))
    ///     },
    /// );
    /// core.http.register_router(router)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Arguments
    ///
    /// * `state` - what every handler added through the result receives a clone of.
    pub fn with_state<S: Clone + Send + Sync + 'static>(
        &mut self,
        state: S,
    ) -> RouterWithState<'_, S> {
        RouterWithState {
            router: self,
            state,
        }
    }

    #[cfg(feature = "testing")]
    pub(crate) fn inner(&self) -> &core_http::Router {
        &self.inner
    }

    pub(crate) fn into_inner(self) -> core_http::Router {
        self.inner
    }
}

/// Adds routes to a [`Router`] whose handlers receive a clone of one state first:
/// `|state, ctx, request, response|`. Made by [`Router::with_state`].
pub struct RouterWithState<'a, S> {
    router: &'a mut Router,
    state: S,
}

macro_rules! stateful_route_method {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        // `doc` attributes rather than `///`, as in `route_method!`.
        #[doc = ""]
        #[doc = " # Arguments"]
        #[doc = ""]
        #[doc = " * `config` - the route's path under the router's prefix (params in `{}`), its"]
        #[doc = "   validation and options."]
        #[doc = " * `handler` - an async closure `(state, context, request, response_factory)` run for"]
        #[doc = "   each validated request, with its own clone of the state."]
        pub fn $name<P, Q, B, F, Fut>(&mut self, config: RouteConfig<P, Q, B>, handler: F) -> &mut Self
        where
            P: DeserializeOwned + 'static,
            Q: DeserializeOwned + 'static,
            B: DeserializeOwned + 'static,
            F: Fn(S, RequestHandlerContext, KibanaRequest<P, Q, B>, ResponseFactory) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = HandlerResult> + 'static,
        {
            let state = self.state.clone();
            self.router.$name(config, move |context, request, response| {
                handler(state.clone(), context, request, response)
            });
            self
        }
    };
}

impl<S: Clone + Send + Sync + 'static> RouterWithState<'_, S> {
    stateful_route_method!(
        /// Adds a `GET` route.
        get
    );
    stateful_route_method!(
        /// Adds a `POST` route.
        post
    );
    stateful_route_method!(
        /// Adds a `PUT` route.
        put
    );
    stateful_route_method!(
        /// Adds a `DELETE` route.
        delete
    );
    stateful_route_method!(
        /// Adds a `PATCH` route.
        patch
    );
}

impl<S> std::fmt::Debug for RouterWithState<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouterWithState")
            .field("prefix", &self.router.prefix())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("prefix", &self.prefix())
            .finish_non_exhaustive()
    }
}
