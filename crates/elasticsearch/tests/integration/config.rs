//! The `elasticsearch` config section: Kibana's defaults, accepted shapes, and key-path errors.

use std::time::Duration;

use core_config::testing::config_from_json;
use core_elasticsearch::{
    ClientConfigOverrides, ElasticsearchClientConfig, ElasticsearchConfig, ElasticsearchError,
    VerificationMode,
};
use serde_json::json;

fn parse(section: serde_json::Value) -> Result<ElasticsearchConfig, String> {
    config_from_json(json!({ "elasticsearch": section }))
        .at_path::<ElasticsearchConfig>("elasticsearch")
        .map_err(|e| e.to_string())
}

#[test]
fn defaults_are_kibanas() {
    let config = parse(json!({})).unwrap();
    assert_eq!(config.hosts, ["http://localhost:9200"]);
    assert_eq!(config.username, None);
    assert!(config.password.is_none());
    assert_eq!(config.request_headers_whitelist, ["authorization"]);
    assert!(config.custom_headers.is_empty());
    assert_eq!(config.request_timeout, Duration::from_secs(30));
    assert_eq!(config.shard_timeout, Duration::from_secs(30));
    assert_eq!(config.ping_timeout, None);
    assert_eq!(config.effective_ping_timeout(), Duration::from_secs(30));
    assert_eq!(config.startup_timeout, Duration::from_secs(5));
    assert_eq!(config.health_check.delay, Duration::from_millis(2500));
    assert!(!config.log_queries);
    assert!(!config.ignore_version_mismatch);
    assert_eq!(config.ssl.verification_mode, VerificationMode::Full);
    assert!(config.ssl.always_present_certificate);
    assert_eq!(config, ElasticsearchConfig::default());
}

#[test]
fn single_values_and_lists_and_durations_are_accepted() {
    let config = parse(json!({
        "hosts": "https://es.example:9243",
        "requestHeadersWhitelist": "X-Custom-Auth",
        "requestTimeout": "10s",
        "pingTimeout": 1500,
        "healthCheck": {"delay": "1m"},
        "ssl": {"certificateAuthorities": "/etc/ca.pem", "verificationMode": "none"},
        "username": "kibana",
        "password": "secret",
    }))
    .unwrap();
    assert_eq!(config.hosts, ["https://es.example:9243"]);
    assert_eq!(config.request_headers_whitelist, ["X-Custom-Auth"]);
    assert_eq!(config.request_timeout, Duration::from_secs(10));
    assert_eq!(config.effective_ping_timeout(), Duration::from_millis(1500));
    assert_eq!(config.health_check.delay, Duration::from_secs(60));
    assert_eq!(
        config.ssl.certificate_authorities,
        Some(vec!["/etc/ca.pem".to_owned()])
    );
    assert_eq!(config.ssl.verification_mode, VerificationMode::None);
    assert_eq!(config.password.as_ref().map(|p| p.expose()), Some("secret"));
    let printed = format!("{config:?}");
    assert!(!printed.contains("secret"), "{printed}");
}

