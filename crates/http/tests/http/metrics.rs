//! The server's request counters and the route observer, over real HTTP.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use core_http::{RouteConfig, RouteInfo, RouteRecorder, RouteValidation, ServerMetricsSnapshot};
use serde::Deserialize;
use serde_json::json;

use crate::harness::{client_builder, setup_service};

#[derive(Deserialize)]
struct Name {
    #[allow(dead_code)]
    name: String,
}

/// Reads the counters until `done` holds for what was collected so far (each read resets the
/// per-interval counters, so the readings are added up), at most for five seconds.
async fn collect_until(
    metrics: &core_http::ServerMetrics,
    done: impl Fn(&ServerMetricsSnapshot, u64) -> bool,
) -> (ServerMetricsSnapshot, u64) {
    let mut disconnects = 0;
    for _ in 0..500 {
        let snapshot = metrics.collect_and_reset();
        disconnects += snapshot.disconnects;
        if done(&snapshot, disconnects) {
            return (snapshot, disconnects);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the counters never got there")
}

#[tokio::test]
async fn counts_requests_status_codes_connections_and_disconnects() {
    let (mut service, setup, _logs) = setup_service(json!({})).await;
    let (started_tx, started_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut router = setup.http.create_router("/m");
    router
        .get(
            RouteConfig::new("/hello/{name}", RouteValidation::new().params::<Name>()),
            |_req, res| async move { Ok(res.ok(json!({ "ok": true }))) },
        )
        .get(
            RouteConfig::new("/hang", RouteValidation::none()),
            move |_req, res| {
                let started = started_tx.clone();
                async move {
                    let _ = started.send(());
                    std::future::pending::<()>().await;
                    Ok(res.ok(json!({})))
                }
            },
        );
    setup.http.register_router(router).unwrap();
    let observed: Arc<Mutex<Vec<(String, u16)>>> = Arc::default();
    let seen = Arc::clone(&observed);
    service.observe_routes(Arc::new(move |route: &RouteInfo| -> RouteRecorder {
        let (seen, path) = (Arc::clone(&seen), route.full_path.clone());
        Box::new(move |status, _elapsed| seen.lock().unwrap().push((path.clone(), status)))
    }));
    let start = service.start().await.unwrap();
    let base = format!("http://{}", start.local_addr().unwrap());
    let metrics = service.server_metrics();

    let client = client_builder().build().unwrap();
    for name in ["a", "b"] {
        let reply = client
            .get(format!("{base}/m/hello/{name}"))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
    }
    let reply = client.get(format!("{base}/nowhere")).send().await.unwrap();
    assert_eq!(reply.status(), 404);

    // The client's keep-alive connection is open.
    let (snapshot, _) = collect_until(&metrics, |_, _| true).await;
    assert_eq!(snapshot.total, 3);
    assert_eq!(snapshot.status_codes.get(&200), Some(&2));
    assert_eq!(snapshot.status_codes.get(&404), Some(&1));
    assert_eq!(snapshot.disconnects, 0);
    assert_eq!(snapshot.concurrent_connections, 1);
    assert!(snapshot.max_response_time_ms >= snapshot.avg_response_time_ms);
    // Only routed responses reach the observer, under the declared path.
    assert_eq!(
        *observed.lock().unwrap(),
        vec![
            ("/m/hello/{name}".to_owned(), 200),
            ("/m/hello/{name}".to_owned(), 200)
        ]
    );

    // A client that closes its connection before its answer is a disconnect.
    let hanging = {
        use tokio::io::AsyncWriteExt;
        let mut stream = tokio::net::TcpStream::connect(start.local_addr().unwrap())
            .await
            .unwrap();
        stream
            .write_all(b"GET /m/hang HTTP/1.1\r\nhost: localhost\r\n\r\n")
            .await
            .unwrap();
        stream
    };
    let mut started_rx = started_rx;
    started_rx.recv().await.unwrap();
    drop(hanging);
    let (_, disconnects) = collect_until(&metrics, |_, disconnects| disconnects == 1).await;
    assert_eq!(disconnects, 1);

    // Closing the connections brings the gauge back to zero.
    drop(client);
    collect_until(&metrics, |snapshot, _| snapshot.concurrent_connections == 0).await;
    service.stop().await.unwrap();
}
