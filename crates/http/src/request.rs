//! [`KibanaRequest`]: the request as route handlers see it.

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use core_logging::TraceParent;
use serde::Serialize;

use crate::headers::{Headers, RequestHeaders};
use crate::route::{AuthRequired, RouteMethod};
use crate::validation::Empty;

/// A request's id: a UUID v4, or the `x-opaque-id` header of a trusted client
/// (`server.requestId.*`). It ties the request's log lines together and is sent to
/// Elasticsearch as `x-opaque-id` with every call made for the request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct RequestId(Arc<str>);

impl RequestId {
    /// A fresh random id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string().into())
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A handle on a request's id ([`KibanaRequest::id_handle`]): cloning it is one reference
/// count, and the id is only made (a UUID costs a system call) when [`get`](Self::get) is
/// first called.
#[derive(Debug, Clone)]
pub struct RequestIdHandle(Arc<RequestState>);

impl RequestIdHandle {
    /// The request's id.
    pub fn get(&self) -> &RequestId {
        self.0.id()
    }

    /// The request's trace context: a trusted client's `traceparent`, or a new trace (made on
    /// first use). Calls made for the request forward it to Elasticsearch as `traceparent`.
    pub fn trace(&self) -> &TraceParent {
        self.0.trace()
    }
}

/// Per-request state shared by every view of one request (the pipeline's interceptors, the
/// handler, the base path service), like Kibana keying such state by the raw request.
#[derive(Debug, Default)]
pub(crate) struct RequestState {
    /// Made on first use: most requests never need it (no error, debug logging off), and a
    /// UUID v4 costs a `getrandom` system call.
    id: OnceLock<RequestId>,
    /// The trace the request belongs to: a trusted client's `traceparent`, or a new trace made
    /// on first use.
    trace: OnceLock<TraceParent>,
    /// The request-specific base path, settable once.
    pub(crate) base_path: OnceLock<String>,
    /// Auth outcome, response headers and session cookies decided during the request.
    pub(crate) lifecycle: crate::lifecycle::RequestLifecycle,
}

impl RequestState {
    pub(crate) fn new() -> Arc<Self> {
        Arc::default()
    }

    /// The request's id, generated on first use.
    pub(crate) fn id(&self) -> &RequestId {
        self.id.get_or_init(RequestId::generate)
    }

    /// Takes `id` (a trusted client's `x-opaque-id`) as the request's id, unless one was
    /// already made.
    pub(crate) fn set_id(&self, id: &str) {
        let _first = self.id.set(RequestId(id.into()));
    }

    /// The request's trace context, a new trace on first use.
    pub(crate) fn trace(&self) -> &TraceParent {
        self.trace.get_or_init(TraceParent::new_root)
    }

    /// Continues a trusted client's trace, unless one was already made.
    pub(crate) fn set_trace(&self, trace: TraceParent) {
        let _first = self.trace.set(trace);
    }
}

/// The path and query of a request URL, as received (percent-encoding kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestUrl {
    /// The path, e.g. `/api/items/1`.
    pub path: String,
    /// The query string without `?`, if any.
    pub query: Option<String>,
}

impl fmt::Display for RequestUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.query {
            Some(query) => write!(f, "{}?{query}", self.path),
            None => f.write_str(&self.path),
        }
    }
}

/// The matched route, read-only (Kibana's `KibanaRequestRoute`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KibanaRequestRoute {
    /// The route's full path as declared (router prefix + route path), e.g. `/api/items/{id}`.
    pub path: String,
    /// The route's method.
    pub method: RouteMethod,
    /// The route's options that handlers may inspect.
    pub options: KibanaRequestRouteOptions,
}

/// The part of a route's options visible on requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KibanaRequestRouteOptions {
    /// Authentication requirement.
    pub auth_required: AuthRequired,
    /// Tags, `[]` when none.
    pub tags: Vec<String>,
    /// Whether the request extends its session's idle timeout (`extendsSession`).
    pub extends_session: bool,
}

/// A validated request: typed `params`, `query` and `body` plus headers, URL, route and ids.
/// Cloning is cheap (one reference count).
pub struct KibanaRequest<P = Empty, Q = Empty, B = Empty> {
    inner: Arc<Inner<P, Q, B>>,
}

struct Inner<P, Q, B> {
    params: P,
    query: Q,
    body: B,
    headers: RequestHeaders,
    url: RequestUrl,
    route: Arc<KibanaRequestRoute>,
    remote_address: Option<SocketAddr>,
    state: Arc<RequestState>,
}

impl<P, Q, B> Clone for KibanaRequest<P, Q, B> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

/// The untyped facts about a request, gathered before validation.
pub(crate) struct RequestFacts {
    pub(crate) headers: RequestHeaders,
    pub(crate) url: RequestUrl,
    pub(crate) route: Arc<KibanaRequestRoute>,
    pub(crate) remote_address: Option<SocketAddr>,
    pub(crate) state: Arc<RequestState>,
}

impl<P, Q, B> KibanaRequest<P, Q, B> {
    pub(crate) fn from_parts(facts: RequestFacts, params: P, query: Q, body: B) -> Self {
        let RequestFacts {
            headers,
            url,
            route,
            remote_address,
            state,
        } = facts;
        Self {
            inner: Arc::new(Inner {
                params,
                query,
                body,
                headers,
                url,
                route,
                remote_address,
                state,
            }),
        }
    }

    /// Validated path params.
    pub fn params(&self) -> &P {
        &self.inner.params
    }
    /// Validated query.
    pub fn query(&self) -> &Q {
        &self.inner.query
    }
    /// Validated body.
    pub fn body(&self) -> &B {
        &self.inner.body
    }
    /// Every request header, as the request arrived with them.
    pub fn headers(&self) -> &RequestHeaders {
        &self.inner.headers
    }
    /// Only the headers named (case-insensitively) in `names`.
    ///
    /// # Arguments
    ///
    /// * `names` - the header names to keep, in any case; names the request lacks are skipped.
    pub fn get_filtered_headers(&self, names: &[&str]) -> Headers {
        self.inner.headers.filtered(names)
    }
    /// The request's path and query.
    pub fn url(&self) -> &RequestUrl {
        &self.inner.url
    }
    /// The matched route.
    pub fn route(&self) -> &KibanaRequestRoute {
        &self.inner.route
    }
    /// The client's address, when known.
    pub fn remote_address(&self) -> Option<SocketAddr> {
        self.inner.remote_address
    }
    /// A cheap handle on this request's id that outlives the request value, for work that
    /// may need the id later (it is made on first read, like [`id`](Self::id)).
    pub fn id_handle(&self) -> RequestIdHandle {
        RequestIdHandle(Arc::clone(&self.inner.state))
    }
    /// This request's id (also in the request's log records).
    pub fn id(&self) -> &RequestId {
        self.inner.state.id()
    }
    pub(crate) fn state(&self) -> &Arc<RequestState> {
        &self.inner.state
    }
}

impl<P: fmt::Debug, Q: fmt::Debug, B: fmt::Debug> fmt::Debug for KibanaRequest<P, Q, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values are left out: they may carry credentials.
        f.debug_struct("KibanaRequest")
            .field("id", self.inner.state.id())
            .field("route", &self.inner.route)
            .field("url", &self.inner.url)
            .field("params", &self.inner.params)
            .field("query", &self.inner.query)
            .field("body", &self.inner.body)
            .field("header_names", &self.inner.headers.names())
            .finish()
    }
}
