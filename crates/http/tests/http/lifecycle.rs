//! setup / start / stop, autoListen, port in use, graceful stop.

use std::sync::Arc;
use std::time::Duration;

use core_http::{HttpError, HttpService, RouteConfig, RouteValidation};
use serde_json::json;
use tokio::sync::Notify;

use crate::harness::{
    server_config, setup_service, setup_service_with_workers, start_server, try_start_server,
};

#[tokio::test]
async fn listening_only_between_start_and_stop() {
    let (mut service, setup, logs) = setup_service(json!({ "basePath": "/kbn" })).await;
    insta::assert_snapshot!(
        serde_json::to_string(setup.http.server_info()).unwrap(),
        @r#"{"host":"127.0.0.1","port":0,"protocol":"http","basePath":"/kbn"}"#
    );
    assert_eq!(setup.config.base_path(), Some("/kbn"));
    assert!(!setup.http.is_tls_enabled());
    let start = service.start().await.unwrap();
    assert!(start.is_listening());
    let addr = start.local_addr().unwrap();
    assert_eq!(
        reqwest::get(format!("http://{addr}/"))
            .await
            .unwrap()
            .status(),
        404
    );
    assert!(
        logs.lines()
            .iter()
            .any(|line| line.ends_with(&format!("http server running at http://{addr}"))),
        "{:?}",
        logs.lines()
    );
    service.stop().await.unwrap();
    assert!(!start.is_listening());
    assert!(
        reqwest::get(format!("http://{addr}/")).await.is_err(),
        "connection refused after stop"
    );
    // Stopping twice is harmless.
    service.stop().await.unwrap();
}

#[tokio::test]
async fn the_listening_line_carries_the_base_path_only_when_the_server_strips_it() {
    let (mut service, _setup, logs) =
        setup_service(json!({ "basePath": "/kbn", "rewriteBasePath": true })).await;
    let start = service.start().await.unwrap();
    let addr = start.local_addr().unwrap();
    assert!(
        logs.lines()
            .iter()
            .any(|line| line.ends_with(&format!("http server running at http://{addr}/kbn"))),
        "{:?}",
        logs.lines()
    );
    service.stop().await.unwrap();
}

#[tokio::test]
async fn start_before_setup_is_refused() {
    let config = core_config::testing::config_from_json(server_config(json!({})));
    let (loggers, _logs) = core_logging::testing::capturing_logger_factory();
    let mut service = HttpService::new(&config, &loggers).unwrap();
    let err = service.start().await.unwrap_err();
    assert!(matches!(err, HttpError::NotSetUp));
    assert_eq!(err.to_string(), "Http server is not setup up yet");
    service.stop().await.unwrap();
}

#[tokio::test]
async fn auto_listen_false_does_not_bind() {
    let server = start_server(json!({ "autoListen": false }), |_| {}).await;
    assert!(!server.start.is_listening());
    assert_eq!(server.start.local_addr(), None);
    server.stop().await;
}

#[tokio::test]
async fn port_in_use_names_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let err = match try_start_server(json!({ "port": port }), |_| {}).await {
        Err(err) => err,
        Ok(_) => panic!("port {port} should be in use"),
    };
    assert!(
        matches!(err, HttpError::PortInUse { port: p, .. } if p == port),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "Port {port} is already in use. Another instance of Kibana may be running! (cannot listen on 127.0.0.1:{port} for server.port)"
        )
    );
}

#[tokio::test]
async fn stop_lets_an_in_flight_request_finish() {
    let entered = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let (handler_entered, handler_release) = (Arc::clone(&entered), Arc::clone(&release));
    let mut server = start_server(json!({}), move |http| {
        let mut router = http.create_router("");
        router.get(
            RouteConfig::new("/slow", RouteValidation::none()),
            move |_req, res| {
                let (entered, release) =
                    (Arc::clone(&handler_entered), Arc::clone(&handler_release));
                async move {
                    entered.notify_one();
                    release.notified().await;
                    Ok(res.ok("finished"))
                }
            },
        );
        http.register_router(router).unwrap();
    })
    .await;

    let addr = server.start.local_addr().unwrap();
    let in_flight = tokio::spawn(server.client.get(server.url("/slow")).send());
    entered.notified().await;
    let stopping = tokio::spawn(async move {
        server.service.stop().await.unwrap();
        server.start
    });
    // Wait until the server has stopped accepting (so the stop is really under way), then let
    // the handler finish: the in-flight request must still complete.
    let mut refused = false;
    for _ in 0..500 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        refused,
        "the server kept accepting connections after stop began"
    );
    release.notify_one();
    let response = in_flight
        .await
        .unwrap()
        .expect("in-flight request completes");
    assert_eq!(response.status(), 200);
    // Answered during the drain: the client is told not to reuse the connection.
    assert_eq!(
        response
            .headers()
            .get("connection")
            .and_then(|value| value.to_str().ok()),
        Some("close")
    );
    assert_eq!(response.text().await.unwrap(), "finished");
    let start = stopping.await.unwrap();
    assert!(!start.is_listening());
}

/// Reads one HTTP/1.1 response (head and a `Content-Length` body) from `stream`; `None` when
/// the connection ends first.
async fn read_response(stream: &mut tokio::net::TcpStream) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if received.len() >= end + 4 + length {
                return Some(text);
            }
        }
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return None,
            Ok(Ok(read)) => received.extend_from_slice(&chunk[..read]),
            Err(_) => panic!("no response within 10 s"),
        }
    }
}

#[tokio::test]
async fn stop_answers_a_request_sent_on_an_idle_keep_alive_connection_before_the_stop() {
    use tokio::io::AsyncWriteExt;
    // One worker, kept busy by a handler that holds its thread: a request that reaches an idle
    // keep-alive connection meanwhile waits unread in the socket while the stop begins.
    let (mut service, setup, _logs) = setup_service_with_workers(json!({}), 1).await;
    let entered = Arc::new(std::sync::Barrier::new(2));
    let handler_entered = Arc::clone(&entered);
    let mut router = setup.http.create_router("");
    router.get(
        RouteConfig::new("/fast", RouteValidation::none()),
        |_req, res| async move { Ok(res.ok("fast")) },
    );
    router.get(
        RouteConfig::new("/busy", RouteValidation::none()),
        move |_req, res| {
            let entered = Arc::clone(&handler_entered);
            async move {
                entered.wait();
                std::thread::sleep(Duration::from_millis(50));
                Ok(res.ok("busy"))
            }
        },
    );
    setup.http.register_router(router).unwrap();
    let start = service.start().await.unwrap();
    let addr = start.local_addr().unwrap();

    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /fast HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let first = read_response(&mut idle).await.expect("first answer");
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");

    let mut busy = tokio::net::TcpStream::connect(addr).await.unwrap();
    busy.write_all(b"GET /busy HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let waiter = Arc::clone(&entered);
    tokio::task::spawn_blocking(move || waiter.wait())
        .await
        .unwrap();
    // The worker is busy: this request waits unread when the stop begins.
    idle.write_all(b"GET /fast HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let stopping = tokio::spawn(async move {
        service.stop().await.unwrap();
    });

    let answer = read_response(&mut idle)
        .await
        .expect("the request sent before the stop is answered");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    let busy_answer = read_response(&mut busy).await.expect("busy answer");
    assert!(busy_answer.ends_with("busy"), "{busy_answer}");
    stopping.await.unwrap();
    assert!(!start.is_listening());
}
