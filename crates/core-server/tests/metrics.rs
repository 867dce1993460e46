//! Ops metrics, `/api/stats` and the Prometheus endpoint, on a real server over loopback.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use core_server::testing::TestServer;
use core_server::{
    Core, CoreSetup, CoreStart, MetricsServiceStart, Plugin, PluginRegistration, RouteConfig,
    RouteValidation, SetupDeps, StartDeps,
};
use serde::Deserialize;
use serde_json::{Value, json};

/// Serves `GET /api/probe/hello/{name}` and `GET /api/probe/ops` (the latest ops metrics
/// core handed the plugin at start).
struct Probe {
    metrics: Arc<OnceLock<MetricsServiceStart>>,
}

#[derive(Deserialize)]
struct Name {
    #[allow(dead_code)]
    name: String,
}

impl Plugin<Core> for Probe {
    type Setup = ();
    type Start = ();

    async fn setup(&mut self, core: CoreSetup, _deps: SetupDeps) -> anyhow::Result<()> {
        let mut router = core.http.create_router("/api/probe");
        let metrics = Arc::clone(&self.metrics);
        router
            .get(
                RouteConfig::new("/hello/{name}", RouteValidation::new().params::<Name>()),
                |_ctx, _req, res| async move { Ok(res.ok(json!({ "hello": true }))) },
            )
            .get(
                RouteConfig::new("/ops", RouteValidation::none()),
                move |_ctx, _req, res| {
                    let ops = metrics.get().map(|start| {
                        let latest = start.ops_metrics().borrow().clone();
                        (latest, start.collection_interval())
                    });
                    async move {
                        let (latest, interval) = ops.expect("set at start");
                        Ok(res.ok(json!({
                            "metrics": latest,
                            "interval_ms": interval.as_millis() as u64,
                        })))
                    }
                },
            );
        core.http.register_router(router)?;
        Ok(())
    }

    async fn start(&mut self, core: CoreStart, _deps: StartDeps) -> anyhow::Result<()> {
        let _ = self.metrics.set(core.metrics);
        Ok(())
    }
}

