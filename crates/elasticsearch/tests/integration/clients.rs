//! Internal user vs current user: method, path, query, body and every header as the stub received them.

use core_elasticsearch::{CallApiOptions, ElasticsearchError, FakeRequest};
use core_logging::LogLevel;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    INTERNAL_BASIC, client, client_config, headers, recorded, stub_client, transport_headers,
};

async fn stub_answering(body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn internal_user_call_sends_credentials_and_resolves_the_endpoint() {
    let server = stub_answering(json!({"hits": {"total": 1}})).await;
    let (client, _) = stub_client(&server);

    let body = json!({"query": {"match_all": {}}});
    let answer = client
        .call_as_internal_user(
            "search",
            json!({"index": ["logs-1", "logs 2"], "size": 10, "_source": ["a", "b"], "body": body}),
            CallApiOptions::default(),
        )
        .await
        .unwrap();

    assert_eq!(answer, json!({"hits": {"total": 1}}));
    let requests = recorded(&server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        request.method.as_str(),
        "POST",
        "a body turns search's GET into POST"
    );
    assert_eq!(request.url.path(), "/logs-1,logs%202/_search");
    assert_eq!(request.url.query(), Some("size=10&_source=a%2Cb"));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&request.body).unwrap(),
        body
    );
    let mut expected = transport_headers(&server, "application/json", Some(request.body.len()));
    expected.insert("authorization".to_owned(), INTERNAL_BASIC.to_owned());
    assert_eq!(headers(request), expected);
}

#[tokio::test]
async fn current_user_call_forwards_whitelisted_headers_only_and_never_the_internal_credentials() {
    let server = stub_answering(json!({"acknowledged": true})).await;
    let mut config = client_config(&[server.uri()]);
    config.request_headers_whitelist = vec![
        "Authorization".to_owned(),
        "es-security-runas-user".to_owned(),
    ];
    let (client, _) = crate::support::client(config);
    let request = FakeRequest::new()
        .with_header("AUTHORIZATION", "Bearer user-token")
        .with_header("ES-Security-RunAs-User", "alice")
        .with_header("cookie", "sid=secret")
        .with_header("x-forwarded-for", "10.0.0.1");

    let scoped = client.as_scoped(&request);
    scoped
        .call_as_current_user(
            "indices.get",
            json!({"index": "kibana"}),
            CallApiOptions::default(),
        )
        .await
        .unwrap();

    let requests = recorded(&server).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method.as_str(), "GET");
    assert_eq!(requests[0].url.path(), "/kibana");
    assert_eq!(requests[0].url.query(), None);
    let mut expected = transport_headers(&server, "application/json", None);
    expected.insert("authorization".to_owned(), "Bearer user-token".to_owned());
    expected.insert("es-security-runas-user".to_owned(), "alice".to_owned());
    assert_eq!(headers(&requests[0]), expected);
}

#[tokio::test]
async fn auth_headers_win_over_request_headers_and_are_forwarded_even_when_not_whitelisted() {
    let server = stub_answering(json!({})).await;
    let (client, _) = stub_client(&server);
    let request = FakeRequest::new()
        .with_header("authorization", "Basic from-the-browser")
        .with_auth_header("Authorization", "Bearer from-the-auth-handler")
        .with_auth_header("x-auth-extra", "chosen");

    client
        .as_scoped(&request)
        .call_as_current_user("ping", json!({}), CallApiOptions::default())
        .await
        .unwrap();

    let requests = recorded(&server).await;
    assert_eq!(requests[0].method.as_str(), "HEAD");
    assert_eq!(requests[0].url.path(), "/");
    let mut expected = transport_headers(&server, "application/json", None);
    expected.insert(
        "authorization".to_owned(),
        "Bearer from-the-auth-handler".to_owned(),
    );
    expected.insert("x-auth-extra".to_owned(), "chosen".to_owned());
    assert_eq!(headers(&requests[0]), expected);
}

