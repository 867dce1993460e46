//! How long the config service takes for what a server does at startup and on SIGHUP.

use std::fmt::Write as _;

use core_config::ConfigSchema;
use core_config::testing::{config_from_yaml, test_env};
use criterion::{Criterion, criterion_group, criterion_main};
use serde::Deserialize;

/// A `server`-like section: scalars, an option and a nested struct.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct Server {
    host: String,
    port: u16,
    base_path: Option<String>,
    max_payload_bytes: u64,
    ssl: Ssl,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct Ssl {
    enabled: bool,
    certificate: Option<String>,
    supported_protocols: Vec<String>,
}

impl ConfigSchema for Server {}

/// A kibana.yml of about `plugins * 5 + 10` keys, mixing dotted and nested forms.
fn kibana_yml(plugins: usize) -> String {
    let mut yaml = String::from(
        "server.host: 0.0.0.0\nserver.port: '5601'\nserver:\n  basePath: /kibana\n  ssl.enabled: true\n  \
         ssl:\n    certificate: /etc/kibana/cert.pem\n    supportedProtocols: [TLSv1.2, TLSv1.3]\n\
         elasticsearch.hosts: ['http://es1:9200', 'http://es2:9200']\nelasticsearch.requestTimeout: 30000\n\
         logging.appenders.console: {kind: console, layout: {kind: pattern}}\n",
    );
    for index in 0..plugins {
        let _ = write!(
            yaml,
            "plugin{index}:\n  enabled: true\n  url: https://example.org/{index}\n  nested.depth.key: {index}\n  \
             list: [a, b, c]\n  flag: false\n"
        );
    }
    yaml
}

fn benches(c: &mut Criterion) {
    let yaml = kibana_yml(40);
    c.bench_function("parse kibana.yml (210 keys)", |b| {
        b.iter(|| core_config::ConfigService::from_yaml_str(&yaml, test_env()).map(drop))
    });

    let config = config_from_yaml(&yaml);
    c.bench_function("at_path server (typed + validated)", |b| {
        b.iter(|| config.at_path::<Server>("server").map(drop))
    });

    let mut port = 5601u16;
    c.bench_function("set one key (tree rebuilt, 210 keys)", |b| {
        b.iter(|| {
            port = port.wrapping_add(1);
            config.set("server.port", port)
        })
    });

    c.bench_function("unused_paths (210 keys, 1 handled)", |b| {
        b.iter(|| config.unused_paths().len())
    });
}

criterion_group!(config_benches, benches);
criterion_main!(config_benches);
