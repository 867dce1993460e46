//! Spans and trace context end to end: a recording `tracing` subscriber (installed once for
//! this test binary, so the server's worker threads see it), a real server and a stub
//! Elasticsearch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use core_logging::testing::capturing_logger_factory;
use core_server::runtime::Server;
use core_server::{
    CallApiOptions, Core, CoreSetup, CoreStart, Plugin, PluginRegistration, RouteConfig,
    RouteValidation, SetupDeps, StartDeps,
};
use serde_json::{Value, json};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// One recorded span: its name, parent and fields (as text).
#[derive(Debug, Clone, Default)]
struct Recorded {
    name: String,
    parent: Option<u64>,
    fields: HashMap<String, String>,
}

#[derive(Default)]
struct Fields<'a>(Option<&'a mut HashMap<String, String>>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if let Some(fields) = &mut self.0 {
            fields.insert(field.name().to_owned(), format!("{value:?}"));
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if let Some(fields) = &mut self.0 {
            fields.insert(field.name().to_owned(), value.to_owned());
        }
    }
}

type Spans = Arc<Mutex<HashMap<u64, Recorded>>>;

struct Recorder(Spans);

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent())
            .map(|parent| parent.id().into_u64());
        let mut recorded = Recorded {
            name: attrs.metadata().name().to_owned(),
            parent,
            fields: HashMap::new(),
        };
        attrs.record(&mut Fields(Some(&mut recorded.fields)));
        self.0.lock().unwrap().insert(id.into_u64(), recorded);
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        if let Some(recorded) = self.0.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Fields(Some(&mut recorded.fields)));
        }
    }
}

/// The spans recorded by the subscriber of this test binary.
fn spans() -> &'static Spans {
    static SPANS: OnceLock<Spans> = OnceLock::new();
    SPANS.get_or_init(|| {
        let spans = Spans::default();
        let subscriber = tracing_subscriber::registry().with(Recorder(Arc::clone(&spans)));
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        spans
    })
}

/// `GET /api/traced/whoami`: one Elasticsearch call as the current user.
struct Traced;

impl Plugin<Core> for Traced {
    type Setup = ();
    type Start = ();

    async fn setup(&mut self, core: CoreSetup, _deps: SetupDeps) -> anyhow::Result<()> {
        let mut router = core.http.create_router("/api/traced");
        router.get(
            RouteConfig::new("/{name}", RouteValidation::none()),
            |ctx, _req, res| async move {
                let me = ctx
                    .elasticsearch
                    .data_client()
                    .call_as_current_user(
                        "security.authenticate",
                        Value::Null,
                        CallApiOptions::default(),
                    )
                    .await?;
                Ok(res.ok(json!({ "user": me["username"] })))
            },
        );
        core.http.register_router(router)?;
        Ok(())
    }

    async fn start(&mut self, _core: CoreStart, _deps: StartDeps) -> anyhow::Result<()> {
        Ok(())
    }
}

fn registration() -> PluginRegistration {
    PluginRegistration::new::<Traced>(
        r#"{ "id": "tracer", "version": "1.0.0", "kibanaVersion": "kibana", "server": true }"#,
        "test/tracer/kibana.json",
        |_| Traced,
    )
}

fn config(es: &str, server: Value, telemetry: Value) -> Value {
    let mut server_config = json!({ "host": "127.0.0.1", "port": 0 });
    for (key, value) in server.as_object().unwrap() {
        server_config[key] = value.clone();
    }
    json!({
        "server": server_config,
        "elasticsearch": { "hosts": [es], "healthCheck": { "delay": "1h" } },
        "telemetry": telemetry,
    })
}

fn new_server(config: Value) -> Server {
    let (loggers, _logs) = capturing_logger_factory();
    Server::new(
        core_config::testing::config_from_json(config),
        &loggers,
        vec![registration()],
    )
    .expect("valid server config")
}

