//! onPostAuth: [`OnPostAuthToolkit`] and [`OnPostAuthResult`].

use std::fmt;

use super::Decision;

/// What an onPostAuth handler decided. Built with [`OnPostAuthToolkit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnPostAuthResult(pub(crate) Decision);

/// Builds onPostAuth results (Kibana's `OnPostAuthToolkit`).
///
/// ```
/// use core_http::OnPostAuthToolkit;
/// let t = OnPostAuthToolkit::default();
/// let _continue = t.next();
/// let _redirect = t.redirected("/spaces/enter");
/// let _reject = t.rejected("unexpected error", 400);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct OnPostAuthToolkit {
    _private: (),
}

impl OnPostAuthToolkit {
    /// Go on to the next interceptor, then the route handler.
    pub fn next(&self) -> OnPostAuthResult {
        OnPostAuthResult(Decision::Next)
    }

    /// Answer `302 Found` with `Location: url`.
    pub fn redirected(&self, url: impl Into<String>) -> OnPostAuthResult {
        OnPostAuthResult(Decision::Redirect(url.into()))
    }

    /// Answer with an error in the shared shape and `status` (400-599; `500` hides the message
    /// from the client and logs it).
    pub fn rejected(&self, error: impl fmt::Display, status: u16) -> OnPostAuthResult {
        OnPostAuthResult(Decision::Reject {
            status,
            message: error.to_string(),
        })
    }
}
