//! Typed sections: defaults, optional sections, string coercion, unknown keys.

use core_config::ConfigError;

use crate::support::{Elasticsearch, Required, Server, VerificationMode, service};

#[test]
fn an_absent_section_gives_the_defaults() {
    let config = service("other: 1\n");
    assert_eq!(
        config.at_path::<Server>("server").unwrap(),
        Server::default()
    );
    assert_eq!(
        config.at_path::<Elasticsearch>("elasticsearch").unwrap(),
        Elasticsearch::default()
    );
}

#[test]
fn a_null_section_gives_the_defaults() {
    let config = service("server:\n");
    assert_eq!(
        config.at_path::<Server>("server").unwrap(),
        Server::default()
    );
    assert_eq!(config.optional_at_path::<Server>("server").unwrap(), None);
}

#[test]
fn configured_keys_override_only_their_defaults() {
    let config = service("elasticsearch.ssl.verificationMode: none\n");
    let es: Elasticsearch = config.at_path("elasticsearch").unwrap();
    assert_eq!(es.ssl.verification_mode, VerificationMode::None);
    assert_eq!(es.hosts, Elasticsearch::default().hosts);
}

#[test]
fn optional_sections_are_none_only_when_nothing_is_configured() {
    let config = service("server.port: 5700\n");
    assert_eq!(
        config
            .optional_at_path::<Server>("server")
            .unwrap()
            .map(|s| s.port),
        Some(5700)
    );
    assert_eq!(
        config
            .optional_at_path::<Required>("xpack.security")
            .unwrap(),
        None
    );

    let config = service("xpack.security.enabled: true\n");
    let error = config
        .optional_at_path::<Required>("xpack.security")
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "[xpack.security.encryptionKey]: expected a value but got [undefined]"
    );
}

#[test]
fn numeric_and_boolean_strings_are_accepted_as_kibana_did() {
    let config = service(
        "server.port: '5603'\nserver.ssl.enabled: 'false'\nelasticsearch.requestTimeout: ' 100 '\n",
    );
    assert_eq!(config.at_path::<Server>("server").unwrap().port, 5603);
    assert_eq!(
        config
            .at_path::<Elasticsearch>("elasticsearch")
            .unwrap()
            .request_timeout,
        100
    );
}

#[test]
fn an_unknown_key_is_rejected_with_its_full_path() {
    let config = service("server:\n  host: a\n  prot: 5601\n");
    assert_eq!(
        config.at_path::<Server>("server").unwrap_err(),
        ConfigError::Invalid {
            path: "server.prot".into(),
            message: "definition for this key is missing".into()
        }
    );
}

#[test]
fn the_root_path_reads_the_whole_tree() {
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Root {
        #[allow(dead_code, reason = "only deserialized")]
        server: Server,
    }
    impl core_config::ConfigSchema for Root {}

    let config = service("server.port: 1\nextra: 2\n");
    assert_eq!(
        config.at_path::<Root>("").unwrap_err().to_string(),
        "[extra]: definition for this key is missing"
    );
    assert!(config.unused_paths().is_empty());
}
