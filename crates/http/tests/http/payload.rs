//! Payload limits: `server.maxPayload` and a route's own `body_max_size`.

use core_http::{RouteConfig, RouteOptions, RouteValidation};
use serde_json::json;

use crate::harness::{TestServer, error_body, start_server};

async fn server() -> TestServer {
    start_server(json!({ "maxPayload": "1kb" }), |http| {
        let mut router = http.create_router("");
        router
            .post(RouteConfig::new("/any", RouteValidation::new().body::<serde_json::Value>()), |req, res| async move {
                Ok(res.ok(json!({ "len": req.body().to_string().len() })))
            })
            .post(
                RouteConfig::new("/small", RouteValidation::none()).options(RouteOptions::new().body_max_size(10)),
                |_req, res| async move { Ok(res.no_content()) },
            )
            .post(
                RouteConfig::new("/big", RouteValidation::none()).options(RouteOptions::new().body_max_size(4096)),
                |_req, res| async move { Ok(res.no_content()) },
            );
        http.register_router(router).unwrap();
    })
    .await
}

fn json_of_size(size: usize) -> String {
    format!("\"{}\"", "x".repeat(size - 2))
}

#[tokio::test]
async fn bodies_over_max_payload_are_413() {
    let server = server().await;
    let at_limit = server
        .send(
            server
                .client
                .post(server.url("/any"))
                .header("content-type", "application/json")
                .body(json_of_size(1024)),
        )
        .await;
    assert_eq!(at_limit.status, 200, "{}", at_limit.text);
    let over = server
        .send(
            server
                .client
                .post(server.url("/any"))
                .header("content-type", "application/json")
                .body(json_of_size(1025)),
        )
        .await;
    assert_eq!(
        (over.status, over.json()),
        (
            413,
            error_body(
                413,
                "Request Entity Too Large",
                "Payload content length greater than maximum allowed: 1024"
            )
        )
    );
    server.stop().await;
}

#[tokio::test]
async fn chunked_bodies_without_length_are_counted_too() {
    let server = server().await;
    let chunks = futures::stream::iter((0..20).map(|_| Ok::<_, std::io::Error>(vec![b' '; 100])));
    let over = server
        .send(
            server
                .client
                .post(server.url("/any"))
                .header("content-type", "application/json")
                .body(reqwest::Body::wrap_stream(chunks)),
        )
        .await;
    assert_eq!(over.status, 413);
    server.stop().await;
}

#[tokio::test]
async fn route_limits_override_the_server_limit() {
    let server = server().await;
    assert_eq!(
        server
            .send(server.client.post(server.url("/small")).body("0123456789"))
            .await
            .status,
        204
    );
    assert_eq!(
        server
            .send(server.client.post(server.url("/small")).body("0123456789a"))
            .await
            .status,
        413
    );
    assert_eq!(
        server
            .send(
                server
                    .client
                    .post(server.url("/big"))
                    .body(vec![b'a'; 3000])
            )
            .await
            .status,
        204
    );
    server.stop().await;
}
