//! Test doubles for plugin authors (feature `testing`): build a [`KibanaRequest`] directly, or
//! run a router's route (validation included) without a server, and inspect the response.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use core_http::testing::{TestRequest, call_route};
//! use core_http::{RouteConfig, RouteMethod, RouteValidation, Router};
//!
//! #[derive(serde::Deserialize)]
//! struct Params { id: u32 }
//! let mut router = Router::new("/api/items");
//! router.get(RouteConfig::new("/{id}", RouteValidation::new().params::<Params>()), |req, res| async move {
//!     Ok(res.ok(serde_json::json!({ "id": req.params().id })))
//! });
//! let response = call_route(&router, RouteMethod::Get, "/api/items/{id}", TestRequest::new().param("id", "7"))
//!     .await
//!     .unwrap();
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.json(), serde_json::json!({ "id": 7 }));
//! # });
//! ```

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;

use crate::headers::Headers;
use crate::request::{
    KibanaRequest, KibanaRequestRoute, KibanaRequestRouteOptions, RequestFacts, RequestState,
    RequestUrl,
};
use crate::response::{KibanaResponse, ResponseBody};
use crate::route::{AuthRequired, RouteMethod};
use crate::router::{RawRequest, RouteEntry, Router, dispatch};
use crate::service::HttpServiceSetup;

/// A raw request for [`call_route`]: what a client would send.
#[derive(Debug, Clone, Default)]
pub struct TestRequest {
    params: Vec<(String, String)>,
    query: Option<String>,
    headers: Headers,
    body: Bytes,
    remote_address: Option<SocketAddr>,
}

impl TestRequest {
    /// An empty request.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets path param `name` (as it would appear in the URL, decoded).
    ///
    /// # Arguments
    ///
    /// * `name` - the param's name in the route path, without braces.
    /// * `value` - its decoded value.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }
    /// Sets the raw query string (without `?`), e.g. `page=2&sort=name`.
    ///
    /// # Arguments
    ///
    /// * `query` - the query string as sent, percent-encoded, without `?`.
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into());
        self
    }
    /// Adds a header.
    ///
    /// [`call_route`] panics if a name or value is not a valid HTTP header name or value: no
    /// client could send it.
    ///
    /// # Arguments
    ///
    /// * `name` - the header's name.
    /// * `value` - its value; a repeated name adds a value.
    pub fn header(mut self, name: impl AsRef<str>, value: impl Into<String>) -> Self {
        self.headers.append(name, value);
        self
    }
    /// Sets a JSON body and `content-type: application/json`.
    ///
    /// # Arguments
    ///
    /// * `body` - the JSON the client sends.
    pub fn json_body(mut self, body: &serde_json::Value) -> Self {
        self.headers.insert("content-type", "application/json");
        self.body = body.to_string().into();
        self
    }
    /// Sets a raw body with its content type.
    ///
    /// # Arguments
    ///
    /// * `content_type` - the `content-type` header's value.
    /// * `body` - the bytes sent.
    pub fn raw_body(mut self, content_type: impl Into<String>, body: impl Into<Bytes>) -> Self {
        self.headers.insert("content-type", content_type);
        self.body = body.into();
        self
    }
    /// Sets the client address.
    ///
    /// # Arguments
    ///
    /// * `address` - the client's IP address and port.
    pub fn remote_address(mut self, address: SocketAddr) -> Self {
        self.remote_address = Some(address);
        self
    }
}