fn probe() -> PluginRegistration {
    let manifest =
        r#"{ "id": "probe", "version": "1.0.0", "kibanaVersion": "kibana", "server": true }"#;
    PluginRegistration::new::<Probe>(manifest, "test/probe/kibana.json", |_| Probe {
        metrics: Arc::default(),
    })
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn get_json(server: &TestServer, path: &str) -> (u16, Value) {
    let response = client().get(server.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Asks `/api/probe/ops` until `done` holds, at most for ten seconds.
async fn ops_until(server: &TestServer, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let (_, body) = get_json(server, "/api/probe/ops").await;
        if done(&body["metrics"]) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the ops metrics never got there")
}

#[tokio::test]
async fn plugins_read_ops_metrics_collected_every_interval_and_logged_under_metrics_ops() {
    let server = TestServer::start(vec![probe()], json!({ "ops": { "interval": "100ms" } }))
        .await
        .unwrap();
    for name in ["a", "b", "c"] {
        let response = client()
            .get(server.url(&format!("/api/probe/hello/{name}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    // A later collection counts the three answers (each collection resets the counters).
    let body = ops_until(&server, |metrics| {
        metrics["requests"]["status_codes"]["200"].as_u64() >= Some(3)
    })
    .await;
    assert_eq!(body["interval_ms"], 100);
    let metrics = &body["metrics"];
    assert!(metrics["process"]["memory"]["resident_set_size_in_bytes"].as_u64() > Some(0));
    assert_eq!(metrics["process"]["pid"], std::process::id());
    assert!(metrics["process"]["event_loop_delay"].as_f64() >= Some(0.0));
    assert!(metrics["runtime"]["workers"].as_u64() >= Some(1));
    assert!(metrics["os"]["memory"]["total_in_bytes"].as_u64() > Some(0));
    assert!(metrics["response_times"]["max_in_millis"].as_f64() >= Some(0.0));
    assert!(metrics["concurrent_connections"].is_u64());

    let lines: Vec<String> = server
        .logs()
        .records()
        .into_iter()
        .filter(|record| record.context == "metrics.ops")
        .map(|record| record.message)
        .collect();
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("memory: ") && line.contains(" delay: ")),
        "{lines:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn ops_interval_is_checked() {
    let error = TestServer::start(vec![], json!({ "ops": { "interval": "1ms" } }))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("[ops.interval]"), "{error}");
}

#[tokio::test]
async fn stats_has_kibanas_shape_and_extended_adds_the_cluster_uuid() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let es = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "cluster_uuid": "c-1" })))
        .mount(&es)
        .await;
    let server = TestServer::start(
        vec![probe()],
        json!({
            "server": { "name": "stats-test" },
            "elasticsearch": { "hosts": [es.uri()] },
        }),
    )
    .await
    .unwrap();

    let (status, stats) = get_json(&server, "/api/stats").await;
    assert_eq!(status, 200, "{stats}");
    let kibana = &stats["kibana"];
    assert!(kibana["uuid"].is_string());
    assert_eq!(kibana["name"], "stats-test");
    assert_eq!(kibana["index"], ".kibana");
    assert_eq!(kibana["host"], "127.0.0.1");
    assert_eq!(kibana["transport_address"], "127.0.0.1:0");
    assert!(kibana["version"].is_string());
    assert!(kibana["snapshot"].is_boolean());
    assert!(["green", "yellow", "red"].contains(&kibana["status"].as_str().unwrap()));
    assert!(stats["last_updated"].as_str().unwrap().ends_with('Z'));
    assert_eq!(stats["collection_interval_in_millis"], 5000);
    for field in [
        "process",
        "os",
        "response_times",
        "requests",
        "concurrent_connections",
    ] {
        assert!(!stats[field].is_null(), "no {field} in {stats}");
    }
    assert!(stats["requests"]["status_codes"].is_object());
    assert!(stats["os"]["load"]["1m"].is_number());
    assert!(stats.get("cluster_uuid").is_none());

    for query in ["?extended=true", "?extended"] {
        let (status, extended) = get_json(&server, &format!("/api/stats{query}")).await;
        assert_eq!(status, 200);
        assert_eq!(extended["cluster_uuid"], "c-1", "{query}: {extended}");
    }
    let (status, _) = get_json(&server, "/api/stats?extended=maybe").await;
    assert_eq!(status, 400);
    server.stop().await;
}

#[tokio::test]
async fn extended_stats_leave_the_cluster_uuid_out_when_elasticsearch_is_down() {
    let server = TestServer::start(
        vec![],
        json!({ "elasticsearch": { "hosts": ["http://127.0.0.1:9"], "requestTimeout": "2s" } }),
    )
    .await
    .unwrap();
    let (status, stats) = get_json(&server, "/api/stats?extended=true").await;
    assert_eq!(status, 200, "{stats}");
    assert!(stats.get("cluster_uuid").is_none());
    assert!(stats["kibana"].is_object());
    server.stop().await;
}

/// One sample line of the text format: `name{labels} value`, checked as Prometheus reads it.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

