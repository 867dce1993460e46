//! [`Router`]: a group of routes under one path prefix, and the dispatch of one request to one
//! route handler (validation, the handler, errors and panics turned into 500s).

use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use actix_web::http::header::CONTENT_TYPE;
use bytes::Bytes;
use core_logging::{LogLevel, LogMeta, Logger};
use futures::FutureExt;
use futures::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::handler_error::HandlerResult;
use crate::headers::RequestHeaders;
use crate::lifecycle::panic_text;
use crate::openapi::{RouteDocs, RouteSchemas};
use crate::request::{
    KibanaRequest, KibanaRequestRoute, KibanaRequestRouteOptions, RequestFacts, RequestState,
    RequestUrl,
};
use crate::response::{INTERNAL_ERROR_MESSAGE, KibanaResponse, ResponseFactory};
use crate::route::{RouteConfig, RouteMethod, RouteOptions, full_path};
use crate::validation::{RawParts, Rejection};

/// Everything the server knows about a request before it is validated against a route.
pub(crate) struct RawRequest {
    /// Path params in the route's param order, already percent-decoded.
    pub(crate) params: Vec<(String, String)>,
    pub(crate) url: RequestUrl,
    pub(crate) headers: RequestHeaders,
    pub(crate) body: Bytes,
    pub(crate) remote_address: Option<SocketAddr>,
    pub(crate) state: Arc<RequestState>,
}

type ErasedHandler = dyn Fn(RawRequest, Arc<KibanaRequestRoute>) -> LocalBoxFuture<'static, HandlerResult>
    + Send
    + Sync;

/// A route as registered: where it is, what it needs, and its type-erased handler.
#[derive(Clone)]
pub(crate) struct RouteEntry {
    pub(crate) router_prefix: String,
    pub(crate) path: String,
    pub(crate) full_path: String,
    pub(crate) method: RouteMethod,
    pub(crate) options: RouteOptions,
    pub(crate) schemas: RouteSchemas,
    pub(crate) docs: RouteDocs,
    pub(crate) request_route: Arc<KibanaRequestRoute>,
    pub(crate) handler: Arc<ErasedHandler>,
}

/// A registered route, as [`Router::get_routes`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// The method.
    pub method: RouteMethod,
    /// The path as given to the router (without its prefix).
    pub path: String,
    /// Router prefix + path, normalised (see [`Router`]): what `request.route().path` shows.
    pub full_path: String,
    /// The options.
    pub options: RouteOptions,
    /// The schemas its validation declared.
    pub schemas: RouteSchemas,
    /// Its documentation.
    pub docs: RouteDocs,
}

/// A group of routes under a path prefix (Kibana's `Router`). Build it, add routes, then hand it
/// to [`HttpServiceSetup::register_router`](crate::HttpServiceSetup::register_router) during
/// setup.
///
/// # Paths
///
/// A route's full path is the router prefix + the route path, dropping one `/` when the prefix
/// ends with `/` and the path starts with `/` (Kibana's rule), then **without a trailing `/`**
/// unless it is `/` itself. A request matches a route with or without one trailing `/`:
///
/// | prefix | route path | full path (`request.route().path`) | answers |
/// | --- | --- | --- | --- |
/// | `/api/bookmarks` | `/` | `/api/bookmarks` | `/api/bookmarks`, `/api/bookmarks/` |
/// | `/api/bookmarks` | `/{id}` | `/api/bookmarks/{id}` | `/api/bookmarks/7`, `/api/bookmarks/7/` |
/// | `/api` | `/items/` | `/api/items` | `/api/items`, `/api/items/` |
/// | empty or `/` | `/` | `/` | `/` |
///
/// So `/a` and `/a/` are the same route: registering both for one method is a conflict.
/// Params are whole segments, `{name}`, plus at most one optional `{name?}` as the last segment
/// (`/a/{x?}` answers `/a`, `/a/` and `/a/<x>`); literal segments win over params.
///
/// [`register_router`](crate::HttpServiceSetup::register_router) refuses a path no request
/// could match with [`HttpError::InvalidRoutePath`](crate::HttpError::InvalidRoutePath),
/// naming the method, full path, router prefix and reason: one not starting with `/`, an empty
/// segment (`//`), a `.` or `..` segment, `?`, `#` or `*` in a segment, a malformed param
/// (`{x`, `a{x}`, `{}`, `{a-b}`), an optional param before the end, or the same param name
/// twice. The normalisation happens once, when the route is added; per request, the server
/// only drops one trailing `/` from a path that has one before routing.
///
/// ```
/// use core_http::{RouteConfig, RouteValidation, Router};
/// let mut router = Router::new("/api/greeting");
/// router.get(RouteConfig::new("/", RouteValidation::none()), |_req, res| async move {
///     Ok(res.ok(serde_json::json!({ "hello": "world" })))
/// });
/// // Served at `/api/greeting` and `/api/greeting/`.
/// assert_eq!(router.get_routes()[0].full_path, "/api/greeting");
/// ```
pub struct Router {
    prefix: String,
    routes: Vec<RouteEntry>,
}

