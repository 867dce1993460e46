//! [`HttpError`]: what can go wrong in the HTTP service, naming the culprit.

use core_config::ConfigError;

use crate::route::RouteMethod;

/// An HTTP service error. Callers branch on the variant; the message names the key, file,
/// route or address at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The `server` config section is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A router was registered after the server started (Kibana's message).
    #[error("Routers can be registered only when HTTP server is stopped.")]
    RouterRegisteredAfterStart,
    /// `start` before `setup` (Kibana's message, typo included).
    #[error("Http server is not setup up yet")]
    NotSetUp,
    /// `setup` or `start` called twice.
    #[error("HTTP service was already {0}")]
    AlreadyDone(&'static str),
    /// Two routes answer the same method and path.
    #[error("{0}")]
    RouteConflict(Box<RouteConflict>),
    /// A route path is malformed.
    #[error(
        "route [{method} {full_path}] (router [{router_prefix}]) has an invalid path: {reason}"
    )]
    InvalidRoutePath {
        /// The route's method.
        method: RouteMethod,
        /// The route's full path.
        full_path: String,
        /// The route's router prefix.
        router_prefix: String,
        /// What is wrong.
        reason: String,
    },
    /// The port is taken (Kibana: `Port <port> is already in use. Another instance of Kibana may
    /// be running!`).
    #[error(
        "Port {port} is already in use. Another instance of Kibana may be running! (cannot listen on {host}:{port} for {setting})"
    )]
    PortInUse {
        /// The configured host.
        host: String,
        /// The port.
        port: u16,
        /// The config key the port came from (`server.port`, `server.ssl.redirectHttpFromPort`).
        setting: &'static str,
    },
    /// Binding failed for another reason (unresolvable host, permissions, ...).
    #[error("cannot listen on {host}:{port} ({setting}): {source}")]
    Bind {
        /// The configured host.
        host: String,
        /// The port.
        port: u16,
        /// The config key the port came from.
        setting: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A TLS file could not be read or used.
    #[error("[server.ssl.{key}]: {message} (file {path})")]
    Tls {
        /// The key under `server.ssl`, e.g. `certificate`.
        key: &'static str,
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A cookie session storage factory could not be created (bad key, name or attributes);
    /// the message names the cookie.
    #[error(transparent)]
    Session(#[from] crate::session::SessionError),
    /// `create_cookie_session_storage_factory` called a second time (Kibana's message).
    #[error("A cookieSessionStorageFactory was already created")]
    CookieSessionStorageAlreadyCreated,
    /// A second auth handler (Kibana's message).
    #[error("Auth interceptor was already registered")]
    AuthAlreadyRegistered,
    /// An interceptor was registered after the server started.
    #[error("Interceptors can be registered only when HTTP server is stopped.")]
    InterceptorRegisteredAfterStart,
    /// `BasePath::set` called twice for one request (Kibana's message).
    #[error("Request basePath was previously set. Setting multiple times is not supported.")]
    BasePathAlreadySet,
    /// The redirect server was asked to start without TLS or a redirect port (Kibana's message).
    #[error(
        "Redirect server cannot be started when [ssl.enabled] is set to `false` or [ssl.redirectHttpFromPort] is not specified."
    )]
    RedirectServerNotConfigured,
}

/// The two registrations behind [`HttpError::RouteConflict`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "route [{method} {full_path}] (router [{router_prefix}], path [{path}]) conflicts with the already registered route [{method} {existing_full_path}] (router [{existing_router_prefix}], path [{existing_path}])"
)]
pub struct RouteConflict {
    /// The method both routes answer.
    pub method: RouteMethod,
    /// The new route's full path.
    pub full_path: String,
    /// The new route's router prefix.
    pub router_prefix: String,
    /// The new route's own path.
    pub path: String,
    /// The registered route's full path.
    pub existing_full_path: String,
    /// The registered route's router prefix.
    pub existing_router_prefix: String,
    /// The registered route's own path.
    pub existing_path: String,
}
