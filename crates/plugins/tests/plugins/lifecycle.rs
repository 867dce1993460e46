//! Failing, panicking and slow lifecycle steps; tolerant stop.

use std::time::Duration;

use core_plugins::{LifecycleFailure, Phase, PluginsError};
use serde_json::json;

use crate::harness::events::Events;
use crate::harness::{Behavior, Harness, manifest, recorder};

/// `first` <- `second` <- `third`, where `third` behaves as given.
fn chain(
    events: &Events,
    third: Behavior,
) -> Vec<core_plugins::PluginRegistration<crate::harness::TestCore>> {
    vec![
        recorder::<1>(manifest("first", &[], &[]), events, Behavior::default()),
        recorder::<2>(
            manifest("second", &["first"], &[]),
            events,
            Behavior::default(),
        ),
        recorder::<3>(manifest("third", &["second"], &[]), events, third),
    ]
}

#[tokio::test]
async fn panicking_setup_fails_startup_and_stops_earlier_plugins_in_reverse() {
    let events = Events::default();
    let mut harness = Harness::new(
        json!({}),
        chain(
            &events,
            Behavior {
                panic_setup: true,
                ..Default::default()
            },
        ),
        &events,
    );
    let error = harness.setup().await.unwrap_err();
    assert_eq!(
        error,
        PluginsError::Lifecycle {
            plugin: "third".into(),
            phase: Phase::Setup,
            failure: LifecycleFailure::Panic("boom in third".into()),
        }
    );
    insta::assert_snapshot!(error.to_string());
    insta::assert_debug_snapshot!(events.all());
    insta::assert_debug_snapshot!(harness.lines_without_debug());
}

#[tokio::test]
async fn panicking_initializer_is_reported_with_the_plugin_id() {
    let events = Events::default();
    let mut harness = Harness::new(
        json!({}),
        chain(
            &events,
            Behavior {
                panic_initializer: true,
                ..Default::default()
            },
        ),
        &events,
    );
    insta::assert_snapshot!(harness.setup().await.unwrap_err().to_string());
    let stops: Vec<String> = events
        .all()
        .into_iter()
        .filter(|e| e.starts_with("stop"))
        .collect();
    assert_eq!(stops, ["stop second", "stop first"]);
}

#[tokio::test]
async fn failing_setup_reports_the_error_chain() {
    let events = Events::default();
    let mut harness = Harness::new(
        json!({}),
        chain(
            &events,
            Behavior {
                fail_setup: true,
                ..Default::default()
            },
        ),
        &events,
    );
    insta::assert_snapshot!(harness.setup().await.unwrap_err().to_string());
}

#[tokio::test(start_paused = true)]
async fn slow_setup_times_out_with_the_plugin_and_phase() {
    let events = Events::default();
    let slow = Behavior {
        sleep_setup: Some(Duration::from_secs(3600)),
        ..Default::default()
    };
    let config = json!({"plugins": {"lifecycleTimeout": "50ms"}});
    let mut harness = Harness::new(config, chain(&events, slow), &events);
    let error = harness.setup().await.unwrap_err();
    assert_eq!(
        error,
        PluginsError::Lifecycle {
            plugin: "third".into(),
            phase: Phase::Setup,
            failure: LifecycleFailure::Timeout(Duration::from_millis(50)),
        }
    );
    insta::assert_snapshot!(error.to_string());
    let stops: Vec<String> = events
        .all()
        .into_iter()
        .filter(|e| e.starts_with("stop"))
        .collect();
    assert_eq!(stops, ["stop second", "stop first"]);
}

#[tokio::test(start_paused = true)]
async fn default_timeout_is_thirty_seconds() {
    let events = Events::default();
    let slow = Behavior {
        sleep_setup: Some(Duration::from_secs(3600)),
        ..Default::default()
    };
    let mut harness = Harness::new(json!({}), chain(&events, slow), &events);
    insta::assert_snapshot!(harness.setup().await.unwrap_err().to_string());
}

#[tokio::test]
async fn failing_start_stops_every_plugin() {
    let events = Events::default();
    let mut harness = Harness::new(
        json!({}),
        chain(
            &events,
            Behavior {
                fail_start: true,
                ..Default::default()
            },
        ),
        &events,
    );
    harness.setup().await.unwrap();
    let error = harness.start().await.unwrap_err();
    insta::assert_snapshot!(error.to_string());
    let stops: Vec<String> = events
        .all()
        .into_iter()
        .filter(|e| e.starts_with("stop"))
        .collect();
    assert_eq!(stops, ["stop third", "stop second", "stop first"]);
}

#[tokio::test]
async fn failing_stop_is_logged_and_the_others_still_stop() {
    let events = Events::default();
    let registrations = vec![
        recorder::<1>(manifest("first", &[], &[]), &events, Behavior::default()),
        recorder::<2>(
            manifest("second", &["first"], &[]),
            &events,
            Behavior {
                fail_stop: true,
                ..Default::default()
            },
        ),
        recorder::<3>(
            manifest("third", &["second"], &[]),
            &events,
            Behavior::default(),
        ),
    ];
    let mut harness = Harness::new(json!({}), registrations, &events);
    harness.setup().await.unwrap();
    harness.start().await.unwrap();
    harness.service.stop().await;
    // A second stop has nothing left to stop and logs nothing.
    harness.service.stop().await;
    insta::assert_debug_snapshot!(events.all());
    insta::assert_debug_snapshot!(harness.lines_without_debug());
}

#[tokio::test]
async fn start_before_setup_is_refused() {
    let events = Events::default();
    let mut harness = Harness::new(json!({}), chain(&events, Behavior::default()), &events);
    insta::assert_snapshot!(harness.start().await.unwrap_err().to_string());
}
