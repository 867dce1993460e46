//! Error answers and transport failures: 401 wrapping, abort, timeouts, refused connections, dead hosts and
//! failover, malformed and 5xx answers, bad calls.

use std::time::Duration;

use core_elasticsearch::{
    CallApiOptions, DEFAULT_WWW_AUTHENTICATE, ElasticsearchClientConfig, ElasticsearchError,
    FakeRequest,
};
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{client, client_config, recorded, refused_url, resetting_host, stub_client};

async fn stub_with(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

fn security_exception(www_authenticate: Option<&str>) -> serde_json::Value {
    let mut error =
        json!({"type": "security_exception", "reason": "missing authentication credentials"});
    if let Some(value) = www_authenticate {
        error["header"] = json!({"WWW-Authenticate": [value, "ApiKey"]});
    }
    json!({"error": error, "status": 401})
}

#[tokio::test]
async fn a_401_is_wrapped_with_the_www_authenticate_value_from_the_error_body() {
    let server =
        stub_with(ResponseTemplate::new(401).set_body_json(security_exception(Some("Negotiate"))))
            .await;
    let (client, _) = stub_client(&server);
    let scoped =
        client.as_scoped(&FakeRequest::new().with_header("authorization", "Bearer expired"));

    let error = scoped
        .call_as_current_user("search", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();

    assert!(error.is_not_authorized());
    assert_eq!(error.status(), Some(401));
    assert_eq!(error.www_authenticate(), Some("Negotiate"));
    assert_eq!(error.error_type(), Some("security_exception"));
    assert_eq!(error.reason(), Some("missing authentication credentials"));
    assert_eq!(error.body(), Some(&security_exception(Some("Negotiate"))));
}

#[tokio::test]
async fn a_401_without_www_authenticate_gets_the_basic_realm_default() {
    let server =
        stub_with(ResponseTemplate::new(401).set_body_json(security_exception(None))).await;
    let (client, _) = stub_client(&server);

    let error = client
        .call_as_internal_user("search", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();

    assert!(error.is_not_authorized());
    assert_eq!(error.www_authenticate(), Some(DEFAULT_WWW_AUTHENTICATE));
    assert_eq!(
        DEFAULT_WWW_AUTHENTICATE,
        "Basic realm=\"Authorization Required\""
    );
}

#[tokio::test]
async fn without_wrapping_a_401_and_a_403_pass_through_unchanged() {
    let server =
        stub_with(ResponseTemplate::new(401).set_body_json(security_exception(Some("Negotiate"))))
            .await;
    let (client, _) = stub_client(&server);
    let options = CallApiOptions::default().wrap_401_errors(false);
    let error = client
        .call_as_internal_user("search", json!({}), options)
        .await
        .unwrap_err();
    assert!(!error.is_not_authorized());
    assert!(matches!(error, ElasticsearchError::Response(_)));
    assert_eq!(error.status(), Some(401));
    assert_eq!(error.www_authenticate(), None);

    let forbidden = json!({"error": {"type": "security_exception", "reason": "action [indices:data/read/search] is unauthorized"}, "status": 403});
    let server = stub_with(ResponseTemplate::new(403).set_body_json(forbidden.clone())).await;
    let (client, _) = stub_client(&server);
    let error = client
        .call_as_internal_user("search", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();
    assert!(!error.is_not_authorized());
    assert!(error.is_forbidden());
    assert_eq!(error.body(), Some(&forbidden));
    assert_eq!(
        error.to_string(),
        "[security_exception] action [indices:data/read/search] is unauthorized (403)"
    );
}

#[tokio::test]
async fn error_answers_keep_status_type_reason_and_body() {
    let not_found = json!({"error": {"type": "index_not_found_exception", "reason": "no such index [missing]"}, "status": 404});
    let server = stub_with(ResponseTemplate::new(404).set_body_json(not_found.clone())).await;
    let (client, _) = stub_client(&server);

    let error = client
        .call_as_internal_user(
            "indices.get",
            json!({"index": "missing"}),
            CallApiOptions::default(),
        )
        .await
        .unwrap_err();

    assert!(error.is_not_found());
    assert!(!error.is_server_error());
    assert_eq!(error.error_type(), Some("index_not_found_exception"));
    assert_eq!(error.reason(), Some("no such index [missing]"));
    assert_eq!(error.body(), Some(&not_found));
}

#[tokio::test]
async fn a_5xx_is_a_server_error() {
    let body = json!({"error": {"type": "search_phase_execution_exception", "reason": "all shards failed"}, "status": 503});
    let server = stub_with(ResponseTemplate::new(503).set_body_json(body)).await;
    let (client, _) = stub_client(&server);

    let error = client
        .call_as_internal_user("search", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();

    assert!(matches!(error, ElasticsearchError::ServerError(_)));
    assert!(error.is_server_error());
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.error_type(), Some("search_phase_execution_exception"));
}

#[tokio::test]
async fn a_malformed_json_answer_is_a_distinct_error() {
    let template = ResponseTemplate::new(200).set_body_raw("{\"hits\": {", "application/json");
    let server = stub_with(template).await;
    let (client, _) = stub_client(&server);

    let error = client
        .call_as_internal_user("search", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();

    match error {
        ElasticsearchError::MalformedResponse {
            status, body_start, ..
        } => {
            assert_eq!(status, 200);
            assert_eq!(body_start, "{\"hits\": {");
        }
        other => panic!("expected a malformed response, got {other:?}"),
    }
}

#[tokio::test]
async fn a_text_answer_is_returned_as_a_string() {
    let server = stub_with(
        ResponseTemplate::new(200).set_body_raw("green 1 1\n", "text/plain; charset=UTF-8"),
    )
    .await;
    let (client, _) = stub_client(&server);
    let answer = client
        .call_as_internal_user(
            "cat.health",
            json!({"format": "txt"}),
            CallApiOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(answer, json!("green 1 1\n"));
}

#[tokio::test]
async fn a_timeout_is_a_distinct_error() {
    let server = stub_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5))).await;
    let (client, _) = stub_client(&server);

    let options = CallApiOptions::default().timeout(Duration::from_millis(100));
    let error = client
        .call_as_internal_user("ping", json!({}), options)
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            ElasticsearchError::Timeout {
                timeout_ms: 100,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_unavailable());
    assert_eq!(
        error.to_string(),
        format!("Request Timeout after 100ms (host {})", server.uri())
    );
}

#[tokio::test]
async fn the_configured_request_timeout_applies() {
    let server = stub_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5))).await;
    let mut config = client_config(&[server.uri()]);
    config.request_timeout = Duration::from_millis(100);
    let (client, _) = client(config);

    let error = client
        .call_as_internal_user("ping", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            ElasticsearchError::Timeout {
                timeout_ms: 100,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_distinct_error_and_marks_the_host_dead() {
    let host = refused_url();
    let (client, logs) = client(client_config(std::slice::from_ref(&host)));

    let error = client
        .call_as_internal_user("ping", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();

    match &error {
        ElasticsearchError::ConnectionFailed {
            host: failed,
            message,
        } => {
            assert_eq!(failed, &host);
            assert!(message.to_lowercase().contains("refused"), "{message}");
        }
        other => panic!("expected a connection failure, got {other:?}"),
    }
    assert!(error.is_unavailable());
    let statuses = client.host_statuses();
    assert!(!statuses[0].alive);
    assert_eq!(statuses[0].consecutive_failures, 1);
    assert!(
        logs.lines()
            .iter()
            .any(|line| line.starts_with("[warn][elasticsearch.data] cannot connect")),
        "{:?}",
        logs.lines()
    );
    // A single dead host is still tried: there is nowhere else to go.
    let again = client
        .call_as_internal_user("ping", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(again, ElasticsearchError::ConnectionFailed { .. }));
    assert_eq!(client.host_statuses()[0].consecutive_failures, 2);
}

#[tokio::test]
async fn an_idempotent_request_fails_over_to_the_next_host_and_the_dead_host_is_skipped() {
    let server =
        stub_with(ResponseTemplate::new(200).set_body_json(json!({"status": "green"}))).await;
    let dead = refused_url();
    let (client, _) = client(client_config(&[dead.clone(), server.uri()]));

    let first = client
        .call_as_internal_user("cluster.health", json!({}), CallApiOptions::default())
        .await
        .unwrap();
    assert_eq!(first, json!({"status": "green"}));
    let statuses = client.host_statuses();
    assert_eq!(
        (statuses[0].url.as_str(), statuses[0].alive),
        (dead.as_str(), false)
    );
    assert!(statuses[1].alive);

    // Round-robin would now pick the dead host half of the time; it is skipped while dead.
    for _ in 0..4 {
        client
            .call_as_internal_user("cluster.health", json!({}), CallApiOptions::default())
            .await
            .unwrap();
    }
    assert_eq!(recorded(&server).await.len(), 5);
    assert_eq!(
        client.host_statuses()[0].consecutive_failures,
        1,
        "the dead host was not tried again"
    );
}

#[tokio::test]
async fn requests_go_round_robin_across_living_hosts() {
    let first = stub_with(ResponseTemplate::new(200).set_body_json(json!({}))).await;
    let second = stub_with(ResponseTemplate::new(200).set_body_json(json!({}))).await;
    let (client, _) = client(client_config(&[first.uri(), second.uri()]));

    for _ in 0..4 {
        client
            .call_as_internal_user("cluster.health", json!({}), CallApiOptions::default())
            .await
            .unwrap();
    }
    assert_eq!(recorded(&first).await.len(), 2);
    assert_eq!(recorded(&second).await.len(), 2);
}

#[tokio::test]
async fn a_refused_connection_sends_any_request_to_the_next_host() {
    let server =
        stub_with(ResponseTemplate::new(201).set_body_json(json!({"result": "created"}))).await;
    let (client, _) = client(client_config(&[refused_url(), server.uri()]));

    // `index` without an id is a POST; a refused connection means it never left, so the next
    // host may have it.
    let answer = client
        .call_as_internal_user(
            "index",
            json!({"index": "logs", "body": {"message": "hi"}}),
            CallApiOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(answer, json!({"result": "created"}));
    assert_eq!(recorded(&server).await.len(), 1);
    assert!(!client.host_statuses()[0].alive);
}

#[tokio::test]
async fn a_non_idempotent_request_is_not_resent_after_the_connection_drops_once_sent() {
    let (resetting, swallowed) = resetting_host().await;
    let server = stub_with(ResponseTemplate::new(200).set_body_json(json!({}))).await;
    let (client, _) = client(client_config(&[resetting, server.uri()]));

    // The POST reached the first host, which may have applied it: it is not sent twice.
    let error = client
        .call_as_internal_user(
            "index",
            json!({"index": "logs", "body": {"message": "hi"}}),
            CallApiOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, ElasticsearchError::Transport { .. }),
        "{error:?}"
    );
    assert_eq!(swallowed.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(recorded(&server).await.is_empty());
}

#[tokio::test]
async fn an_idempotent_request_is_resent_after_the_connection_drops_once_sent() {
    let (resetting, swallowed) = resetting_host().await;
    let server =
        stub_with(ResponseTemplate::new(200).set_body_json(json!({"status": "green"}))).await;
    let (client, _) = client(client_config(&[resetting, server.uri()]));

    let answer = client
        .call_as_internal_user("cluster.health", json!({}), CallApiOptions::default())
        .await
        .unwrap();
    assert_eq!(answer, json!({"status": "green"}));
    assert_eq!(swallowed.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(recorded(&server).await.len(), 1);
}

#[tokio::test]
async fn an_aborted_call_ends_with_request_was_aborted() {
    let server = stub_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10))).await;
    let (client, _) = stub_client(&server);
    let token = CancellationToken::new();

    let canceller = {
        let token = token.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            token.cancel();
        }
    };
    let options = CallApiOptions::default().signal(token.clone());
    let (result, ()) = tokio::join!(
        client.call_as_internal_user("search", json!({}), options),
        canceller
    );

    let error = result.unwrap_err();
    assert_eq!(error, ElasticsearchError::Aborted);
    assert_eq!(error.to_string(), "Request was aborted");

    // An already cancelled token sends nothing.
    let before = recorded(&server).await.len();
    let options = CallApiOptions::default().signal(token);
    assert_eq!(
        client
            .call_as_internal_user("search", json!({}), options)
            .await
            .unwrap_err(),
        ElasticsearchError::Aborted
    );
    assert_eq!(recorded(&server).await.len(), before);
}

#[tokio::test]
async fn aborting_closes_the_connection_instead_of_leaving_it_waiting() {
    // A bare TCP server that reads the request, never answers, and reports when the client hangs up.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (request_seen_tx, request_seen) = tokio::sync::oneshot::channel();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buffer = vec![0u8; 4096];
        let read = socket.read(&mut buffer).await.unwrap();
        let _ = request_seen_tx.send(String::from_utf8_lossy(&buffer[..read]).into_owned());
        // Read until the client closes the connection (0 bytes) or resets it.
        loop {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => {}
            }
        }
    });
    let (client, _) = client(client_config(&[url]));
    let token = CancellationToken::new();
    let call = client.call_as_internal_user(
        "search",
        json!({"index": "logs"}),
        CallApiOptions::default().signal(token.clone()),
    );
    let abort = async {
        let request = request_seen.await.unwrap();
        assert!(
            request.starts_with("GET /logs/_search HTTP/1.1"),
            "{request}"
        );
        token.cancel();
    };
    let (result, ()) = tokio::join!(call, abort);
    assert_eq!(result.unwrap_err(), ElasticsearchError::Aborted);

    // Not a timing assertion: a guard so that a regression fails instead of hanging the suite.
    let closed = tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("the connection was left open");
    assert!(closed.unwrap());
    // Keep the client alive until here: the connection must close because the request was dropped.
    drop(client);
}

