//! [`SessionStorageFactory`] and the per-request [`SessionStorage`].

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use core_logging::Logger;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::SessionError;
use super::codec::{CookieCodec, cookie_values};
use super::options::{SessionCookieOptions, Validator};
use crate::headers::RequestHeaders;
use crate::lifecycle::PendingCookie;
use crate::request::{KibanaRequest, RequestState};

/// What the cookie holds, encrypted: the value and, with a ttl, its expiry (Unix ms).
#[derive(Serialize)]
struct SealRef<'a, T> {
    v: &'a T,
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<u64>,
}

#[derive(Deserialize)]
struct Sealed<T> {
    v: T,
    exp: Option<u64>,
}

struct FactoryInner<T> {
    codec: CookieCodec,
    validate: Option<Validator<T>>,
    ttl: Option<Duration>,
    logger: Logger,
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
            .finish_non_exhaustive()
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
        Ok(Self {
            inner: Arc::new(FactoryInner {
                codec,
                validate: options.validate,
                ttl: options.ttl,
                logger,
            }),
        })
    }

    /// The session of `request`.
    ///
    /// # Arguments
    ///
    /// * `request` - the request whose cookies are read and whose response carries the changes.
    pub fn as_scoped<P, Q, B>(&self, request: &KibanaRequest<P, Q, B>) -> SessionStorage<T> {
        SessionStorage {
            factory: Arc::clone(&self.inner),
            headers: request.headers().clone(),
            state: Arc::clone(request.state()),
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
            .finish()
    }
}

impl<T: Serialize + DeserializeOwned> SessionStorage<T> {
    /// The session value; `None` (never an error) when there is no cookie, several cookies
    /// with the name, a cookie that does not decrypt (tampered, another key), an expired
    /// session or one `validate` rejects. The last three also clear the cookie. After
    /// [`set`](Self::set) or [`clear`](Self::clear) in the same request, reflects that.
    pub async fn get(&self) -> Option<T> {
        let codec = &self.factory.codec;
        let lifecycle = &self.state.lifecycle;
        if let Some(pending) = lifecycle.pending_cookie(codec.name()) {
            return pending
                .plaintext
                .and_then(|plaintext| serde_json::from_str::<Sealed<T>>(&plaintext).ok())
                .map(|sealed| sealed.v);
        }
        let mut received = cookie_values(&self.headers, codec.name());
        let sealed = match (received.next(), received.next()) {
            (None, _) => return None,
            (Some(single), None) => single,
            (Some(_), Some(_)) => {
                // Kibana's sentence, then the culprit.
                self.factory.logger.warn(format!(
                    "Found {} auth sessions when we were only expecting 1. (cookie [{}], request {}; treated as no session)",
                    2 + received.count(),
                    codec.name(),
                    self.state.id()
                ));
                return None;
            }
        };
        let Some(plaintext) = codec.open(sealed) else {
            return self.discard("cannot be decrypted (tampered with, or sealed with another key)");
        };
        let Ok(Sealed { v, exp }) = serde_json::from_str::<Sealed<T>>(&plaintext) else {
            return self.discard("does not hold a value of the expected type");
        };
        if self.factory.ttl.is_some() && exp.is_none_or(|exp| exp <= now_millis()) {
            return self.discard("has expired");
        }
        if let Some(validate) = &self.factory.validate
            && !validate(&v)
        {
            return self.discard("failed validation");
        }
        Some(v)
    }

    /// Stores `value` (replacing any session). Fails with [`SessionError::TooLarge`] when the
    /// cookie would exceed [`MAX_COOKIE_BYTES`](super::MAX_COOKIE_BYTES); nothing is sent then.
    ///
    /// # Arguments
    ///
    /// * `value` - the session value, serialized to JSON and encrypted into a cookie of at most
    ///   `MAX_COOKIE_BYTES`.
    pub async fn set(&self, value: &T) -> Result<(), SessionError> {
        let codec = &self.factory.codec;
        let exp = self
            .factory
            .ttl
            .map(|ttl| now_millis().saturating_add(ttl.as_millis() as u64));
        let plaintext = serde_json::to_string(&SealRef { v: value, exp }).map_err(|source| {
            SessionError::Serialize {
                cookie: codec.name().to_owned(),
                source,
            }
        })?;
        let header = codec.seal(&plaintext)?;
        self.state.lifecycle.set_cookie(PendingCookie {
            name: codec.name().to_owned(),
            header,
            plaintext: Some(plaintext),
        });
        Ok(())
    }

    /// Ends the session: sends a removal cookie with the same name, path and attributes.
    pub async fn clear(&self) {
        self.clear_cookie();
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

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}
