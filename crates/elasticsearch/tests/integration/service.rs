//! ElasticsearchService: clients and their contexts, the health check and version rule, status, stop.

use std::sync::Arc;
use std::time::Duration;

use core_config::{ConfigService, Env, EnvOptions, PackageInfo, SupportedElasticsearch};
use core_elasticsearch::testing::{RecordedAnswer, RecordedCluster};
use core_elasticsearch::{
    CallApiOptions, ClientConfigOverrides, ElasticsearchError, ElasticsearchService,
    ElasticsearchStatus,
};
use core_logging::LogLevel;
use core_logging::testing::{CapturedLogs, capturing_logger_factory};
use serde_json::{Value, json};
use tokio::sync::watch;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{recorded, refused_url};

fn service(section: Value) -> (ElasticsearchService, CapturedLogs) {
    let env = Env::new(EnvOptions {
        // Where Kibana 7.2.0 stood, so that Kibana's cases hold: 7.2 supported, tested up to 7.2.
        package_info: Some(PackageInfo {
            version: "7.2.0".to_owned(),
            elasticsearch: vec![SupportedElasticsearch {
                major: 7,
                min_minor: 2,
                tested_minor: 2,
            }],
            ..PackageInfo::default()
        }),
        ..EnvOptions::default()
    });
    let config =
        ConfigService::from_value(json!({ "elasticsearch": section }), Arc::new(env)).unwrap();
    let (factory, logs) = capturing_logger_factory();
    (ElasticsearchService::new(config, factory), logs)
}

async fn cluster(versions: &[&str]) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let mut nodes = serde_json::Map::new();
    for (index, version) in versions.iter().enumerate() {
        nodes.insert(
            format!("node-{index}"),
            json!({"version": version, "ip": "127.0.0.1", "http": {"publish_address": format!("127.0.0.1:920{index}")}}),
        );
    }
    Mock::given(method("GET"))
        .and(path("/_nodes"))
        .and(query_param(
            "filter_path",
            "nodes.*.version,nodes.*.http.publish_address,nodes.*.ip",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "nodes": nodes })))
        .mount(&server)
        .await;
    server
}

/// Waits until the status satisfies `done`; the timeout only guards against a hang.
async fn wait_for(
    status: &mut watch::Receiver<ElasticsearchStatus>,
    done: impl Fn(&ElasticsearchStatus) -> bool,
) -> ElasticsearchStatus {
    let result = tokio::time::timeout(
        Duration::from_secs(30),
        status.wait_for(|status| done(status)),
    )
    .await;
    result
        .expect("the status never got there")
        .expect("the service is alive")
        .clone()
}

#[tokio::test]
async fn setup_creates_admin_and_data_clients_with_their_log_contexts() {
    let server = cluster(&["7.2.0"]).await;
    let (mut service, logs) = service(json!({"hosts": server.uri(), "logQueries": true}));
    let setup = service.setup().await.unwrap();
    let contract = &setup.contract;

    contract
        .admin_client
        .call_as_internal_user("ping", json!({}), CallApiOptions::default())
        .await
        .unwrap();
    contract
        .data_client
        .call_as_internal_user("ping", json!({}), CallApiOptions::default())
        .await
        .unwrap();
    let custom = contract
        .create_client("reporting", ClientConfigOverrides::default())
        .unwrap();
    custom
        .call_as_internal_user("ping", json!({}), CallApiOptions::default())
        .await
        .unwrap();

    let contexts: Vec<String> = logs
        .records()
        .into_iter()
        .filter(|r| r.level == LogLevel::Debug)
        .map(|r| r.context)
        .collect();
    assert!(
        contexts.contains(&"elasticsearch.query.admin".to_owned()),
        "{contexts:?}"
    );
    assert!(
        contexts.contains(&"elasticsearch.query.data".to_owned()),
        "{contexts:?}"
    );
    assert!(
        contexts.contains(&"elasticsearch.query.reporting".to_owned()),
        "{contexts:?}"
    );
    assert!(
        logs.lines()
            .contains(&"[debug][elasticsearch.service] Creating elasticsearch clients".to_owned())
    );
    service.stop().await;
}

#[tokio::test]
async fn an_available_cluster_of_the_same_version_is_available() {
    let server = cluster(&["7.2.0", "7.2.0"]).await;
    let (mut service, logs) =
        service(json!({"hosts": server.uri(), "username": "kibana", "password": "pw"}));
    let setup = service.setup().await.unwrap();
    let mut status = setup.status.clone();
    service.start().await.unwrap();

    assert_eq!(
        wait_for(&mut status, ElasticsearchStatus::is_available).await,
        ElasticsearchStatus::Available
    );
    let requests = recorded(&server).await;
    assert_eq!(requests[0].method.as_str(), "HEAD");
    assert_eq!(requests[1].url.path(), "/_nodes");
    assert!(
        logs.messages_at(LogLevel::Warn).is_empty(),
        "{:?}",
        logs.lines()
    );
    service.stop().await;
}

