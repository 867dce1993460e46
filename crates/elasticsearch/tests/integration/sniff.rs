//! Sniffing: the cluster's nodes join a client's hosts and leave them, the configured hosts stay
//! as seeds, and the service sniffs on start, on an interval and after connection faults.

use std::sync::Arc;
use std::time::Duration;

use core_config::{ConfigService, Env, EnvOptions};
use core_elasticsearch::{CallApiOptions, ElasticsearchClientConfig, ElasticsearchService};
use core_logging::testing::capturing_logger_factory;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{client, client_config, recorded, refused_url};

/// A stub node: it answers the nodes request as the cluster does, and anything else with
/// `{"node": name}`.
struct Node {
    server: MockServer,
    name: &'static str,
}

impl Node {
    async fn start(name: &'static str) -> Self {
        Self {
            server: MockServer::start().await,
            name,
        }
    }

    fn address(&self) -> std::net::SocketAddr {
        *self.server.address()
    }

    fn uri(&self) -> String {
        self.server.uri()
    }
}

/// The answer of `GET /_nodes/_all/http?filter_path=nodes.*.http.publish_address` listing
/// `nodes` (as `ip:port`, and the first as `name/ip:port`, as Elasticsearch publishes them).
fn nodes_answer(nodes: &[&Node]) -> Value {
    let mut answer = serde_json::Map::new();
    for (index, node) in nodes.iter().enumerate() {
        let address = node.address();
        let published = if index == 0 {
            format!("localhost/{address}")
        } else {
            address.to_string()
        };
        answer.insert(
            format!("node-{index}"),
            json!({ "http": { "publish_address": published } }),
        );
    }
    json!({ "nodes": answer })
}

/// Every node of `cluster` answers the nodes request with `answer` from now on: as in a real
/// cluster, any node may be asked.
async fn publish(cluster: &[&Node], answer: Value) {
    for node in cluster {
        node.server.reset().await;
        Mock::given(method("GET"))
            .and(path("/_nodes/_all/http"))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer.clone()))
            .mount(&node.server)
            .await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "node": node.name })))
            .mount(&node.server)
            .await;
    }
}

/// How many nodes requests `node` received.
async fn sniffs_at(node: &Node) -> usize {
    recorded(&node.server)
        .await
        .iter()
        .filter(|request| request.url.path() == "/_nodes/_all/http")
        .count()
}

/// Which nodes answer `count` calls.
async fn answering(client: &core_elasticsearch::ClusterClient, count: usize) -> Vec<String> {
    let mut names = Vec::new();
    for _ in 0..count {
        let answer = client
            .call_as_internal_user("cluster.health", json!({}), CallApiOptions::default())
            .await
            .unwrap();
        names.push(answer["node"].as_str().unwrap().to_owned());
    }
    names.sort();
    names.dedup();
    names
}

#[tokio::test]
async fn nodes_join_and_leave_and_the_seed_stays() {
    let (seed, first, second) = (
        Node::start("seed").await,
        Node::start("first").await,
        Node::start("second").await,
    );
    let cluster = [&seed, &first, &second];
    publish(&cluster, nodes_answer(&[&first, &second])).await;
    let (client, _) = client(client_config(&[seed.uri()]));

    let hosts = client.sniff().await.unwrap();
    assert_eq!(
        hosts,
        [
            seed.uri(),
            format!("http://localhost:{}", first.address().port()),
            second.uri(),
        ]
    );
    assert_eq!(answering(&client, 6).await, ["first", "second", "seed"]);
    // The nodes request asked for the HTTP addresses only.
    let sniffs: Vec<_> = recorded(&seed.server)
        .await
        .into_iter()
        .filter(|request| request.url.path() == "/_nodes/_all/http")
        .collect();
    assert_eq!(
        sniffs[0].url.query(),
        Some("filter_path=nodes.*.http.publish_address")
    );

    // `first` leaves the cluster.
    publish(&cluster, nodes_answer(&[&second])).await;
    let hosts = client.sniff().await.unwrap();
    assert_eq!(
        hosts,
        [
            seed.uri(),
            format!("http://localhost:{}", second.address().port())
        ]
    );
    assert_eq!(answering(&client, 4).await, ["second", "seed"]);

    // An empty answer leaves the seed: a client never runs out of hosts.
    publish(&cluster, json!({ "nodes": {} })).await;
    assert_eq!(client.sniff().await.unwrap(), [seed.uri()]);
}

#[tokio::test]
async fn a_flapping_seed_stays_listed_while_the_sniffed_nodes_serve() {
    let dead_seed = refused_url();
    let (live_seed, other) = (Node::start("seed").await, Node::start("other").await);
    publish(&[&live_seed, &other], nodes_answer(&[&other])).await;
    let (client, _) = client(client_config(&[dead_seed.clone(), live_seed.uri()]));

    // The sniff itself fails over from the dead seed.
    let hosts = client.sniff().await.unwrap();
    assert_eq!(
        hosts,
        [
            dead_seed.clone(),
            live_seed.uri(),
            format!("http://localhost:{}", other.address().port()),
        ]
    );
    assert_eq!(answering(&client, 6).await, ["other", "seed"]);
    let dead = client
        .host_statuses()
        .into_iter()
        .find(|status| status.url == dead_seed)
        .unwrap();
    assert!(!dead.alive);
}

#[tokio::test]
async fn a_connection_fault_sniffs_when_sniff_on_connection_fault_is_on() {
    let (seed, other) = (Node::start("seed").await, Node::start("other").await);
    publish(&[&seed, &other], nodes_answer(&[&other])).await;
    let (client, _) = client(ElasticsearchClientConfig {
        sniff_on_connection_fault: true,
        ..client_config(&[refused_url(), seed.uri()])
    });

    // Round-robin starts at the refused host: the call fails over, and the fault sniffs.
    client
        .call_as_internal_user("cluster.health", json!({}), CallApiOptions::default())
        .await
        .unwrap();
    let other_url = format!("http://localhost:{}", other.address().port());
    for _ in 0..500 {
        if client
            .host_statuses()
            .iter()
            .any(|host| host.url == other_url)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no sniff after the fault: {:?}", client.host_statuses());
}

#[tokio::test]
async fn the_service_sniffs_on_start_and_on_its_interval() {
    let (seed, other) = (Node::start("seed").await, Node::start("other").await);
    publish(&[&seed, &other], nodes_answer(&[&other])).await;
    let config = ConfigService::from_value(
        json!({ "elasticsearch": {
            "hosts": seed.uri(), "sniffOnStart": true, "sniffInterval": "50ms",
            "healthCheck": { "delay": "1h" },
        } }),
        Arc::new(Env::new(EnvOptions::default())),
    )
    .unwrap();
    let (factory, _logs) = capturing_logger_factory();
    let mut service = ElasticsearchService::new(config, factory);
    let setup = service.setup().await.unwrap();
    service.start().await.unwrap();

    // On start, then every 50 ms, for the admin and the data client.
    let sniffs = || async { sniffs_at(&seed).await + sniffs_at(&other).await };
    for _ in 0..500 {
        if sniffs().await >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(sniffs().await >= 6, "{} sniffs", sniffs().await);
    let other_url = format!("http://localhost:{}", other.address().port());
    for client in [&setup.contract.admin_client, &setup.contract.data_client] {
        assert!(
            client
                .host_statuses()
                .iter()
                .any(|host| host.url == other_url)
        );
    }
    service.stop().await;
    // Stopped: no more sniffs.
    let after_stop = sniffs().await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(sniffs().await, after_stop);
}
