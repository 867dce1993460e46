//! [`SessionStore`]: where server-side sessions live, [`SessionRecord`], what a store keeps per
//! session, and [`MemorySessionStore`], the bounded in-memory store of a single node.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The future a [`SessionStore`] method returns.
pub type SessionStoreFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, SessionStoreError>> + Send + 'a>>;

/// What a store keeps for one session (Kibana's session index document). The session value
/// itself is in `content`, encrypted: a store never sees it in the clear, and cannot decrypt
/// it either, since the associated data it was sealed with lives only in the cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The session value, AES-256-GCM encrypted and base64 encoded; opaque to the store.
    pub content: String,
    /// The idle expiry (Unix ms) as last written: the cookie holds the most recent one, the
    /// store's copy is refreshed only once it falls well behind. `None` without an idle
    /// timeout.
    pub idle_timeout_expiration: Option<u64>,
    /// When the session ends however active it is (Unix ms); `None` without a lifespan.
    pub lifespan_expiration: Option<u64>,
    /// After this time (Unix ms) no request can use the record any more, so a store may treat
    /// it as gone and [`SessionStore::cleanup_expired`] removes it; `None` never expires (no
    /// idle timeout and no lifespan: the record stays until the session is cleared).
    pub expires_at: Option<u64>,
}

impl SessionRecord {
    /// Whether the record can no longer be used at `now`.
    ///
    /// # Arguments
    ///
    /// * `now` - the current time in Unix milliseconds.
    pub fn is_expired(&self, now: u64) -> bool {
        self.expires_at.is_some_and(|expires_at| expires_at <= now)
    }
}

/// A store failure: the store could not be reached or answered something unexpected.
#[derive(Debug, thiserror::Error)]
#[error("session store: {message}")]
pub struct SessionStoreError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl SessionStoreError {
    /// An error with a message (never a session id, cookie or session value).
    ///
    /// # Arguments
    ///
    /// * `message` - what went wrong.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// An error with a message and the error that caused it.
    ///
    /// # Arguments
    ///
    /// * `message` - what went wrong.
    /// * `source` - the underlying error (e.g. the Elasticsearch client's).
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

/// Where server-side sessions live, keyed by session id (Kibana's session index). Shared by
/// every request as an `Arc<dyn SessionStore>`; several servers sharing one store (e.g. one
/// Elasticsearch index) share their sessions, so a session revoked on one is revoked on all.
///
/// Implementations must be safe to call concurrently. Session ids are random, 43-character
/// URL-safe base64 strings. No method may log or put in an error a session id or a record's
/// content.
pub trait SessionStore: Send + Sync + 'static {
    /// The record of session `sid`, or `None` when there is none (never created, cleared,
    /// cleaned up). A record whose `expires_at` has passed may be returned or not; the caller
    /// checks.
    ///
    /// # Arguments
    ///
    /// * `sid` - the session id.
    fn get<'a>(&'a self, sid: &'a str) -> SessionStoreFuture<'a, Option<SessionRecord>>;

    /// Stores `record` as session `sid`, replacing any record of that id.
    ///
    /// # Arguments
    ///
    /// * `sid` - the session id (a new, random one for a new session).
    /// * `record` - what to keep.
    fn put<'a>(&'a self, sid: &'a str, record: SessionRecord) -> SessionStoreFuture<'a, ()>;

    /// Moves the idle expiry of an existing session: sets `idle_timeout_expiration` and
    /// `expires_at`, leaving the content alone. Returns `false`, changing nothing, when the
    /// session does not exist: an extension must never bring back a session that was cleared
    /// meanwhile (by a logout on another server, say).
    ///
    /// # Arguments
    ///
    /// * `sid` - the session id.
    /// * `idle_timeout_expiration` - the new idle expiry (Unix ms).
    /// * `expires_at` - the new time after which the record is unusable (Unix ms).
    fn extend<'a>(
        &'a self,
        sid: &'a str,
        idle_timeout_expiration: u64,
        expires_at: Option<u64>,
    ) -> SessionStoreFuture<'a, bool>;

    /// Removes session `sid`; `true` when there was one. This is what revokes a session: a copy
    /// of its cookie finds nothing afterwards.
    ///
    /// # Arguments
    ///
    /// * `sid` - the session id.
    fn delete<'a>(&'a self, sid: &'a str) -> SessionStoreFuture<'a, bool>;

    /// Removes at most `max` records whose `expires_at` is at or before `now`, returning how many
    /// went. Run periodically by [`SessionCleanup`](super::SessionCleanup); the bound keeps
    /// one run short however many sessions expired.
    ///
    /// # Arguments
    ///
    /// * `now` - the current time in Unix milliseconds.
    /// * `max` - the most records one call removes.
    fn cleanup_expired(&self, now: u64, max: usize) -> SessionStoreFuture<'_, usize>;
}

