//! Scoping a client to an incoming request: which headers are forwarded for the current user, and
//! [`ScopedClusterClient`].

use core_logging::TraceParent;
use elasticsearch::Elasticsearch;
use elasticsearch::auth::Credentials;
use elasticsearch::http::headers::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use crate::ElasticsearchError;
use crate::call::{CallApiOptions, CallContext, execute, execute_stream};
use crate::call::{X_OPAQUE_ID, header_map};
use crate::cluster_client::{ApiCallFuture, ApiCaller, ClusterClient};
use crate::resolve::{ResolvedRequest, resolve};
use crate::stream::StreamedResponse;

/// An incoming request a client can be scoped to. core-http's `KibanaRequest` implements it; tests and background
/// tasks use [`FakeRequest`].
pub trait ScopeableRequest {
    /// Calls `visit` with each header of the request (name as received, raw value).
    ///
    /// # Arguments
    ///
    /// * `visit` - called with each header's name, as received, and raw value.
    fn visit_headers(&self, visit: &mut dyn FnMut(&str, &[u8]));

    /// Calls `visit` with each header the auth handler chose to forward to Elasticsearch (they replace request
    /// headers of the same name). None by default.
    ///
    /// # Arguments
    ///
    /// * `visit` - called with each header's name and raw value.
    fn visit_auth_headers(&self, visit: &mut dyn FnMut(&str, &[u8])) {
        let _ = visit;
    }
}

/// A request that did not come over HTTP (Kibana's `FakeRequest`): a list of headers, plus auth headers.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FakeRequest {
    headers: Vec<(String, String)>,
    auth_headers: Vec<(String, String)>,
}

impl FakeRequest {
    /// A request without headers: a scoped client over it sends only the custom headers.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a request header.
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, in any case.
    /// * `value` - the header value, as the client would have sent it.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// Adds a header as the auth handler would have chosen it.
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, such as `authorization`, in any case.
    /// * `value` - the header value, such as the user's credentials.
    pub fn with_auth_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.auth_headers.push((name.into(), value.into()));
        self
    }
}

impl std::fmt::Debug for FakeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Header values may be credentials.
        let names = |headers: &[(String, String)]| {
            headers
                .iter()
                .map(|(name, _)| name.clone())
                .collect::<Vec<_>>()
        };
        f.debug_struct("FakeRequest")
            .field("headers", &names(&self.headers))
            .field("auth_headers", &names(&self.auth_headers))
            .finish()
    }
}

impl ScopeableRequest for FakeRequest {
    fn visit_headers(&self, visit: &mut dyn FnMut(&str, &[u8])) {
        for (name, value) in &self.headers {
            visit(name, value.as_bytes());
        }
    }
    fn visit_auth_headers(&self, visit: &mut dyn FnMut(&str, &[u8])) {
        for (name, value) in &self.auth_headers {
            visit(name, value.as_bytes());
        }
    }
}

impl ScopeableRequest for HeaderMap {
    fn visit_headers(&self, visit: &mut dyn FnMut(&str, &[u8])) {
        for (name, value) in self {
            visit(name.as_str(), value.as_bytes());
        }
    }
}

/// The request's whitelisted headers, then its auth headers (which win). The first header that cannot be sent is
/// returned as an error for the calls to report.
pub(crate) fn scoped_headers(
    request: &(impl ScopeableRequest + ?Sized),
    whitelist: &[HeaderName],
) -> (HeaderMap, Option<ElasticsearchError>) {
    let mut headers = HeaderMap::new();
    let mut invalid = None;
    let mut add = |name: &str, value: &[u8], filter: bool| {
        if filter
            && !whitelist
                .iter()
                .any(|allowed| allowed.as_str().eq_ignore_ascii_case(name))
        {
            return;
        }
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            (Ok(name), Ok(mut value)) => {
                value.set_sensitive(true);
                headers.insert(name, value);
            }
            _ => {
                invalid.get_or_insert_with(|| ElasticsearchError::InvalidHeader {
                    name: name.to_owned(),
                    message: "cannot be forwarded to Elasticsearch".to_owned(),
                });
            }
        }
    };
    request.visit_headers(&mut |name, value| add(name, value, true));
    request.visit_auth_headers(&mut |name, value| add(name, value, false));
    (headers, invalid)
}

/// A [`ClusterClient`] scoped to one request (Kibana's `ScopedClusterClient`).
#[derive(Clone)]
pub struct ScopedClusterClient {
    client: ClusterClient,
    headers: HeaderMap,
    invalid_header: Option<ElasticsearchError>,
    /// Sent as `x-opaque-id` with every call, internal or current user.
    opaque_id: Option<HeaderValue>,
    /// The request's trace: every call sends `traceparent` with its trace id.
    trace: Option<TraceParent>,
}

impl std::fmt::Debug for ScopedClusterClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedClusterClient")
            .field("client", &self.client)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("opaque_id", &self.opaque_id())
            .field("trace", &self.trace)
            .finish()
    }
}

