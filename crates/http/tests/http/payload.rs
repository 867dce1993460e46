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

/// A body that arrives slower than `server.socketTimeout` allows gets `408` and a closed
/// connection, so trickling clients cannot hold connections (and file descriptors) forever;
/// other clients are served meanwhile.
#[tokio::test]
async fn a_body_that_trickles_in_too_slowly_is_408() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let server = start_server(json!({ "socketTimeout": 600 }), |http| {
        let mut router = http.create_router("");
        router
            .post(
                RouteConfig::new("/any", RouteValidation::new().body::<serde_json::Value>()),
                |_req, res| async move { Ok(res.no_content()) },
            )
            .get(
                RouteConfig::new("/fast", RouteValidation::none()),
                |_req, res| async move { Ok(res.no_content()) },
            );
        http.register_router(router).unwrap();
    })
    .await;
    let addr = server.base_url.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(
            b"POST /any HTTP/1.1\r\nhost: localhost\r\nkbn-xsrf: true\r\ncontent-type: application/json\r\n\
              content-length: 100\r\n\r\n\"",
        )
        .await
        .unwrap();
    let started = Instant::now();
    // One byte every 100 ms: the 100-byte body would take 10 s.
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if writer.write_all(b"x").await.is_err() {
                break;
            }
        }
    });
    assert_eq!(
        server.get("/fast").await.status,
        204,
        "others are served meanwhile"
    );
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes within the timeout")
        .unwrap();
    let elapsed = started.elapsed();
    trickle.abort();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains(
            r#""statusCode":408,"error":"Request Time-out","message":"Request Time-out""#
        ),
        "{answer}"
    );
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(
        elapsed >= Duration::from_millis(500),
        "answered after {elapsed:?}"
    );
    assert_eq!(server.get("/fast").await.status, 204);
    server.stop().await;
}

/// Two `Content-Type` headers: which one would the body be read as? Refused, not guessed.
#[tokio::test]
async fn two_content_types_are_400() {
    let server = server().await;
    let reply = server
        .send(
            server
                .client
                .post(server.url("/any"))
                .header("content-type", "application/json")
                .header("content-type", "text/plain")
                .body("{}"),
        )
        .await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            400,
            error_body(
                400,
                "Bad Request",
                "[request headers.content-type]: expected one content-type header but got several"
            )
        )
    );
    server.stop().await;
}

/// A client that never reads its response cannot keep it in memory: once nothing it was sent
/// has been acknowledged for `server.socketTimeout`, the connection is closed (on Linux, where
/// the kernel enforces it). Without the bound, the client could read the whole answer whenever
/// it liked.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_client_that_does_not_read_its_response_is_dropped() {
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    // Larger than what the loopback socket buffers on both sides can hold.
    const BIG: usize = 48 << 20;
    let server = start_server(json!({ "socketTimeout": 500 }), |http| {
        let mut router = http.create_router("");
        router.get(
            RouteConfig::new("/big", RouteValidation::none()),
            |_req, res| async move { Ok(res.ok(bytes::Bytes::from(vec![b'x'; BIG]))) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let addr = server.base_url.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(b"GET /big HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .unwrap();
    // Not reading for four times the timeout.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut received = 0_usize;
    let mut buffer = vec![0_u8; 1 << 20];
    loop {
        match tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(read)) => received += read,
        }
    }
    assert!(
        received < BIG,
        "the whole answer ({received} bytes) was kept for a client that did not read"
    );
    assert_eq!(server.get("/big").await.status, 200, "others are served");
    server.stop().await;
}
