//! The HTTP service of the platform, modelled on Kibana 7.2's `http` core service.
//!
//! As a plugin author you get an [`HttpServiceSetup`] during setup. Create a [`Router`] with a
//! path prefix, add routes (`get`, `post`, `put`, `delete`, `patch`), and register it. Each route
//! **must** declare what it accepts ([`RouteValidation`]): serde types for its path params,
//! query and JSON body, or the explicit opt-out [`RouteValidation::none`]. A request that does
//! not fit is answered `400` with a message naming the field, e.g.
//! `[request query.page]: expected value of type [number] but got [string]`, and the handler
//! never runs. The handler gets a typed [`KibanaRequest`] and a [`ResponseFactory`].
//!
//! ```
//! use core_http::{RouteConfig, RouteValidation, Router};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Params { id: String }
//! #[derive(Deserialize)]
//! struct Query { #[serde(default)] verbose: bool }
//!
//! let mut router = Router::new("/api/my_plugin");
//! router.get(
//!     RouteConfig::new("/items/{id}", RouteValidation::new().params::<Params>().query::<Query>()),
//!     |req, res| async move {
//!         if req.params().id == "missing" {
//!             return Ok(res.not_found(format!("no item [{}]", req.params().id)));
//!         }
//!         Ok(res.ok(serde_json::json!({ "id": req.params().id, "verbose": req.query().verbose })))
//!     },
//! );
//! // During plugin setup: `core.http.register_router(router)?;`
//! ```
//!
//! What the server does around handlers:
//! * Errors all share one JSON shape: `{"statusCode":404,"error":"Not Found","message":"..."}`
//!   (unknown routes, `413` for bodies over `server.maxPayload` or the route's own limit, `415`
//!   for a non-JSON body where JSON is declared, `400` for malformed JSON or failed validation,
//!   and every error built by the [`ResponseFactory`], which may add `"attributes"` through a
//!   [`ResponseError`]). JSON is sent as `application/json; charset=utf-8`.
//! * Kibana's response rules hold: `custom_error` with a non-error status, a `3xx` without
//!   `location` or an invalid status answer the generic `500` and are logged with the route.
//! * A handler's error decides its response ([`HandlerError`]): any error (`?`) or a panic
//!   yields `500` with the generic message `An internal server error occurred.`, the details
//!   logged under `http.router` with the route and the request id (the worker keeps serving); a
//!   [`KibanaResponse`] used as the error is sent as it is.
//! * One debug record per response under `http.server.response` (method, path, status,
//!   duration, request id; never header values).
//! * Request counters per server ([`ServerMetrics`], from [`HttpService::server_metrics`]):
//!   requests, status codes, disconnects, open connections and response times, in relaxed
//!   atomics; an optional [`RouteObserver`] sees every routed response with its route.
//! * [`BasePath`] handles `server.basePath`, per-request base paths and URL prefixing.
//!
//! Interceptors, auth and sessions, all registered on [`HttpServiceSetup`] during setup:
//! * `register_on_pre_auth` runs before routing (continue, rewrite the URL, redirect, reject);
//!   `register_auth` (one) runs after routing for routes whose `auth_required` is not
//!   `NotRequired`; `register_on_post_auth` runs after auth. Every result can carry response
//!   headers (`.header(name, value)`, e.g. a `WWW-Authenticate` challenge); when the request goes
//!   on, they replace the handler's headers of the same name. `auth()` reads a request's
//!   [`AuthState`]; [`KibanaRequest::auth_headers`] gives what auth forwards to Elasticsearch.
//! * `create_cookie_session_storage_factory` (once per server) gives a
//!   [`SessionStorageFactory`]: AES-GCM
//!   encrypted `HttpOnly` cookies holding a typed value, expiry inside the value, `None` (never
//!   an error response) for missing, tampered, duplicated, expired or invalid cookies.
//!
//! Core drives [`HttpService`]: `new` → `setup` → `start` → `stop`. Config lives under
//! `server.*` ([`HttpConfig`]). The `testing` feature offers doubles to run handlers without
//! a server ([`testing`]).
//!
//! **Architecture invariant:** no actix-web type appears in this crate's public API.

mod base_path;
mod config;
mod error;
mod handler_error;
mod headers;
mod lifecycle;
mod metrics;
mod openapi;
mod request;
mod response;
mod route;
mod router;
mod server;
mod service;
mod session;
mod tls;
mod validation;

pub use base_path::BasePath;
pub use config::{
    AllowedIp, CompressionConfig, HttpConfig, NoSniff, OasConfig, ReferrerPolicy, RequestIdConfig,
    SecurityResponseHeadersConfig, SslConfig, TlsProtocol, XsrfConfig,
};
pub use error::{HttpError, RouteConflict};
pub use handler_error::{HandlerError, HandlerResult};
pub use headers::{Headers, RequestHeaders};
pub use lifecycle::{
    AuthResult, AuthResultParams, AuthState, AuthStateValue, AuthStatus, AuthToolkit,
    AuthenticationHandler, HttpAuth, InterceptorResult, OnPostAuthHandler, OnPostAuthResult,
    OnPostAuthToolkit, OnPreAuthHandler, OnPreAuthResult, OnPreAuthToolkit,
};
pub use metrics::{
    RequestSpanHook, RouteObserver, RouteRecorder, ServerMetrics, ServerMetricsSnapshot,
};
pub use openapi::{
    OPENAPI_SECURITY_SCHEME, OpenApiInfo, PartSchema, ResponseDoc, RouteDocs, RouteSchemas,
    TypeSchema, openapi_document,
};
pub use request::{
    KibanaRequest, KibanaRequestRoute, KibanaRequestRouteOptions, RequestId, RequestIdHandle,
    RequestUrl,
};
pub use response::{
    BodyStream, INTERNAL_ERROR_MESSAGE, KibanaResponse, ResponseBody, ResponseError,
    ResponseFactory,
};
pub use route::{AuthRequired, RouteConfig, RouteMethod, RouteOptions};
pub use router::{RouteInfo, Router};
pub use service::{
    HttpService, HttpServiceSetup, HttpServiceStart, InternalHttpServiceSetup, ServerInfo,
};
pub use session::{
    CLEANUP_MAX_PER_RUN, DEFAULT_CLEANUP_INTERVAL, DEFAULT_MAX_SESSIONS, MAX_COOKIE_BYTES,
    MIN_ENCRYPTION_KEY_CHARS, MemorySessionStore, SameSite, SessionCleanup, SessionCleanupHandle,
    SessionCookieOptions, SessionError, SessionRecord, SessionStorage, SessionStorageFactory,
    SessionStore, SessionStoreError, SessionStoreFuture,
};
pub use validation::{Empty, RequestPart, RequestValidationError, RouteValidation};

#[cfg(any(test, feature = "testing"))]
pub mod testing;
