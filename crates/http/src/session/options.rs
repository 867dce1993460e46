//! [`SessionCookieOptions`] and [`SameSite`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::cleanup::DEFAULT_CLEANUP_INTERVAL;
use super::store::SessionStore;

/// The cookie's `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SameSite {
    /// Sent only with same-site requests.
    Strict,
    /// Also sent on top-level navigations from other sites (the browsers' default).
    #[default]
    Lax,
    /// Sent with cross-site requests too; needs `is_secure`.
    None,
}

pub(crate) type Validator<T> = Arc<dyn Fn(&T) -> bool + Send + Sync>;

/// Options of a cookie session storage (Kibana's `SessionStorageCookieOptions`, plus the
/// security plugin's `session.idleTimeout`, `session.lifespan` and `session.cleanupInterval`).
///
/// Without [`store`](Self::store) the cookie is the whole session (the value encrypted in it):
/// [`SessionStorage::clear`](super::SessionStorage::clear) removes the cookie from the browser
/// but a copy keeps working until it expires. With a store the cookie holds only a random
/// session id and the value lives server-side, so `clear` revokes every copy.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use core_http::{MemorySessionStore, SessionCookieOptions};
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Session { username: String }
///
/// let options = SessionCookieOptions::<Session>::new("sid", "a secret of at least 32 characters!!")
///     .store(Arc::new(MemorySessionStore::new(10_000)))
///     .idle_timeout(Duration::from_secs(30 * 60))
///     .lifespan(Duration::from_secs(8 * 60 * 60))
///     .cleanup_interval(Duration::from_secs(60 * 60));
/// assert_eq!(options.name(), "sid");
/// ```
///
/// The cookie-only form:
///
/// ```
/// use std::time::Duration;
/// use core_http::{SameSite, SessionCookieOptions};
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Session { username: String }
///
/// let options = SessionCookieOptions::<Session>::new("sid", "a secret of at least 32 characters!!")
///     .validate(|session| !session.username.is_empty())
///     .is_secure(true)
///     .same_site(SameSite::Strict)
///     .ttl(Duration::from_secs(8 * 60 * 60));
/// assert_eq!(options.name(), "sid");
/// // The key never shows in Debug output.
/// assert!(!format!("{options:?}").contains("secret"));
/// ```
pub struct SessionCookieOptions<T> {
    pub(crate) name: String,
    pub(crate) encryption_key: String,
    pub(crate) validate: Option<Validator<T>>,
    pub(crate) is_secure: bool,
    pub(crate) same_site: Option<SameSite>,
    pub(crate) ttl: Option<Duration>,
    pub(crate) store: Option<Arc<dyn SessionStore>>,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) lifespan: Option<Duration>,
    pub(crate) cleanup_interval: Duration,
}

impl<T> SessionCookieOptions<T> {
    /// A cookie named `name` encrypted with a key derived from `encryption_key` (at least 32
    /// characters). Not `Secure`, no `SameSite`, no expiry, every value valid.
    ///
    /// # Arguments
    ///
    /// * `name` - the cookie name: a valid cookie name, such as `sid`.
    /// * `encryption_key` - the secret the encryption key is derived from, 32 characters or more.
    pub fn new(name: impl Into<String>, encryption_key: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            encryption_key: encryption_key.into(),
            validate: None,
            is_secure: false,
            same_site: None,
            ttl: None,
            store: None,
            idle_timeout: None,
            lifespan: None,
            cleanup_interval: DEFAULT_CLEANUP_INTERVAL,
        }
    }
    /// Decides whether a decrypted value is still a session; `false` clears the cookie and
    /// `get` gives `None`. Put your own checks here (e.g. an idle timeout stored in the value).
    ///
    /// # Arguments
    ///
    /// * `validate` - returns whether a decrypted value is still a valid session.
    pub fn validate(mut self, validate: impl Fn(&T) -> bool + Send + Sync + 'static) -> Self {
        self.validate = Some(Arc::new(validate));
        self
    }
    /// Adds `Secure` (HTTPS only).
    ///
    /// # Arguments
    ///
    /// * `is_secure` - whether the cookie gets `Secure`; required with `SameSite::None`.
    pub fn is_secure(mut self, is_secure: bool) -> Self {
        self.is_secure = is_secure;
        self
    }
    /// Sets `SameSite`.
    ///
    /// # Arguments
    ///
    /// * `same_site` - the cookie's `SameSite`; `None` needs `is_secure`.
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = Some(same_site);
        self
    }
    /// Sessions expire `ttl` after their last `set`: the expiry time is stored inside the
    /// encrypted value, so a copied cookie stops working then even if a client keeps it.
    ///
    /// # Arguments
    ///
    /// * `ttl` - how long a session lives after its last `set`.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }
    /// Keeps sessions server-side in `store` (Kibana 7.10+'s session index): the cookie holds
    /// a random session id, the associated data the value is encrypted with and the
    /// expiry times, all encrypted; the store holds the value, encrypted, under the id. `clear`
    /// deletes the record, so a copy of the cookie no longer works anywhere; servers sharing
    /// the store share the sessions. `set` always starts a new session (a new id, fixation
    /// proof) and deletes the one the request came with.
    ///
    /// # Arguments
    ///
    /// * `store` - where the sessions live, e.g. a [`MemorySessionStore`](super::MemorySessionStore)
    ///   or core-server's Elasticsearch index store.
    pub fn store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.store = Some(store);
        self
    }
    /// Sessions end after `idle_timeout` without a request (Kibana's `session.idleTimeout`).
    /// Every `get` that finds the session moves the idle expiry forward, except on routes
    /// declared with `extends_session(false)`.
    ///
    /// # Arguments
    ///
    /// * `idle_timeout` - how long a session may go unused; more than zero.
    pub fn idle_timeout(mut self, idle_timeout: Duration) -> Self {
        self.idle_timeout = Some(idle_timeout);
        self
    }
    /// Sessions end `lifespan` after `set`, however active (Kibana's `session.lifespan`).
    ///
    /// # Arguments
    ///
    /// * `lifespan` - the longest a session lives; more than zero.
    pub fn lifespan(mut self, lifespan: Duration) -> Self {
        self.lifespan = Some(lifespan);
        self
    }
    /// How often expired sessions are removed from the store (Kibana's
    /// `session.cleanupInterval`, 1 hour by default); see
    /// [`SessionStorageFactory::cleanup`](super::SessionStorageFactory::cleanup).
    ///
    /// # Arguments
    ///
    /// * `interval` - the time between two cleanup runs; more than zero.
    pub fn cleanup_interval(mut self, interval: Duration) -> Self {
        self.cleanup_interval = interval;
        self
    }
    /// The cookie name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl<T> fmt::Debug for SessionCookieOptions<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCookieOptions")
            .field("name", &self.name)
            .field("encryption_key", &"<redacted>")
            .field("validate", &self.validate.is_some())
            .field("is_secure", &self.is_secure)
            .field("same_site", &self.same_site)
            .field("ttl", &self.ttl)
            .field("store", &self.store.is_some())
            .field("idle_timeout", &self.idle_timeout)
            .field("lifespan", &self.lifespan)
            .field("cleanup_interval", &self.cleanup_interval)
            .finish()
    }
}
