//! [`SessionCleanup`]: the periodic removal of expired sessions from a store, and
//! [`SessionCleanupHandle`], which stops it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use core_logging::Logger;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::store::SessionStore;

/// The default time between two cleanup runs (Kibana's `session.cleanupInterval`).
pub const DEFAULT_CLEANUP_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// The most records one cleanup run removes: the rest wait for the next run, so a run stays
/// short however many sessions expired at once.
pub const CLEANUP_MAX_PER_RUN: usize = 10_000;

/// The periodic removal of expired sessions from one store. Get it from
/// [`SessionStorageFactory::cleanup`](super::SessionStorageFactory::cleanup); core-server runs
/// it from server start to server stop, code driving core-http alone calls
/// [`spawn`](Self::spawn) and stops the handle.
pub struct SessionCleanup {
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) interval: Duration,
    pub(crate) max_per_run: usize,
    pub(crate) logger: Logger,
}

impl fmt::Debug for SessionCleanup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCleanup")
            .field("interval", &self.interval)
            .field("max_per_run", &self.max_per_run)
            .finish_non_exhaustive()
    }
}

impl SessionCleanup {
    /// The time between two runs.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// One run: removes up to the per-run bound of expired records and returns how many went.
    /// A store error is logged (never with a session id) and counts as nothing removed.
    pub async fn run_once(&self) -> usize {
        match self
            .store
            .cleanup_expired(super::now_millis(), self.max_per_run)
            .await
        {
            Ok(removed) => {
                if removed > 0 {
                    self.logger
                        .debug(format_args!("removed {removed} expired sessions"));
                }
                removed
            }
            Err(error) => {
                self.logger.warn(format_args!(
                    "removing expired sessions failed (the next run tries again): {error}"
                ));
                0
            }
        }
    }

    /// Runs [`run_once`](Self::run_once) every interval (the first run one interval from now)
    /// in a task on the current Tokio runtime until the handle is stopped or dropped.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime.
    pub fn spawn(self) -> SessionCleanupHandle {
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(
                tokio::time::Instant::now() + self.interval,
                self.interval,
            );
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = ticks.tick() => {
                        self.run_once().await;
                    }
                }
            }
        });
        SessionCleanupHandle {
            stop: Some(stop),
            task: Some(task),
        }
    }
}

/// A running [`SessionCleanup`]. [`stop`](Self::stop) ends it after the run in progress, if
/// any; dropping the handle aborts it.
#[derive(Debug)]
pub struct SessionCleanupHandle {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SessionCleanupHandle {
    /// Stops the periodic cleanup and waits for its task to end.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SessionCleanupHandle {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::store::{MemorySessionStore, SessionRecord};

    #[tokio::test]
    async fn runs_periodically_until_stopped() {
        let store = Arc::new(MemorySessionStore::new(100));
        let cleanup = SessionCleanup {
            store: Arc::clone(&store) as Arc<dyn SessionStore>,
            interval: Duration::from_millis(20),
            max_per_run: 2,
            logger: core_logging::testing::capturing_logger_factory()
                .0
                .get(&["cleanup"]),
        };
        for i in 0..5 {
            store
                .put(
                    &format!("s{i}"),
                    SessionRecord {
                        content: String::new(),
                        idle_timeout_expiration: None,
                        lifespan_expiration: None,
                        expires_at: Some(1),
                    },
                )
                .await
                .unwrap();
        }
        let handle = cleanup.spawn();
        // Two per run: three runs empty the store.
        for _ in 0..100 {
            if store.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(store.is_empty());
        handle.stop().await;
    }
}