impl ClusterClient {
    /// A client scoped to `request`: its calls as the current user forward the request's whitelisted headers and
    /// the headers the auth handler chose, never the internal user's credentials.
    ///
    /// # Arguments
    ///
    /// * `request` - the incoming request (a `KibanaRequest`, or a `FakeRequest` outside HTTP)
    ///   whose headers are forwarded.
    pub fn as_scoped(&self, request: &(impl ScopeableRequest + ?Sized)) -> ScopedClusterClient {
        let (headers, invalid) = scoped_headers(request, self.whitelist());
        ScopedClusterClient::new(self.clone(), headers, invalid)
    }
}

impl ScopedClusterClient {
    pub(crate) fn new(
        client: ClusterClient,
        headers: HeaderMap,
        invalid_header: Option<ElasticsearchError>,
    ) -> Self {
        Self {
            client,
            headers,
            invalid_header,
            opaque_id: None,
            trace: None,
        }
    }

    /// This client, making every call (as the internal user too) a span of `trace`: each call
    /// sends `traceparent: 00-<trace id>-<a new span id>-<flags>`, so that Elasticsearch (and an
    /// APM agent in front of it) can tie the call to the request's trace. A caller's own
    /// `traceparent` in `params.headers` wins.
    ///
    /// # Arguments
    ///
    /// * `trace` - the trace context of the request the calls are made for.
    pub fn with_trace_parent(mut self, trace: TraceParent) -> Self {
        self.trace = Some(trace);
        self
    }

    /// The trace this client's calls belong to, if any.
    pub fn trace_parent(&self) -> Option<&TraceParent> {
        self.trace.as_ref()
    }

    /// This client, tagging every call (as the internal user too) with `x-opaque-id: <id>`, so
    /// that a slow query in Elasticsearch's slow log leads back to the request that made it. A
    /// value that cannot be a header is not sent. A caller's own `x-opaque-id` in
    /// `params.headers` wins.
    ///
    /// # Arguments
    ///
    /// * `id` - the request's id, with what made the call (core sends
    ///   `<request id>;kibana:<plugin id>:<route path>`).
    pub fn with_opaque_id(mut self, id: &str) -> Self {
        self.opaque_id = HeaderValue::from_str(id).ok();
        self
    }

    /// The `x-opaque-id` this client sends, if any.
    pub fn opaque_id(&self) -> Option<&str> {
        self.opaque_id
            .as_ref()
            .and_then(|value| value.to_str().ok())
    }

    /// The headers sent on behalf of the current user (names lower-case), besides the custom headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Calls `endpoint` as Kibana's internal user, exactly like [`ClusterClient::call_as_internal_user`].
    ///
    /// # Arguments
    ///
    /// * `endpoint` - the endpoint's dotted name in the REST spec, such as `search`; an unknown one
    ///   fails with `InvalidEndpoint`.
    /// * `params` - a JSON object (or `null`): path parts and query parameters by name, `body`, and
    ///   extra `headers` (string values).
    /// * `options` - per-call options (401 wrapping, abort signal, timeout);
    ///   `CallApiOptions::default()` for none.
    pub async fn call_as_internal_user(
        &self,
        endpoint: &str,
        params: Value,
        options: CallApiOptions,
    ) -> Result<Value, ElasticsearchError> {
        self.client
            .call_as_internal_user_tagged(
                endpoint,
                params,
                options,
                self.opaque_id.as_ref(),
                self.trace,
            )
            .await
    }

    /// Calls `endpoint` as the current user: with the scoped headers (plus the caller's own `params.headers`,
    /// which must not change a scoped one) and without the internal user's credentials.
    ///
    /// # Arguments
    ///
    /// * `endpoint` - the endpoint's dotted name in the REST spec, such as `search`; an unknown one
    ///   fails with `InvalidEndpoint`.
    /// * `params` - a JSON object (or `null`): path parts and query parameters by name, `body`, and
    ///   extra `headers` (string values, which must not change a scoped header).
    /// * `options` - per-call options (401 wrapping, abort signal, timeout);
    ///   `CallApiOptions::default()` for none.
    pub async fn call_as_current_user(
        &self,
        endpoint: &str,
        params: Value,
        options: CallApiOptions,
    ) -> Result<Value, ElasticsearchError> {
        let (request, headers) = self.current_user_request(endpoint, params)?;
        let http = self.client.current_user_http()?;
        execute(self.context(&http), request, headers, &options).await
    }

