//! Encrypted cookie session storage (Kibana's `cookie_session_storage`), and server-side
//! sessions (Kibana 7.10+'s session management): a [`SessionStore`] keeps the value while the
//! cookie keeps a random session id, so clearing a session revokes it; idle timeout, lifespan
//! and the periodic cleanup of expired sessions.
//!
//! Built on the `cookie` crate's private jar (AES-256-GCM, the cookie name as associated data,
//! key derived with `Key::derive_from`) rather than actix-session: Kibana's semantics need a
//! typed value, a `validate` callback that clears invalid cookies, "several cookies with the
//! name = no session", expiry inside the encrypted value, and a size error returned to the
//! caller, none of which actix-session's cookie store gives (it double-encodes a string map,
//! answers an opaque `500` above 4064 bytes and takes the first of duplicate cookies).

mod cleanup;
mod codec;
mod error;
mod options;
mod storage;
mod store;

pub use self::cleanup::{
    CLEANUP_MAX_PER_RUN, DEFAULT_CLEANUP_INTERVAL, SessionCleanup, SessionCleanupHandle,
};
pub use self::error::SessionError;
pub use self::options::{SameSite, SessionCookieOptions};
pub use self::storage::{SessionStorage, SessionStorageFactory};
pub use self::store::{
    DEFAULT_MAX_SESSIONS, MemorySessionStore, SessionRecord, SessionStore, SessionStoreError,
    SessionStoreFuture,
};

/// The largest `Set-Cookie` value a session may produce: browsers drop bigger cookies silently.
pub const MAX_COOKIE_BYTES: usize = 4096;

/// The shortest `encryption_key` accepted (Kibana's rule; also what key derivation needs).
pub const MIN_ENCRYPTION_KEY_CHARS: usize = 32;

/// The current time in Unix milliseconds.
pub(crate) fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

/// 32 random bytes from the operating system's generator (two UUID v4s: 244 random bits),
/// URL-safe base64 without padding: a session id or a session's associated data.
pub(crate) fn random_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