#[tokio::test]
async fn a_request_without_headers_sends_only_the_custom_headers() {
    let server = stub_answering(json!({})).await;
    let (client, _) = stub_client(&server);

    let scoped = client.as_scoped(&FakeRequest::new());
    assert!(scoped.headers().is_empty());
    scoped
        .call_as_current_user("cluster.health", json!({}), CallApiOptions::default())
        .await
        .unwrap();

    let requests = recorded(&server).await;
    assert_eq!(requests[0].url.path(), "/_cluster/health");
    assert_eq!(
        headers(&requests[0]),
        transport_headers(&server, "application/json", None)
    );
}

#[tokio::test]
async fn caller_headers_are_merged_but_cannot_override_a_scoped_header() {
    let server = stub_answering(json!({})).await;
    let (client, _) = stub_client(&server);
    let scoped =
        client.as_scoped(&FakeRequest::new().with_header("authorization", "Bearer user-token"));

    let conflict = scoped
        .call_as_current_user(
            "cluster.health",
            json!({"headers": {"Authorization": "Bearer something-else"}}),
            CallApiOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        conflict,
        ElasticsearchError::HeaderConflict("Authorization".to_owned())
    );
    assert_eq!(
        conflict.to_string(),
        "Cannot override default header Authorization."
    );
    assert!(
        recorded(&server).await.is_empty(),
        "nothing is sent on a conflict"
    );

    scoped
        .call_as_current_user(
            "cluster.health",
            json!({"headers": {"authorization": "Bearer user-token", "x-opaque-id": "trace-1"}}),
            CallApiOptions::default(),
        )
        .await
        .unwrap();
    let requests = recorded(&server).await;
    let mut expected = transport_headers(&server, "application/json", None);
    expected.insert("authorization".to_owned(), "Bearer user-token".to_owned());
    expected.insert("x-opaque-id".to_owned(), "trace-1".to_owned());
    assert_eq!(headers(&requests[0]), expected);
}

#[tokio::test]
async fn scoped_internal_user_calls_use_the_internal_credentials() {
    let server = stub_answering(json!({})).await;
    let (client, _) = stub_client(&server);
    let scoped =
        client.as_scoped(&FakeRequest::new().with_header("authorization", "Bearer user-token"));

    scoped
        .call_as_internal_user("cluster.health", json!({}), CallApiOptions::default())
        .await
        .unwrap();

    let requests = recorded(&server).await;
    assert_eq!(
        headers(&requests[0])
            .get("authorization")
            .map(String::as_str),
        Some(INTERNAL_BASIC)
    );
}

