//! Encrypted cookie session storage (Kibana's `cookie_session_storage`).
//!
//! Built on the `cookie` crate's private jar (AES-256-GCM, the cookie name as associated data,
//! key derived with `Key::derive_from`) rather than actix-session: Kibana's semantics need a
//! typed value, a `validate` callback that clears invalid cookies, "several cookies with the
//! name = no session", expiry inside the encrypted value, and a size error returned to the
//! caller, none of which actix-session's cookie store gives (it double-encodes a string map,
//! answers an opaque `500` above 4064 bytes and takes the first of duplicate cookies).

mod codec;
mod error;
mod options;
mod storage;

pub use self::error::SessionError;
pub use self::options::{SameSite, SessionCookieOptions};
pub use self::storage::{SessionStorage, SessionStorageFactory};

/// The largest `Set-Cookie` value a session may produce: browsers drop bigger cookies silently.
pub const MAX_COOKIE_BYTES: usize = 4096;

/// The shortest `encryption_key` accepted (Kibana's rule; also what key derivation needs).
pub const MIN_ENCRYPTION_KEY_CHARS: usize = 32;
