//! Reading real files: merging, dotted keys, `${VAR}` substitution, overrides, reloads, and
//! the errors a broken file gives.

use std::path::PathBuf;

use core_config::{ConfigError, ConfigService};
use serde_json::json;

use crate::support::{Elasticsearch, Files, Server, env_with, error_of};

#[test]
fn later_files_win_and_maps_deep_merge() {
    let files = Files::new();
    let first = files.write(
        "kibana.yml",
        "server:\n  host: 0.0.0.0\n  port: 5601\nelasticsearch.hosts: [http://a:9200]\n",
    );
    let second = files.write(
        "kibana.dev.yml",
        "server.port: 5602\nelasticsearch:\n  requestTimeout: 5000\n",
    );
    let service =
        ConfigService::from_env_with_vars(env_with(vec![first.clone(), second.clone()]), |_| None)
            .unwrap();

    let server: Server = service.at_path("server").unwrap();
    assert_eq!((server.host.as_str(), server.port), ("0.0.0.0", 5602));
    let es: Elasticsearch = service.at_path("elasticsearch").unwrap();
    assert_eq!(es.hosts, vec!["http://a:9200"]);
    assert_eq!(es.request_timeout, 5000);
    assert_eq!(service.config_paths(), vec![first, second]);
}

#[test]
fn dotted_and_nested_keys_can_be_mixed_at_any_depth() {
    let files = Files::new();
    let path = files.write(
        "kibana.yml",
        "server:\n  ssl.enabled: true\n  ssl:\n    certificate: /c.pem\nserver.ssl.certificate: /d.pem\n",
    );
    let service = ConfigService::from_env_with_vars(env_with(vec![path]), |_| None).unwrap();
    let server: Server = service.at_path("server").unwrap();
    assert!(server.ssl.enabled);
    assert_eq!(server.ssl.certificate.as_deref(), Some("/d.pem"));
}

#[test]
fn environment_variables_are_substituted_in_string_values() {
    let files = Files::new();
    let path = files.write(
        "kibana.yml",
        "server.host: ${KBN_HOST}\nserver.port: ${KBN_PORT}\nelasticsearch.hosts: ['http://${KBN_HOST}:${ES_PORT:9200}']\n",
    );
    let vars = |name: &str| match name {
        "KBN_HOST" => Some("10.0.0.1".to_owned()),
        "KBN_PORT" => Some("5700".to_owned()),
        _ => None,
    };
    let service = ConfigService::from_env_with_vars(env_with(vec![path]), vars).unwrap();
    let server: Server = service.at_path("server").unwrap();
    assert_eq!((server.host.as_str(), server.port), ("10.0.0.1", 5700));
    let es: Elasticsearch = service.at_path("elasticsearch").unwrap();
    assert_eq!(es.hosts, vec!["http://10.0.0.1:9200"]);
}

#[test]
fn the_process_environment_is_used_by_default() {
    // Cargo sets CARGO_PKG_NAME for test processes (both `cargo test` and nextest), so no
    // test has to mutate the process environment.
    let files = Files::new();
    let path = files.write("kibana.yml", "server.host: ${CARGO_PKG_NAME}\n");
    let service = ConfigService::from_env(env_with(vec![path])).unwrap();
    let server: Server = service.at_path("server").unwrap();
    assert_eq!(server.host, "core-config");
}

#[test]
fn an_unset_variable_names_the_key_and_the_variable() {
    let files = Files::new();
    let path = files.write(
        "kibana.yml",
        "elasticsearch:\n  hosts:\n    - http://${KBN_ES_HOST_THAT_IS_NOT_SET}\n",
    );
    let error = error_of(ConfigService::from_env_with_vars(
        env_with(vec![path]),
        |_| None,
    ));
    assert_eq!(
        error,
        ConfigError::MissingEnvVar {
            path: "elasticsearch.hosts.0".into(),
            variable: "KBN_ES_HOST_THAT_IS_NOT_SET".into()
        }
    );
}

#[test]
fn overrides_win_over_files_and_survive_reload() {
    let files = Files::new();
    let path = files.write("kibana.yml", "server.port: 5601\nserver.host: a\n");
    let service =
        ConfigService::from_env_with_vars(env_with(vec![path.clone()]), |_| None).unwrap();
    service.set("server.port", 5602).unwrap();
    assert_eq!(service.at_path::<Server>("server").unwrap().port, 5602);

    files.write("kibana.yml", "server.port: 5603\nserver.host: b\n");
    service.reload().unwrap();
    let server: Server = service.at_path("server").unwrap();
    assert_eq!((server.host.as_str(), server.port), ("b", 5602));

    // A map override merges into the file's map instead of replacing it.
    service
        .set("server", json!({"ssl.certificate": "/c.pem"}))
        .unwrap();
    let server: Server = service.at_path("server").unwrap();
    assert_eq!((server.host.as_str(), server.port), ("b", 5602));
    assert_eq!(server.ssl.certificate.as_deref(), Some("/c.pem"));
}

