//! What the lifecycle keeps per request: the auth outcome, headers to add to the response, and
//! session cookies to set or clear.

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
    /// Set once, by the auth step (or left empty: status unknown).
    pub(crate) auth: OnceLock<AuthOutcome>,
    response_headers: Mutex<Vec<(String, String)>>,
    cookies: Mutex<Vec<PendingCookie>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section is a push or a scan: a panic inside one cannot leave a half state.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RequestLifecycle {
    /// Adds headers the response must carry (auth's `response_headers`).
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

    /// Headers to add to the response: auth's response headers, then the `Set-Cookie`s.
    pub(crate) fn take_response_headers(&self) -> Vec<(String, String)> {
        let mut headers = std::mem::take(&mut *lock(&self.response_headers));
        headers.extend(
            std::mem::take(&mut *lock(&self.cookies))
                .into_iter()
                .map(|cookie| ("set-cookie".to_owned(), cookie.header)),
        );
        headers
    }
}