/// A response, body collected: what a client would receive, read with the same method names
/// as [`KibanaResponse`] (`status()`, `headers()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl TestResponse {
    /// Collects `response`'s body. A response the server would refuse (Kibana's response
    /// rules, e.g. `custom_error(200, ..)` or a `3xx` without `location`) gives the generic
    /// `500`, as over HTTP.
    ///
    /// # Arguments
    ///
    /// * `response` - what a handler returned.
    pub async fn from_response(response: KibanaResponse) -> Self {
        let response = if response.refusal().is_some() {
            KibanaResponse::error(500, crate::response::INTERNAL_ERROR_MESSAGE)
        } else {
            response
        };
        let (status, headers, body) = response.into_parts();
        let body = match body {
            ResponseBody::Empty => Bytes::new(),
            ResponseBody::Json(bytes) | ResponseBody::Bytes(bytes) => bytes,
            ResponseBody::Text(text) => text.into(),
            ResponseBody::Stream(mut stream) => {
                let mut collected = Vec::new();
                while let Some(Ok(chunk)) = stream.next().await {
                    collected.extend_from_slice(&chunk);
                }
                collected.into()
            }
        };
        Self {
            status,
            headers,
            body,
        }
    }
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The headers the handler set, and the `Set-Cookie` headers of session storages, in order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
    /// The body bytes (a stream is collected; an erroring stream ends the body there).
    pub fn body(&self) -> &Bytes {
        &self.body
    }
    /// The body parsed as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The first value of header `name` (case-insensitive).
    ///
    /// # Arguments
    ///
    /// * `name` - the header's name, in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Runs the route of `router` declared as `method` + `full_path` (router prefix + route path,
/// params in `{}` as declared; with or without a trailing `/`, as on the server) against
/// `request`: validation, handler, error/panic handling, exactly as the server would. `Err`
/// names the route when there is no such route.
///
/// # Arguments
///
/// * `router` - the router that declares the route (not yet registered).
/// * `method` - the route's method.
/// * `full_path` - the route's prefix and path as declared, e.g. `/api/items/{id}`.
/// * `request` - the params, query, headers and body to send.
pub async fn call_route(
    router: &Router,
    method: RouteMethod,
    full_path: &str,
    request: TestRequest,
) -> Result<TestResponse, String> {
    let normalised = crate::route::full_path("", full_path);
    let route = router
        .routes()
        .iter()
        .find(|route| route.method == method && route.full_path == normalised)
        .ok_or_else(|| {
            format!(
                "router [{}] has no route [{method} {full_path}]",
                router.prefix()
            )
        })?;
    Ok(call_entry(route, full_path, request).await)
}

/// Runs the route registered on `http` (by any router) as `method` + `full_path`, like
/// [`call_route`]: the way to call the routes a plugin's `setup` registered. Interceptors are
/// not run. `Err` names the route when none is registered.
///
/// # Arguments
///
/// * `http` - the setup contract the routers were registered on.
/// * `method` - the route's method.
/// * `full_path` - the route's prefix and path as declared, e.g. `/api/items/{id}`.
/// * `request` - the params, query, headers and body to send.
pub async fn call_registered(
    http: &HttpServiceSetup,
    method: RouteMethod,
    full_path: &str,
    request: TestRequest,
) -> Result<TestResponse, String> {
    let normalised = crate::route::full_path("", full_path);
    let route = http
        .registered_route(method, &normalised)
        .ok_or_else(|| format!("no route [{method} {full_path}] is registered"))?;
    Ok(call_entry(&route, full_path, request).await)
}

/// Dispatches `request` to `route` as the server would, adding the session cookies the
/// handler set or cleared.
async fn call_entry(route: &RouteEntry, full_path: &str, request: TestRequest) -> TestResponse {
    let state = RequestState::new();
    let raw = RawRequest {
        params: request.params,
        url: RequestUrl {
            path: full_path.to_owned(),
            query: request.query,
        },
        headers: request.headers.iter().collect(),
        body: request.body,
        remote_address: request.remote_address,
        state: Arc::clone(&state),
    };
    let mut response = TestResponse::from_response(dispatch(route, raw, None).await).await;
    // What the server adds to every response: session cookies set or cleared by the handler.
    response
        .headers
        .extend(state.lifecycle.take_response_headers());
    response
}

