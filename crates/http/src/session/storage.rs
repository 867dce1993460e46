//! [`SessionStorageFactory`] and the per-request [`SessionStorage`].

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use core_logging::Logger;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::cleanup::{CLEANUP_MAX_PER_RUN, SessionCleanup};
use super::codec::{CookieCodec, cookie_values};
use super::options::{SessionCookieOptions, Validator};
use super::store::{SessionRecord, SessionStore};
use super::{SessionError, now_millis, random_token};
use crate::headers::RequestHeaders;
use crate::lifecycle::PendingCookie;
use crate::request::{KibanaRequest, RequestState};

/// What a cookie-only session's cookie holds, encrypted: the value and the expiry times (Unix
/// ms): `exp` from the ttl, `idle` and `life` from the idle timeout and the lifespan.
#[derive(Serialize)]
struct SealRef<'a, T> {
    v: &'a T,
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    idle: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    life: Option<u64>,
}

#[derive(Deserialize)]
struct Sealed<T> {
    v: T,
    exp: Option<u64>,
    idle: Option<u64>,
    life: Option<u64>,
}

/// What a server-side session's cookie holds, encrypted (Kibana's session cookie value): the
/// session id, the associated data its content is encrypted with, and the expiry times. The
/// cookie's idle expiry is the current one; the store's lags behind (see `extend`).
#[derive(Serialize, Deserialize)]
struct IdCookie {
    sid: String,
    aad: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    idle: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    life: Option<u64>,
}

/// What a request remembers of a session it set: the value and, server-side, its id.
#[derive(Serialize)]
struct PendingRef<'a, T> {
    v: &'a T,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<&'a str>,
}

#[derive(Deserialize)]
struct Pending<T> {
    v: T,
}

#[derive(Deserialize)]
struct PendingSid {
    sid: Option<String>,
}

