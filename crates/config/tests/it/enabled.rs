//! `is_enabled_at_path` and the bookkeeping of used keys (Kibana's cases).

use core_config::ConfigError;

use crate::support::{PluginSection, Server, service};

#[test]
fn a_section_without_enabled_is_enabled_and_nothing_is_marked() {
    let config = service("");
    assert!(config.is_enabled_at_path("myPlugin"));
    assert!(config.unused_paths().is_empty());

    let config = service("myPlugin.greeting: hi\n");
    assert!(config.is_enabled_at_path("myPlugin"));
    assert_eq!(config.unused_paths(), vec!["myPlugin.greeting"]);
}

#[test]
fn enabled_true_marks_only_the_enabled_key() {
    let config = service("myPlugin:\n  enabled: true\n  greeting: hi\n");
    assert!(config.is_enabled_at_path("myPlugin"));
    assert_eq!(config.unused_paths(), vec!["myPlugin.greeting"]);
    assert_eq!(config.used_paths(), vec!["myPlugin.enabled"]);
}

#[test]
fn enabled_is_read_even_when_no_schema_reads_the_section() {
    let config = service("myPlugin.enabled: true\n");
    assert!(config.is_enabled_at_path("myPlugin"));
    assert!(config.unused_paths().is_empty());
    assert!(config.validate_all_used().is_ok());
}

#[test]
fn enabled_false_disables_and_marks_the_whole_section() {
    let config = service("myPlugin:\n  enabled: false\n  greeting: hi\n  deep.key: 1\n");
    assert!(!config.is_enabled_at_path("myPlugin"));
    assert!(config.unused_paths().is_empty());
}

#[test]
fn a_false_string_disables_like_kibanas_boolean_schema() {
    let config = service("myPlugin.enabled: 'false'\nmyPlugin.greeting: hi\n");
    assert!(!config.is_enabled_at_path("myPlugin"));
    assert!(config.unused_paths().is_empty());
}

#[test]
fn a_non_boolean_enabled_enables_and_the_section_schema_rejects_it() {
    let config = service("myPlugin.enabled: sometimes\n");
    assert!(config.is_enabled_at_path("myPlugin"));
    let error = config.at_path::<PluginSection>("myPlugin").unwrap_err();
    assert_eq!(
        error.to_string(),
        "[myPlugin.enabled]: expected value of type [boolean] but got [string]"
    );
}

#[test]
fn nested_paths_work_like_top_level_ones() {
    let config =
        service("xpack.security:\n  enabled: false\n  secret: x\nxpack.monitoring.enabled: true\n");
    assert!(!config.is_enabled_at_path("xpack.security"));
    assert!(config.is_enabled_at_path("xpack.monitoring"));
    assert!(config.is_enabled_at_path("xpack.graph"));
    assert!(config.unused_paths().is_empty());
}

#[test]
fn unused_paths_are_the_leaves_no_reader_has_handled() {
    let config = service(
        "alpha:\n  one.key: 1\n  two.key: 2\nplain: value\nomega:\n  one.key: a\n  two.key: [x, y]\nserverless.x: 1\n",
    );
    #[derive(serde::Deserialize)]
    struct Anything(#[allow(dead_code)] serde_json::Value);
    impl core_config::ConfigSchema for Anything {}

    config.at_path::<Anything>("plain").unwrap();
    config.at_path::<Anything>("alpha.two").unwrap();
    // Reading a section that is absent still marks it, and `server` does not cover `serverless`.
    config.at_path::<Server>("server").unwrap();
    assert_eq!(
        config.unused_paths(),
        vec![
            "alpha.one.key",
            "omega.one.key",
            "omega.two.key",
            "serverless.x"
        ]
    );
    assert_eq!(config.used_paths(), vec!["alpha.two.key", "plain"]);

    let error = config.validate_all_used().unwrap_err();
    assert_eq!(
        error,
        ConfigError::UnusedKeys(vec![
            "alpha.one.key".into(),
            "omega.one.key".into(),
            "omega.two.key".into(),
            "serverless.x".into()
        ])
    );
    assert!(error.to_string().contains("Check for spelling errors"));
}

#[test]
fn a_failed_read_still_marks_the_section() {
    let config = service("server.port: abc\n");
    assert!(config.at_path::<Server>("server").is_err());
    assert!(config.unused_paths().is_empty());
}

#[test]
fn optional_reads_and_subscriptions_mark_their_paths() {
    let config = service("a.x: 1\nb.port: 1\n");
    config.optional_at_path::<Server>("a.missing").unwrap();
    assert_eq!(config.unused_paths(), vec!["a.x", "b.port"]);
    config.subscribe::<Server>("b").unwrap();
    assert_eq!(config.unused_paths(), vec!["a.x"]);
}
