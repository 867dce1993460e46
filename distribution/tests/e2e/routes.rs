//! Default startup, the status API and the example plugins' routes.

use serde_json::json;

use crate::harness::{Binary, Home, Launch, unreachable_elasticsearch};

#[tokio::test]
async fn starts_without_config_or_elasticsearch_and_serves_status_and_examples() {
    let home = Home::new();
    let es = unreachable_elasticsearch();
    let mut server = Launch::new(Binary::Server, &home)
        .elasticsearch(&es)
        .start()
        .await;

    let (status, body) = server.get("/api/status").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"]["number"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["status"]["overall"]["state"], "yellow");
    let statuses = body["status"]["statuses"].as_array().unwrap();
    let entry = |id: &str| {
        statuses
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("no {id}: {body}"))
    };
    assert_eq!(entry("core:elasticsearch")["state"], "red");
    let reason = entry("core:elasticsearch")["message"].as_str().unwrap();
    assert!(
        reason.starts_with("Unable to connect to Elasticsearch. Error: "),
        "{reason}"
    );
    assert!(reason.contains(&es), "{reason}");
    assert_eq!(entry("plugin:greeting@0.1.0")["state"], "green");
    assert_eq!(entry("plugin:search@0.1.0")["state"], "green");

    assert_eq!(
        server.get("/api/greeting/hello").await,
        (200, json!({ "message": "Hello, world!" }))
    );
    assert_eq!(
        server.get("/api/greeting/hello/Ana?uppercase=true").await,
        (200, json!({ "message": "HELLO, ANA!" }))
    );
    let (status, body) = server.get("/api/greeting/hello/Ana?uppercase=maybe").await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("[request query.uppercase]"),
        "{body}"
    );

    let response = server
        .client
        .post(server.url("/api/greeting/greet"))
        .header("kbn-xsrf", "true")
        .json(&json!({ "names": ["Ana", "Bo"], "punctuation": "." }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({ "messages": ["Hello, Ana.", "Hello, Bo."] })
    );
    let response = server
        .client
        .post(server.url("/api/greeting/greet"))
        .header("kbn-xsrf", "true")
        .json(&json!({ "names": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["message"],
        "[request body.names]: array size is [0], but it must be between [1] and [10]"
    );

    // Elasticsearch is down: the search plugin says so, the server keeps serving.
    let (status, body) = server.get("/api/search?q=title:rust").await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Elasticsearch is unavailable"),
        "{body}"
    );
    let (status, body) = server.get("/api/search").await;
    assert_eq!(status, 400, "{body}");

    let (status, body) = server.get("/api/nothing/here").await;
    assert_eq!((status, &body["error"]), (404, &json!("Not Found")));

    assert_eq!(server.stop().await, 0);
    let output = &server.process.output;
    let search_stopped = output
        .position("search plugin stopped")
        .expect("search stopped");
    let greeting_stopped = output
        .position("greeting plugin stopped")
        .expect("greeting stopped");
    assert!(
        search_stopped < greeting_stopped,
        "plugins stop in reverse order:\n{}",
        output.text()
    );
    assert!(
        output.position("[root] Server stopped").is_some(),
        "{}",
        output.text()
    );
}

#[tokio::test]
async fn config_files_then_flags_then_generic_overrides() {
    let home = Home::new();
    // The default config file is picked up from <home>/config/kibana.yml.
    home.write(
        "config/kibana.yml",
        "greeting:\n  greeting: Howdy\n  defaultName: partner\n",
    );
    let extra = home.write("extra.yml", "greeting.defaultName: stranger\n");
    let es = unreachable_elasticsearch();

    let mut defaulted = Launch::new(Binary::Server, &home)
        .elasticsearch(&es)
        .start()
        .await;
    assert_eq!(
        defaulted.get("/api/greeting/hello").await.1,
        json!({ "message": "Howdy, partner!" })
    );
    assert_eq!(defaulted.stop().await, 0);

    let mut layered = Launch::new(Binary::Server, &home)
        .arg("-c")
        .arg(home.path().join("config/kibana.yml").display().to_string())
        .arg("--config")
        .arg(extra.display().to_string())
        .elasticsearch(&es)
        .arg("--greeting.greeting=Ahoy")
        .start()
        .await;
    assert_eq!(
        layered.get("/api/greeting/hello").await.1,
        json!({ "message": "Ahoy, stranger!" })
    );
    assert_eq!(layered.stop().await, 0);

    let mut disabled = Launch::new(Binary::Server, &home)
        .elasticsearch(&es)
        .arg("--greeting.enabled")
        .arg("false")
        .start()
        .await;
    let (status, body) = disabled.get("/api/status").await;
    assert_eq!(status, 200);
    let statuses = body["status"]["statuses"].as_array().unwrap();
    let search = statuses
        .iter()
        .find(|s| s["id"] == "plugin:search")
        .expect("search listed");
    assert_eq!(search["state"], "disabled");
    assert_eq!(disabled.get("/api/greeting/hello").await.0, 404);
    assert_eq!(disabled.stop().await, 0);
}

#[tokio::test]
async fn help_and_version() {
    let home = Home::new();
    let mut help = Launch::new(Binary::Server, &home).arg("--help").spawn();
    assert_eq!(help.wait_for_exit().await, 0);
    let text = help.output.text();
    for flag in [
        "--config",
        "--dev",
        "--host",
        "--port",
        "--elasticsearch",
        "--verbose",
        "--silent",
        "--server.basePath=/kbn",
    ] {
        assert!(text.contains(flag), "--help mentions {flag}:\n{text}");
    }
    let mut version = Launch::new(Binary::Server, &home).arg("--version").spawn();
    assert_eq!(version.wait_for_exit().await, 0);
    assert_eq!(
        version.output.text().trim(),
        format!("core-server {}", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn generic_overrides_reach_core_settings_like_the_base_path() {
    let home = Home::new();
    let es = unreachable_elasticsearch();
    let mut server = Launch::new(Binary::Server, &home)
        .elasticsearch(&es)
        .arg("--server.basePath=/kbn")
        .arg("--server.rewriteBasePath")
        .arg("true")
        .start()
        .await;
    let (status, body) = server.get("/kbn/api/status").await;
    assert_eq!(status, 200, "{body}");
    let http = &body["status"]["statuses"][0];
    assert_eq!(http["id"], "core:http");
    assert!(
        http["message"].as_str().unwrap().ends_with("/kbn"),
        "{http}"
    );
    assert_eq!(
        server.get("/kbn/api/greeting/hello").await,
        (200, json!({ "message": "Hello, world!" }))
    );
    assert_eq!(server.get("/api/greeting/hello").await.0, 404);
    assert_eq!(server.stop().await, 0);
}

/// A client's malformed request is its own mistake: answered 400, and never an ERROR line in
/// the server's log (actix-http logs these at error level; they were one ERROR per request).
#[tokio::test]
async fn malformed_requests_are_answered_400_without_error_lines() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let home = Home::new();
    let mut server = Launch::new(Binary::Server, &home)
        .elasticsearch(&unreachable_elasticsearch())
        .start()
        .await;
    let address = server.base_url.trim_start_matches("http://").to_owned();
    for request in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET /api/status HTTP/1.1\r\nbad header\r\n\r\n",
        b"POST /api/greeting/greet HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n\r\n",
    ] {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            stream.read_to_end(&mut answer),
        )
        .await
        .expect("answered and closed")
        .unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    }
    // The server still serves, then stops; only then is the whole log in.
    assert_eq!(server.get("/api/status").await.0, 200);
    server.stop().await;
    let output = server.process.output.text();
    let client_errors: Vec<&str> = output
        .lines()
        .filter(|line| line.contains("[ERROR]") && line.contains("actix"))
        .collect();
    assert!(client_errors.is_empty(), "{client_errors:?}");
}

#[tokio::test]
async fn the_binary_checks_xsrf_sends_its_headers_and_keeps_its_instance_uuid() {
    let home = Home::new();
    let es = unreachable_elasticsearch();
    let mut server = Launch::new(Binary::Server, &home)
        .elasticsearch(&es)
        .start()
        .await;

    // A form post from another site carries no kbn-xsrf header.
    let response = server
        .client
        .post(server.url("/api/greeting/greet"))
        .json(&json!({ "names": ["Ana"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({
            "statusCode": 400,
            "error": "Bad Request",
            "message": "Request must contain a kbn-xsrf header."
        })
    );

    let response = server
        .client
        .get(server.url("/api/status"))
        .send()
        .await
        .unwrap();
    let headers = response.headers().clone();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
    assert!(headers.contains_key("kbn-name"), "{headers:?}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["name"], headers["kbn-name"].to_str().unwrap());
    let uuid = body["uuid"].as_str().expect("a uuid").to_owned();
    server.stop().await;
    assert_eq!(
        std::fs::read_to_string(home.path().join("data").join("uuid")).unwrap(),
        uuid
    );
}

/// `docs/openapi/openapi.json` is what the binary answers at `GET /api/oas`, pretty-printed (as
/// `cargo xtask openapi` writes it): a stale file fails here as well as in `--check`.
#[tokio::test]
async fn the_checked_in_openapi_document_is_what_the_binary_serves() {
    let home = Home::new();
    let mut server = Launch::new(Binary::Server, &home)
        .elasticsearch(&unreachable_elasticsearch())
        .arg("--server.oas.enabled=true")
        .start()
        .await;
    let (status, document) = server.get("/api/oas").await;
    assert_eq!(status, 200, "{document}");
    let served = serde_json::to_string_pretty(&document).unwrap() + "\n";
    let checked_in = include_str!("../../../docs/openapi/openapi.json");
    assert!(
        served == checked_in,
        "docs/openapi/openapi.json is stale: run `cargo xtask openapi` and commit it"
    );
    assert_eq!(server.stop().await, 0);
}
