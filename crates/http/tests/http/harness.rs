//! Starts real servers on 127.0.0.1:0 and talks to them with reqwest.

use core_http::{
    HttpError, HttpService, HttpServiceSetup, HttpServiceStart, InternalHttpServiceSetup,
};
use core_logging::testing::{CapturedLogs, capturing_logger_factory};
use serde_json::{Value, json};

/// A running service, its logs, and a client pointed at it.
pub(crate) struct TestServer {
    pub(crate) service: HttpService,
    pub(crate) setup: InternalHttpServiceSetup,
    pub(crate) start: HttpServiceStart,
    pub(crate) logs: CapturedLogs,
    pub(crate) base_url: String,
    pub(crate) client: reqwest::Client,
}

/// Merges `overrides` into a test `server` config (127.0.0.1, port 0).
pub(crate) fn server_config(overrides: Value) -> Value {
    let mut server = json!({ "host": "127.0.0.1", "port": 0 });
    if let (Some(target), Value::Object(extra)) = (server.as_object_mut(), overrides) {
        target.extend(extra);
    }
    json!({ "server": server })
}

/// A set-up (not started) service for `overrides`, with two workers.
pub(crate) async fn setup_service(
    overrides: Value,
) -> (HttpService, InternalHttpServiceSetup, CapturedLogs) {
    setup_service_with_workers(overrides, 2).await
}

/// A set-up (not started) service for `overrides` with `workers` actix workers.
pub(crate) async fn setup_service_with_workers(
    overrides: Value,
    workers: usize,
) -> (HttpService, InternalHttpServiceSetup, CapturedLogs) {
    let config = core_config::testing::config_from_json(server_config(overrides));
    let (loggers, logs) = capturing_logger_factory();
    let mut service = HttpService::new(&config, &loggers)
        .expect("valid test config")
        .with_workers(workers);
    let setup = service.setup().await.expect("setup");
    (service, setup, logs)
}

/// Sets up with `overrides`, lets `register` add routers, starts.
pub(crate) async fn start_server(
    overrides: Value,
    register: impl FnOnce(&HttpServiceSetup),
) -> TestServer {
    try_start_server(overrides, register)
        .await
        .expect("server starts")
}

/// Like [`start_server`] but returns the start error.
pub(crate) async fn try_start_server(
    overrides: Value,
    register: impl FnOnce(&HttpServiceSetup),
) -> Result<TestServer, HttpError> {
    let (mut service, setup, logs) = setup_service(overrides).await;
    register(&setup.http);
    let start = service.start().await?;
    let base_url = match start.local_addr() {
        Some(addr) => format!("{}://{addr}", setup.http.server_info().protocol),
        None => String::new(),
    };
    Ok(TestServer {
        service,
        setup,
        start,
        logs,
        base_url,
        client: client_builder().build().expect("a test client"),
    })
}

/// A reqwest client builder whose requests carry `kbn-xsrf` and which leaves answers encoded, as Kibana's own clients send
/// `kbn-xsrf`/`kbn-version` on every request: the XSRF check is tested on its own, with
/// clients that do not send it.
pub(crate) fn client_builder() -> reqwest::ClientBuilder {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "kbn-xsrf",
        reqwest::header::HeaderValue::from_static("true"),
    );
    // No automatic decompression (on when another crate of the build turns on reqwest's
    // `gzip`/`brotli` features): the compression tests look at the encoded answers.
    reqwest::Client::builder()
        .default_headers(headers)
        .no_gzip()
        .no_brotli()
        .no_deflate()
}

impl TestServer {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        Reply::from(
            self.client
                .get(self.url(path))
                .send()
                .await
                .expect("request sent"),
        )
        .await
    }

    pub(crate) async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        Reply::from(request.send().await.expect("request sent")).await
    }

    pub(crate) async fn stop(mut self) {
        self.service.stop().await.expect("stop");
    }
}

/// A response with its body read.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) text: String,
}

impl Reply {
    pub(crate) async fn from(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body read");
        Self {
            status,
            headers,
            text,
        }
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.text))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// The error body every error response shares.
pub(crate) fn error_body(status: u16, error: &str, message: &str) -> Value {
    json!({ "statusCode": status, "error": error, "message": message })
}