/// The default capacity of a [`MemorySessionStore`].
pub const DEFAULT_MAX_SESSIONS: usize = 10_000;

/// Sessions in this process's memory: for a single server (a second server does not see them,
/// and they are gone on restart). Bounded: when a new session would exceed `max_sessions`,
/// expired records are dropped first, then the record closest to its expiry (a record that
/// never expires counts as farthest; among equals the least recently written) is evicted, so a
/// login always succeeds and the oldest-idle users are the ones who sign in again.
///
/// ```
/// use std::sync::Arc;
/// use core_http::{MemorySessionStore, SessionStore};
///
/// let store: Arc<dyn SessionStore> = Arc::new(MemorySessionStore::new(1_000));
/// # let _ = store;
/// ```
pub struct MemorySessionStore {
    max_sessions: usize,
    state: Mutex<MemoryState>,
}

#[derive(Default)]
struct MemoryState {
    records: HashMap<String, (SessionRecord, u64)>,
    /// Incremented on every write: the `u64` next to a record, to evict the least recently
    /// written among records expiring at the same time.
    writes: u64,
}

impl MemorySessionStore {
    /// An empty store holding at most `max_sessions` sessions (at least one).
    ///
    /// # Arguments
    ///
    /// * `max_sessions` - the capacity; `0` is taken as `1`.
    pub fn new(max_sessions: usize) -> Self {
        Self {
            max_sessions: max_sessions.max(1),
            state: Mutex::new(MemoryState::default()),
        }
    }

    /// How many records the store holds (expired ones not yet cleaned up included).
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity.
    pub fn max_sessions(&self) -> usize {
        self.max_sessions
    }

    fn lock(&self) -> MutexGuard<'_, MemoryState> {
        // Every critical section leaves the map consistent: a panic cannot leave a half state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for MemorySessionStore {
    /// A store of [`DEFAULT_MAX_SESSIONS`].
    fn default() -> Self {
        Self::new(DEFAULT_MAX_SESSIONS)
    }
}

impl fmt::Debug for MemorySessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySessionStore")
            .field("max_sessions", &self.max_sessions)
            .field("sessions", &self.len())
            .finish()
    }
}

impl MemoryState {
    /// Makes room for one more record, as the type's docs say.
    fn make_room(&mut self, max: usize, now: u64) {
        if self.records.len() < max {
            return;
        }
        self.records
            .retain(|_, (record, _)| !record.is_expired(now));
        while self.records.len() >= max {
            let victim = self
                .records
                .iter()
                .min_by_key(|(_, (record, written))| {
                    (record.expires_at.unwrap_or(u64::MAX), *written)
                })
                .map(|(sid, _)| sid.clone());
            match victim {
                Some(sid) => self.records.remove(&sid),
                None => break,
            };
        }
    }
}

impl SessionStore for MemorySessionStore {
    fn get<'a>(&'a self, sid: &'a str) -> SessionStoreFuture<'a, Option<SessionRecord>> {
        let record = self
            .lock()
            .records
            .get(sid)
            .map(|(record, _)| record.clone());
        Box::pin(std::future::ready(Ok(record)))
    }

    fn put<'a>(&'a self, sid: &'a str, record: SessionRecord) -> SessionStoreFuture<'a, ()> {
        let mut state = self.lock();
        if !state.records.contains_key(sid) {
            state.make_room(self.max_sessions, super::now_millis());
        }
        state.writes += 1;
        let written = state.writes;
        state.records.insert(sid.to_owned(), (record, written));
        Box::pin(std::future::ready(Ok(())))
    }