    /// Calls `endpoint` as Kibana's internal user and hands out the answer as it arrives,
    /// exactly like [`ClusterClient::call_as_internal_user_stream`], tagged with this client's
    /// `x-opaque-id`.
    ///
    /// # Arguments
    ///
    /// * `endpoint` - the endpoint's dotted name in the REST spec, such as `search`; an unknown one
    ///   fails with `InvalidEndpoint`.
    /// * `params` - a JSON object (or `null`): path parts and query parameters by name, `body`, and
    ///   extra `headers` (string values).
    /// * `options` - per-call options (401 wrapping, abort signal, timeout), which also govern the
    ///   reading of the body stream; `CallApiOptions::default()` for none.
    pub async fn call_as_internal_user_stream(
        &self,
        endpoint: &str,
        params: Value,
        options: CallApiOptions,
    ) -> Result<StreamedResponse, ElasticsearchError> {
        self.client
            .call_as_internal_user_stream_tagged(
                endpoint,
                params,
                options,
                self.opaque_id.as_ref(),
                self.trace,
            )
            .await
    }

    /// Calls `endpoint` as the current user, with the headers of
    /// [`call_as_current_user`](Self::call_as_current_user), but hands out the answer as it
    /// arrives instead of parsing it (Kibana 8's `asStream: true`): for a route that forwards an
    /// answer as it is. The call fails over, times out and aborts as any call; a declared
    /// `Content-Length` over `maxResponseSize` is refused before the body is read, and the body
    /// stream yields `ResponseTooLarge` once the bytes read pass it. An answer whose status is not
    /// `2xx` is read (bounded) and returned as the usual error (a wrapped 401, ...), so only
    /// success answers stream.
    ///
    /// # Arguments
    ///
    /// * `endpoint` - the endpoint's dotted name in the REST spec, such as `search`; an unknown one
    ///   fails with `InvalidEndpoint`.
    /// * `params` - a JSON object (or `null`): path parts and query parameters by name, `body`, and
    ///   extra `headers` (string values, which must not change a scoped header).
    /// * `options` - per-call options (401 wrapping, abort signal, timeout), which also govern the
    ///   reading of the body stream; `CallApiOptions::default()` for none.
    pub async fn call_as_current_user_stream(
        &self,
        endpoint: &str,
        params: Value,
        options: CallApiOptions,
    ) -> Result<StreamedResponse, ElasticsearchError> {
        let (request, headers) = self.current_user_request(endpoint, params)?;
        let http = self.client.current_user_http()?;
        execute_stream(self.context(&http), request, headers, &options).await
    }

    /// The call context of a call as the current user, with this client's trace.
    fn context<'a>(&'a self, http: &'a reqwest::Client) -> CallContext<'a> {
        CallContext {
            trace: self.trace,
            ..self.client.context(http)
        }
    }

    /// The request and headers of a call as the current user.
    fn current_user_request(
        &self,
        endpoint: &str,
        params: Value,
    ) -> Result<(ResolvedRequest, HeaderMap), ElasticsearchError> {
        self.client.ensure_open()?;
        if let Some(error) = &self.invalid_header {
            return Err(error.clone());
        }
        let request = resolve(endpoint, params)?;
        for (name, value) in &request.headers {
            if let Some(scoped) = self.headers.get(name.to_ascii_lowercase().as_str())
                && scoped.as_bytes() != value.as_bytes()
            {
                return Err(ElasticsearchError::HeaderConflict(name.clone()));
            }
        }
        let mut headers = header_map(&request.headers)?;
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        if let Some(id) = &self.opaque_id {
            headers.entry(X_OPAQUE_ID).or_insert_with(|| id.clone());
        }
        Ok((request, headers))
    }

    /// An [`ApiCaller`] calling as the current user.
    pub fn current_user_caller(&self) -> CurrentUserCaller<'_> {
        CurrentUserCaller(self)
    }

    /// The official typed client for the current user: it carries the scoped `Authorization` header and picks
    /// hosts from the client's pool. Other scoped headers (see [`ScopedClusterClient::headers`]) are not part of a
    /// typed client: add them to a request with its builder's `.header(..)`.
    pub fn current_user_client(&self) -> Result<Elasticsearch, ElasticsearchError> {
        let transport = self.client.current_user_transport()?;
        let credentials = match self.headers.get(AUTHORIZATION) {
            Some(value) => Some(Credentials::AuthorizationHeader(
                value
                    .to_str()
                    .map_err(|_| ElasticsearchError::InvalidHeader {
                        name: "authorization".to_owned(),
                        message: "not a valid header value".to_owned(),
                    })?
                    .to_owned(),
            )),
            None => None,
        };
        Ok(Elasticsearch::new(transport.clone_with_auth(credentials)))
    }
}

/// Calls as the current user of a [`ScopedClusterClient`]; see [`ScopedClusterClient::current_user_caller`].
#[derive(Debug, Clone, Copy)]
pub struct CurrentUserCaller<'a>(&'a ScopedClusterClient);

impl ApiCaller for CurrentUserCaller<'_> {
    fn call<'a>(
        &'a self,
        endpoint: &'a str,
        params: Value,
        options: CallApiOptions,
    ) -> ApiCallFuture<'a> {
        Box::pin(self.0.call_as_current_user(endpoint, params, options))
    }
}
