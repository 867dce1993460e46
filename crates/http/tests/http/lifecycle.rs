//! setup / start / stop, autoListen, port in use, graceful stop.

use std::sync::Arc;
use std::time::Duration;

use core_http::{HttpError, HttpService, RouteConfig, RouteValidation};
use serde_json::json;
use tokio::sync::Notify;

use crate::harness::{server_config, setup_service, start_server, try_start_server};

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
