//! Elasticsearch for plugins: the Rust counterpart of Kibana 7.2's `elasticsearch` core service.
//!
//! A plugin gets an [`ElasticsearchServiceSetup`] with two [`ClusterClient`]s, `admin_client` (Kibana's own
//! indices) and `data_client` (user data), and can create more with
//! [`create_client`](ElasticsearchServiceSetup::create_client). A client calls Elasticsearch endpoints **by name**,
//! as Kibana's `callWithInternalUser` / `callWithRequest` did:
//!
//! - [`ClusterClient::call_as_internal_user`] authenticates as Kibana's own user (`elasticsearch.username`).
//! - [`ClusterClient::as_scoped`] + [`ScopedClusterClient::call_as_current_user`] forward the incoming request's
//!   headers named in `elasticsearch.requestHeadersWhitelist` (plus those the auth handler chose), never Kibana's
//!   credentials, so Elasticsearch applies the end user's permissions.
//!
//! Endpoint names, paths and parameters come from Elasticsearch's REST API spec, vendored (facts only) in
//! `spec/rest-api-spec.json` and compiled into a static table by `cargo xtask codegen`. Parameters fill the path's
//! `{parts}`; the others go to the query string and must be ones the endpoint accepts; `body` is the body (NDJSON
//! for `bulk` and `msearch`); `headers` adds request headers.
//!
//! ```no_run
//! use core_elasticsearch::{CallApiOptions, ElasticsearchServiceSetup, FakeRequest};
//! use serde_json::json;
//!
//! async fn count_logs(es: &ElasticsearchServiceSetup, request: &FakeRequest) -> Result<u64, core_elasticsearch::ElasticsearchError> {
//!     let scoped = es.data_client.as_scoped(request);
//!     let answer = scoped
//!         .call_as_current_user("count", json!({ "index": "logs-*", "body": { "query": { "match_all": {} } } }), CallApiOptions::default())
//!         .await?;
//!     Ok(answer["count"].as_u64().unwrap_or(0))
//! }
//! ```
//!
//! So `search` with `{ "index": ["logs-1", "logs-2"], "size": 10, "body": { "size": 0 } }` is
//! `POST /logs-1,logs-2/_search?size=10` (a body turns search's `GET` into `POST`), and an unknown name fails
//! before anything is sent: `called with an invalid endpoint: indices.creat`.
//!
//! Errors are one [`ElasticsearchError`] enum: Elasticsearch's answers keep status, error type, reason and body;
//! a 401 is wrapped (by default) so the HTTP layer can answer 401 with
//! [`www_authenticate`](ElasticsearchError::www_authenticate); refused connections, timeouts, 5xx answers and
//! malformed JSON are distinct variants. [`CallApiOptions::signal`] aborts a call (`Request was aborted`).
//!
//! With several hosts, requests go round-robin; a host whose connection fails is marked dead for a while and the
//! request moves on to the next host: any request when the connection could not be made, only an idempotent one
//! when it broke after the request was sent. [`ClusterClient::sniff`] adds the cluster's nodes to the configured
//! hosts (`sniffOnStart`, `sniffInterval`, `sniffOnConnectionFault`). [`ElasticsearchService`] checks the cluster's health and node
//! versions every `healthCheck.delay` and publishes an [`ElasticsearchStatus`]; the server keeps running while
//! Elasticsearch is down.
//!
//! Calls go out through the crate's own HTTP client (`reqwest`), which reads an answer chunk by chunk:
//! `elasticsearch.maxResponseSize` stops the read as soon as the bytes read pass it, declared length or not. A
//! caller that forwards an answer rather than parsing it asks for it as a stream (Kibana 8's `asStream: true`):
//! [`ClusterClient::call_as_internal_user_stream`] and [`ScopedClusterClient::call_as_current_user_stream`] give a
//! [`StreamedResponse`] (status, headers, and the body as a [`ResponseBodyStream`] of `Bytes`), with the same
//! failover, headers, timeout, abort signal and limit as any call.
//!
//! The typed API of the official `elasticsearch` crate is the escape hatch:
//! [`ClusterClient::internal_user_client`] and [`ScopedClusterClient::current_user_client`].
//!
//! With the `testing` feature, `testing::MockApiCaller` and `testing::setup_contract` help plugin authors test, and
//! `testing::recorded_cluster` gives how 7.17, 8.x and 9.x clusters answer the health check, for stubs.

mod call;
mod client_config;
mod cluster_client;
mod config;
mod error;
mod generated;
mod pool;
// `pub` items here are re-exported by `endpoint_table` under the `testing` feature only.
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod resolve;
mod scoped;
mod service;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod spec;
mod status;
mod stream;

pub use call::CallApiOptions;
pub use client_config::{ClientConfigOverrides, ElasticsearchClientConfig};
pub use cluster_client::{ApiCallFuture, ApiCaller, ClusterClient};
pub use config::{
    DEFAULT_MAX_RESPONSE_SIZE, ElasticsearchConfig, HealthCheckConfig, Secret, SslConfig,
    VerificationMode,
};
pub use error::{DEFAULT_WWW_AUTHENTICATE, ElasticsearchError, ResponseError};
pub use pool::HostStatus;
pub use scoped::{CurrentUserCaller, FakeRequest, ScopeableRequest, ScopedClusterClient};
pub use service::{
    CONFIG_PATH, ElasticsearchService, ElasticsearchServiceSetup, InternalElasticsearchServiceSetup,
};
pub use status::ElasticsearchStatus;
pub use stream::{ResponseBodyStream, StreamedResponse};

#[cfg(any(test, feature = "testing"))]
pub mod testing;

/// The generated endpoint table and the resolution of an endpoint name plus params into a
/// request, for the crate's own tests and benchmarks (feature `testing`). Plugins call
/// endpoints by name through [`ClusterClient`] and [`ScopedClusterClient`].
#[cfg(feature = "testing")]
pub mod endpoint_table {
    pub use crate::resolve::{NDJSON_CONTENT_TYPE, RequestBody, ResolvedRequest, resolve};
    pub use crate::spec::{
        BodySpec, Endpoint, HttpMethod, Param, Part, Segment, UrlPath, ValueType, common_params,
        endpoints,
    };
}

/// The official client, re-exported for the typed escape hatch ([`ClusterClient::internal_user_client`],
/// [`ScopedClusterClient::current_user_client`]).
pub use elasticsearch;
