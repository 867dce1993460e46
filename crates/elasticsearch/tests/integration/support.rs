//! Shared helpers: stub servers, clients pointed at them, header inspection.

use std::collections::BTreeMap;

use core_elasticsearch::{ClusterClient, ElasticsearchClientConfig, Secret};
use core_logging::testing::{CapturedLogs, capturing_logger_factory};
use wiremock::MockServer;

/// Base64 of `elastic:changeme`, the internal user of [`client_config`].
pub(crate) const INTERNAL_BASIC: &str = "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==";

/// A client config for `hosts` with an internal user, one custom header and the default whitelist.
pub(crate) fn client_config(hosts: &[String]) -> ElasticsearchClientConfig {
    let mut config = ElasticsearchClientConfig {
        hosts: hosts.to_vec(),
        username: Some("elastic".to_owned()),
        password: Some(Secret::new("changeme")),
        ..ElasticsearchClientConfig::default()
    };
    config
        .custom_headers
        .insert("x-custom".to_owned(), "custom-value".to_owned());
    config
}

/// A client of type `data` over `config`, with its logs captured.
pub(crate) fn client(config: ElasticsearchClientConfig) -> (ClusterClient, CapturedLogs) {
    let (factory, logs) = capturing_logger_factory();
    let client = ClusterClient::new(config, &factory, "data").expect("valid client config");
    (client, logs)
}

/// A client of type `data` over the stub with [`client_config`].
pub(crate) fn stub_client(server: &MockServer) -> (ClusterClient, CapturedLogs) {
    client(client_config(&[server.uri()]))
}

/// Every header of a recorded request, names lower-case (several values joined with `, `).
pub(crate) fn headers(request: &wiremock::Request) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &request.headers {
        let value = value.to_str().unwrap_or("<binary>").to_owned();
        map.entry(name.as_str().to_owned())
            .and_modify(|existing| {
                existing.push_str(", ");
                existing.push_str(&value);
            })
            .or_insert(value);
    }
    map
}

/// The headers every request carries, whoever it is for, given the request's content type and body length.
pub(crate) fn transport_headers(
    server: &MockServer,
    content_type: &str,
    content_length: Option<usize>,
) -> BTreeMap<String, String> {
    let host = server.address().to_string();
    let mut expected: BTreeMap<String, String> = [
        ("accept", "application/json"),
        ("accept-encoding", "gzip"),
        ("content-type", content_type),
        ("user-agent", user_agent()),
        ("x-custom", "custom-value"),
        ("host", host.as_str()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect();
    if let Some(length) = content_length {
        expected.insert("content-length".to_owned(), length.to_string());
    }
    expected
}

fn user_agent() -> &'static str {
    "elasticsearch-rs/9.1.0-alpha.1"
}

/// The requests the stub recorded.
pub(crate) async fn recorded(server: &MockServer) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
}

/// A local port nothing listens on (bound, then released).
pub(crate) fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A host that accepts connections and reads each request, then closes the connection without
/// answering: the request left, and whether it was applied is unknown. Returns its URL and a
/// counter of the requests it swallowed. The listener task ends with the test's runtime.
pub(crate) async fn resetting_host() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let swallowed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = std::sync::Arc::clone(&swallowed);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buffer = vec![0u8; 64 * 1024];
            // The head (and a small body) arrive in one read on loopback.
            if matches!(stream.read(&mut buffer).await, Ok(read) if read > 0) {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            drop(stream);
        }
    });
    (url, swallowed)
}