#[test]
fn invalid_values_name_their_key() {
    let cases = [
        (
            json!({"hosts": []}),
            "[elasticsearch.hosts]: must contain at least one URL",
        ),
        (
            json!({"hosts": "not a url"}),
            "[elasticsearch.hosts]: \"not a url\" is not a valid URL",
        ),
        (
            json!({"hosts": ["http://a:9200", "ftp://b"]}),
            "[elasticsearch.hosts.1]: \"ftp://b\" must use http or https",
        ),
        (
            json!({"hosts": "http://elastic:changeme@a:9200"}),
            "[elasticsearch.hosts]: must not contain credentials",
        ),
        (
            json!({"password": "x"}),
            "[elasticsearch.username]: is required when password is set",
        ),
        (
            json!({"username": "x"}),
            "[elasticsearch.password]: is required when username is set",
        ),
        (
            json!({"requestTimeout": "soon"}),
            "elasticsearch.requestTimeout",
        ),
        (
            json!({"requestTimeout": 0}),
            "[elasticsearch.requestTimeout]: must be greater than zero",
        ),
        (
            json!({"maxResponseSize": true}),
            "[elasticsearch.maxResponseSize]: expected a byte size (e.g. \"100mb\") or false",
        ),
        (
            json!({"maxResponseSize": "lots"}),
            "[elasticsearch.maxResponseSize]: could not parse byte size value [lots]. Value must be a safe positive integer.",
        ),
        (
            json!({"customHeaders": {"bad name": "v"}}),
            "[elasticsearch.customHeaders.bad name]: is not a valid header name",
        ),
        (
            json!({"requestHeadersWhitelist": ["ok", "not ok"]}),
            "[elasticsearch.requestHeadersWhitelist.1]",
        ),
        (
            json!({"ssl": {"verificationMode": "certificate"}}),
            "[elasticsearch.ssl.verificationMode]: \"certificate\"",
        ),
        (
            json!({"ssl": {"verificationMode": "sometimes"}}),
            "elasticsearch.ssl.verificationMode",
        ),
        (
            json!({"ssl": {"certificate": "/c.pem"}}),
            "[elasticsearch.ssl.key]: is required when ssl.certificate is set",
        ),
        (
            json!({"ssl": {"keyPassphrase": "p"}}),
            "[elasticsearch.ssl.keyPassphrase]: encrypted keys are not supported",
        ),
        (
            json!({"ssl": {"certificateAuthorities": []}}),
            "[elasticsearch.ssl.certificateAuthorities]: must not be an empty list",
        ),
        (
            json!({"sniffInterval": true}),
            "[elasticsearch.sniffInterval]: must be false or a duration greater than zero",
        ),
        (
            json!({"sniffInterval": "soon"}),
            "elasticsearch.sniffInterval",
        ),
        (json!({"hostz": "x"}), "elasticsearch.hostz"),
    ];
    for (section, expected) in cases {
        let error = parse(section.clone()).expect_err(&section.to_string());
        assert!(
            error.contains(expected),
            "{section}: expected {expected:?} in {error:?}"
        );
        assert!(!error.contains("changeme"), "{error}");
    }
}

#[test]
fn overrides_replace_only_what_they_set_and_are_validated_when_a_client_is_created() {
    let base = ElasticsearchClientConfig::from(
        &parse(json!({"username": "kibana", "password": "pw"})).unwrap(),
    );
    let overrides: ClientConfigOverrides =
        serde_json::from_value(json!({"hosts": ["http://other:9200"], "requestTimeout": "5s"}))
            .unwrap();
    let merged = base.clone().with_overrides(overrides);
    assert_eq!(merged.hosts, ["http://other:9200"]);
    assert_eq!(merged.request_timeout, Duration::from_secs(5));
    assert_eq!(merged.username.as_deref(), Some("kibana"));
    assert_eq!(merged.ping_timeout, base.ping_timeout);

    let bad = base.with_overrides(ClientConfigOverrides {
        hosts: Some(vec![]),
        ..Default::default()
    });
    let (factory, _) = core_logging::testing::capturing_logger_factory();
    let error = core_elasticsearch::ClusterClient::new(bad, &factory, "custom").unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid Elasticsearch client configuration [elasticsearch.hosts]: must contain at least one URL"
    );
}

#[test]
fn unreadable_tls_files_are_reported_with_their_key() {
    let mut config = ElasticsearchClientConfig::default();
    config.ssl.certificate_authorities = Some(vec!["/nonexistent/ca.pem".to_owned()]);
    let (factory, _) = core_logging::testing::capturing_logger_factory();
    let error = core_elasticsearch::ClusterClient::new(config, &factory, "data").unwrap_err();
    assert!(
        matches!(&error, ElasticsearchError::Config { key, .. } if key == "elasticsearch.ssl.certificateAuthorities"),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("cannot read /nonexistent/ca.pem"),
        "{error}"
    );

    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("ca.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let mut config = ElasticsearchClientConfig::default();
    config.ssl.certificate_authorities = Some(vec![not_pem.display().to_string()]);
    let error = core_elasticsearch::ClusterClient::new(config, &factory, "data").unwrap_err();
    assert!(
        matches!(&error, ElasticsearchError::Config { key, .. } if key == "elasticsearch.ssl.certificateAuthorities"),
        "{error}"
    );
}

#[test]
fn sniffing_settings_are_read_as_kibana_has_them() {
    let config = parse(json!({
        "sniffOnStart": true, "sniffInterval": "10s", "sniffOnConnectionFault": true,
    }))
    .unwrap();
    assert!(config.sniff_on_start && config.sniff_on_connection_fault);
    assert_eq!(
        config.sniff_interval,
        Some(std::time::Duration::from_secs(10))
    );
    let off = parse(json!({ "sniffInterval": false })).unwrap();
    assert_eq!(off.sniff_interval, None);
}