#[tokio::test]
async fn the_service_starts_while_elasticsearch_is_down_and_says_so() {
    let (mut service, logs) =
        service(json!({"hosts": refused_url(), "healthCheck": {"delay": "1h"}}));
    let setup = service.setup().await.unwrap();
    service.start().await.unwrap();

    match &*setup.status.borrow() {
        ElasticsearchStatus::Unavailable { reason } => {
            assert!(reason.contains("cannot connect"), "{reason}")
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert!(
        logs.messages_at(LogLevel::Error)
            .iter()
            .any(|m| m.starts_with("Unable to connect to Elasticsearch. Error: "))
    );
    service.stop().await;
}

#[tokio::test]
async fn an_incompatible_node_makes_the_cluster_incompatible() {
    let server = cluster(&["7.2.0", "6.8.0"]).await;
    let (mut service, logs) = service(json!({"hosts": server.uri()}));
    let setup = service.setup().await.unwrap();
    let mut status = setup.status.clone();
    service.start().await.unwrap();

    let expected = "This version of Kibana (v7.2.0) is incompatible with the following Elasticsearch nodes in your cluster: v6.8.0 @ 127.0.0.1:9201 (127.0.0.1)";
    let verdict = wait_for(&mut status, |s| {
        matches!(s, ElasticsearchStatus::Incompatible { .. })
    })
    .await;
    assert_eq!(
        verdict,
        ElasticsearchStatus::Incompatible {
            reason: expected.to_owned()
        }
    );
    assert!(
        logs.messages_at(LogLevel::Error)
            .contains(&expected.to_owned())
    );
    service.stop().await;
}

#[tokio::test]
async fn an_older_minor_is_incompatible_but_ignore_version_mismatch_keeps_going() {
    let server = cluster(&["7.1.0"]).await;
    let (mut service, logs) =
        service(json!({"hosts": server.uri(), "ignoreVersionMismatch": true}));
    let setup = service.setup().await.unwrap();
    let mut status = setup.status.clone();
    service.start().await.unwrap();

    assert_eq!(
        wait_for(&mut status, ElasticsearchStatus::is_available).await,
        ElasticsearchStatus::Available
    );
    let warnings = logs.messages_at(LogLevel::Warn);
    assert!(
        warnings
            .iter()
            .any(|m| m.contains("incompatible") && m.contains("v7.1.0 @ 127.0.0.1:9200")),
        "{warnings:?}"
    );
    service.stop().await;
}

#[tokio::test]
async fn a_newer_minor_is_available_with_one_warning() {
    let server = cluster(&["7.3.1"]).await;
    let (mut service, logs) = service(json!({"hosts": server.uri(), "healthCheck": {"delay": 20}}));
    let setup = service.setup().await.unwrap();
    let mut status = setup.status.clone();
    service.start().await.unwrap();
    assert_eq!(
        wait_for(&mut status, ElasticsearchStatus::is_available).await,
        ElasticsearchStatus::Available
    );
    // Let a few more checks run: the warning is not repeated.
    while recorded(&server).await.len() < 8 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let expected = "You're running Kibana 7.2.0 with some different versions of Elasticsearch. Update Kibana or Elasticsearch to the same version to prevent compatibility issues: v7.3.1 @ 127.0.0.1:9200 (127.0.0.1)";
    assert_eq!(logs.messages_at(LogLevel::Warn), vec![expected.to_owned()]);
    service.stop().await;
}

#[tokio::test]
async fn the_health_check_notices_when_elasticsearch_comes_back() {
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let (mut service, _) = service(json!({"hosts": server.uri(), "healthCheck": {"delay": 20}}));
    let setup = service.setup().await.unwrap();
    let mut status = setup.status.clone();
    service.start().await.unwrap();
    let down = wait_for(
        &mut status,
        |s| matches!(s, ElasticsearchStatus::Unhealthy { reason } if reason.contains("503")),
    )
    .await;
    assert!(!down.is_available());
    // It answered: not "unable to connect".
    assert!(
        down.message()
            .starts_with("Unable to retrieve version information from Elasticsearch nodes. "),
        "{}",
        down.message()
    );

    server.reset().await;
    Mock::given(method("HEAD"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/_nodes"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"nodes": {"a": {"version": "7.2.0"}}})),
        )
        .mount(&server)
        .await;
    assert_eq!(
        wait_for(&mut status, ElasticsearchStatus::is_available).await,
        ElasticsearchStatus::Available
    );
    service.stop().await;
}

#[tokio::test]
async fn stop_closes_every_client_it_handed_out() {
    let server = cluster(&["7.2.0"]).await;
    let (mut service, logs) = service(json!({"hosts": server.uri()}));
    let setup = service.setup().await.unwrap();
    let custom = setup
        .contract
        .create_client("custom", ClientConfigOverrides::default())
        .unwrap();
    service.start().await.unwrap();
    service.stop().await;

    for client in [
        &setup.contract.admin_client,
        &setup.contract.data_client,
        &custom,
    ] {
        let error = client
            .call_as_internal_user("ping", json!({}), CallApiOptions::default())
            .await
            .unwrap_err();
        assert_eq!(error, ElasticsearchError::Closed);
    }
    let lines = logs.lines();
    assert!(
        lines.contains(&"[debug][elasticsearch.service] Stopping elasticsearch service".to_owned()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"[debug][elasticsearch.service] Closing elasticsearch clients".to_owned()),
        "{lines:?}"
    );
}

#[tokio::test]
async fn an_invalid_config_fails_setup_with_the_key_path() {
    let (mut service, _) = service(json!({"ssl": {"verificationMode": "certificate"}}));
    let error = service.setup().await.unwrap_err();
    assert!(matches!(error, ElasticsearchError::InvalidConfig(_)));
    assert!(
        error
            .to_string()
            .starts_with("[elasticsearch.ssl.verificationMode]: "),
        "{error}"
    );
}

/// A stub answering the health check as the recorded cluster `name`.
async fn recorded_cluster(name: &str) -> (MockServer, RecordedCluster) {
    let cluster = core_elasticsearch::testing::recorded_cluster(name).expect("a recorded cluster");
    let template = |answer: &RecordedAnswer| {
        let mut template = ResponseTemplate::new(answer.status);
        for (name, value) in &answer.headers {
            template = template.insert_header(name.as_str(), value.as_str());
        }
        if let Some(body) = &answer.body {
            template = template.set_body_raw(body.clone(), "application/json");
        }
        template
    };
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .and(path("/"))
        .respond_with(template(&cluster.ping))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/_nodes"))
        .respond_with(template(&cluster.nodes))
        .mount(&server)
        .await;
    (server, cluster)
}

#[tokio::test]
async fn recorded_7_17_8_and_9_clusters_are_available_with_the_default_range() {
    for name in ["7.17", "8.x", "9.x"] {
        let (server, cluster) = recorded_cluster(name).await;
        let env = Env::new(EnvOptions::default());
        assert_eq!(
            env.package_info.elasticsearch,
            SupportedElasticsearch::defaults()
        );
        let config = ConfigService::from_value(
            json!({ "elasticsearch": { "hosts": server.uri() } }),
            Arc::new(env),
        )
        .unwrap();
        let (factory, logs) = capturing_logger_factory();
        let mut service = ElasticsearchService::new(config, factory);
        let setup = service.setup().await.unwrap();
        let mut status = setup.status.clone();
        service.start().await.unwrap();
        assert_eq!(
            wait_for(&mut status, |s| !matches!(
                s,
                ElasticsearchStatus::Unavailable { .. }
            ))
            .await,
            ElasticsearchStatus::Available,
            "{} ({name})",
            cluster.version
        );
        assert!(
            logs.messages_at(LogLevel::Warn).is_empty(),
            "{name}: {:?}",
            logs.lines()
        );
        // Plain JSON, which 7.17, 8.x and 9.x all accept: no `compatible-with` media type.
        for request in recorded(&server).await {
            let accept = request
                .headers
                .get("accept")
                .map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(accept.as_deref(), Some("application/json"), "{name}");
        }
        service.stop().await;
    }
}

#[tokio::test]
async fn a_cluster_older_than_7_17_is_incompatible_with_the_default_range() {
    let server = cluster(&["7.16.3"]).await;
    let config = ConfigService::from_value(
        json!({ "elasticsearch": { "hosts": server.uri() } }),
        Arc::new(Env::new(EnvOptions::default())),
    )
    .unwrap();
    let (factory, _logs) = capturing_logger_factory();
    let mut service = ElasticsearchService::new(config, factory);
    let setup = service.setup().await.unwrap();
    let mut status = setup.status.clone();
    service.start().await.unwrap();
    let verdict = wait_for(&mut status, |s| {
        matches!(s, ElasticsearchStatus::Incompatible { .. })
    })
    .await;
    assert_eq!(
        verdict,
        ElasticsearchStatus::Incompatible {
            reason: format!(
                "This version of Kibana (v{}) is incompatible with the following Elasticsearch nodes in your cluster: v7.16.3 @ 127.0.0.1:9200 (127.0.0.1)",
                env!("CARGO_PKG_VERSION")
            )
        }
    );
    service.stop().await;
}
