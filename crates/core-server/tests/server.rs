//! The composed server in-process: real HTTP on 127.0.0.1:0, test plugins, a stub Elasticsearch.

use std::net::SocketAddr;
use std::sync::Arc;

use core_config::ConfigError;
use core_logging::testing::capturing_logger_factory;
use core_server::runtime::{Server, ServerError};
use core_server::{
    CallApiOptions, Core, CoreSetup, CoreStart, HttpError, Plugin, PluginRegistration, RouteConfig,
    RouteValidation, SetupDeps, StartDeps,
};
use serde_json::{Value, json};
use tokio::sync::Notify;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Registers `GET /api/<prefix>/whoami`, which asks Elasticsearch `security.authenticate` as
/// the current user and as the internal user through the handler context, and checks what
/// core scoped its contracts to.
struct WhoAmI {
    prefix: &'static str,
    /// `start` reports the bound address here, then waits until the test releases it.
    hold_start: Option<HoldStart>,
}

impl Plugin<Core> for WhoAmI {
    type Setup = String;
    type Start = bool;

    async fn setup(&mut self, core: CoreSetup, _deps: SetupDeps) -> anyhow::Result<String> {
        let mut router = core.http.create_router(format!("/api/{}", self.prefix));
        router.get(
            RouteConfig::new("/whoami", RouteValidation::none()),
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
                let core = ctx
                    .elasticsearch
                    .admin_client()
                    .call_as_internal_user(
                        "security.authenticate",
                        Value::Null,
                        CallApiOptions::default(),
                    )
                    .await?;
                Ok(res.ok(json!({ "user": me["username"], "internal": core["username"] })))
            },
        );
        core.http.register_router(router)?;
        Ok(core.http.plugin_id().to_owned())
    }

    async fn start(&mut self, core: CoreStart, _deps: StartDeps) -> anyhow::Result<bool> {
        if let Some(hold) = &self.hold_start {
            let address = core
                .http
                .local_addr()
                .expect("listening before plugins start");
            hold.address
                .send(address)
                .expect("the test waits for the address");
            hold.release.notified().await;
        }
        Ok(core.http.is_listening())
    }
}

#[derive(Clone)]
struct HoldStart {
    address: tokio::sync::mpsc::UnboundedSender<SocketAddr>,
    release: Arc<Notify>,
}

fn registration(
    id: &str,
    prefix: &'static str,
    hold_start: Option<HoldStart>,
) -> PluginRegistration {
    let manifest = format!(
        r#"{{ "id": "{id}", "version": "1.0.0", "kibanaVersion": "kibana", "server": true }}"#
    );
    PluginRegistration::new::<WhoAmI>(manifest, format!("test/{id}/kibana.json"), move |_| {
        WhoAmI { prefix, hold_start }
    })
}

fn server(config: Value, registrations: Vec<PluginRegistration>) -> Server {
    let (loggers, _logs) = capturing_logger_factory();
    Server::new(
        core_config::testing::config_from_json(config),
        &loggers,
        registrations,
    )
    .expect("valid server config")
}

fn base_config(es: &str) -> Value {
    json!({
        "server": { "host": "127.0.0.1", "port": 0 },
        "elasticsearch": { "hosts": [es], "username": "kibana_system", "password": "internal-secret",
                           "healthCheck": { "delay": "1h" } },
    })
}