struct FactoryInner<T> {
    codec: CookieCodec,
    validate: Option<Validator<T>>,
    ttl: Option<Duration>,
    idle_timeout: Option<u64>,
    lifespan: Option<u64>,
    store: Option<Arc<dyn SessionStore>>,
    cleanup_interval: Duration,
    logger: Logger,
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl<T> FactoryInner<T> {
    /// The lifespan expiry of a session renewed at `now`: kept when the session has one and a
    /// lifespan is configured, set when it has none, dropped when no lifespan is configured
    /// any more (Kibana's rule).
    fn lifespan_expiration(&self, now: u64, current: Option<u64>) -> Option<u64> {
        self.lifespan
            .map(|lifespan| current.unwrap_or(now.saturating_add(lifespan)))
    }

    /// Whether the times of a session found in a cookie say it is over at `now`.
    fn is_over(&self, now: u64, idle: Option<u64>, life: Option<u64>) -> bool {
        let passed = |at: Option<u64>| at.is_some_and(|at| at <= now);
        passed(idle) || passed(life)
    }

    /// The idle expiry to move a session to at `now`, when it should move: the cookie is
    /// rewritten only when the expiry moves by a twentieth of the idle timeout (at most 5 s),
    /// so a burst of requests does not rewrite it every time.
    fn extended_idle(&self, now: u64, current: Option<u64>) -> Option<u64> {
        let idle_timeout = self.idle_timeout?;
        let next = now.saturating_add(idle_timeout);
        let threshold = (idle_timeout / 20).min(5_000);
        match current {
            Some(current) if next.saturating_sub(current) < threshold.max(1) => None,
            _ => Some(next),
        }
    }

    /// When a store record written with idle expiry `idle` and lifespan expiry `life` can no
    /// longer be used. The store's idle expiry is refreshed only once it lags two idle
    /// timeouts behind the cookie's, so a session can live until `idle` + 2 idle timeouts
    /// without a store write; one more idle timeout covers clocks that differ between servers.
    fn record_expiry(&self, idle: Option<u64>, life: Option<u64>) -> Option<u64> {
        let idle_part = match (idle, self.idle_timeout) {
            (Some(idle), Some(timeout)) => Some(idle.saturating_add(timeout.saturating_mul(3))),
            _ => None,
        };
        match (idle_part, life) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Creates [`SessionStorage`]s for requests (Kibana's `SessionStorageFactory`). Get one from
/// `HttpServiceSetup::create_cookie_session_storage_factory`; cheap to clone.
pub struct SessionStorageFactory<T> {
    inner: Arc<FactoryInner<T>>,
}

impl<T> Clone for SessionStorageFactory<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> fmt::Debug for SessionStorageFactory<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionStorageFactory")
            .field("cookie", &self.inner.codec.name())
            .field("server_side", &self.inner.store.is_some())
            .finish_non_exhaustive()
    }
}

impl<T> SessionStorageFactory<T> {
    /// The periodic removal of expired sessions from the store, every `cleanup_interval`;
    /// `None` for cookie-only sessions (nothing to clean). Each call gives a new, not yet
    /// running cleanup: core-server spawns the one of the server's factory at start and stops
    /// it at stop, so a plugin does not call this.
    pub fn cleanup(&self) -> Option<SessionCleanup> {
        let store = self.inner.store.as_ref()?;
        Some(SessionCleanup {
            store: Arc::clone(store),
            interval: self.inner.cleanup_interval,
            max_per_run: CLEANUP_MAX_PER_RUN,
            logger: self.inner.logger.clone(),
        })
    }

    /// Whether sessions live in a store (the cookie holds only their id).
    pub fn is_server_side(&self) -> bool {
        self.inner.store.is_some()
    }
}

impl<T: Serialize + DeserializeOwned> SessionStorageFactory<T> {
    /// Checks `options` and derives the key; `path` is the cookie's `Path`.
    pub(crate) fn new(
        options: SessionCookieOptions<T>,
        path: &str,
        logger: Logger,
    ) -> Result<Self, SessionError> {
        let codec = CookieCodec::new(
            &options.name,
            &options.encryption_key,
            path,
            options.is_secure,
            options.same_site,
        )?;
        for (option, value) in [
            ("idle_timeout", options.idle_timeout),
            ("lifespan", options.lifespan),
            ("cleanup_interval", Some(options.cleanup_interval)),
        ] {
            if value.is_some_and(|value| value.is_zero()) {
                return Err(SessionError::ZeroDuration {
                    cookie: options.name.clone(),
                    option,
                });
            }
        }
        Ok(Self {
            inner: Arc::new(FactoryInner {
                codec,
                validate: options.validate,
                ttl: options.ttl,
                idle_timeout: options.idle_timeout.map(millis),
                lifespan: options.lifespan.map(millis),
                store: options.store,
                cleanup_interval: options.cleanup_interval,
                logger,
            }),
        })
    }

    /// The session of `request`.
    ///
    /// # Arguments
    ///
    /// * `request` - the request whose cookies are read and whose response carries the changes;
    ///   its route's `extends_session` option decides whether reading the session extends it.
    pub fn as_scoped<P, Q, B>(&self, request: &KibanaRequest<P, Q, B>) -> SessionStorage<T> {
        SessionStorage {
            factory: Arc::clone(&self.inner),
            headers: request.headers().clone(),
            state: Arc::clone(request.state()),
            extends_session: request.route().options.extends_session,
            _value: PhantomData,
        }
    }
}

/// One request's session (Kibana's `SessionStorage`). Changes are sent as `Set-Cookie` with the
/// request's response, whatever produced it.
pub struct SessionStorage<T> {
    factory: Arc<FactoryInner<T>>,
    /// The request's headers (shared, not copied): the cookies are read from them on `get`.
    headers: RequestHeaders,
    state: Arc<RequestState>,
    /// The route's `extends_session`: whether `get` moves the idle expiry.
    extends_session: bool,
    _value: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for SessionStorage<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Cookie values stay out of Debug output.
        f.debug_struct("SessionStorage")
            .field("cookie", &self.factory.codec.name())
            .field(
                "received_cookies",
                &cookie_values(&self.headers, self.factory.codec.name()).count(),
            )
            .field("extends_session", &self.extends_session)
            .finish()
    }
}

/// The received cookie, when there is exactly one.
enum Received<'a> {
    None,
    Several(usize),
    One(&'a str),
}

impl<T: Serialize + DeserializeOwned> SessionStorage<T> {
    /// The session value; `None` (never an error) when there is no cookie, several cookies
    /// with the name, a cookie that does not decrypt (tampered, another key), an expired
    /// session (ttl, idle timeout or lifespan), a session its store no longer has (cleared,
    /// here or on another server sharing the store) or one `validate` rejects; all but the
    /// first two also clear the cookie. A store that fails counts as no session too (logged
    /// as a warning; the cookie is kept). After [`set`](Self::set) or [`clear`](Self::clear)
    /// in the same request, reflects that.
    ///
    /// With an idle timeout, finding the session extends it (a new cookie with the new idle
    /// expiry goes out with the response) unless the request's route was declared with
    /// `extends_session(false)`.
    pub async fn get(&self) -> Option<T> {
        let codec = &self.factory.codec;
        if let Some(pending) = self.state.lifecycle.pending_cookie(codec.name()) {
            return pending
                .plaintext
                .and_then(|plaintext| serde_json::from_str::<Pending<T>>(&plaintext).ok())
                .map(|pending| pending.v);
        }
        let sealed = match self.received() {
            Received::None => return None,
            Received::Several(count) => {
                // Kibana's sentence, then the culprit.
                self.factory.logger.warn(format!(
                    "Found {count} auth sessions when we were only expecting 1. (cookie [{}], request {}; treated as no session)",
                    codec.name(),
                    self.state.id()
                ));
                return None;
            }
            Received::One(sealed) => sealed,
        };
        let Some(plaintext) = codec.open(sealed) else {
            return self.discard("cannot be decrypted (tampered with, or sealed with another key)");
        };
        match &self.factory.store {
            None => self.get_from_cookie(&plaintext),
            Some(store) => self.get_from_store(store.as_ref(), &plaintext).await,
        }
    }

