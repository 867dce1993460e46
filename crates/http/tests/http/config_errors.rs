//! `server.*` config: defaults and error messages (snapshots).

use std::time::Duration;

use core_http::{HttpConfig, TlsProtocol};
use serde_json::{Value, json};

fn load(server: Value) -> Result<HttpConfig, String> {
    core_config::testing::config_from_json(json!({ "server": server }))
        .at_path::<HttpConfig>("server")
        .map_err(|err| err.to_string())
}

fn error(server: Value) -> String {
    load(server).expect_err("config should be rejected")
}

#[test]
fn defaults() {
    let config = load(json!({})).unwrap();
    assert_eq!(config, HttpConfig::default());
    assert_eq!((config.host.as_str(), config.port), ("localhost", 5601));
    assert_eq!(config.max_payload, 1_048_576);
    assert_eq!(config.keepalive_timeout, Duration::from_secs(120));
    assert_eq!(config.socket_timeout, Duration::from_secs(120));
    assert_eq!(config.shutdown_timeout, Duration::from_secs(30));
    assert!(config.auto_listen && !config.rewrite_base_path && !config.ssl.enabled);
}

#[test]
fn accepted_forms() {
    let config = load(json!({
        "maxPayload": "2mb",
        "keepaliveTimeout": 5000,
        "shutdownTimeout": "1m 30s",
        "basePath": "/kibana",
        "rewriteBasePath": true,
        "ssl": { "certificateAuthorities": "/ca.pem", "supportedProtocols": ["TLSv1.2", "TLSv1.3"] },
    }))
    .unwrap();
    assert_eq!(config.max_payload, 2 * 1024 * 1024);
    assert_eq!(config.keepalive_timeout, Duration::from_secs(5));
    assert_eq!(config.shutdown_timeout, Duration::from_secs(90));
    assert_eq!(
        config.ssl.certificate_authorities,
        Some(vec!["/ca.pem".to_owned()])
    );
    assert_eq!(
        config.ssl.supported_protocols,
        Some(vec![TlsProtocol::TlsV1_2, TlsProtocol::TlsV1_3])
    );
    assert_eq!(load(json!({ "maxPayload": 10 })).unwrap().max_payload, 10);
    assert_eq!(load(json!({ "basePath": "" })).unwrap().base_path(), None);
}

#[test]
fn base_path_rules() {
    insta::assert_snapshot!(error(json!({ "basePath": "kibana" })), @"[server.basePath]: must start with a slash, don't end with one");
    insta::assert_snapshot!(error(json!({ "basePath": "/kibana/" })), @"[server.basePath]: must start with a slash, don't end with one");
    insta::assert_snapshot!(error(json!({ "rewriteBasePath": true })), @"[server]: cannot use [rewriteBasePath] when [basePath] is not specified");
}

#[test]
fn ssl_rules() {
    insta::assert_snapshot!(error(json!({ "ssl": { "enabled": true, "certificate": "/a.crt" } })), @"[server.ssl]: must specify [certificate] and [key] when ssl is enabled");
    insta::assert_snapshot!(
        error(json!({ "port": 5601, "ssl": { "enabled": true, "certificate": "/a", "key": "/b", "redirectHttpFromPort": 5601 } })),
        @"[server]: Kibana does not accept http traffic to [port] when ssl is enabled (only https is allowed), so [ssl.redirectHttpFromPort] cannot be configured to the same value. Both are [5601]."
    );
    insta::assert_snapshot!(error(json!({ "ssl": { "supportedProtocols": ["TLSv1.1"] } })), @"[server.ssl.supportedProtocols.0]: [TLSv1.1] is not supported: rustls implements only TLSv1.2 and TLSv1.3");
    insta::assert_snapshot!(error(json!({ "ssl": { "supportedProtocols": ["SSLv3"] } })), @"[server.ssl.supportedProtocols.0]: [SSLv3] is not a TLS protocol; expected one of [TLSv1.2, TLSv1.3]");
}

#[test]
fn values_and_keys() {
    insta::assert_snapshot!(error(json!({ "maxPayloadBytes": 10 })), @"[server.maxPayloadBytes]: definition for this key is missing");
    insta::assert_snapshot!(error(json!({ "maxPayload": "lots" })), @"[server.maxPayload]: could not parse byte size value [lots]. Value must be a safe positive integer.");
    insta::assert_snapshot!(error(json!({ "port": "abc" })), @"[server.port]: expected value of type [number] but got [string]");
    insta::assert_snapshot!(error(json!({ "host": "bad host!" })), @"[server.host]: value is [bad host!] but it must be a valid hostname (see RFC 1123).");
    insta::assert_snapshot!(error(json!({ "shutdownTimeout": "soon" })), @"[server.shutdownTimeout]: Failed to parse value as time value. Value must be a duration in milliseconds, or follow the format <count>[ms|s|m|h|d|w|M|Y] (e.g. '70ms', '5s', '3d', '1Y'), where the duration is a safe positive integer.");
}

#[test]
fn float_durations_and_sizes_are_bounded_and_name_the_key() {
    assert_eq!(
        load(json!({ "keepaliveTimeout": 1.5e3 }))
            .unwrap()
            .keepalive_timeout,
        Duration::from_millis(1500)
    );
    assert_eq!(
        load(json!({ "maxPayload": 1e3 })).unwrap().max_payload,
        1000
    );
    insta::assert_snapshot!(error(json!({ "keepaliveTimeout": 1e300 })), @"[server.keepaliveTimeout]: Value in milliseconds is expected to be a safe positive integer.");
    insta::assert_snapshot!(error(json!({ "socketTimeout": -1.5 })), @"[server.socketTimeout]: Value in milliseconds is expected to be a safe positive integer.");
    // Started, then panicked on every connection (an instant plus this overflowed).
    insta::assert_snapshot!(error(json!({ "socketTimeout": "500000000000y" })), @"[server.socketTimeout]: Value in milliseconds is expected to be a safe positive integer.");
    insta::assert_snapshot!(error(json!({ "socketTimeout": "soon" })), @"[server.socketTimeout]: Failed to parse value as time value. Value must be a duration in milliseconds, or follow the format <count>[ms|s|m|h|d|w|M|Y] (e.g. '70ms', '5s', '3d', '1Y'), where the duration is a safe positive integer.");
    insta::assert_snapshot!(error(json!({ "maxPayload": 1.5 })), @"[server.maxPayload]: Value in bytes is expected to be a safe positive integer, but provided [1.5]");
}
