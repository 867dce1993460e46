//! Typed access to dependency contracts, and the errors for undeclared or mistyped access.

use std::sync::Arc;

use core_plugins::{DependencyError, Phase, SetupDeps, StartDeps};
use serde_json::json;

use crate::harness::events::Events;
use crate::harness::{Behavior, Harness, Recorder, TestCore, manifest, recorder};

fn probe_setup(f: impl Fn(&SetupDeps<TestCore>) -> String + Send + Sync + 'static) -> Behavior {
    Behavior {
        setup_probe: Some(Arc::new(f)),
        ..Default::default()
    }
}

/// `provider` (Recorder<1>), `bystander` (Recorder<2>), and `consumer` probing its deps.
async fn probe(consumer: Behavior) -> Vec<String> {
    let events = Events::default();
    let registrations = vec![
        recorder::<1>(manifest("provider", &[], &[]), &events, Behavior::default()),
        recorder::<2>(
            manifest("bystander", &[], &[]),
            &events,
            Behavior::default(),
        ),
        recorder::<3>(manifest("consumer", &["provider"], &[]), &events, consumer),
    ];
    let mut harness = Harness::new(json!({}), registrations, &events);
    harness.setup().await.unwrap();
    harness.start().await.unwrap();
    events
        .all()
        .into_iter()
        .filter(|e| e.starts_with("probe"))
        .collect()
}

#[tokio::test]
async fn declared_dependency_is_typed() {
    let probes = probe(Behavior {
        setup_probe: Some(Arc::new(|deps: &SetupDeps<TestCore>| {
            let owned = deps.get_arc::<Recorder<1>>().unwrap();
            format!("{} / {}", deps.get::<Recorder<1>>().unwrap(), owned)
        })),
        start_probe: Some(Arc::new(|deps: &StartDeps<TestCore>| {
            deps.get::<Recorder<1>>().unwrap().clone()
        })),
        ..Default::default()
    })
    .await;
    assert_eq!(
        probes,
        [
            "probe consumer: setup-of-provider / setup-of-provider",
            "probe consumer: start-of-provider"
        ]
    );
}

#[tokio::test]
async fn undeclared_dependency_names_both_plugins() {
    let probes = probe(probe_setup(|deps| {
        deps.get::<Recorder<2>>().unwrap_err().to_string()
    }))
    .await;
    insta::assert_debug_snapshot!(probes);
    let error = probe(probe_setup(|deps| {
        format!("{:?}", deps.optional::<Recorder<2>>().unwrap_err())
    }))
    .await;
    assert!(error[0].contains("NotDeclared"), "{error:?}");
}

#[tokio::test]
async fn wrong_contract_type_names_both_plugins_and_types() {
    let probes = probe(probe_setup(|deps| {
        deps.get_by_name::<u64>("provider").unwrap_err().to_string()
    }))
    .await;
    insta::assert_debug_snapshot!(probes);
}

#[tokio::test]
async fn unregistered_plugin_type_is_an_error_for_get_and_absent_for_optional() {
    let probes = probe(probe_setup(|deps| {
        let get = deps.get::<Recorder<99>>().unwrap_err();
        let optional = deps.optional::<Recorder<99>>().unwrap();
        format!("{get} | optional: {optional:?}")
    }))
    .await;
    insta::assert_debug_snapshot!(probes);
}

#[test]
fn dependency_errors_carry_the_phase() {
    let error = DependencyError::Unavailable {
        plugin: "a".into(),
        dependency: "b".into(),
        phase: Phase::Start,
    };
    insta::assert_snapshot!(error.to_string());
}
