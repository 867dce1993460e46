//! The plugin in a real server on a loopback port, with the greeting plugin it requires and a
//! stub Elasticsearch.

use core_server::testing::TestServer;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn serves_bookmarks_over_http() {
    let es = MockServer::start().await;
    let hits =
        json!({ "hits": { "hits": [ { "_source": { "url": "https://www.rust-lang.org" } } ] } });
    Mock::given(method("POST"))
        .and(path("/bookmarks/_search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(hits))
        .mount(&es)
        .await;
    let server = TestServer::start(
        vec![
            example_greeting_plugin::registration(),
            example_bookmarks_plugin::registration(),
        ],
        json!({ "elasticsearch": { "hosts": [es.uri()] } }),
    )
    .await
    .unwrap();

    let client = reqwest::Client::new();
    let list: Value = client
        .get(server.url("/api/bookmarks?size=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list,
        json!({ "bookmarks": [ { "url": "https://www.rust-lang.org" } ] })
    );
    let welcome = client
        .get(server.url("/api/bookmarks/welcome/Bo"))
        .send()
        .await
        .unwrap();
    assert_eq!(welcome.status(), 200);
    assert_eq!(
        welcome.json::<Value>().await.unwrap(),
        json!({ "message": "Hello, Bo!" })
    );
    server.stop().await;
}

#[tokio::test]
async fn is_disabled_without_the_greeting_plugin() {
    let server = TestServer::start(vec![example_bookmarks_plugin::registration()], json!({}))
        .await
        .unwrap();
    let response = reqwest::get(server.url("/api/bookmarks/welcome/Bo"))
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let disabled = "Plugin \"bookmarks\" has been disabled since some of its direct or transitive dependencies are missing or disabled. Missing or disabled: [greeting]";
    assert!(
        server
            .logs()
            .lines()
            .iter()
            .any(|line| line.contains(disabled)),
        "{:#?}",
        server.logs().lines()
    );
    server.stop().await;
}
