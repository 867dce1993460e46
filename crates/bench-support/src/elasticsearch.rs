//! The pair both core-elasticsearch's criterion bench and `cargo xtask bench` compare:
//! `call_as_current_user` against the bare official client, sending the same search to the same
//! local stub.
//!
//! Both send `POST /logs/_search?size=10` with the same JSON body and `Authorization` header and
//! decode the JSON answer. The stub answers 200 only to exactly that request (anything else gets
//! 404, which fails the call), so both sides are proven to do the same work. The difference left
//! is what the platform adds: endpoint resolution, header filtering, host choice, scoping.

use std::hint::black_box;

use anyhow::{Context, Result, ensure};
use core_elasticsearch::elasticsearch::Elasticsearch;
use core_elasticsearch::elasticsearch::http::Method;
use core_elasticsearch::elasticsearch::http::headers::{AUTHORIZATION, HeaderMap, HeaderValue};
use core_elasticsearch::elasticsearch::http::request::JsonBody;
use core_elasticsearch::elasticsearch::http::transport::{
    SingleNodeConnectionPool, TransportBuilder,
};
use core_elasticsearch::{CallApiOptions, ClusterClient, ElasticsearchClientConfig, FakeRequest};
use core_logging::{LoggingConfig, LoggingService};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The user's credentials both clients send.
const USER_AUTHORIZATION: &str = "Bearer user-token";

/// A stub cluster and the two clients pointed at it.
pub struct SearchPair {
    stub: MockServer,
    bare: Elasticsearch,
    bare_headers: HeaderMap,
    client: ClusterClient,
    request: FakeRequest,
    body: Value,
    logging: LoggingService,
    _log_dir: tempfile::TempDir,
}

impl SearchPair {
    /// Starts the stub and builds both clients; call inside a tokio runtime. The platform client
    /// logs through a real service at level `info` into a file, as a server would.
    pub async fn start() -> Result<Self> {
        let stub = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        let body = json!({ "query": { "match": { "message": "hello" } } });
        Mock::given(method("POST"))
            .and(path("/logs/_search"))
            .and(query_param("size", "10"))
            .and(header("authorization", USER_AUTHORIZATION))
            .and(body_json(&body))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "took": 1, "hits": { "total": 0, "hits": [] } })),
            )
            .mount(&stub)
            .await;

        let url = core_elasticsearch::elasticsearch::http::Url::parse(&stub.uri())?;
        let bare = Elasticsearch::new(
            TransportBuilder::new(SingleNodeConnectionPool::new(url))
                .disable_proxy()
                .enable_meta_header(false)
                .build()?,
        );
        let mut bare_headers = HeaderMap::new();
        bare_headers.insert(AUTHORIZATION, HeaderValue::from_static(USER_AUTHORIZATION));

        let log_dir = tempfile::tempdir().context("cannot create a log directory")?;
        let logging = LoggingService::new();
        let config: LoggingConfig = serde_json::from_value(json!({
            "appenders": { "file": { "kind": "file", "path": log_dir.path().join("es.log"),
                                     "layout": { "kind": "pattern" } } },
            "root": { "level": "info", "appenders": ["file"] },
        }))?;
        logging.upgrade(config)?;
        let client = ClusterClient::new(
            ElasticsearchClientConfig {
                hosts: vec![stub.uri()],
                ..ElasticsearchClientConfig::default()
            },
            &logging.logger_factory(),
            "data",
        )?;
        // A browser's request: only `authorization` may reach Elasticsearch.
        let request = FakeRequest::new()
            .with_header("authorization", USER_AUTHORIZATION)
            .with_header("cookie", "sid=abc")
            .with_header("x-forwarded-for", "10.0.0.1");
        Ok(Self {
            stub,
            bare,
            bare_headers,
            client,
            request,
            body,
            logging,
            _log_dir: log_dir,
        })
    }

    /// The search through the bare official client.
    pub async fn bare_call(&self) -> Result<Value> {
        let response = self
            .bare
            .send(
                Method::Post,
                "/logs/_search",
                self.bare_headers.clone(),
                Some(&[("size", "10")]),
                Some(JsonBody::new(self.body.clone())),
                None,
            )
            .await?;
        ensure!(
            response.status_code().as_u16() == 200,
            "the stub refused the bare client's request ({})",
            response.status_code()
        );
        Ok(black_box(response.json().await?))
    }

    /// The same search as the request's current user. Scoping is part of every request's work,
    /// so it is inside the call.
    pub async fn platform_call(&self) -> Result<Value> {
        let scoped = self.client.as_scoped(&self.request);
        let params = json!({ "index": "logs", "size": 10, "body": self.body.clone() });
        Ok(black_box(
            scoped
                .call_as_current_user("search", params, CallApiOptions::default())
                .await
                .context("the stub refused the platform's request")?,
        ))
    }

    /// Stops the logging service (flushing it).
    pub fn stop(self) {
        self.logging.stop();
        drop(self.stub);
    }
}