    fn extend<'a>(
        &'a self,
        sid: &'a str,
        idle_timeout_expiration: u64,
        expires_at: Option<u64>,
    ) -> SessionStoreFuture<'a, bool> {
        let mut state = self.lock();
        state.writes += 1;
        let written = state.writes;
        let found = match state.records.get_mut(sid) {
            Some((record, at)) => {
                record.idle_timeout_expiration = Some(idle_timeout_expiration);
                record.expires_at = expires_at;
                *at = written;
                true
            }
            None => false,
        };
        Box::pin(std::future::ready(Ok(found)))
    }

    fn delete<'a>(&'a self, sid: &'a str) -> SessionStoreFuture<'a, bool> {
        let found = self.lock().records.remove(sid).is_some();
        Box::pin(std::future::ready(Ok(found)))
    }

    fn cleanup_expired(&self, now: u64, max: usize) -> SessionStoreFuture<'_, usize> {
        let mut state = self.lock();
        let expired: Vec<String> = state
            .records
            .iter()
            .filter(|(_, (record, _))| record.is_expired(now))
            .map(|(sid, _)| sid.clone())
            .take(max)
            .collect();
        for sid in &expired {
            state.records.remove(sid);
        }
        Box::pin(std::future::ready(Ok(expired.len())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(expires_at: Option<u64>) -> SessionRecord {
        SessionRecord {
            content: "c".into(),
            idle_timeout_expiration: None,
            lifespan_expiration: None,
            expires_at,
        }
    }

    #[tokio::test]
    async fn put_get_extend_delete() {
        let store = MemorySessionStore::new(10);
        store.put("a", record(Some(10))).await.unwrap();
        assert_eq!(store.get("a").await.unwrap(), Some(record(Some(10))));
        assert!(store.extend("a", 50, Some(60)).await.unwrap());
        let extended = store.get("a").await.unwrap().unwrap();
        assert_eq!(
            (extended.idle_timeout_expiration, extended.expires_at),
            (Some(50), Some(60))
        );
        // An extension never creates a session.
        assert!(!store.extend("b", 50, Some(60)).await.unwrap());
        assert_eq!(store.get("b").await.unwrap(), None);
        assert!(store.delete("a").await.unwrap());
        assert!(!store.delete("a").await.unwrap());
        assert!(store.is_empty());
    }

    #[tokio::test]
    async fn cleanup_is_bounded_and_keeps_live_records() {
        let store = MemorySessionStore::new(100);
        for i in 0..5 {
            store
                .put(&format!("old{i}"), record(Some(100)))
                .await
                .unwrap();
        }
        store.put("live", record(Some(1_000))).await.unwrap();
        store.put("forever", record(None)).await.unwrap();
        assert_eq!(store.cleanup_expired(100, 3).await.unwrap(), 3);
        assert_eq!(store.cleanup_expired(100, 3).await.unwrap(), 2);
        assert_eq!(store.cleanup_expired(100, 3).await.unwrap(), 0);
        assert_eq!(store.len(), 2);
        assert!(store.get("live").await.unwrap().is_some());
        assert!(store.get("forever").await.unwrap().is_some());
    }

    #[tokio::test]
    async fn a_full_store_drops_expired_then_evicts_the_closest_to_expiry() {
        let now = super::super::now_millis();
        let store = MemorySessionStore::new(3);
        store.put("expired", record(Some(1))).await.unwrap();
        store.put("soon", record(Some(now + 1_000))).await.unwrap();
        store.put("later", record(Some(now + 9_000))).await.unwrap();
        // Full: the expired record makes room.
        store.put("new1", record(None)).await.unwrap();
        assert_eq!(store.len(), 3);
        assert_eq!(store.get("expired").await.unwrap(), None);
        // Full again, nothing expired: the one closest to its expiry goes.
        store.put("new2", record(Some(now + 5_000))).await.unwrap();
        assert_eq!(store.len(), 3);
        assert_eq!(store.get("soon").await.unwrap(), None);
        for sid in ["later", "new1", "new2"] {
            assert!(store.get(sid).await.unwrap().is_some(), "{sid}");
        }
        // Replacing an existing record evicts nothing.
        store.put("new2", record(Some(now + 6_000))).await.unwrap();
        assert!(store.get("later").await.unwrap().is_some());
        assert_eq!(MemorySessionStore::new(0).max_sessions(), 1);
    }
}
