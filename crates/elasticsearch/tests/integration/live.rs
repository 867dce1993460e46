//! Against a real cluster: runs only when `ELASTICSEARCH_HOSTS` is set (comma-separated URLs; credentials from
//! `ELASTICSEARCH_USERNAME` / `ELASTICSEARCH_PASSWORD`), otherwise prints why it is skipped.

use core_elasticsearch::{
    CallApiOptions, ClusterClient, ElasticsearchClientConfig, FakeRequest, Secret,
};
use serde_json::json;

fn live_client() -> Option<ClusterClient> {
    let Ok(hosts) = std::env::var("ELASTICSEARCH_HOSTS") else {
        eprintln!(
            "skipped: set ELASTICSEARCH_HOSTS (e.g. http://localhost:9200) to run the live Elasticsearch tests"
        );
        return None;
    };
    let config = ElasticsearchClientConfig {
        hosts: hosts
            .split(',')
            .map(|host| host.trim().to_owned())
            .collect(),
        username: std::env::var("ELASTICSEARCH_USERNAME").ok(),
        password: std::env::var("ELASTICSEARCH_PASSWORD")
            .ok()
            .map(Secret::new),
        ..ElasticsearchClientConfig::default()
    };
    let (factory, _) = core_logging::testing::capturing_logger_factory();
    Some(
        ClusterClient::new(config, &factory, "live")
            .expect("ELASTICSEARCH_* describe a valid client"),
    )
}

#[tokio::test]
async fn live_ping_info_and_index_round_trip() {
    let Some(client) = live_client() else { return };
    let options = CallApiOptions::default;
    assert_eq!(
        client
            .call_as_internal_user("ping", json!({}), options())
            .await
            .unwrap(),
        json!(true)
    );
    let info = client
        .call_as_internal_user("info", json!({}), options())
        .await
        .unwrap();
    assert!(info.pointer("/version/number").is_some(), "{info}");

    let index = format!("core-elasticsearch-live-{}", std::process::id());
    client
        .call_as_internal_user("indices.create", json!({"index": index}), options())
        .await
        .unwrap();
    let bulk = json!({"index": index, "refresh": "true", "body": [{"index": {"_id": "1"}}, {"message": "hello"}]});
    let answer = client
        .call_as_internal_user("bulk", bulk, options())
        .await
        .unwrap();
    assert_eq!(answer["errors"], json!(false), "{answer}");
    let found = client
        .call_as_internal_user(
            "search",
            json!({"index": index, "body": {"query": {"match": {"message": "hello"}}}}),
            options(),
        )
        .await
        .unwrap();
    assert_eq!(
        found.pointer("/hits/hits/0/_id"),
        Some(&json!("1")),
        "{found}"
    );
    assert_eq!(
        client
            .call_as_internal_user("indices.exists", json!({"index": index}), options())
            .await
            .unwrap(),
        json!(true)
    );
    client
        .call_as_internal_user("indices.delete", json!({"index": index}), options())
        .await
        .unwrap();
}

#[tokio::test]
async fn live_current_user_without_credentials_is_rejected_when_security_is_on() {
    let Some(client) = live_client() else { return };
    if std::env::var("ELASTICSEARCH_USERNAME").is_err() {
        eprintln!(
            "skipped: set ELASTICSEARCH_USERNAME/PASSWORD (a cluster with security) to check 401 wrapping live"
        );
        return;
    }
    let scoped = client.as_scoped(&FakeRequest::new());
    let error = scoped
        .call_as_current_user("search", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();
    assert!(error.is_not_authorized(), "{error:?}");
    assert!(error.www_authenticate().is_some());
}
