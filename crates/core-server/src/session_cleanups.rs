//! The periodic cleanups of the server's session stores: collected during setup, when a
//! plugin creates a server-side session storage factory, run from start to stop.

use std::sync::{Arc, Mutex, PoisonError};

use core_http::{SessionCleanup, SessionCleanupHandle};

/// Cleanups waiting for the server to start, then the running ones.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionCleanups(Arc<Mutex<State>>);

#[derive(Debug, Default)]
struct State {
    pending: Vec<SessionCleanup>,
    running: Vec<SessionCleanupHandle>,
}

impl SessionCleanups {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a cleanup to run once the server starts.
    pub(crate) fn add(&self, cleanup: SessionCleanup) {
        self.state().pending.push(cleanup);
    }

    /// Spawns the pending cleanups (on the current Tokio runtime).
    pub(crate) fn start(&self) {
        let mut state = self.state();
        let pending = std::mem::take(&mut state.pending);
        state
            .running
            .extend(pending.into_iter().map(SessionCleanup::spawn));
    }

    /// Stops the running cleanups, waiting for a run in progress to end.
    pub(crate) async fn stop(&self) {
        let running = std::mem::take(&mut self.state().running);
        for handle in running {
            handle.stop().await;
        }
    }
}
