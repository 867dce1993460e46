//! onPostAuth: [`OnPostAuthToolkit`] and [`OnPostAuthResult`].

use std::fmt;

use super::Decision;
use crate::headers::Headers;

/// What an onPostAuth handler decided. Built with [`OnPostAuthToolkit`]; add response headers
/// with [`header`](Self::header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnPostAuthResult {
    pub(crate) decision: Decision,
    pub(crate) headers: Headers,
}

impl OnPostAuthResult {
    fn new(decision: Decision) -> Self {
        Self {
            decision,
            headers: Headers::new(),
        }
    }

    /// Adds a header to this request's response, whatever the outcome: on a rejection or
    /// redirect, to that response (e.g.
    /// `t.rejected("Unauthorized", 401).header("www-authenticate", "Basic")`); after `next`,
    /// to the response the request ends with, replacing a header of the same name set by the
    /// handler (a warning is logged then).
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, in any case; an invalid name is dropped with an error log.
    /// * `value` - the header value; an invalid value is dropped with an error log.
    pub fn header(mut self, name: impl AsRef<str>, value: impl Into<String>) -> Self {
        self.headers.append(name, value);
        self
    }
}

/// Builds onPostAuth results (Kibana's `OnPostAuthToolkit`).
///
/// ```
/// use core_http::OnPostAuthToolkit;
/// let t = OnPostAuthToolkit::default();
/// let _continue = t.next();
/// let _redirect = t.redirected("/spaces/enter");
/// let _reject = t.rejected("unexpected error", 400);
/// let _challenge = t.rejected("Unauthorized", 401).header("www-authenticate", "Basic");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct OnPostAuthToolkit {
    _private: (),
}

impl OnPostAuthToolkit {
    /// Go on to the next interceptor, then the route handler.
    pub fn next(&self) -> OnPostAuthResult {
        OnPostAuthResult::new(Decision::Next)
    }

    /// Answer `302 Found` with `Location: url`.
    ///
    /// # Arguments
    ///
    /// * `url` - the `Location` to send the client to; not empty (an empty one answers `500`).
    pub fn redirected(&self, url: impl Into<String>) -> OnPostAuthResult {
        OnPostAuthResult::new(Decision::Redirect(url.into()))
    }

    /// Answer with an error in the shared shape and `status` (400-599; `500` hides the message
    /// from the client and logs it).
    ///
    /// # Arguments
    ///
    /// * `error` - the message of the error body.
    /// * `status` - the error status, from `400` to `599`; `500` and anything outside answer the
    ///   generic `500`, logged.
    pub fn rejected(&self, error: impl fmt::Display, status: u16) -> OnPostAuthResult {
        OnPostAuthResult::new(Decision::Reject {
            status,
            message: error.to_string(),
        })
    }
}