#[tokio::test]
async fn plugins_get_scoped_contracts_and_handlers_reach_elasticsearch_as_the_user() {
    let es = MockServer::start().await;
    let internal = "Basic a2liYW5hX3N5c3RlbTppbnRlcm5hbC1zZWNyZXQ="; // kibana_system:internal-secret
    Mock::given(method("GET"))
        .and(path("/_security/_authenticate"))
        .and(wiremock::matchers::header("authorization", internal))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "username": "kibana_system" })),
        )
        .mount(&es)
        .await;
    Mock::given(method("GET"))
        .and(path("/_security/_authenticate"))
        .and(wiremock::matchers::header(
            "authorization",
            "Bearer ana-token",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "username": "ana" })))
        .mount(&es)
        .await;

    let mut server = server(
        base_config(&es.uri()),
        vec![
            registration("first", "first", None),
            registration("second", "second", None),
        ],
    );
    let setup = server.setup().await.expect("setup");
    assert_eq!(
        setup.plugins.contracts.get_as::<String>("first").unwrap(),
        "first"
    );
    assert_eq!(
        setup.plugins.contracts.get_as::<String>("second").unwrap(),
        "second"
    );
    let start = server.start().await.expect("start");
    assert_eq!(start.plugins.contracts.get_as::<bool>("first"), Some(&true));

    let address = start.http.local_addr().expect("listening");
    let answer: Value = reqwest::Client::new()
        .get(format!("http://{address}/api/second/whoami"))
        .header("authorization", "Bearer ana-token")
        .header("cookie", "not=forwarded")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({ "user": "ana", "internal": "kibana_system" })
    );
    server.stop().await;

    let calls = es.received_requests().await.unwrap();
    let as_user: Vec<_> = calls
        .iter()
        .filter(|r| {
            r.headers
                .get("authorization")
                .is_some_and(|v| v == "Bearer ana-token")
        })
        .collect();
    assert_eq!(as_user.len(), 1);
    assert!(
        as_user[0].headers.get("cookie").is_none(),
        "only whitelisted headers are forwarded"
    );
}

#[tokio::test]
async fn two_plugins_cannot_shadow_each_others_routes() {
    let mut server = server(
        base_config("http://127.0.0.1:9"),
        vec![
            registration("first", "same", None),
            registration("second", "same", None),
        ],
    );
    let error = server.setup().await.unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, ServerError::Plugins(_)), "{error:?}");
    // Whichever of the two is set up second fails, naming itself, both routes and the owner.
    let (failed, owner) = if message.starts_with("Plugin \"first\"") {
        ("first", "second")
    } else {
        ("second", "first")
    };
    assert!(
        message.ends_with(&format!("registered by plugin \"{owner}\"")),
        "{message}"
    );
    assert!(
        message.starts_with(&format!(
            "Plugin \"{failed}\" failed during setup: route [GET /api/same/whoami]"
        )),
        "{message}"
    );
    assert!(
        message.contains("conflicts with the already registered route [GET /api/same/whoami]"),
        "{message}"
    );
    server.stop().await;
}

#[tokio::test]
async fn unknown_keys_fail_setup_after_plugins_read_their_config() {
    let mut config = base_config("http://127.0.0.1:9");
    config["first"] = json!({ "enabled": true });
    config["serverr"] = json!({ "port": 1 });
    let mut server = server(config, vec![registration("first", "first", None)]);
    match server.setup().await {
        Err(ServerError::Config(ConfigError::UnusedKeys(keys))) => {
            assert_eq!(keys, ["serverr.port"])
        }
        other => panic!("expected unused keys, got {other:?}"),
    }
    server.stop().await;
}

#[tokio::test]
async fn invalid_server_config_names_the_key() {
    let (loggers, _logs) = capturing_logger_factory();
    let config = core_config::testing::config_from_json(json!({ "server": { "port": "high" } }));
    let error = Server::new(config, &loggers, Vec::new()).unwrap_err();
    assert!(
        matches!(error, ServerError::Http(HttpError::Config(_))),
        "{error:?}"
    );
    assert!(error.to_string().starts_with("[server.port]: "), "{error}");
}

