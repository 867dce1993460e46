//! Kibana's plugins-service cases (behaviour doc 7.3): manifests, duplicates, enablement.

use core_plugins::{PluginRegistration, PluginStatus, PluginsError};
use serde_json::json;

use crate::harness::events::Events;
use crate::harness::{Behavior, Harness, TestCore, manifest, recorder};

fn with_config_path(id: &str, config_path: &str, required: &[&str]) -> String {
    json!({"id": id, "version": "1.0.0", "kibanaVersion": "kibana", "server": true, "configPath": config_path, "requiredPlugins": required}).to_string()
}

#[tokio::test]
async fn invalid_manifests_fail_setup_and_are_logged() {
    let events = Events::default();
    let registrations: Vec<PluginRegistration<TestCore>> = vec![
        recorder::<1>(
            "{\"id\": \"broken\"".to_owned(),
            &events,
            Behavior::default(),
        ),
        recorder::<2>(manifest("fine", &[], &[]), &events, Behavior::default()),
        recorder::<3>(
            json!({"id": "old", "version": "6.0.0", "server": true}).to_string(),
            &events,
            Behavior::default(),
        ),
    ];
    let mut harness = Harness::new(json!({}), registrations, &events);
    let error = harness.setup().await.unwrap_err();
    assert!(matches!(&error, PluginsError::Discovery(errors) if errors.len() == 2));
    insta::assert_snapshot!(error.to_string());
    insta::assert_debug_snapshot!(harness.logs.lines());
    assert!(events.all().is_empty());
}

#[tokio::test]
async fn duplicate_ids_name_both_sources() {
    let events = Events::default();
    let registrations = vec![
        recorder::<1>(manifest("twin", &[], &[]), &events, Behavior::default()),
        PluginRegistration::new::<crate::harness::Recorder<2>>(
            manifest("twin", &[], &[]),
            "elsewhere/kibana.json",
            |_| unreachable!("never created"),
        ),
    ];
    let mut harness = Harness::new(json!({}), registrations, &events);
    insta::assert_snapshot!(harness.setup().await.unwrap_err().to_string());
    assert!(events.all().is_empty());
}

#[tokio::test]
async fn one_plugin_type_may_serve_two_ids_and_is_resolved_through_the_manifest() {
    use crate::harness::Recorder;
    let events = Events::default();
    let probe = |deps: &core_plugins::SetupDeps<TestCore>| match deps.get::<Recorder<1>>() {
        Ok(contract) => contract.clone(),
        Err(error) => error.to_string(),
    };
    let registrations = vec![
        recorder::<1>(manifest("first", &[], &[]), &events, Behavior::default()),
        recorder::<1>(manifest("second", &[], &[]), &events, Behavior::default()),
        recorder::<2>(
            manifest("uses-one", &["second"], &[]),
            &events,
            Behavior {
                setup_probe: Some(std::sync::Arc::new(probe)),
                ..Default::default()
            },
        ),
        recorder::<3>(
            manifest("uses-both", &["first", "second"], &[]),
            &events,
            Behavior {
                setup_probe: Some(std::sync::Arc::new(probe)),
                ..Default::default()
            },
        ),
    ];
    let mut harness = Harness::new(json!({}), registrations, &events);
    harness.setup().await.unwrap();
    let probes: Vec<String> = events
        .all()
        .into_iter()
        .filter(|e| e.starts_with("probe"))
        .collect();
    insta::assert_debug_snapshot!(probes);
}

#[tokio::test]
async fn disabled_plugins_and_their_dependents_are_logged() {
    let events = Events::default();
    let b = Behavior::default;
    let registrations = vec![
        recorder::<1>(
            with_config_path("explicitly-disabled-plugin", "path-1-disabled", &[]),
            &events,
            b(),
        ),
        recorder::<2>(
            with_config_path(
                "plugin-with-missing-required-deps",
                "path-2",
                &["missing-plugin"],
            ),
            &events,
            b(),
        ),
        recorder::<3>(
            with_config_path(
                "plugin-with-disabled-transitive-dep",
                "path-3",
                &["another-explicitly-disabled-plugin"],
            ),
            &events,
            b(),
        ),
        recorder::<4>(
            with_config_path("another-explicitly-disabled-plugin", "path-4-disabled", &[]),
            &events,
            b(),
        ),
        recorder::<5>(
            with_config_path(
                "depends-on-a-disabled-dependent",
                "path-5",
                &["plugin-with-disabled-transitive-dep"],
            ),
            &events,
            b(),
        ),
    ];
    let config =
        json!({"path-1-disabled": {"enabled": false}, "path-4-disabled": {"enabled": false}});
    let mut harness = Harness::new(config, registrations, &events);
    let statuses = harness.service.discover().unwrap().clone();
    assert_eq!(statuses.plugins[0].1, PluginStatus::Disabled);
    assert_eq!(
        statuses.plugins[2].1,
        PluginStatus::MissingDependencies(vec!["another-explicitly-disabled-plugin".into()])
    );
    let setup = harness.setup().await.unwrap();
    assert!(setup.contracts.is_empty());
    assert_eq!(harness.service.enabled_count(), 0);
    insta::assert_debug_snapshot!(harness.logs.lines());
}

