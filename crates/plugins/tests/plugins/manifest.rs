//! Kibana's manifest parser cases (behaviour doc 7.1), one snapshot each.

use core_plugins::{DiscoveryErrorKind, PluginManifest};

const KIBANA_VERSION: &str = "7.0.0-alpha1";
const PATH: &str = "/path/to/plugin/kibana.json";

/// Parses `text` as Kibana's tests do and renders the outcome for a snapshot.
fn check(text: &str) -> String {
    match PluginManifest::parse(text, PATH, KIBANA_VERSION) {
        Ok(manifest) => format!("Ok: {}", serde_json::to_string_pretty(&manifest).unwrap()),
        Err(error) => format!("Err[{}]: {error}", error.kind),
    }
}

#[test]
fn empty_manifest_is_invalid_json() {
    // serde_json's wording; Node said `Unexpected end of JSON input`.
    insta::assert_snapshot!(check(""));
}

#[test]
fn null_manifest_is_not_an_object() {
    insta::assert_snapshot!(check("null"));
}

#[test]
fn non_json_text_reports_the_parser_message() {
    // Node said `Unexpected token o in JSON at position 1`.
    insta::assert_snapshot!(check("not-json"));
}

#[test]
fn id_is_required() {
    insta::assert_snapshot!(check(r#"{"version":"some-version"}"#));
}

#[test]
fn id_must_not_contain_dots() {
    insta::assert_snapshot!(check(r#"{"id":"some.name","version":"1.0.0"}"#));
}

#[test]
fn version_is_required() {
    insta::assert_snapshot!(check(r#"{"id":"some-id"}"#));
}

#[test]
fn kibana_version_lower_higher_or_not_semver_is_incompatible() {
    let cases = ["6.4.2", "7.0.1", "non-sem-ver"].map(|expected| {
        let text = format!(
            r#"{{"id":"someId","version":"7.0.0","kibanaVersion":"{expected}","server":true}}"#
        );
        let error = PluginManifest::parse(&text, PATH, KIBANA_VERSION).unwrap_err();
        assert_eq!(error.kind, DiscoveryErrorKind::IncompatibleVersion);
        error.to_string()
    });
    insta::assert_snapshot!(cases.join("\n"));
}

#[test]
fn config_path_must_be_a_string_or_array_of_strings() {
    let numeric = check(r#"{"id":"some-id","version":"7.0.0","configPath":2017}"#);
    let mixed = check(r#"{"id":"some-id","version":"7.0.0","configPath":["config","path",1]}"#);
    insta::assert_snapshot!(format!("{numeric}\n{mixed}"));
}

#[test]
fn server_or_ui_must_be_true() {
    let missing = check(r#"{"id":"some-id","version":"7.0.0"}"#);
    let both_false = check(r#"{"id":"some-id","version":"7.0.0","server":false,"ui":false}"#);
    insta::assert_snapshot!(format!("{missing}\n{both_false}"));
}

#[test]
fn unknown_keys_are_listed_in_order() {
    insta::assert_snapshot!(check(
        r#"{"id":"some-id","version":"7.0.0","server":true,"unknownOne":"one","unknownTwo":"two"}"#
    ));
}

#[test]
fn defaults_are_filled_in() {
    insta::assert_snapshot!(check(r#"{"id":"some-id","version":"7.0.0","server":true}"#));
}

#[test]
fn all_optional_fields_are_kept() {
    // An array configPath joins with `.` into the dotted path the config service uses.
    insta::assert_snapshot!(check(
        r#"{"id":"some-id","version":"some-version","kibanaVersion":"7.0.0","configPath":["some","path"],"requiredPlugins":["some-required-plugin"],"optionalPlugins":["some-optional-plugin"],"server":true,"ui":true}"#
    ));
}

#[test]
fn pre_release_versions_are_coerced() {
    insta::assert_snapshot!(check(
        r#"{"id":"some-id","version":"some-version","kibanaVersion":"7.0.0-alpha2","server":true}"#
    ));
}

#[test]
fn kibana_keyword_matches_any_version() {
    insta::assert_snapshot!(check(
        r#"{"id":"some-id","version":"some-version","kibanaVersion":"kibana","server":true}"#
    ));
}

#[test]
fn dependency_lists_must_hold_strings() {
    insta::assert_snapshot!(check(
        r#"{"id":"some-id","version":"1.0.0","server":true,"requiredPlugins":["a",2]}"#
    ));
}

#[test]
fn unreadable_file_is_a_missing_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kibana.json");
    let error = PluginManifest::read(&path, KIBANA_VERSION).unwrap_err();
    assert_eq!(error.kind, DiscoveryErrorKind::MissingManifest);
    assert_eq!(error.path, path.display().to_string());
    assert!(
        error
            .to_string()
            .ends_with(&format!("(missing-manifest, {})", path.display())),
        "{error}"
    );

    std::fs::write(
        &path,
        r#"{"id":"from-file","version":"7.0.0","server":true}"#,
    )
    .unwrap();
    assert_eq!(
        PluginManifest::read(&path, KIBANA_VERSION).unwrap().id,
        "from-file"
    );
}

/// A manifest file over the bound is refused without being read whole; one at the bound is read.
#[test]
fn oversized_manifest_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kibana.json");
    let head = r#"{"id":"big","version":"7.0.0","server":true,"requiredPlugins":[]"#;
    let at_limit = format!(
        "{head}{}}}",
        " ".repeat(core_plugins::MAX_MANIFEST_BYTES as usize - head.len() - 1)
    );
    std::fs::write(&path, &at_limit).unwrap();
    assert!(PluginManifest::read(&path, KIBANA_VERSION).is_ok());
    std::fs::write(&path, format!("{at_limit} ")).unwrap();
    let error = PluginManifest::read(&path, KIBANA_VERSION).unwrap_err();
    assert_eq!(error.kind, DiscoveryErrorKind::InvalidManifest);
    assert!(
        error
            .to_string()
            .contains("Plugin manifest is larger than 1048576 bytes."),
        "{error}"
    );
}