#[tokio::test]
async fn status_is_503_until_plugins_have_started_and_yellow_without_elasticsearch() {
    let (address_tx, mut address_rx) = tokio::sync::mpsc::unbounded_channel();
    let hold = HoldStart {
        address: address_tx,
        release: Arc::new(Notify::new()),
    };
    let mut server = server(
        base_config("http://127.0.0.1:9"),
        vec![registration("slowstart", "slowstart", Some(hold.clone()))],
    );
    server.setup().await.expect("setup");
    let starting = tokio::spawn(async move {
        let result = server.start().await.map(drop);
        (server, result)
    });
    let address = address_rx
        .recv()
        .await
        .expect("the plugin reports the address");

    let client = reqwest::Client::new();
    let response = client
        .get(format!("http://{address}/api/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"]["overall"]["state"], "red");
    let plugins = body["status"]["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "core:plugins")
        .cloned();
    assert_eq!(plugins.unwrap()["state"], "red");

    hold.release.notify_one();
    let (mut server, result) = starting.await.unwrap();
    result.expect("start");
    let response = client
        .get(format!("http://{address}/api/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"]["overall"]["state"], "yellow");
    assert_eq!(
        body["status"]["statuses"][3]["id"],
        "plugin:slowstart@1.0.0"
    );
    server.stop().await;
}

/// Registers `GET /api/status`, which core owns.
struct StatusThief;

impl Plugin<Core> for StatusThief {
    type Setup = ();
    type Start = ();

    async fn setup(&mut self, core: CoreSetup, _deps: SetupDeps) -> anyhow::Result<()> {
        let mut router = core.http.create_router("/api");
        router.get(
            RouteConfig::new("/status", RouteValidation::none()),
            |_ctx, _req, res| async move { Ok(res.ok("mine")) },
        );
        core.http.register_router(router)?;
        Ok(())
    }

    async fn start(&mut self, _core: CoreStart, _deps: StartDeps) -> anyhow::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_plugin_cannot_take_over_cores_status_route() {
    let manifest =
        r#"{ "id": "thief", "version": "1.0.0", "kibanaVersion": "kibana", "server": true }"#;
    let registration =
        PluginRegistration::new::<StatusThief>(manifest, "test/thief/kibana.json", |_| StatusThief);
    let mut server = server(base_config("http://127.0.0.1:9"), vec![registration]);
    let message = server.setup().await.unwrap_err().to_string();
    assert!(
        message.starts_with("Plugin \"thief\" failed during setup: route [GET /api/status]"),
        "{message}"
    );
    assert!(message.ends_with("registered by core"), "{message}");
    server.stop().await;
}

/// `/api/status` is green against the recorded answers of a 7.17, an 8.x and a 9.x cluster
/// (core-elasticsearch's tests/fixtures/clusters), with the server's default version range.
#[tokio::test]
async fn status_is_green_against_recorded_7_17_8_and_9_clusters() {
    for name in ["7.17", "8.x", "9.x"] {
        let cluster = core_server::services::elasticsearch::testing::recorded_cluster(name)
            .expect("a recorded cluster");
        let answer = |part: &str| {
            let part = if part == "ping" {
                &cluster.ping
            } else {
                &cluster.nodes
            };
            let mut template = ResponseTemplate::new(part.status);
            for (header, value) in &part.headers {
                template = template.insert_header(header.as_str(), value.as_str());
            }
            if let Some(body) = &part.body {
                template = template.set_body_raw(body.clone(), "application/json");
            }
            template
        };
        let es = MockServer::start().await;
        Mock::given(method("HEAD"))
            .and(path("/"))
            .respond_with(answer("ping"))
            .mount(&es)
            .await;
        Mock::given(method("GET"))
            .and(path("/_nodes"))
            .respond_with(answer("nodes"))
            .mount(&es)
            .await;
        let server = core_server::testing::TestServer::start(
            Vec::new(),
            json!({ "elasticsearch": { "hosts": [es.uri()] } }),
        )
        .await
        .unwrap();
        let body: Value = reqwest::get(server.url("/api/status"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            body["status"]["overall"]["state"], "green",
            "{} ({name}): {body:#}",
            cluster.version
        );
        server.stop().await;
    }
}

/// Starts a server with the `tracer` plugin's `GET /api/traced/whoami` against a stub that
/// answers `security.authenticate`, with `server` settings merged in; returns the stub and the
/// server's address.
async fn traced_server(server_settings: Value) -> (MockServer, Server, SocketAddr) {
    let es = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/_security/_authenticate"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "username": "ana" })))
        .mount(&es)
        .await;
    let mut config = base_config(&es.uri());
    for (key, value) in server_settings.as_object().unwrap() {
        config["server"][key] = value.clone();
    }
    let mut server = server(config, vec![registration("tracer", "traced", None)]);
    server.setup().await.expect("setup");
    let address = server
        .start()
        .await
        .expect("start")
        .http
        .local_addr()
        .unwrap();
    (es, server, address)
}

/// The `x-opaque-id` of every call the stub received (one as the user, one as the internal user).
async fn opaque_ids(es: &MockServer) -> Vec<String> {
    es.received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|request| request.url.path() == "/_security/_authenticate")
        .map(|request| {
            request
                .headers
                .get("x-opaque-id")
                .map(|value| value.to_str().unwrap().to_owned())
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn every_elasticsearch_call_of_a_request_carries_its_id_plugin_and_route() {
    let (es, mut server, address) = traced_server(json!({})).await;
    let response = reqwest::Client::new()
        .get(format!("http://{address}/api/traced/whoami"))
        .header("authorization", "Bearer ana-token")
        // Not trusted by default: a client cannot choose the id.
        .header("x-opaque-id", "chosen-by-the-client")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let ids = opaque_ids(&es).await;
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert_eq!(
        ids[0], ids[1],
        "internal and current-user calls share the id"
    );
    let (request_id, origin) = ids[0].split_once(';').expect("id;origin");
    assert_eq!(origin, "kibana:tracer:/api/traced/whoami");
    assert_eq!(
        request_id.len(),
        36,
        "a generated UUID, not the client's: {request_id}"
    );
    assert_ne!(request_id, "chosen-by-the-client");
    server.stop().await;
}

#[tokio::test]
async fn a_trusted_clients_x_opaque_id_becomes_the_request_id() {
    let (es, mut server, address) =
        traced_server(json!({ "requestId": { "ipAllowlist": ["127.0.0.1"] } })).await;
    reqwest::Client::new()
        .get(format!("http://{address}/api/traced/whoami"))
        .header("authorization", "Bearer ana-token")
        .header("x-opaque-id", "from-the-proxy-42")
        .send()
        .await
        .unwrap();
    assert_eq!(
        opaque_ids(&es).await,
        [
            "from-the-proxy-42;kibana:tracer:/api/traced/whoami",
            "from-the-proxy-42;kibana:tracer:/api/traced/whoami"
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn request_id_settings_are_checked_with_kibanas_messages() {
    let (loggers, _logs) = capturing_logger_factory();
    for (request_id, message) in [
        (
            json!({ "allowFromAnyIp": true, "ipAllowlist": ["10.0.0.1"] }),
            "[server.requestId]: allowFromAnyIp must be set to 'false' if any values are specified in ipAllowlist",
        ),
        (
            json!({ "ipAllowlist": ["10.0.0.1", "not-an-ip"] }),
            "[server.requestId.ipAllowlist.1]: value must be a valid ipv4 or ipv6 address",
        ),
    ] {
        let config = core_config::testing::config_from_json(
            json!({ "server": { "requestId": request_id } }),
        );
        let error = Server::new(config, &loggers, Vec::new()).unwrap_err();
        assert_eq!(error.to_string(), message);
    }
}

#[tokio::test]
async fn status_names_the_server_and_its_instance_uuid_which_survives_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let mut config = base_config("http://127.0.0.1:9");
    config["server"]["name"] = json!("node-1");
    config["path"] = json!({ "data": data.path() });
    let status = |address: std::net::SocketAddr| async move {
        let response = reqwest::get(format!("http://{address}/api/status"))
            .await
            .unwrap();
        assert_eq!(response.headers()["kbn-name"], "node-1");
        response.json::<Value>().await.unwrap()
    };

    let mut first = server(config.clone(), vec![]);
    first.setup().await.expect("setup");
    let address = first
        .start()
        .await
        .expect("start")
        .http
        .local_addr()
        .unwrap();
    let body = status(address).await;
    first.stop().await;
    assert_eq!(body["name"], "node-1");
    let generated = body["uuid"].as_str().expect("a uuid").to_owned();
    assert_eq!(
        std::fs::read_to_string(data.path().join("uuid")).unwrap(),
        generated
    );

    // A restart resumes it; a configured one replaces it, in the status and in the file.
    let mut second = server(config.clone(), vec![]);
    second.setup().await.expect("setup");
    let address = second
        .start()
        .await
        .expect("start")
        .http
        .local_addr()
        .unwrap();
    assert_eq!(status(address).await["uuid"], generated.as_str());
    second.stop().await;

    let configured = "5a1e3b0c-7d2f-4e8a-9b6c-0d1e2f3a4b5c";
    config["server"]["uuid"] = json!(configured);
    let mut third = server(config, vec![]);
    third.setup().await.expect("setup");
    let address = third
        .start()
        .await
        .expect("start")
        .http
        .local_addr()
        .unwrap();
    assert_eq!(status(address).await["uuid"], configured);
    third.stop().await;
    assert_eq!(
        std::fs::read_to_string(data.path().join("uuid")).unwrap(),
        configured
    );
}
