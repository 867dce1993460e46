//! One debug line per response under `http.server.response`, without secrets.

use core_http::{RouteConfig, RouteValidation};
use core_logging::LogLevel;
use serde_json::json;

use crate::harness::start_server;

#[tokio::test]
async fn each_response_is_logged_once_without_credentials() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("");
        router.get(
            RouteConfig::new("/hello", RouteValidation::none()),
            |req, res| async move { Ok(res.ok(json!({ "id": req.id().as_str() }))) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server
        .send(
            server
                .client
                .get(server.url("/hello?token=query-secret"))
                .header("authorization", "Basic c2VjcmV0LWF1dGg=")
                .header("cookie", "sid=secret-cookie"),
        )
        .await;
    let request_id = reply.json()["id"].as_str().unwrap().to_owned();
    server.get("/missing").await;

    let responses: Vec<_> = server
        .logs
        .records()
        .into_iter()
        .filter(|record| record.context == "http.server.response")
        .collect();
    assert_eq!(responses.len(), 2, "{responses:#?}");
    assert!(
        responses
            .iter()
            .all(|record| record.level == LogLevel::Debug)
    );
    let hello = &responses[0];
    assert!(
        hello.message.starts_with("GET /hello 200 "),
        "{}",
        hello.message
    );
    assert!(hello.message.contains(&request_id));
    let meta = hello.meta.as_ref().unwrap();
    assert_eq!(meta.get("statusCode"), Some(&json!(200)));
    assert_eq!(meta.get("requestId"), Some(&json!(request_id)));
    assert!(meta.get("responseTimeMs").is_some_and(|ms| ms.is_f64()));
    assert!(
        responses[1].message.starts_with("GET /missing 404 "),
        "{}",
        responses[1].message
    );

    let everything = format!("{:?}", server.logs.records());
    for secret in ["c2VjcmV0LWF1dGg=", "secret-cookie", "query-secret"] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked into the logs"
        );
    }
    server.stop().await;
}
