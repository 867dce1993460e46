//! [`SessionError`].

/// A session storage error: bad options at setup, or a value `set` cannot store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The encryption key is too short (the key itself is never part of the message).
    #[error(
        "session cookie [{cookie}]: the encryption key must be at least {min} characters long, but it has {actual}"
    )]
    KeyTooShort {
        /// The cookie name.
        cookie: String,
        /// The minimum.
        min: usize,
        /// The key's length in characters.
        actual: usize,
    },
    /// The cookie name is empty or not an HTTP token.
    #[error("session cookie name [{cookie}] is invalid: use letters, digits and `!#$%&'*+-.^_`|~`")]
    InvalidName {
        /// The name given.
        cookie: String,
    },
    /// `SameSite=None` without `Secure`: browsers reject such cookies.
    #[error("session cookie [{cookie}]: same_site None requires is_secure true")]
    SameSiteNoneNeedsSecure {
        /// The cookie name.
        cookie: String,
    },
    /// The value would make a cookie browsers drop.
    #[error(
        "session cookie [{cookie}] would be {size} bytes, over the {limit}-byte limit of browsers; store less in the session (e.g. an id and keep the rest server-side)"
    )]
    TooLarge {
        /// The cookie name.
        cookie: String,
        /// The `Set-Cookie` value's size.
        size: usize,
        /// [`MAX_COOKIE_BYTES`](super::MAX_COOKIE_BYTES).
        limit: usize,
    },
    /// AES-256-GCM refused the value (it only does for values of 64 GiB or more).
    #[error("session cookie [{cookie}]: the value cannot be encrypted ({size} bytes)")]
    Encrypt {
        /// The cookie name.
        cookie: String,
        /// The value's size.
        size: usize,
    },
    /// A duration option is zero.
    #[error("session cookie [{cookie}]: {option} must be longer than 0")]
    ZeroDuration {
        /// The cookie name.
        cookie: String,
        /// The option: `idle_timeout`, `lifespan` or `cleanup_interval`.
        option: &'static str,
    },
    /// The session store failed while storing a new session; no cookie is sent then.
    #[error("session cookie [{cookie}]: the session could not be stored: {source}")]
    Store {
        /// The cookie name.
        cookie: String,
        /// The store's error.
        source: super::SessionStoreError,
    },
    /// The value could not be serialized to JSON.
    #[error("session cookie [{cookie}]: the value cannot be serialized: {source}")]
    Serialize {
        /// The cookie name.
        cookie: String,
        /// The serializer's error.
        source: serde_json::Error,
    },
}