/// The `Set-Cookie` headers the server would add to `request`'s response: what session
/// storages scoped to it have set or cleared so far.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use core_http::testing::{MockRequest, pending_set_cookies};
/// use core_http::{HttpConfig, HttpService, SessionCookieOptions};
/// let (loggers, _logs) = core_logging::testing::capturing_logger_factory();
/// let mut service = HttpService::from_config(HttpConfig::default(), &loggers);
/// let http = service.setup().await.unwrap().http;
/// let sessions = http
///     .create_cookie_session_storage_factory(SessionCookieOptions::<String>::new("sid", "k".repeat(32)))
///     .unwrap();
/// let request = MockRequest::new((), (), ()).build();
/// sessions.as_scoped(&request).clear().await;
/// assert_eq!(
///     pending_set_cookies(&request),
///     vec!["sid=; HttpOnly; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]
/// );
/// # });
/// ```
///
/// # Arguments
///
/// * `request` - the request the session storages were scoped to.
pub fn pending_set_cookies<P, Q, B>(request: &KibanaRequest<P, Q, B>) -> Vec<String> {
    request.state().lifecycle.pending_set_cookies()
}

/// Builds a [`KibanaRequest`] with already typed parts, for calling a handler function directly.
///
/// ```
/// use core_http::testing::MockRequest;
/// let request = MockRequest::new((), (), serde_json::json!({"a": 1})).header("x-kibana-foo", "bar").build();
/// assert_eq!(request.headers().get("X-Kibana-Foo"), Some("bar"));
/// assert_eq!(request.route().options.tags, Vec::<String>::new());
/// ```
pub struct MockRequest<P, Q, B> {
    params: P,
    query: Q,
    body: B,
    headers: Headers,
    url: RequestUrl,
    route: KibanaRequestRoute,
    remote_address: Option<SocketAddr>,
}

impl<P, Q, B> MockRequest<P, Q, B> {
    /// A `GET /` request with these parts, auth required, no tags, no headers.
    ///
    /// # Arguments
    ///
    /// * `params` - the validated path params.
    /// * `query` - the validated query.
    /// * `body` - the validated body.
    pub fn new(params: P, query: Q, body: B) -> Self {
        Self {
            params,
            query,
            body,
            headers: Headers::new(),
            url: RequestUrl {
                path: "/".to_owned(),
                query: None,
            },
            route: KibanaRequestRoute {
                path: "/".to_owned(),
                method: RouteMethod::Get,
                options: KibanaRequestRouteOptions {
                    auth_required: AuthRequired::Required,
                    tags: Vec::new(),
                    extends_session: true,
                },
            },
            remote_address: None,
        }
    }
    /// Adds a header.
    ///
    /// [`build`](Self::build) panics if a name or value is not a valid HTTP header name or
    /// value: no client could send it.
    ///
    /// # Arguments
    ///
    /// * `name` - the header's name.
    /// * `value` - its value; a repeated name adds a value.
    pub fn header(mut self, name: impl AsRef<str>, value: impl Into<String>) -> Self {
        self.headers.append(name, value);
        self
    }
    /// Sets the URL path and query.
    ///
    /// # Arguments
    ///
    /// * `path` - the URL path, e.g. `/api/items/1`.
    /// * `query` - the query string without `?`, if any.
    pub fn url(mut self, path: impl Into<String>, query: Option<String>) -> Self {
        self.url = RequestUrl {
            path: path.into(),
            query,
        };
        self
    }
    /// Sets the matched route.
    ///
    /// # Arguments
    ///
    /// * `route` - the matched route as the handler sees it.
    pub fn route(mut self, route: KibanaRequestRoute) -> Self {
        self.route = route;
        self
    }
    /// Sets the client address.
    ///
    /// # Arguments
    ///
    /// * `address` - the client's IP address and port.
    pub fn remote_address(mut self, address: SocketAddr) -> Self {
        self.remote_address = Some(address);
        self
    }
    /// The request.
    pub fn build(self) -> KibanaRequest<P, Q, B> {
        let facts = RequestFacts {
            headers: self.headers.iter().collect(),
            url: self.url,
            route: Arc::new(self.route),
            remote_address: self.remote_address,
            state: RequestState::new(),
        };
        KibanaRequest::from_parts(facts, self.params, self.query, self.body)
    }
}
