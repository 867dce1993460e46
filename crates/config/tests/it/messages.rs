//! Every error message form, as inline snapshots: input YAML in, message out.

use insta::assert_snapshot;

use crate::support::{Elasticsearch, Required, Server, check};

#[test]
fn wrong_types_name_the_expected_and_found_kinds() {
    assert_snapshot!(check::<Server>("server", "server.port: abc"), @"[server.port]: expected value of type [number] but got [string]");
    assert_snapshot!(check::<Server>("server", "server.port: null"), @"[server.port]: expected value of type [number] but got [null]");
    assert_snapshot!(check::<Server>("server", "server.port: 1.5"), @"[server.port]: expected value of type [integer] but got [number]");
    assert_snapshot!(check::<Server>("server", "server.host: 5"), @"[server.host]: expected value of type [string] but got [number]");
    assert_snapshot!(check::<Server>("server", "server.ssl.enabled: 'yes'"), @"[server.ssl.enabled]: expected value of type [boolean] but got [string]");
    assert_snapshot!(check::<Server>("server", "server.ssl: true"), @"[server.ssl]: expected value of type [object] but got [boolean]");
    assert_snapshot!(check::<Server>("server", "server: [1]"), @"[server]: expected value of type [object] but got [Array]");
    assert_snapshot!(check::<Elasticsearch>("elasticsearch", "elasticsearch.hosts: {a: 1}"), @"[elasticsearch.hosts]: expected value of type [array] but got [Object]");
}

#[test]
fn integers_outside_their_range_give_the_bound() {
    assert_snapshot!(check::<Server>("server", "server.port: 70000"), @"[server.port]: Value is [70000] but it must be equal to or lower than [65535].");
    assert_snapshot!(check::<Server>("server", "server.port: -1"), @"[server.port]: Value is [-1] but it must be equal to or greater than [0].");
    assert_snapshot!(check::<Elasticsearch>("elasticsearch", "elasticsearch.pingTimeout: -200"), @"[elasticsearch.pingTimeout]: Value is [-200] but it must be equal to or greater than [-128].");
}

#[test]
fn array_elements_and_map_values_are_addressed_with_dots() {
    assert_snapshot!(check::<Elasticsearch>("elasticsearch", "elasticsearch.hosts: [a, 5]"), @"[elasticsearch.hosts.1]: expected value of type [string] but got [number]");
    assert_snapshot!(check::<Elasticsearch>("elasticsearch", "elasticsearch.customHeaders: {x-a: b, x-b: [1]}"), @"[elasticsearch.customHeaders.x-b]: expected value of type [string] but got [Array]");
}

#[test]
fn unknown_keys_in_a_section_are_missing_definitions() {
    assert_snapshot!(check::<Server>("server", "server.prot: 5601"), @"[server.prot]: definition for this key is missing");
    assert_snapshot!(check::<Server>("server", "server:\n  ssl:\n    enabeld: true\n"), @"[server.ssl.enabeld]: definition for this key is missing");
}

#[test]
fn enums_list_the_allowed_values() {
    assert_snapshot!(check::<Elasticsearch>("elasticsearch", "elasticsearch.ssl.verificationMode: partial"), @"[elasticsearch.ssl.verificationMode]: expected one of [none, certificate, full] but got [partial]");
}

#[test]
fn required_keys_are_reported_when_absent() {
    assert_snapshot!(check::<Required>("xpack.security", "xpack.security.enabled: true"), @"[xpack.security.encryptionKey]: expected a value but got [undefined]");
    assert_snapshot!(check::<Required>("xpack.security", ""), @"[xpack.security.encryptionKey]: expected a value but got [undefined]");
}

#[test]
fn validate_errors_are_prefixed_with_the_section_path() {
    assert_snapshot!(check::<Server>("server", "server.basePath: /kibana/"), @"[server.basePath]: must start with a slash, don't end with one");
    assert_snapshot!(check::<Server>("server", "server.ssl.enabled: true"), @"[server.ssl]: must specify [certificate] and [key] when ssl is enabled");
    assert_snapshot!(check::<Required>("xpack.security", "xpack.security.encryptionKey: short"), @"[xpack.security.encryptionKey]: must be at least 32 characters");
}

#[test]
fn custom_deserializer_messages_keep_their_text_behind_the_path() {
    assert_snapshot!(check::<Server>("server", "server.keepaliveSeconds: soon"), @r#"[server.keepaliveSeconds]: [soon] is not a duration like "30s""#);
}

#[test]
fn valid_input_gives_the_value() {
    assert_snapshot!(check::<Server>("server", "server.port: '5602'\nserver.keepaliveSeconds: 30s"), @r#"Ok: Server { host: "localhost", port: 5602, base_path: None, max_payload_bytes: 1048576, keepalive_seconds: Some(Seconds(30)), ssl: Ssl { enabled: false, certificate: None } }"#);
}

#[test]
fn source_errors_have_their_own_forms() {
    assert_snapshot!(
        core_config::ConfigService::from_yaml_str("server:\n  port: 1\n bad: x\n", core_config::testing::test_env()).unwrap_err(),
        @"invalid YAML in <inline YAML> at line 3, column 2: did not find expected key, while parsing a block mapping"
    );
    assert_snapshot!(
        core_config::ConfigService::from_yaml_str("a: 1\nb: 2\na: 3\n", core_config::testing::test_env()).unwrap_err(),
        @r#"invalid YAML in <inline YAML> at line 1, column 1: duplicate entry with key "a""#
    );
    assert_snapshot!(
        core_config::ConfigService::from_yaml_str("- a\n- b\n", core_config::testing::test_env()).unwrap_err(),
        @"config file <inline YAML> must contain a map of keys at the top level, but got [Array]"
    );
    assert_snapshot!(
        core_config::ConfigService::from_yaml_str("a: 1\n---\nb: 2\n", core_config::testing::test_env()).unwrap_err(),
        @"invalid YAML in <inline YAML>: deserializing from YAML containing more than one document is not supported"
    );
    assert_snapshot!(
        core_config::ConfigService::from_env_with_vars(crate::support::env_with(vec![]), |_| None)
            .and_then(|service| service.set("server.ports", std::collections::BTreeMap::from([(vec![1u8], 1)])).map(|()| service))
            .unwrap_err(),
        @"[server.ports]: the value cannot be stored in the config: key must be a string"
    );
    assert_snapshot!(
        core_config::ConfigError::MissingEnvVar { path: "server.host".into(), variable: "KBN_HOST".into() },
        @r#"[server.host]: environment variable "KBN_HOST" is not set"#
    );
    assert_snapshot!(
        core_config::ConfigError::UnusedKeys(vec!["foo.bar".into(), "serverr.port".into()]),
        @r#"Unknown configuration key(s): "foo.bar", "serverr.port". Check for spelling errors and ensure that expected plugins are installed."#
    );
}