/// Parses the exposition text: `# TYPE`/`# HELP`/`# UNIT` comments, samples, and the final
/// `# EOF`; panics on anything else.
fn parse_exposition(text: &str) -> Vec<Sample> {
    let mut lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.pop(), Some("# EOF"), "no # EOF at the end of {text}");
    let mut samples = Vec::new();
    for line in lines {
        if let Some(comment) = line.strip_prefix("# ") {
            let kind = comment.split(' ').next().unwrap();
            assert!(
                ["TYPE", "HELP", "UNIT"].contains(&kind),
                "bad comment: {line}"
            );
            continue;
        }
        let name_end = line
            .find(['{', ' '])
            .unwrap_or_else(|| panic!("bad line: {line}"));
        let name = &line[..name_end];
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad name: {line}"
        );
        let mut rest = &line[name_end..];
        let mut labels = Vec::new();
        if let Some(inner) = rest.strip_prefix('{') {
            let mut remaining = inner;
            loop {
                let (key, after) = remaining
                    .split_once("=\"")
                    .unwrap_or_else(|| panic!("bad label: {line}"));
                let end = after
                    .find('"')
                    .unwrap_or_else(|| panic!("bad label: {line}"));
                labels.push((key.to_owned(), after[..end].to_owned()));
                remaining = &after[end + 1..];
                if let Some(next) = remaining.strip_prefix(',') {
                    remaining = next;
                } else {
                    rest = remaining
                        .strip_prefix('}')
                        .unwrap_or_else(|| panic!("bad labels: {line}"));
                    break;
                }
            }
        }
        let value = rest
            .trim()
            .split(' ')
            .next()
            .unwrap()
            .parse::<f64>()
            .unwrap_or_else(|_| panic!("bad value: {line}"));
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    samples
}

#[tokio::test]
async fn prometheus_is_off_by_default() {
    let server = TestServer::start(vec![probe()], json!({})).await.unwrap();
    let response = client()
        .get(server.url("/api/metrics/prometheus"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    server.stop().await;
}

#[tokio::test]
async fn prometheus_exposes_ops_metrics_and_latencies_by_route_template() {
    let server = TestServer::start(
        vec![probe()],
        json!({ "metrics": { "prometheus": { "enabled": true } } }),
    )
    .await
    .unwrap();
    for name in ["a", "b"] {
        let response = client()
            .get(server.url(&format!("/api/probe/hello/{name}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let status = client()
        .get(server.url("/api/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 200);
    let response = client()
        .get(server.url("/api/metrics/prometheus"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    let samples = parse_exposition(&text);
    assert!(!text.contains("/api/probe/hello/a"), "a raw path: {text}");
    // Only the series that have seen a request: nothing answered 1xx or 5xx here.
    for class in ["1xx", "5xx"] {
        assert!(
            !text.contains(&format!("status_class=\"{class}\"")),
            "an empty {class} series: {text}"
        );
    }

    let count = samples
        .iter()
        .find(|sample| {
            sample.name == "kibana_http_server_request_duration_seconds_count"
                && sample.labels
                    == [
                        ("route".to_owned(), "/api/probe/hello/{name}".to_owned()),
                        ("method".to_owned(), "GET".to_owned()),
                        ("status_class".to_owned(), "2xx".to_owned()),
                        ("plugin".to_owned(), "probe".to_owned()),
                    ]
        })
        .unwrap_or_else(|| panic!("no count for the hello route in {text}"));
    assert_eq!(count.value, 2.0);
    // Core's own routes are there too, owned by core.
    assert!(samples.iter().any(|sample| {
        sample
            .labels
            .iter()
            .any(|(key, value)| key == "route" && value == "/api/status")
            && sample
                .labels
                .iter()
                .any(|(key, value)| key == "plugin" && value == "core")
    }));
    let value_of = |name: &str| {
        samples
            .iter()
            .find(|sample| sample.name == name)
            .unwrap_or_else(|| panic!("no {name} in {text}"))
            .value
    };
    assert!(value_of("kibana_process_resident_memory_bytes") > 0.0);
    assert!(value_of("kibana_process_cpu_seconds_total") >= 0.0);
    assert!(value_of("kibana_runtime_workers") >= 1.0);
    assert!(value_of("kibana_os_memory_total_bytes") > 0.0);
    server.stop().await;
}

#[test]
fn the_exposition_check_can_fail() {
    for bad in [
        "kibana_x 1\n",
        "kibana_x{a=\"1\" 1\n# EOF",
        "kibana x 1\n# EOF",
        "kibana_x one\n# EOF",
    ] {
        assert!(
            std::panic::catch_unwind(|| parse_exposition(bad)).is_err(),
            "{bad}"
        );
    }
}