#[tokio::test]
async fn every_call_fails_after_close_without_reaching_elasticsearch() {
    let server = stub_answering(json!({})).await;
    let (client, _) = stub_client(&server);
    let scoped = client.as_scoped(&FakeRequest::new().with_header("authorization", "Bearer t"));
    client.close();

    let closed = "Cluster client cannot be used after it has been closed.";
    let internal = client
        .call_as_internal_user("ping", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();
    assert_eq!(internal.to_string(), closed);
    let current = scoped
        .call_as_current_user("ping", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();
    assert_eq!(current.to_string(), closed);
    let scoped_internal = scoped
        .call_as_internal_user("ping", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();
    assert_eq!(scoped_internal, ElasticsearchError::Closed);
    assert!(client.internal_user_client().is_err());
    assert!(scoped.current_user_client().is_err());
    assert!(recorded(&server).await.is_empty());
}

#[tokio::test]
async fn bulk_sends_ndjson_with_a_trailing_newline() {
    let server = stub_answering(json!({"errors": false})).await;
    let (client, _) = stub_client(&server);

    client
        .call_as_internal_user(
            "bulk",
            json!({
                "index": "logs",
                "refresh": "wait_for",
                "body": [{"index": {"_id": "1"}}, {"message": "hello"}, {"delete": {"_id": "2"}}],
            }),
            CallApiOptions::default(),
        )
        .await
        .unwrap();

    let requests = recorded(&server).await;
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/logs/_bulk");
    assert_eq!(request.url.query(), Some("refresh=wait_for"));
    let expected_body =
        "{\"index\":{\"_id\":\"1\"}}\n{\"message\":\"hello\"}\n{\"delete\":{\"_id\":\"2\"}}\n";
    assert_eq!(std::str::from_utf8(&request.body).unwrap(), expected_body);
    let mut expected =
        transport_headers(&server, "application/x-ndjson", Some(expected_body.len()));
    expected.insert("authorization".to_owned(), INTERNAL_BASIC.to_owned());
    assert_eq!(headers(request), expected);
}

#[tokio::test]
async fn head_endpoints_answer_true_or_false() {
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .and(path("/present"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path("/absent"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let (client, _) = stub_client(&server);

    let present = client.call_as_internal_user(
        "indices.exists",
        json!({"index": "present"}),
        CallApiOptions::default(),
    );
    assert_eq!(present.await.unwrap(), json!(true));
    let absent = client.call_as_internal_user(
        "indices.exists",
        json!({"index": "absent"}),
        CallApiOptions::default(),
    );
    assert_eq!(absent.await.unwrap(), json!(false));
}

#[tokio::test]
async fn queries_are_logged_at_debug_without_headers_when_log_queries_is_on() {
    let server = stub_answering(json!({"hits": {}})).await;
    let mut config = client_config(&[server.uri()]);
    config.log_queries = true;
    let (client, logs) = client(config);

    let scoped =
        client.as_scoped(&FakeRequest::new().with_header("authorization", "Bearer secret-token"));
    scoped
        .call_as_current_user(
            "search",
            json!({"index": "logs", "size": 1, "body": {"query": {"match_all": {}}}}),
            CallApiOptions::default(),
        )
        .await
        .unwrap();

    let records = logs.records();
    let queries: Vec<_> = records
        .iter()
        .filter(|record| record.context == "elasticsearch.query.data")
        .collect();
    assert_eq!(queries.len(), 1);
    assert_eq!(queries[0].level, LogLevel::Debug);
    assert_eq!(
        queries[0].message,
        "200\nPOST /logs/_search?size=1\n{\"query\":{\"match_all\":{}}}"
    );
    for record in &records {
        assert!(
            !record.message.contains("secret-token") && !record.message.contains("changeme"),
            "{record:?}"
        );
    }
}

#[tokio::test]
async fn queries_are_not_logged_by_default() {
    let server = stub_answering(json!({})).await;
    let (client, logs) = stub_client(&server);
    client
        .call_as_internal_user("ping", json!({}), CallApiOptions::default())
        .await
        .unwrap();
    assert!(
        logs.records()
            .iter()
            .all(|record| !record.context.starts_with("elasticsearch.query"))
    );
}

#[tokio::test]
async fn typed_clients_carry_the_right_credentials() {
    let server = stub_answering(json!({})).await;
    let (client, _) = stub_client(&server);

    let internal = client.internal_user_client().unwrap();
    let response = internal.ping().send().await.unwrap();
    assert_eq!(response.status_code().as_u16(), 200);
    let scoped =
        client.as_scoped(&FakeRequest::new().with_header("authorization", "Bearer user-token"));
    scoped
        .current_user_client()
        .unwrap()
        .ping()
        .send()
        .await
        .unwrap();

    let requests = recorded(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(
        headers(&requests[0])
            .get("authorization")
            .map(String::as_str),
        Some(INTERNAL_BASIC)
    );
    assert_eq!(
        headers(&requests[1])
            .get("authorization")
            .map(String::as_str),
        Some("Bearer user-token")
    );
    assert_eq!(
        headers(&requests[1]).get("x-custom").map(String::as_str),
        Some("custom-value")
    );
}

#[tokio::test]
async fn debug_output_never_shows_credentials() {
    let server = stub_answering(json!({})).await;
    let (client, _) = stub_client(&server);
    let request = FakeRequest::new().with_header("authorization", "Bearer user-token");
    let scoped = client.as_scoped(&request);

    let printed = format!("{client:?} {scoped:?} {request:?} {:?}", client.config());
    assert!(!printed.contains("changeme"), "{printed}");
    assert!(!printed.contains("user-token"), "{printed}");
    assert!(
        !printed.contains("custom-value"),
        "custom header values may be tokens: {printed}"
    );
    assert!(printed.contains("[redacted]"));
}
