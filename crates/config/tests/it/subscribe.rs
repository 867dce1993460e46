//! Subscriptions: emissions on real changes only, errors for invalid new values, and the end
//! of the stream when the service is gone.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use core_config::{ConfigError, ConfigService};

use crate::support::{Files, Server, env_with};

/// Polls `future` once: `Some(output)` if it is already complete. Deterministic, because
/// `set` and `reload` publish synchronously before they return.
fn now<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

fn file_service(files: &Files, yaml: &str) -> ConfigService {
    let path = files.write("kibana.yml", yaml);
    ConfigService::from_env_with_vars(env_with(vec![path]), |_| None).unwrap()
}

#[tokio::test]
async fn the_current_value_is_available_at_once() {
    let files = Files::new();
    let config = file_service(&files, "server.port: 5601\n");
    let subscription = config.subscribe::<Server>("server").unwrap();
    assert_eq!(subscription.current().port, 5601);
    assert!(now(config.subscribe::<Server>("server").unwrap().changed()).is_none());
}

#[tokio::test]
async fn a_real_change_is_emitted_once() {
    let files = Files::new();
    let config = file_service(&files, "server.port: 5601\n");
    let mut subscription = config.subscribe::<Server>("server").unwrap();

    config.set("server.port", 5602).unwrap();
    let changed = subscription.changed().await.unwrap().unwrap();
    assert_eq!(changed.port, 5602);
    assert_eq!(subscription.current().port, 5602);
    assert!(
        now(subscription.changed()).is_none(),
        "no second emission for one change"
    );
}

#[tokio::test]
async fn unrelated_changes_and_equal_values_are_not_emitted() {
    let files = Files::new();
    let config = file_service(&files, "server.port: 5601\nother.key: 1\n");
    let mut subscription = config.subscribe::<Server>("server").unwrap();

    config.set("other.key", 2).unwrap();
    assert!(
        now(subscription.changed()).is_none(),
        "a change elsewhere is not emitted"
    );
    config.set("server.port", 5601).unwrap();
    assert!(
        now(subscription.changed()).is_none(),
        "setting the same value is not a change"
    );
    files.write("kibana.yml", "other.key: 3\nserver:\n  port: 5601\n");
    config.reload().unwrap();
    assert!(
        now(subscription.changed()).is_none(),
        "the same subtree written differently is not a change"
    );

    config.set("server.host", "example.org").unwrap();
    let changed = subscription.changed().await.unwrap().unwrap();
    assert_eq!(changed.host, "example.org");
}

#[tokio::test]
async fn a_reload_with_a_changed_file_is_emitted() {
    let files = Files::new();
    let config = file_service(&files, "server.port: 5601\n");
    let mut subscription = config.subscribe::<Server>("server").unwrap();

    files.write("kibana.yml", "server.port: 5610\n");
    config.reload().unwrap();
    assert_eq!(subscription.changed().await.unwrap().unwrap().port, 5610);
}

#[tokio::test]
async fn an_invalid_new_value_is_an_error_and_the_old_value_stays_current() {
    let files = Files::new();
    let config = file_service(&files, "server.port: 5601\n");
    let mut subscription = config.subscribe::<Server>("server").unwrap();

    files.write("kibana.yml", "server.port: 99999\n");
    config.reload().unwrap();
    let error = subscription.changed().await.unwrap().unwrap_err();
    assert_eq!(
        error,
        ConfigError::Invalid {
            path: "server.port".into(),
            message: "Value is [99999] but it must be equal to or lower than [65535].".into()
        }
    );
    assert_eq!(subscription.current().port, 5601);

    files.write("kibana.yml", "server.port: 5620\n");
    config.reload().unwrap();
    assert_eq!(subscription.changed().await.unwrap().unwrap().port, 5620);
}

#[tokio::test]
async fn subscribing_to_an_invalid_section_fails() {
    let files = Files::new();
    let config = file_service(&files, "server.port: nope\n");
    let error = config.subscribe::<Server>("server").unwrap_err();
    assert_eq!(
        error.to_string(),
        "[server.port]: expected value of type [number] but got [string]"
    );
}

#[tokio::test]
async fn the_stream_ends_when_the_service_is_gone() {
    let files = Files::new();
    let config = file_service(&files, "");
    let mut subscription = config.subscribe::<Server>("server").unwrap();
    let clone = config.clone();
    drop(config);
    assert!(
        now(subscription.changed()).is_none(),
        "a clone keeps the service alive"
    );
    drop(clone);
    assert!(subscription.changed().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_on_another_task_sees_every_distinct_final_value() {
    let files = Files::new();
    let config = file_service(&files, "server.port: 1000\n");
    let mut subscription = config.subscribe::<Server>("server").unwrap();

    let watcher = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(result) = subscription.changed().await {
            let port = result.expect("every value set is valid").port;
            seen.push(port);
            if port == 1100 {
                break;
            }
        }
        seen
    });
    for port in 1001..=1100u16 {
        config.set("server.port", port).unwrap();
        tokio::task::yield_now().await;
    }
    let seen = watcher.await.unwrap();
    // Intermediate values may be coalesced (watch semantics); the last one always arrives, and
    // what does arrive is strictly increasing: no stale or repeated emission.
    assert_eq!(seen.last(), Some(&1100));
    assert!(seen.windows(2).all(|pair| pair[0] < pair[1]), "{seen:?}");
}