#[tokio::test]
async fn missing_manifest_files_are_skipped() {
    let events = Events::default();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("legacy").join("kibana.json");
    let registrations = vec![
        PluginRegistration::from_manifest_file::<crate::harness::Recorder<1>>(&path, |_| {
            unreachable!("never created")
        }),
        recorder::<2>(manifest("valid", &[], &[]), &events, Behavior::default()),
    ];
    let mut harness = Harness::new(json!({}), registrations, &events);
    let setup = harness.setup().await.unwrap();
    assert_eq!(setup.contracts.names().collect::<Vec<_>>(), ["valid"]);
    let warnings: Vec<String> = harness
        .logs
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("[warn]"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains(&format!("(missing-manifest, {})", path.display())),
        "{warnings:?}"
    );
    assert!(
        harness
            .logs
            .lines()
            .iter()
            .all(|l| !l.starts_with("[error]"))
    );
}

#[tokio::test]
async fn initialize_false_skips_the_lifecycle() {
    let events = Events::default();
    let registrations = vec![recorder::<1>(
        manifest("idle", &[], &[]),
        &events,
        Behavior::default(),
    )];
    let mut harness = Harness::new(
        json!({"plugins": {"initialize": false}}),
        registrations,
        &events,
    );
    let setup = harness.setup().await.unwrap();
    assert!(setup.contracts.is_empty());
    assert!(harness.start().await.unwrap().contracts.is_empty());
    harness.service.stop().await;
    assert!(events.all().is_empty());
    insta::assert_debug_snapshot!(harness.lines_without_debug());
}

#[tokio::test]
async fn invalid_plugins_config_names_the_key() {
    let events = Events::default();
    let mut harness = Harness::new(
        json!({"plugins": {"lifecycleTimeout": "soon"}}),
        vec![],
        &events,
    );
    let message = harness.setup().await.unwrap_err().to_string();
    assert!(message.contains("plugins.lifecycleTimeout"), "{message}");
    assert!(
        message.contains("Failed to parse value as time value."),
        "{message}"
    );
}

/// A plugin's declared config type: unknown keys under its path stop the server.
#[derive(Debug, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct GreetingConfig {
    enabled: bool,
    greeting: String,
}

impl Default for GreetingConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            greeting: "hello".into(),
        }
    }
}

impl core_config::ConfigSchema for GreetingConfig {}

#[tokio::test]
async fn declared_plugin_config_is_validated_at_discovery() {
    let events = Events::default();
    let registrations = vec![
        recorder::<1>(
            with_config_path("greeter", "greeting.plugin", &[]),
            &events,
            Behavior::default(),
        )
        .with_config::<GreetingConfig>(),
    ];
    let config = json!({"greeting": {"plugin": {"greeting": "hi", "greetin": "typo"}}});
    let mut harness = Harness::new(config, registrations, &events);
    let error = harness.setup().await.unwrap_err();
    let message = error.to_string();
    assert!(matches!(&error, PluginsError::PluginConfig { plugin, .. } if plugin == "greeter"));
    assert!(message.contains("greeting.plugin.greetin"), "{message}");
}

#[tokio::test]
async fn initializer_context_gives_config_env_and_loggers() {
    let events = Events::default();
    let seen = events.clone();
    let registration = PluginRegistration::new::<crate::harness::Recorder<1>>(
        with_config_path("greeter", "greeting.plugin", &[]),
        "plugins/greeter/kibana.json",
        move |ctx| {
            let config = ctx.config().create::<GreetingConfig>().unwrap();
            let absent = ctx
                .config()
                .create_if_exists::<GreetingConfig>()
                .unwrap()
                .is_some();
            seen.push(format!(
                "path={} greeting={} exists={absent}",
                ctx.config().path(),
                config.current().greeting
            ));
            seen.push(format!("env mode={}", ctx.env().mode.name));
            ctx.logger().get(&["routes"]).info("hello from the plugin");
            crate::harness::recorder_instance::<1>("greeter", &seen)
        },
    )
    .with_config::<GreetingConfig>();
    let config = json!({"greeting": {"plugin": {"greeting": "hi"}}});
    let mut harness = Harness::new(config, vec![registration], &events);
    harness.setup().await.unwrap();
    insta::assert_debug_snapshot!(events.all());
    assert!(
        harness
            .logs
            .lines()
            .contains(&"[info][plugins.greeter.routes] hello from the plugin".to_owned())
    );
}
