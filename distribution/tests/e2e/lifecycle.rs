//! Graceful shutdown with a request in flight, SIGINT, and SIGHUP reloading the config.

use serde_json::json;

use crate::harness::{Binary, Home, Launch, unreachable_elasticsearch};

#[tokio::test]
async fn sigterm_lets_a_slow_request_finish_then_exits_zero() {
    let home = Home::new();
    let es = unreachable_elasticsearch();
    let mut server = Launch::new(Binary::Fixtures, &home)
        .elasticsearch(&es)
        .start()
        .await;

    let (client, url) = (server.client.clone(), server.url("/api/slow/1500"));
    let in_flight = tokio::spawn(async move {
        let response = client
            .get(url)
            .send()
            .await
            .expect("the slow request is answered");
        (
            response.status().as_u16(),
            response.json::<serde_json::Value>().await.expect("JSON"),
        )
    });
    server.process.wait_for_line("slow request started").await;
    server.process.signal("TERM");

    let (status, body) = in_flight.await.unwrap();
    assert_eq!((status, body), (200, json!({ "waited_ms": 1500 })));
    assert_eq!(server.process.wait_for_exit().await, 0);

    let output = &server.process.output;
    let order = [
        "SIGTERM received",
        "slow plugin stopped",
        "slow request finished",
        "Server stopped",
    ]
    .map(|needle| {
        output
            .position(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{}", output.text()))
    });
    assert!(
        order.windows(2).all(|pair| pair[0] < pair[1]),
        "order {order:?}:\n{}",
        output.text()
    );
}

#[tokio::test]
async fn sigint_stops_gracefully_too() {
    let home = Home::new();
    let es = unreachable_elasticsearch();
    let mut server = Launch::new(Binary::Server, &home)
        .elasticsearch(&es)
        .start()
        .await;
    server.process.signal("INT");
    assert_eq!(server.process.wait_for_exit().await, 0);
    assert!(server.process.output.position("SIGINT received").is_some());
}

#[tokio::test]
async fn sighup_reloads_logging_levels_and_plugin_config() {
    let home = Home::new();
    let es = unreachable_elasticsearch();
    let config = format!("elasticsearch.hosts: [\"{es}\"]\n");
    let path = home.write("config/kibana.yml", &config);
    let mut server = Launch::new(Binary::Server, &home).start().await;

    assert_eq!(
        server.get("/api/greeting/hello/Ana").await.1,
        json!({ "message": "Hello, Ana!" })
    );
    // Debug records of the greeting plugin are below the default level.
    let marker = "greeted a name of 3 characters";
    assert!(server.process.output.position(marker).is_none());

    std::fs::write(
        &path,
        format!(
            "{config}greeting.greeting: Hi\nserver.maxPayload: 2mb\nlogging:\n  loggers:\n    - context: plugins.greeting\n      level: debug\n"
        ),
    )
    .unwrap();
    server.process.signal("HUP");
    server
        .process
        .wait_for_line("Reloaded logging configuration due to SIGHUP.")
        .await;
    server
        .process
        .wait_for_line("greeting config reloaded")
        .await;
    server
        .process
        .wait_for_line("The [server] configuration changed")
        .await;

    assert_eq!(
        server.get("/api/greeting/hello/Ana").await.1,
        json!({ "message": "Hi, Ana!" })
    );
    server.process.wait_for_line(marker).await;

    // A broken file keeps the previous config in force.
    std::fs::write(&path, "greeting: [unclosed\n").unwrap();
    server.process.signal("HUP");
    server
        .process
        .wait_for_line("Reloading the configuration failed")
        .await;
    assert_eq!(
        server.get("/api/greeting/hello/Bo").await.1,
        json!({ "message": "Hi, Bo!" })
    );

    assert_eq!(server.stop().await, 0);
}

#[tokio::test]
async fn sigterm_during_a_hanging_plugin_setup_stops_without_waiting_for_the_timeout() {
    let home = Home::new();
    let es = unreachable_elasticsearch();
    let mut process = Launch::new(Binary::Fixtures, &home)
        .env("CORE_SERVER_FIXTURES", "setup-timeout")
        .elasticsearch(&es)
        .arg("--plugins.lifecycleTimeout=1h")
        .spawn();
    process
        .wait_for_line("[plugins.sleepy] Setting up plugin")
        .await;
    process.signal("TERM");
    assert_eq!(process.wait_for_exit().await, 0);
    let output = process.output.text();
    assert!(
        output.contains("SIGTERM received during startup, stopping"),
        "{output}"
    );
    assert!(!output.contains("[FATAL]"), "{output}");
}