    fn get_from_cookie(&self, plaintext: &str) -> Option<T> {
        let factory = &self.factory;
        let Ok(Sealed { v, exp, idle, life }) = serde_json::from_str::<Sealed<T>>(plaintext) else {
            return self.discard("does not hold a value of the expected type");
        };
        let now = now_millis();
        if factory.ttl.is_some() && exp.is_none_or(|exp| exp <= now) {
            return self.discard("has expired");
        }
        if factory.is_over(now, idle, life) {
            return self.discard("has expired (idle timeout or lifespan)");
        }
        if let Some(validate) = &factory.validate
            && !validate(&v)
        {
            return self.discard("failed validation");
        }
        if self.extends_session
            && let Some(idle) = factory.extended_idle(now, idle)
        {
            let life = factory.lifespan_expiration(now, life);
            if let Err(error) = self.seal_value(&v, exp, Some(idle), life) {
                factory.logger.warn(format_args!(
                    "the session of request {} could not be extended: {error}",
                    self.state.id()
                ));
            }
        }
        Some(v)
    }

    async fn get_from_store(&self, store: &dyn SessionStore, plaintext: &str) -> Option<T> {
        let factory = &self.factory;
        let Ok(cookie) = serde_json::from_str::<IdCookie>(plaintext) else {
            return self.discard("does not hold a session id");
        };
        let now = now_millis();
        if factory.is_over(now, cookie.idle, cookie.life) {
            self.delete_from_store(store, &cookie.sid).await;
            return self.discard("has expired (idle timeout or lifespan)");
        }
        let record = match store.get(&cookie.sid).await {
            Ok(Some(record)) if !record.is_expired(now) => record,
            Ok(_) => {
                return self.discard(
                    "names a session the store does not have (cleared, expired or cleaned up)",
                );
            }
            Err(error) => {
                factory.logger.warn(format_args!(
                    "reading the session of request {} failed; it is treated as having none: {error}",
                    self.state.id()
                ));
                return None;
            }
        };
        let value = factory
            .codec
            .decrypt(&record.content, &cookie.aad)
            .and_then(|content| serde_json::from_str::<T>(&content).ok());
        let Some(value) = value else {
            self.delete_from_store(store, &cookie.sid).await;
            return self.discard("names a session whose content cannot be read");
        };
        if let Some(validate) = &factory.validate
            && !validate(&value)
        {
            self.delete_from_store(store, &cookie.sid).await;
            return self.discard("failed validation");
        }
        if self.extends_session
            && let Some(idle) = factory.extended_idle(now, cookie.idle)
        {
            let idle_timeout = factory.idle_timeout.unwrap_or_default();
            let life = factory.lifespan_expiration(now, cookie.life);
            // Store writes cost: the store's idle expiry is refreshed only once it lags two
            // idle timeouts behind (Kibana's rule), or when the lifespan configuration changed.
            let stale = record
                .idle_timeout_expiration
                .is_none_or(|stored| idle.saturating_sub(stored) > idle_timeout.saturating_mul(2))
                || record.lifespan_expiration.is_some() != life.is_some();
            if stale {
                match store
                    .extend(&cookie.sid, idle, factory.record_expiry(Some(idle), life))
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => return self.discard("was cleared while being extended"),
                    Err(error) => {
                        factory.logger.warn(format_args!(
                            "extending the session of request {} in the store failed; it is used as it is: {error}",
                            self.state.id()
                        ));
                        return Some(value);
                    }
                }
            }
            let renewed = IdCookie {
                idle: Some(idle),
                life,
                ..cookie
            };
            if let Err(error) = self.set_id_cookie(&renewed, &value) {
                factory.logger.warn(format_args!(
                    "the session of request {} could not be extended: {error}",
                    self.state.id()
                ));
            }
        }
        Some(value)
    }