#[test]
fn a_failed_reload_keeps_the_previous_tree() {
    let files = Files::new();
    let path = files.write("kibana.yml", "server.port: 5601\n");
    let service = ConfigService::from_env_with_vars(env_with(vec![path]), |_| None).unwrap();
    files.write("kibana.yml", "server.port: [\n");
    assert!(matches!(service.reload(), Err(ConfigError::Syntax { .. })));
    assert_eq!(service.at_path::<Server>("server").unwrap().port, 5601);
}

#[test]
fn an_empty_file_is_an_empty_config() {
    let files = Files::new();
    let empty = files.write("empty.yml", "");
    let comments = files.write("comments.yml", "# all defaults\n");
    let service =
        ConfigService::from_env_with_vars(env_with(vec![empty, comments]), |_| None).unwrap();
    assert_eq!(
        service.at_path::<Server>("server").unwrap(),
        Server::default()
    );
    assert!(service.unused_paths().is_empty());
}

#[test]
fn a_syntax_error_names_the_file_line_and_column() {
    let files = Files::new();
    let good = files.write("kibana.yml", "server.port: 5601\n");
    let bad = files.write(
        "broken.yml",
        "server:\n  port: 5601\n  host: \"unterminated\n",
    );
    let error = error_of(ConfigService::from_env_with_vars(
        env_with(vec![good, bad.clone()]),
        |_| None,
    ));
    let ConfigError::Syntax {
        ref path,
        line,
        column,
        ref message,
    } = error
    else {
        panic!("{error:?}")
    };
    assert_eq!(path, &bad);
    assert_eq!((line, column), (4, 1));
    assert!(message.contains("quoted scalar"), "{message}");
    assert!(error.to_string().starts_with(&format!(
        "invalid YAML in {} at line 4, column 1: ",
        bad.display()
    )));
}

#[test]
fn a_top_level_that_is_not_a_map_names_the_file() {
    let files = Files::new();
    let path = files.write("kibana.yml", "just a string\n");
    let error = error_of(ConfigService::from_env_with_vars(
        env_with(vec![path.clone()]),
        |_| None,
    ));
    assert_eq!(
        error,
        ConfigError::NotAMap {
            path,
            found: "string".into()
        }
    );
}

#[test]
fn a_missing_file_is_a_read_error_naming_it() {
    let missing = PathBuf::from("/nonexistent/dir/kibana.yml");
    let error = error_of(ConfigService::from_env_with_vars(
        env_with(vec![missing.clone()]),
        |_| None,
    ));
    let ConfigError::Read { path, message } = error else {
        panic!("{error:?}")
    };
    assert_eq!(path, missing);
    assert!(message.contains("No such file"), "{message}");
}

/// A config file over the bound is refused without being read whole.
#[test]
fn an_oversized_file_is_a_read_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kibana.yml");
    let comment = format!("# {}\n", "x".repeat(1022));
    let big = comment.repeat((core_config::MAX_CONFIG_FILE_BYTES / 1024) as usize + 1);
    std::fs::write(&path, big).unwrap();
    let error = error_of(ConfigService::from_env_with_vars(
        env_with(vec![path.clone()]),
        |_| None,
    ));
    let ConfigError::Read {
        path: named,
        message,
    } = error
    else {
        panic!("{error:?}")
    };
    assert_eq!(named, path);
    assert_eq!(message, "the file is larger than 16777216 bytes");
}

#[test]
fn in_memory_sources_expand_dotted_keys_and_have_no_files() {
    let service = core_config::testing::config_from_json(
        json!({"server.port": 5605, "server": {"host": "x"}}),
    );
    let server: Server = service.at_path("server").unwrap();
    assert_eq!((server.host.as_str(), server.port), ("x", 5605));
    assert!(service.config_paths().is_empty());

    let service = core_config::testing::config_from_yaml("server.port: 5606\n");
    assert_eq!(service.at_path::<Server>("server").unwrap().port, 5606);
    let error = error_of(ConfigService::from_value(
        json!([1]),
        core_config::testing::test_env(),
    ));
    assert_eq!(
        error,
        ConfigError::NotAMap {
            path: "<inline value>".into(),
            found: "Array".into()
        }
    );
}

#[test]
fn override_keys_must_be_dotted_paths() {
    let service = core_config::testing::config_from_json(json!({}));
    for key in ["", "server..port", ".port", "server."] {
        assert!(
            matches!(service.set(key, 1), Err(ConfigError::Invalid { path, .. }) if path == key),
            "{key:?}"
        );
    }
}