const CALLER: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// Sends `GET /api/traced/<name>` with the caller's `traceparent` to a server with `server`
/// settings; returns the `traceparent` Elasticsearch received, the request span and the
/// Elasticsearch call spans (children of the request span).
async fn traced_request(server_settings: Value, name: &str) -> (String, Recorded, Vec<Recorded>) {
    let spans = spans();
    let es = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/_security/_authenticate"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "username": "ana" })))
        .mount(&es)
        .await;
    let mut server = new_server(config(&es.uri(), server_settings, json!({})));
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

    let received = es.received_requests().await.unwrap();
    let forwarded = received
        .iter()
        .find(|request| request.url.path() == "/_security/_authenticate")
        .expect("the call")
        .headers
        .get("traceparent")
        .expect("traceparent forwarded")
        .to_str()
        .unwrap()
        .to_owned();
    let spans = spans.lock().unwrap();
    let (request_id, request) = spans
        .iter()
        .find(|(_, span)| {
            span.name == "http.request"
                && span
                    .fields
                    .get("http.response.status_code")
                    .is_some_and(|s| s == "200")
                && span
                    .fields
                    .get("http.route")
                    .is_some_and(|r| r == "/api/traced/{name}")
                && span
                    .fields
                    .get("trace.id")
                    .is_some_and(|id| forwarded.contains(id.as_str()))
        })
        .map(|(id, span)| (*id, span.clone()))
        .expect("the request span");
    let calls = spans
        .values()
        .filter(|span| span.name == "elasticsearch.call" && span.parent == Some(request_id))
        .cloned()
        .collect();
    (forwarded, request, calls)
}

#[tokio::test]
async fn requests_elasticsearch_calls_and_plugin_phases_are_spans_and_share_a_trace() {
    // An untrusted caller's traceparent is ignored: a new trace.
    let (forwarded, request, calls) = traced_request(json!({}), "untrusted").await;
    let trace_id = request.fields["trace.id"].clone();
    assert_eq!(trace_id.len(), 32);
    assert_ne!(trace_id, CALLER_TRACE);
    assert_eq!(request.fields["http.request.method"], "GET");
    assert_eq!(request.fields["kibana.plugin"], "tracer");
    assert_eq!(request.fields["request.id"].len(), 36);
    assert!(
        forwarded.starts_with(&format!("00-{trace_id}-")),
        "{forwarded}"
    );
    assert!(forwarded.ends_with("-01"), "{forwarded}");
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call.fields["url.path"], "/_security/_authenticate");
    assert_eq!(call.fields["http.response.status_code"], "200");
    assert_eq!(call.fields["retries"], "0");
    assert!(call.fields.contains_key("duration_ms"));
    assert!(call.fields["server.address"].starts_with("http://127.0.0.1:"));
    // The header's parent id is the call span's own.
    assert_eq!(&forwarded[36..52], call.fields["span.id"]);

    // A trusted caller's trace is continued.
    let (forwarded, request, calls) = traced_request(
        json!({ "requestId": { "ipAllowlist": ["127.0.0.1"] } }),
        "trusted",
    )
    .await;
    assert_eq!(request.fields["trace.id"], CALLER_TRACE);
    assert!(
        forwarded.starts_with(&format!("00-{CALLER_TRACE}-")),
        "{forwarded}"
    );
    assert_ne!(
        &forwarded[36..52],
        "00f067aa0ba902b7",
        "a span id of our own"
    );
    assert_eq!(calls.len(), 1);

    // Plugin lifecycle phases.
    let spans = spans().lock().unwrap();
    for phase in ["plugin.setup", "plugin.start"] {
        assert!(
            spans
                .values()
                .any(|span| span.name == phase && span.fields["plugin.id"] == "tracer"),
            "{phase}"
        );
    }
}

#[tokio::test]
async fn telemetry_tracing_is_validated() {
    let mut server = new_server(config(
        "http://127.0.0.1:9",
        json!({}),
        json!({ "tracing": { "sample_rate": 2 } }),
    ));
    let error = server.setup().await.unwrap_err().to_string();
    assert!(error.contains("telemetry.tracing.sample_rate"), "{error}");

    let mut server = new_server(config(
        "http://127.0.0.1:9",
        json!({}),
        json!({ "tracing": { "exporter": { "otlp": { "endpoint": "localhost:4318" } } } }),
    ));
    let error = server.setup().await.unwrap_err().to_string();
    assert!(
        error.contains("telemetry.tracing.exporter.otlp.endpoint"),
        "{error}"
    );
}

#[cfg(not(feature = "otlp"))]
#[tokio::test]
async fn enabling_tracing_without_the_otlp_feature_fails_naming_it() {
    let mut server = new_server(config(
        "http://127.0.0.1:9",
        json!({}),
        json!({ "tracing": { "enabled": true } }),
    ));
    let error = server.setup().await.unwrap_err().to_string();
    assert!(error.contains("cargo feature `otlp`"), "{error}");
}