#[tokio::test]
async fn bad_calls_are_rejected_before_anything_is_sent() {
    let server = stub_with(ResponseTemplate::new(200)).await;
    let (client, _) = stub_client(&server);
    let call = |endpoint: &'static str, params: serde_json::Value| {
        let client = client.clone();
        async move {
            client
                .call_as_internal_user(endpoint, params, CallApiOptions::default())
                .await
                .unwrap_err()
                .to_string()
        }
    };

    assert_eq!(
        call("no.such.endpoint", json!({})).await,
        "called with an invalid endpoint: no.such.endpoint"
    );
    assert_eq!(
        call("search", json!({"sise": 10})).await,
        "search: unknown parameter \"sise\""
    );
    assert_eq!(
        call("indices.create", json!({})).await,
        "indices.create: missing required parameter(s) \"index\""
    );
    assert_eq!(call("bulk", json!({})).await, "bulk: a body is required");
    assert_eq!(
        call("cluster.health", json!({"body": {}})).await,
        "cluster.health: this endpoint does not accept a body"
    );
    assert_eq!(
        call("search", json!([1])).await,
        "search: params must be a JSON object, got an array"
    );
    assert_eq!(
        call("search", json!({"size": {"a": 1}})).await,
        "search: parameter \"size\" must be a string, number, boolean or list, got an object"
    );
    assert_eq!(
        call("search", json!({"headers": {"x-a": 1}})).await,
        "search: header \"x-a\" must be a string, got a number"
    );
    assert_eq!(
        call("search", json!({"headers": {"bad header": "v"}})).await,
        "invalid header bad header: not a valid header name"
    );
    assert!(recorded(&server).await.is_empty());
}

#[tokio::test]
async fn an_answer_over_max_response_size_is_refused_naming_the_limit() {
    let hits: Vec<_> = (0..200).map(|n| json!({"_source": {"n": n}})).collect();
    let body = json!({"hits": {"hits": hits}});
    let size = body.to_string().len() as u64;
    let server = stub_with(ResponseTemplate::new(200).set_body_json(&body)).await;

    let limited = |limit| {
        client(ElasticsearchClientConfig {
            max_response_size: limit,
            ..client_config(&[server.uri()])
        })
        .0
    };
    let error = limited(Some(size - 1))
        .call_as_internal_user("search", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, ElasticsearchError::ResponseTooLarge { limit, .. } if limit == size - 1),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "The answer of Elasticsearch is larger than elasticsearch.maxResponseSize ({} bytes).",
            size - 1
        )
    );
    // At the limit, or without one, the answer is read.
    for limit in [Some(size), None] {
        let answer = limited(limit)
            .call_as_internal_user("search", json!({}), CallApiOptions::default())
            .await
            .unwrap();
        assert_eq!(answer, body);
    }
}
