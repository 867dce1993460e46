//! Test doubles for plugin authors (feature `testing`), like Kibana's `elasticsearch_service.mock`.
//!
//! - [`MockApiCaller`]: an [`ApiCaller`] that answers from a script and records every call, for unit-testing code
//!   written against `&dyn ApiCaller` without any server.
//! - [`setup_contract`]: a real [`ElasticsearchServiceSetup`] over the given hosts (a local stub such as wiremock),
//!   with logs captured.
//! - [`recorded_cluster`]: how a 7.17, 8.x or 9.x cluster answers the health check, for a stub to answer the same.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use core_logging::testing::{CapturedLogs, capturing_logger_factory};
use parking_lot::Mutex;
use serde_json::Value;

use crate::cluster_client::{ApiCallFuture, ApiCaller};
use crate::service::ElasticsearchServiceSetup;
use crate::{CallApiOptions, ElasticsearchClientConfig, ElasticsearchError};

/// One call a [`MockApiCaller`] received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCall {
    /// The endpoint name.
    pub endpoint: String,
    /// The params as passed.
    pub params: Value,
    /// `wrap_401_errors` of the options.
    pub wrap_401_errors: bool,
}

/// An [`ApiCaller`] answering from per-endpoint queues of canned results, recording every call.
///
/// An endpoint without a queued answer gets `called with an invalid endpoint: <name>` when the name is not in the
/// REST spec, and `Value::Null` otherwise.
#[derive(Debug, Clone, Default)]
pub struct MockApiCaller {
    state: Arc<Mutex<MockState>>,
}

#[derive(Debug, Default)]
struct MockState {
    answers: HashMap<String, VecDeque<Result<Value, ElasticsearchError>>>,
    calls: Vec<RecordedCall>,
}

impl MockApiCaller {
    /// A caller with no answers queued.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues `answer` for the next call of `endpoint`.
    ///
    /// # Arguments
    ///
    /// * `endpoint` - the endpoint the answer is for, such as `search`.
    /// * `answer` - what that call returns; the answers of one endpoint are used in the order
    ///   queued.
    pub fn answer(&self, endpoint: &str, answer: Result<Value, ElasticsearchError>) -> &Self {
        self.state
            .lock()
            .answers
            .entry(endpoint.to_owned())
            .or_default()
            .push_back(answer);
        self
    }

    /// Every call received so far, in order.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.state.lock().calls.clone()
    }
}

impl ApiCaller for MockApiCaller {
    fn call<'a>(
        &'a self,
        endpoint: &'a str,
        params: Value,
        options: CallApiOptions,
    ) -> ApiCallFuture<'a> {
        let answer = {
            let mut state = self.state.lock();
            state.calls.push(RecordedCall {
                endpoint: endpoint.to_owned(),
                params,
                wrap_401_errors: options.wrap_401_errors,
            });
            match state
                .answers
                .get_mut(endpoint)
                .and_then(VecDeque::pop_front)
            {
                Some(answer) => answer,
                None if crate::spec::Endpoint::find(endpoint).is_none() => {
                    Err(ElasticsearchError::InvalidEndpoint(endpoint.to_owned()))
                }
                None => Ok(Value::Null),
            }
        };
        Box::pin(async move { answer })
    }
}

/// A setup contract whose clients (and those from `create_client`) talk to `config.hosts`, with logs captured.
///
/// # Arguments
///
/// * `config` - the client settings; their `hosts` point at the server the test runs, such as a
///   local stub.
pub fn setup_contract(
    config: ElasticsearchClientConfig,
) -> Result<(ElasticsearchServiceSetup, CapturedLogs), ElasticsearchError> {
    let (factory, logs) = capturing_logger_factory();
    Ok((ElasticsearchServiceSetup::new(config, factory)?, logs))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn the_mock_answers_in_order_and_records_calls() {
        let caller = MockApiCaller::new();
        caller
            .answer("search", Ok(json!({"hits": 1})))
            .answer("search", Err(ElasticsearchError::Aborted));
        let dynamic: &dyn ApiCaller = &caller;

        assert_eq!(
            dynamic
                .call("search", json!({"index": "a"}), CallApiOptions::default())
                .await,
            Ok(json!({"hits": 1}))
        );
        assert_eq!(
            dynamic
                .call("search", json!({}), CallApiOptions::default())
                .await,
            Err(ElasticsearchError::Aborted)
        );
        assert_eq!(
            dynamic
                .call("ping", json!({}), CallApiOptions::default())
                .await,
            Ok(Value::Null)
        );
        let invalid = dynamic
            .call("nope", json!({}), CallApiOptions::default())
            .await
            .unwrap_err();
        assert_eq!(invalid.to_string(), "called with an invalid endpoint: nope");
        let calls = caller.calls();
        assert_eq!(calls.len(), 4);
        assert_eq!(
            calls[0],
            RecordedCall {
                endpoint: "search".into(),
                params: json!({"index": "a"}),
                wrap_401_errors: true
            }
        );
    }
}

/// One answer of a recorded cluster: status, headers and body, as Elasticsearch sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The headers (name, value), e.g. `content-type` and `x-elastic-product`.
    pub headers: Vec<(String, String)>,
    /// The JSON body, when the answer has one.
    pub body: Option<String>,
}

/// How a cluster of one supported major version answers the health check, for stubs: the ping
/// (`HEAD /`) and the version check (`GET /_nodes?filter_path=...`). The answers follow the
/// documented shape of each version (`tests/fixtures/clusters` of this crate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCluster {
    /// The nodes' version, e.g. `8.15.3`.
    pub version: String,
    /// The answer to `HEAD /`.
    pub ping: RecordedAnswer,
    /// The answer to the `_nodes` version check.
    pub nodes: RecordedAnswer,
}

/// The recorded cluster of a supported major: `"7.17"`, `"8.x"` or `"9.x"`; `None` for another
/// name.
///
/// ```
/// let cluster = core_elasticsearch::testing::recorded_cluster("8.x").unwrap();
/// assert!(cluster.version.starts_with("8."));
/// assert_eq!(cluster.ping.status, 200);
/// ```
///
/// # Arguments
///
/// * `major` - which cluster: `"7.17"`, `"8.x"` or `"9.x"`.
pub fn recorded_cluster(major: &str) -> Option<RecordedCluster> {
    let text = match major {
        "7.17" => include_str!("../tests/fixtures/clusters/7.17.json"),
        "8.x" => include_str!("../tests/fixtures/clusters/8.x.json"),
        "9.x" => include_str!("../tests/fixtures/clusters/9.x.json"),
        _ => return None,
    };
    let fixture: Value = serde_json::from_str(text).ok()?;
    let answer = |part: &Value| RecordedAnswer {
        status: part["status"]
            .as_u64()
            .and_then(|status| u16::try_from(status).ok())
            .unwrap_or(200),
        headers: part["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, value)| (name.clone(), value.as_str().unwrap_or_default().to_owned()))
            .collect(),
        body: part.get("body").map(Value::to_string),
    };
    Some(RecordedCluster {
        version: fixture["version"].as_str()?.to_owned(),
        ping: answer(&fixture["ping"]),
        nodes: answer(&fixture["nodes"]),
    })
}
