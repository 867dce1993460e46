//! What the lifecycle keeps per request: the auth outcome, headers to add to the response, and
//! session cookies to set or clear.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use super::auth_state::AuthOutcome;

/// A `Set-Cookie` decided during the request (by a session storage), sent with whatever
/// response the request ends with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingCookie {
    /// The cookie name: a later set/clear of the same name replaces this one.
    pub(crate) name: String,
    /// The full `Set-Cookie` header value.
    pub(crate) header: String,
    /// The plaintext JSON stored by `set` (so a `get` later in the same request sees it);
    /// `None` for a removal.
    pub(crate) plaintext: Option<String>,
}

/// Lifecycle state of one request, shared by all its views (interceptors, handler).
#[derive(Debug, Default)]
pub(crate) struct RequestLifecycle {
    /// Set once, by the auth step (or left empty: unauthenticated when an auth handler is
    /// registered, else unknown).
    pub(crate) auth: OnceLock<AuthOutcome>,
    /// Whether the server has an auth handler (set when the request arrives).
    auth_registered: AtomicBool,
    response_headers: Mutex<Vec<(String, String)>>,
    cookies: Mutex<Vec<PendingCookie>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section is a push or a scan: a panic inside one cannot leave a half state.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RequestLifecycle {
    /// Records that the server has an auth handler: until auth runs (or when the route skips
    /// it), the request is unauthenticated rather than unknown.
    pub(crate) fn set_auth_registered(&self) {
        self.auth_registered.store(true, Ordering::Relaxed);
    }

    /// Whether the server has an auth handler.
    pub(crate) fn auth_registered(&self) -> bool {
        self.auth_registered.load(Ordering::Relaxed)
    }

    /// Adds headers the response must carry (the interceptors' result headers).
    pub(crate) fn add_response_headers(&self, headers: impl IntoIterator<Item = (String, String)>) {
        lock(&self.response_headers).extend(headers);
    }

    /// Records a cookie to set or clear, replacing an earlier one of the same name.
    pub(crate) fn set_cookie(&self, cookie: PendingCookie) {
        let mut cookies = lock(&self.cookies);
        cookies.retain(|existing| existing.name != cookie.name);
        cookies.push(cookie);
    }

    /// The pending cookie named `name`, if `set`/`clear` ran during this request.
    pub(crate) fn pending_cookie(&self, name: &str) -> Option<PendingCookie> {
        lock(&self.cookies)
            .iter()
            .find(|cookie| cookie.name == name)
            .cloned()
    }

    /// The `Set-Cookie` values recorded so far (left in place).
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn pending_set_cookies(&self) -> Vec<String> {
        lock(&self.cookies)
            .iter()
            .map(|cookie| cookie.header.clone())
            .collect()
    }

    /// The interceptors' result headers (they replace the response's headers of the same
    /// name).
    pub(crate) fn take_interceptor_headers(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *lock(&self.response_headers))
    }

    /// The `Set-Cookie` values to append to the response (each cookie's `header`).
    pub(crate) fn take_set_cookies(&self) -> Vec<PendingCookie> {
        std::mem::take(&mut *lock(&self.cookies))
    }

    /// Headers to add to the response: the interceptors' headers, then the `Set-Cookie`s.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn take_response_headers(&self) -> Vec<(String, String)> {
        let mut headers = self.take_interceptor_headers();
        headers.extend(
            self.take_set_cookies()
                .into_iter()
                .map(|cookie| ("set-cookie".to_owned(), cookie.header)),
        );
        headers
    }
}
