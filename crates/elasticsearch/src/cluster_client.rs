//! [`ClusterClient`]: calls Elasticsearch as Kibana's internal user, and scopes itself to an incoming request
//! ([`ClusterClient::as_scoped`]) for calls made as the current user.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use core_logging::{Logger, LoggerFactory, TraceParent};
use elasticsearch::Elasticsearch;
use elasticsearch::http::headers::{HeaderMap, HeaderName, HeaderValue};
use elasticsearch::http::transport::Transport;
use parking_lot::Mutex;
use serde_json::Value;

use crate::ElasticsearchError;
use crate::call::{
    CallApiOptions, CallContext, ConnectionFaults, X_OPAQUE_ID, execute, execute_stream, header_map,
};
use crate::client_config::{
    ElasticsearchClientConfig, TlsMaterial, TransportUser, build_http_client, build_transport,
    host_pool,
};
use crate::pool::{HostPool, HostStatus};
use crate::resolve::{ResolvedRequest, resolve};
use crate::stream::StreamedResponse;

/// The future an [`ApiCaller`] returns.
pub type ApiCallFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Value, ElasticsearchError>> + Send + 'a>>;

/// Something that calls Elasticsearch endpoints by name (Kibana's `APICaller`): `(endpoint, params, options)`.
///
/// [`ClusterClient`] calls as the internal user; [`ScopedClusterClient::current_user_caller`](crate::ScopedClusterClient::current_user_caller) as the current user.
pub trait ApiCaller: Send + Sync {
    /// Calls `endpoint` (e.g. `search`, `indices.create`) with `params` (a JSON object: path parts, query
    /// parameters, `body`, `headers`).
    ///
    /// # Arguments
    ///
    /// * `endpoint` - the endpoint's dotted name in the REST spec, such as `search` or
    ///   `indices.create`.
    /// * `params` - a JSON object (or `null`): path parts and query parameters by name, `body`, and
    ///   extra `headers`.
    /// * `options` - per-call options; `CallApiOptions::default()` for none.
    fn call<'a>(
        &'a self,
        endpoint: &'a str,
        params: Value,
        options: CallApiOptions,
    ) -> ApiCallFuture<'a>;
}

/// A client for one Elasticsearch cluster (Kibana's `ClusterClient`). Cheap to clone; clones share connections
/// and the closed state.
#[derive(Clone)]
pub struct ClusterClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: ElasticsearchClientConfig,
    hosts: Arc<HostPool>,
    tls: TlsMaterial,
    /// The HTTP client of the internal user's calls.
    internal: reqwest::Client,
    /// The HTTP client of the current user's calls (without the internal credentials): built on
    /// the first call as the current user, then shared by every scoped client (Kibana did the
    /// same).
    current_user: Mutex<Option<reqwest::Client>>,
    /// The official transports of the typed escape hatch (internal user, current user), over the
    /// same pool, built on first use.
    typed: Mutex<TypedTransports>,
    /// Lower-cased `requestHeadersWhitelist`.
    whitelist: Vec<HeaderName>,
    closed: AtomicBool,
    /// Set while a sniff after a connection fault runs, so faults do not pile sniffs up.
    sniffing: AtomicBool,
    log: Logger,
    query_log: Option<Logger>,
}

#[derive(Default)]
struct TypedTransports {
    internal: Option<Transport>,
    current_user: Option<Transport>,
}