    /// Stores `value` as a new session (replacing any session of the request). Fails with
    /// [`SessionError::TooLarge`] when a cookie-only session's cookie would exceed
    /// [`MAX_COOKIE_BYTES`](super::MAX_COOKIE_BYTES), and with [`SessionError::Store`] when the
    /// store fails; nothing is sent then.
    ///
    /// With a store, the value goes to the store (encrypted) under a new random session id and
    /// the session the request came with, if any, is deleted: a session id never survives a
    /// `set`, so an id planted in a browser before a login is worthless afterwards.
    ///
    /// # Arguments
    ///
    /// * `value` - the session value, serialized to JSON and encrypted; in a cookie of at most
    ///   `MAX_COOKIE_BYTES` without a store.
    pub async fn set(&self, value: &T) -> Result<(), SessionError> {
        let factory = &self.factory;
        let now = now_millis();
        let idle = factory.idle_timeout.map(|idle| now.saturating_add(idle));
        let life = factory.lifespan_expiration(now, None);
        let Some(store) = &factory.store else {
            let exp = factory.ttl.map(|ttl| now.saturating_add(millis(ttl)));
            return self.seal_value(value, exp, idle, life);
        };
        let previous = self.current_sid();
        let content =
            serde_json::to_string(value).map_err(|source| self.serialize_error(source))?;
        let cookie = IdCookie {
            sid: random_token(),
            aad: random_token(),
            idle,
            life,
        };
        let record = SessionRecord {
            content: factory.codec.encrypt(&content, &cookie.aad)?,
            idle_timeout_expiration: idle,
            lifespan_expiration: life,
            expires_at: factory.record_expiry(idle, life),
        };
        store
            .put(&cookie.sid, record)
            .await
            .map_err(|source| SessionError::Store {
                cookie: factory.codec.name().to_owned(),
                source,
            })?;
        self.set_id_cookie(&cookie, value)?;
        if let Some(previous) = previous {
            self.delete_from_store(store.as_ref(), &previous).await;
        }
        Ok(())
    }

