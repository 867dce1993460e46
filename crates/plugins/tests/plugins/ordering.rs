//! Kibana's plugins-system cases (behaviour doc 7.2 and 5.4): order, contracts, cycles.

use core_plugins::{PluginRegistration, PluginsError};
use serde_json::json;

use crate::harness::events::Events;
use crate::harness::{Behavior, Harness, manifest, recorder};

fn five_plugins(events: &Events) -> Vec<PluginRegistration<crate::harness::TestCore>> {
    let b = Behavior::default;
    vec![
        recorder::<4>(manifest("order-4", &["order-2"], &[]), events, b()),
        recorder::<0>(manifest("order-0", &[], &[]), events, b()),
        recorder::<2>(manifest("order-2", &["order-1"], &["order-0"]), events, b()),
        recorder::<1>(manifest("order-1", &["order-0"], &[]), events, b()),
        recorder::<3>(
            manifest("order-3", &["order-2"], &["missing-dep"]),
            events,
            b(),
        ),
    ]
}

#[tokio::test]
async fn no_plugins_give_empty_contracts() {
    let events = Events::default();
    let mut harness = Harness::new(json!({}), vec![], &events);
    let setup = harness.setup().await.unwrap();
    assert!(setup.contracts.is_empty());
    assert!(setup.ui_plugins.is_empty());
    assert!(harness.start().await.unwrap().contracts.is_empty());
    harness.service.stop().await;
    insta::assert_debug_snapshot!(harness.logs.lines());
}

#[tokio::test]
async fn five_plugins_run_in_kibanas_order_with_exactly_their_contracts() {
    let events = Events::default();
    let mut harness = Harness::new(json!({}), five_plugins(&events), &events);
    let setup = harness.setup().await.unwrap();
    assert_eq!(
        setup.contracts.names().collect::<Vec<_>>(),
        ["order-0", "order-1", "order-2", "order-3", "order-4"]
    );
    assert_eq!(
        setup.contracts.get_as::<String>("order-2").unwrap(),
        "setup-of-order-2"
    );
    let start = harness.start().await.unwrap();
    assert_eq!(
        start.contracts.get_as::<String>("order-4").unwrap(),
        "start-of-order-4"
    );
    harness.service.stop().await;
    insta::assert_debug_snapshot!("five_plugins_events", events.all());
    insta::assert_debug_snapshot!("five_plugins_logs", harness.logs.lines());
}

#[tokio::test]
async fn required_cycle_is_reported_as_a_path() {
    let events = Events::default();
    let b = Behavior::default;
    let registrations = vec![
        recorder::<0>(manifest("no-deps", &[], &[]), &events, b()),
        recorder::<1>(
            manifest("depends-on-1", &["depends-on-2"], &[]),
            &events,
            b(),
        ),
        recorder::<2>(
            manifest("depends-on-2", &["depends-on-1"], &[]),
            &events,
            b(),
        ),
    ];
    let mut harness = Harness::new(json!({}), registrations, &events);
    let error = harness.setup().await.unwrap_err();
    assert!(matches!(&error, PluginsError::DependencyCycle { cycle, .. } if cycle.len() == 3));
    insta::assert_snapshot!(error.to_string());
    assert!(
        events.all().is_empty(),
        "nothing may be set up: {:?}",
        events.all()
    );
}

#[tokio::test]
async fn optional_cycle_is_reported_too() {
    let events = Events::default();
    let b = Behavior::default;
    let registrations = vec![
        recorder::<1>(manifest("a", &["b"], &[]), &events, b()),
        recorder::<2>(manifest("b", &["c"], &[]), &events, b()),
        recorder::<3>(manifest("c", &[], &["a"]), &events, b()),
    ];
    let mut harness = Harness::new(json!({}), registrations, &events);
    insta::assert_snapshot!(harness.setup().await.unwrap_err().to_string());
}

#[tokio::test]
async fn missing_optional_dependency_is_ignored() {
    let events = Events::default();
    let probe = std::sync::Arc::new(|deps: &core_plugins::SetupDeps<crate::harness::TestCore>| {
        format!(
            "{:?}",
            deps.optional::<crate::harness::Recorder<7>>()
                .map(|c| c.cloned())
        )
    });
    let registrations = vec![recorder::<1>(
        manifest("with-missing-optional", &[], &["missing-plugin"]),
        &events,
        Behavior {
            setup_probe: Some(probe),
            ..Default::default()
        },
    )];
    let mut harness = Harness::new(json!({}), registrations, &events);
    let setup = harness.setup().await.unwrap();
    assert_eq!(
        setup
            .contracts
            .get_as::<String>("with-missing-optional")
            .unwrap(),
        "setup-of-with-missing-optional"
    );
    insta::assert_debug_snapshot!(events.all());
}

#[tokio::test]
async fn ui_only_plugins_are_ordered_but_never_set_up() {
    let events = Events::default();
    let b = Behavior::default;
    let ui_only = json!({"id": "ui-only", "version": "1.0.0", "kibanaVersion": "kibana", "ui": true, "requiredPlugins": ["server-and-ui"]});
    let both = json!({"id": "server-and-ui", "version": "1.0.0", "kibanaVersion": "kibana", "server": true, "ui": true});
    let registrations = vec![
        PluginRegistration::ui_only(ui_only.to_string(), "plugins/ui-only/kibana.json"),
        recorder::<1>(manifest("server-only", &[], &["ui-only"]), &events, b()),
        recorder::<2>(both.to_string(), &events, b()),
    ];
    let mut harness = Harness::new(json!({}), registrations, &events);
    let setup = harness.setup().await.unwrap();
    insta::assert_json_snapshot!(setup.ui_plugins);
    assert_eq!(
        setup.contracts.names().collect::<Vec<_>>(),
        ["server-and-ui", "server-only"]
    );
    // No core contract was built for the ui-only plugin and it received nothing.
    insta::assert_debug_snapshot!(events.all());
}

#[tokio::test]
async fn server_manifest_without_plugin_type_is_an_error() {
    let events = Events::default();
    let registrations = vec![PluginRegistration::ui_only(
        manifest("not-ui", &[], &[]),
        "plugins/not-ui/kibana.json",
    )];
    let mut harness = Harness::new(json!({}), registrations, &events);
    insta::assert_snapshot!(harness.setup().await.unwrap_err().to_string());
}