impl std::fmt::Debug for ClusterClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterClient")
            .field("context", &self.inner.log.context())
            .field("config", &self.inner.config)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl ClusterClient {
    /// Creates a client whose logs go to `elasticsearch.<client_type>` and, with `logQueries`, whose queries are
    /// logged at debug level under `elasticsearch.query.<client_type>`. Reads the TLS files now; fails with the
    /// config key at fault.
    ///
    /// # Arguments
    ///
    /// * `config` - the client settings; checked here, and the TLS files they name are read now.
    /// * `logger_factory` - where the client's loggers come from.
    /// * `client_type` - the client's name in its log contexts, such as `data` or `monitoring`.
    pub fn new(
        config: ElasticsearchClientConfig,
        logger_factory: &LoggerFactory,
        client_type: &str,
    ) -> Result<Self, ElasticsearchError> {
        config.validate()?;
        let tls = TlsMaterial::read(&config.ssl)?;
        let hosts = host_pool(&config)?;
        let internal = build_http_client(&config, &tls, TransportUser::Internal)?;
        let whitelist = config
            .request_headers_whitelist
            .iter()
            .filter_map(|name| HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()).ok())
            .collect();
        let log = logger_factory.get(&["elasticsearch", client_type]);
        let query_log = config
            .log_queries
            .then(|| logger_factory.get(&["elasticsearch", "query", client_type]));
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                hosts,
                tls,
                internal,
                current_user: Mutex::new(None),
                typed: Mutex::new(TypedTransports::default()),
                whitelist,
                closed: AtomicBool::new(false),
                sniffing: AtomicBool::new(false),
                log,
                query_log,
            }),
        })
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &ElasticsearchClientConfig {
        &self.inner.config
    }

    /// Calls `endpoint` as Kibana's internal user (`elasticsearch.username`).
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
        self.call_as_internal_user_tagged(endpoint, params, options, None, None)
            .await
    }

    /// [`call_as_internal_user`](Self::call_as_internal_user), with the `x-opaque-id` of the
    /// request it is made for (unless the caller's `params.headers` set one) and its trace
    /// (sent as `traceparent`).
    pub(crate) async fn call_as_internal_user_tagged(
        &self,
        endpoint: &str,
        params: Value,
        options: CallApiOptions,
        opaque_id: Option<&HeaderValue>,
        trace: Option<TraceParent>,
    ) -> Result<Value, ElasticsearchError> {
        let (request, headers) = self.internal_request(endpoint, params, opaque_id)?;
        execute(
            CallContext {
                trace,
                ..self.context(&self.inner.internal)
            },
            request,
            headers,
            &options,
        )
        .await
    }

    /// Calls `endpoint` as Kibana's internal user, like
    /// [`call_as_internal_user`](Self::call_as_internal_user), but hands out the answer as it
    /// arrives instead of parsing it (Kibana 8's `asStream: true`): for a caller that forwards the
    /// answer, such as a route that returns a search answer as it is. The call fails over, times
    /// out and aborts as any call; a declared `Content-Length` over `maxResponseSize` is refused
    /// before the body is read, and the body stream yields `ResponseTooLarge` once the bytes read
    /// pass it. An answer whose status is not `2xx` is read (bounded) and returned as the usual
    /// error, so only success answers stream.
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
        self.call_as_internal_user_stream_tagged(endpoint, params, options, None, None)
            .await
    }

    /// [`call_as_internal_user_stream`](Self::call_as_internal_user_stream), with the
    /// `x-opaque-id` of the request it is made for.
    pub(crate) async fn call_as_internal_user_stream_tagged(
        &self,
        endpoint: &str,
        params: Value,
        options: CallApiOptions,
        opaque_id: Option<&HeaderValue>,
        trace: Option<TraceParent>,
    ) -> Result<StreamedResponse, ElasticsearchError> {
        let (request, headers) = self.internal_request(endpoint, params, opaque_id)?;
        execute_stream(
            CallContext {
                trace,
                ..self.context(&self.inner.internal)
            },
            request,
            headers,
            &options,
        )
        .await
    }

    /// The request and headers of a call as the internal user.
    fn internal_request(
        &self,
        endpoint: &str,
        params: Value,
        opaque_id: Option<&HeaderValue>,
    ) -> Result<(ResolvedRequest, HeaderMap), ElasticsearchError> {
        self.ensure_open()?;
        let request = resolve(endpoint, params)?;
        let mut headers = header_map(&request.headers)?;
        if let Some(id) = opaque_id {
            headers.entry(X_OPAQUE_ID).or_insert_with(|| id.clone());
        }
        Ok((request, headers))
    }

    /// The headers forwarded from an incoming request (`elasticsearch.requestHeadersWhitelist`).
    pub(crate) fn whitelist(&self) -> &[HeaderName] {
        &self.inner.whitelist
    }

    /// Closes the client: every later call fails with `Cluster client cannot be used after it has been closed.`
    /// Connections close once in-flight calls end. Typed clients handed out earlier are not affected.
    pub fn close(&self) {
        if !self.inner.closed.swap(true, Ordering::SeqCst) {
            self.inner.current_user.lock().take();
            *self.inner.typed.lock() = TypedTransports::default();
        }
    }

    /// Whether [`ClusterClient::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::SeqCst)
    }

    /// The official typed client, authenticated as the internal user, over the same hosts
    /// (round-robin over the pool's living hosts; no failover: the typed API has no retry hook)
    /// with the same headers, timeout and TLS settings. Its transport, the official one, is built
    /// on first use and shared by every typed client of this client.
    pub fn internal_user_client(&self) -> Result<Elasticsearch, ElasticsearchError> {
        self.ensure_open()?;
        let mut typed = self.inner.typed.lock();
        let transport = match &typed.internal {
            Some(transport) => transport.clone(),
            None => {
                let transport = build_transport(
                    &self.inner.config,
                    &self.inner.tls,
                    &self.inner.hosts,
                    TransportUser::Internal,
                )?;
                typed.internal.insert(transport).clone()
            }
        };
        Ok(Elasticsearch::new(transport))
    }

    /// The health of each host (alive or dead, connection failures in a row).
    pub fn host_statuses(&self) -> Vec<HostStatus> {
        self.inner.hosts.statuses()
    }

    pub(crate) fn ensure_open(&self) -> Result<(), ElasticsearchError> {
        if self.is_closed() {
            Err(ElasticsearchError::Closed)
        } else {
            Ok(())
        }
    }

    pub(crate) fn context<'a>(&'a self, http: &'a reqwest::Client) -> CallContext<'a> {
        CallContext {
            hosts: &self.inner.hosts,
            http,
            log: &self.inner.log,
            query_log: self.inner.query_log.as_ref(),
            default_timeout: self.inner.config.request_timeout,
            max_response_size: self.inner.config.max_response_size,
            on_connection_fault: self,
            trace: None,
        }
    }

    /// Asks the cluster for its nodes (`GET /_nodes/_all/http`, as the internal user) and makes
    /// their HTTP publish addresses this client's hosts, besides the configured ones, which stay
    /// (so the client never runs out of hosts). Discovered hosts use the configured hosts'
    /// scheme, credentials and TLS settings; a node that published `name/ip:port` is reached by
    /// its name. Returns the hosts now in use.
    pub async fn sniff(&self) -> Result<Vec<String>, ElasticsearchError> {
        let params = serde_json::json!({
            "node_id": "_all",
            "metric": "http",
            "filter_path": ["nodes.*.http.publish_address"],
        });
        let body = self
            .call_as_internal_user("nodes.info", params, CallApiOptions::default())
            .await?;
        let scheme = self
            .inner
            .hosts
            .seeds()
            .first()
            .map_or("http", |seed| seed.scheme())
            .to_owned();
        let discovered = crate::status::publish_urls(&body, &scheme);
        self.inner.hosts.set_discovered(discovered);
        Ok(self
            .host_statuses()
            .into_iter()
            .map(|host| host.url)
            .collect())
    }

    /// After a connection failure: sniffs in the background when `sniffOnConnectionFault` is
    /// on and no such sniff is running.
    fn sniff_after_fault(&self) {
        if !self.inner.config.sniff_on_connection_fault
            || self.inner.sniffing.swap(true, Ordering::SeqCst)
        {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.inner.sniffing.store(false, Ordering::SeqCst);
            return;
        };
        let client = self.clone();
        runtime.spawn(async move {
            if let Err(error) = client.sniff().await {
                client
                    .inner
                    .log
                    .warn(format!("sniffing after a connection fault failed: {error}"));
            }
            client.inner.sniffing.store(false, Ordering::SeqCst);
        });
    }

    /// The HTTP client without the internal user's credentials, built once on first use.
    pub(crate) fn current_user_http(&self) -> Result<reqwest::Client, ElasticsearchError> {
        self.ensure_open()?;
        let mut slot = self.inner.current_user.lock();
        if let Some(http) = slot.as_ref() {
            return Ok(http.clone());
        }
        let present_cert = self.inner.config.ssl.always_present_certificate;
        let http = build_http_client(
            &self.inner.config,
            &self.inner.tls,
            TransportUser::CurrentUser { present_cert },
        )?;
        *slot = Some(http.clone());
        Ok(http)
    }

    /// The official transport without the internal user's credentials, for the typed escape
    /// hatch, built once on first use.
    pub(crate) fn current_user_transport(&self) -> Result<Transport, ElasticsearchError> {
        self.ensure_open()?;
        let mut typed = self.inner.typed.lock();
        if let Some(transport) = &typed.current_user {
            return Ok(transport.clone());
        }
        let present_cert = self.inner.config.ssl.always_present_certificate;
        let transport = build_transport(
            &self.inner.config,
            &self.inner.tls,
            &self.inner.hosts,
            TransportUser::CurrentUser { present_cert },
        )?;
        Ok(typed.current_user.insert(transport).clone())
    }
}

impl ConnectionFaults for ClusterClient {
    fn connection_fault(&self) {
        self.sniff_after_fault();
    }
}

impl ApiCaller for ClusterClient {
    fn call<'a>(
        &'a self,
        endpoint: &'a str,
        params: Value,
        options: CallApiOptions,
    ) -> ApiCallFuture<'a> {
        Box::pin(self.call_as_internal_user(endpoint, params, options))
    }
}