    /// Ends the session: sends a removal cookie with the same name, path and attributes, and,
    /// with a store, deletes the session from it, so a copy of the cookie no longer works
    /// (on any server sharing the store). A store that fails is logged as an error; the cookie
    /// is removed anyway.
    pub async fn clear(&self) {
        if let Some(store) = &self.factory.store
            && let Some(sid) = self.current_sid()
        {
            self.delete_from_store(store.as_ref(), &sid).await;
        }
        self.clear_cookie();
    }

    fn received(&self) -> Received<'_> {
        let mut received = cookie_values(&self.headers, self.factory.codec.name());
        match (received.next(), received.next()) {
            (None, _) => Received::None,
            (Some(single), None) => Received::One(single),
            (Some(_), Some(_)) => Received::Several(2 + received.count()),
        }
    }

    /// The id of the request's server-side session: the one `set` in this request, else the
    /// one of the single cookie received, if it opens.
    fn current_sid(&self) -> Option<String> {
        let codec = &self.factory.codec;
        if let Some(pending) = self.state.lifecycle.pending_cookie(codec.name()) {
            return pending
                .plaintext
                .and_then(|plaintext| serde_json::from_str::<PendingSid>(&plaintext).ok())
                .and_then(|pending| pending.sid);
        }
        let Received::One(sealed) = self.received() else {
            return None;
        };
        let plaintext = codec.open(sealed)?;
        serde_json::from_str::<IdCookie>(&plaintext)
            .ok()
            .map(|cookie| cookie.sid)
    }

    async fn delete_from_store(&self, store: &dyn SessionStore, sid: &str) {
        if let Err(error) = store.delete(sid).await {
            self.factory.logger.error(format_args!(
                "deleting a session of request {} from the store failed: {error}",
                self.state.id()
            ));
        }
    }

    fn serialize_error(&self, source: serde_json::Error) -> SessionError {
        SessionError::Serialize {
            cookie: self.factory.codec.name().to_owned(),
            source,
        }
    }

    /// Seals a cookie-only session's value and times into the pending cookie.
    fn seal_value(
        &self,
        value: &T,
        exp: Option<u64>,
        idle: Option<u64>,
        life: Option<u64>,
    ) -> Result<(), SessionError> {
        let codec = &self.factory.codec;
        let plaintext = serde_json::to_string(&SealRef {
            v: value,
            exp,
            idle,
            life,
        })
        .map_err(|source| self.serialize_error(source))?;
        let header = codec.seal(&plaintext)?;
        self.state.lifecycle.set_cookie(PendingCookie {
            name: codec.name().to_owned(),
            header,
            plaintext: Some(plaintext),
        });
        Ok(())
    }

    /// Seals a server-side session's cookie into the pending cookie, remembering the value
    /// and id for the rest of the request.
    fn set_id_cookie(&self, cookie: &IdCookie, value: &T) -> Result<(), SessionError> {
        let codec = &self.factory.codec;
        let sealed =
            serde_json::to_string(cookie).map_err(|source| self.serialize_error(source))?;
        let header = codec.seal(&sealed)?;
        let pending = serde_json::to_string(&PendingRef {
            v: value,
            sid: Some(&cookie.sid),
        })
        .map_err(|source| self.serialize_error(source))?;
        self.state.lifecycle.set_cookie(PendingCookie {
            name: codec.name().to_owned(),
            header,
            plaintext: Some(pending),
        });
        Ok(())
    }

    fn clear_cookie(&self) {
        let codec = &self.factory.codec;
        self.state.lifecycle.set_cookie(PendingCookie {
            name: codec.name().to_owned(),
            header: codec.removal(),
            plaintext: None,
        });
    }

    fn discard(&self, why: &str) -> Option<T> {
        self.factory.logger.debug(format!(
            "session cookie [{}] of request {} {why}; clearing it",
            self.factory.codec.name(),
            self.state.id()
        ));
        self.clear_cookie();
        None
    }
}