/// One public method per HTTP method, all the same but for the [`RouteMethod`] they pass on.
macro_rules! route_method {
    ($(#[$doc:meta])* $name:ident, $method:ident) => {
        $(#[$doc])*
        // `doc` attributes rather than `///`: rustdoc unindents the caller's docs (attributes
        // once they pass through the macro) and `///` lines differently when they are mixed.
        #[doc = ""]
        #[doc = " # Arguments"]
        #[doc = ""]
        #[doc = " * `config` - the route's path under the router's prefix, its validation and options."]
        #[doc = " * `handler` - an async closure `(request, response_factory)` run for each validated"]
        #[doc = "   request; its error decides the response ([`HandlerError`](crate::HandlerError))."]
        pub fn $name<P, Q, B, F, Fut>(&mut self, config: RouteConfig<P, Q, B>, handler: F) -> &mut Self
        where
            P: DeserializeOwned + 'static,
            Q: DeserializeOwned + 'static,
            B: DeserializeOwned + 'static,
            F: Fn(KibanaRequest<P, Q, B>, ResponseFactory) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = HandlerResult> + 'static,
        {
            self.add(RouteMethod::$method, config, handler)
        }
    };
}

impl Router {
    /// An empty router whose routes live under `prefix` (may be empty).
    ///
    /// # Arguments
    ///
    /// * `prefix` - the path every route of the router lives under, such as `/api/bookmarks`; empty
    ///   or `/` for the root.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            routes: Vec::new(),
        }
    }

    /// The router's prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A copy of the routes registered so far.
    pub fn get_routes(&self) -> Vec<RouteInfo> {
        self.routes
            .iter()
            .map(|route| RouteInfo {
                method: route.method,
                path: route.path.clone(),
                full_path: route.full_path.clone(),
                options: route.options.clone(),
                schemas: route.schemas,
                docs: route.docs.clone(),
            })
            .collect()
    }

    route_method!(
        /// Adds a `GET` route.
        get, Get
    );
    route_method!(
        /// Adds a `POST` route.
        post, Post
    );
    route_method!(
        /// Adds a `PUT` route.
        put, Put
    );
    route_method!(
        /// Adds a `DELETE` route.
        delete, Delete
    );
    route_method!(
        /// Adds a `PATCH` route.
        patch, Patch
    );

    fn add<P, Q, B, F, Fut>(
        &mut self,
        method: RouteMethod,
        config: RouteConfig<P, Q, B>,
        handler: F,
    ) -> &mut Self
    where
        P: DeserializeOwned + 'static,
        Q: DeserializeOwned + 'static,
        B: DeserializeOwned + 'static,
        F: Fn(KibanaRequest<P, Q, B>, ResponseFactory) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HandlerResult> + 'static,
    {
        let RouteConfig {
            path,
            validate,
            options,
            docs,
        } = config;
        let schemas = validate.schemas();
        let full_path = full_path(&self.prefix, &path);
        let request_route = Arc::new(KibanaRequestRoute {
            path: full_path.clone(),
            method,
            options: KibanaRequestRouteOptions {
                auth_required: options.auth_required,
                tags: options.tags.clone(),
                extends_session: options.extends_session,
            },
        });
        let erased = move |raw: RawRequest,
                           route: Arc<KibanaRequestRoute>|
              -> LocalBoxFuture<'static, HandlerResult> {
            let reads_body = validate.reads_body();
            let parts = RawParts {
                params: &raw.params,
                query: raw.url.query.as_deref(),
                content_type: if reads_body {
                    raw.headers.get_named(&CONTENT_TYPE)
                } else {
                    None
                },
                body: if reads_body { &raw.body } else { &[] },
            };
            match validate.validate(&parts) {
                Ok((params, query, body)) => {
                    let facts = RequestFacts {
                        headers: raw.headers,
                        url: raw.url,
                        route,
                        remote_address: raw.remote_address,
                        state: raw.state,
                    };
                    handler(
                        KibanaRequest::from_parts(facts, params, query, body),
                        ResponseFactory,
                    )
                    .boxed_local()
                }
                Err(Rejection::Invalid(message)) => {
                    futures::future::ready(Ok(KibanaResponse::error(400, message))).boxed_local()
                }
                Err(Rejection::UnsupportedMediaType(message)) => {
                    futures::future::ready(Ok(KibanaResponse::error(415, message))).boxed_local()
                }
            }
        };
        self.routes.push(RouteEntry {
            router_prefix: self.prefix.clone(),
            path,
            full_path,
            method,
            options,
            schemas,
            docs,
            request_route,
            handler: Arc::new(erased),
        });
        self
    }

    pub(crate) fn into_routes(self) -> Vec<RouteEntry> {
        self.routes
    }

    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn routes(&self) -> &[RouteEntry] {
        &self.routes
    }
}

