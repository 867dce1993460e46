//! The `otlp` feature: spans go through `tracing-opentelemetry` (to an in-memory exporter
//! here, installed once for this test binary), and the trace the exporter sees is the one
//! forwarded to Elasticsearch.
#![cfg(feature = "otlp")]

use std::sync::OnceLock;

use core_logging::testing::capturing_logger_factory;
use core_server::runtime::Server;
use core_server::{
    CallApiOptions, Core, CoreSetup, CoreStart, Plugin, PluginRegistration, RouteConfig,
    RouteValidation, SetupDeps, StartDeps,
};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt as _;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn exporter() -> &'static InMemorySpanExporter {
    static EXPORTER: OnceLock<InMemorySpanExporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        exporter
    })
}

struct Traced;

impl Plugin<Core> for Traced {
    type Setup = ();
    type Start = ();

    async fn setup(&mut self, core: CoreSetup, _deps: SetupDeps) -> anyhow::Result<()> {
        let mut router = core.http.create_router("/api/traced");
        router.get(
            RouteConfig::new("/{name}", RouteValidation::none()),
            |ctx, _req, res| async move {
                ctx.elasticsearch
                    .data_client()
                    .call_as_current_user(
                        "security.authenticate",
                        Value::Null,
                        CallApiOptions::default(),
                    )
                    .await?;
                Ok(res.ok(json!({})))
            },
        );
        core.http.register_router(router)?;
        Ok(())
    }

    async fn start(&mut self, core: CoreStart, _deps: StartDeps) -> anyhow::Result<()> {
        // A call outside any request.
        core.elasticsearch
            .admin_client
            .call_as_internal_user("info", Value::Null, CallApiOptions::default())
            .await?;
        Ok(())
    }
}

const CALLER: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.as_str().into_owned())
}

/// What one server run sent and exported.
struct Run {
    /// The `traceparent` of the request's call.
    forwarded: String,
    /// The `traceparent` of the call the plugin made at start, outside any request.
    forwarded_at_start: String,
    /// The exported request span.
    request: SpanData,
    /// Its exported children.
    children: Vec<SpanData>,
    /// Every span exported so far (by this test binary).
    spans: Vec<SpanData>,
}

/// The `traceparent` Elasticsearch received with the call to `path`.
fn forwarded(requests: &[wiremock::Request], path: &str) -> String {
    requests
        .iter()
        .find(|request| request.url.path() == path)
        .unwrap_or_else(|| panic!("a call to {path}"))
        .headers
        .get("traceparent")
        .unwrap_or_else(|| panic!("traceparent forwarded to {path}"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The `traceparent` value naming `span` as the parent.
fn traceparent_of(span: &SpanData) -> String {
    format!(
        "00-{}-{}-01",
        span.span_context.trace_id(),
        span.span_context.span_id()
    )
}

/// Starts a server (whose plugin calls Elasticsearch at start) and sends
/// `GET /api/traced/<name>` with [`CALLER`].
async fn traced_request(server_settings: Value, name: &str) -> Run {
    let exporter = exporter();
    let es = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "cluster_name": "c" })))
        .mount(&es)
        .await;
    Mock::given(method("GET"))
        .and(path("/_security/_authenticate"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "username": "ana" })))
        .mount(&es)
        .await;
    let mut server_config = json!({ "host": "127.0.0.1", "port": 0 });
    for (key, value) in server_settings.as_object().unwrap() {
        server_config[key] = value.clone();
    }
    let config = json!({
        "server": server_config,
        "elasticsearch": { "hosts": [es.uri()], "healthCheck": { "delay": "1h" } },
        // The test's subscriber is already in place: core's exporter stays idle, but its
        // request-span hook is set.
        "telemetry": { "tracing": { "enabled": true,
                                    "exporter": { "otlp": { "endpoint": "http://127.0.0.1:9/v1/traces" } } } },
    });
    let (loggers, _logs) = capturing_logger_factory();
    let registration = PluginRegistration::new::<Traced>(
        r#"{ "id": "tracer", "version": "1.0.0", "kibanaVersion": "kibana", "server": true }"#,
        "test/tracer/kibana.json",
        |_| Traced,
    );
    let mut server = Server::new(
        core_config::testing::config_from_json(config),
        &loggers,
        vec![registration],
    )
    .unwrap();
    server.setup().await.expect("setup");
    let address = server
        .start()
        .await
        .expect("start")
        .http
        .local_addr()
        .unwrap();
    let response = reqwest::Client::new()
        .get(format!("http://{address}/api/traced/{name}"))
        .header("traceparent", CALLER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    server.stop().await;

    let requests = es.received_requests().await.unwrap();
    let forwarded_at_start = forwarded(&requests, "/");
    let forwarded = forwarded(&requests, "/_security/_authenticate");
    let spans = exporter.get_finished_spans().unwrap();
    let request = spans
        .iter()
        .find(|span| {
            span.name == "http.request"
                && attribute(span, "http.route").as_deref() == Some("/api/traced/{name}")
                && forwarded.contains(&span.span_context.trace_id().to_string())
        })
        .cloned()
        .expect("the exported request span");
    let children = spans
        .iter()
        .filter(|span| span.parent_span_id == request.span_context.span_id())
        .cloned()
        .collect();
    Run {
        forwarded,
        forwarded_at_start,
        request,
        children,
        spans,
    }
}

#[tokio::test]
async fn exported_spans_continue_a_trusted_trace_and_match_the_forwarded_header() {
    let run = traced_request(
        json!({ "requestId": { "ipAllowlist": ["127.0.0.1"] } }),
        "trusted",
    )
    .await;
    let request = &run.request;
    assert_eq!(request.span_context.trace_id().to_string(), CALLER_TRACE);
    assert_eq!(request.parent_span_id.to_string(), "00f067aa0ba902b7");
    assert_eq!(
        attribute(request, "http.response.status_code").as_deref(),
        Some("200")
    );
    assert_eq!(
        attribute(request, "trace.id").as_deref(),
        Some(CALLER_TRACE)
    );
    let call = run
        .children
        .iter()
        .find(|span| span.name == "elasticsearch.call")
        .unwrap_or_else(|| panic!("{:?}", run.children));
    // Elasticsearch names the exported call span as its parent.
    assert_eq!(run.forwarded, traceparent_of(call));
    assert!(
        run.forwarded.starts_with(&format!("00-{CALLER_TRACE}-")),
        "{}",
        run.forwarded
    );

    let run = traced_request(json!({}), "untrusted").await;
    let trace_id = run.request.span_context.trace_id().to_string();
    assert_ne!(trace_id, CALLER_TRACE);
    let call = run
        .children
        .iter()
        .find(|span| span.name == "elasticsearch.call")
        .unwrap_or_else(|| panic!("{:?}", run.children));
    assert_eq!(run.forwarded, traceparent_of(call));
    assert!(
        run.forwarded.starts_with(&format!("00-{trace_id}-")),
        "{}",
        run.forwarded
    );
}

#[tokio::test]
async fn a_call_outside_a_request_forwards_its_exported_span() {
    let run = traced_request(json!({}), "startup").await;
    let call = run
        .spans
        .iter()
        .find(|span| traceparent_of(span) == run.forwarded_at_start)
        .unwrap_or_else(|| panic!("no exported span is {}", run.forwarded_at_start));
    assert_eq!(call.name, "elasticsearch.call");
    assert_eq!(attribute(call, "url.path").as_deref(), Some("/"));
}