/// Runs `route`'s validation and handler for `raw`. A handler error becomes the response it
/// stands for ([`crate::HandlerError`]); a panic becomes a `500` with the generic message. Causes are
/// logged with the route and the request id; nothing escapes.
pub(crate) async fn dispatch(
    route: &RouteEntry,
    raw: RawRequest,
    logger: Option<&Logger>,
) -> KibanaResponse {
    let state = Arc::clone(&raw.state);
    let call = std::panic::catch_unwind(AssertUnwindSafe(|| {
        (route.handler)(raw, Arc::clone(&route.request_route))
    }));
    let outcome = match call {
        Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
        Err(panic) => Err(panic),
    };
    let (response, failure) = match outcome {
        Ok(Ok(response)) => return response,
        Ok(Err(error)) => match error.into_parts() {
            (Some(response), None) => return response,
            (response, cause) => (
                response,
                cause.map_or_else(String::new, |cause| format!("{cause:#}")),
            ),
        },
        Err(panic) => (None, format!("handler {}", panic_text(panic.as_ref()))),
    };
    let response = response.unwrap_or_else(|| KibanaResponse::error(500, INTERNAL_ERROR_MESSAGE));
    if let Some(logger) = logger {
        let level = match response.status() {
            503 => LogLevel::Warn,
            status if status >= 500 => LogLevel::Error,
            _ => LogLevel::Debug,
        };
        if logger.is_enabled(level) {
            let request_id = state.id();
            let route_name = format!("{} {}", route.method, route.full_path);
            logger.log_at(
                level,
                format!(
                    "{route_name} failed (request {request_id}), answered {}: {failure}",
                    response.status()
                ),
                Some(
                    &LogMeta::new()
                        .with("route", route_name.as_str())
                        .with("requestId", request_id.as_str())
                        .with("statusCode", response.status()),
                ),
            );
        }
    }
    response
}
