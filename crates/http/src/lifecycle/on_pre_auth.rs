//! onPreAuth: [`OnPreAuthToolkit`] and [`OnPreAuthResult`].

use std::fmt;

use super::Decision;
use crate::headers::Headers;

/// What an onPreAuth handler decided. Built with [`OnPreAuthToolkit`]; add response headers
/// with [`header`](Self::header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnPreAuthResult {
    pub(crate) decision: PreAuthDecision,
    pub(crate) headers: Headers,
}

impl OnPreAuthResult {
    fn new(decision: PreAuthDecision) -> Self {
        Self {
            decision,
            headers: Headers::new(),
        }
    }

    /// Adds a header to this request's response, whatever the outcome: on a rejection or
    /// redirect, to that response (e.g.
    /// `t.rejected("Unauthorized", 401).header("www-authenticate", "Basic")`); after `next` or
    /// `rewrite_url`, to the response the request ends with, replacing a header of the same
    /// name set by the handler (a warning is logged then).
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PreAuthDecision {
    Decide(Decision),
    /// Continue with this URL (path and optional query) as if the client had asked for it.
    Rewrite(String),
}

/// Builds onPreAuth results (Kibana's `OnPreAuthToolkit`).
///
/// ```
/// use core_http::OnPreAuthToolkit;
/// let t = OnPreAuthToolkit::default();
/// let _continue = t.next();
/// let _internal = t.rewrite_url("/app/home?tab=1");
/// let _redirect = t.redirected("/login");
/// let _reject = t.rejected("not from this network", 403);
/// let _challenge = t.rejected("Unauthorized", 401).header("www-authenticate", "Basic");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct OnPreAuthToolkit {
    _private: (),
}

impl OnPreAuthToolkit {
    /// Go on to the next interceptor, then routing.
    pub fn next(&self) -> OnPreAuthResult {
        OnPreAuthResult::new(PreAuthDecision::Decide(Decision::Next))
    }

    /// Answer `302 Found` with `Location: url`; nothing else runs.
    ///
    /// # Arguments
    ///
    /// * `url` - the `Location` to send the client to; not empty (an empty one answers `500`).
    pub fn redirected(&self, url: impl Into<String>) -> OnPreAuthResult {
        OnPreAuthResult::new(PreAuthDecision::Decide(Decision::Redirect(url.into())))
    }

    /// Rewrite the request URL on the server and go on (Kibana's
    /// `redirected(url, { forward: true })`): later interceptors, routing and the handler see
    /// `url`. It must be a path (`/...`), optionally with a query, which replaces the original
    /// query; anything else is a `500` (logged).
    ///
    /// # Arguments
    ///
    /// * `url` - the path (`/...`) to route instead, optionally with a query, which replaces the
    ///   request's.
    pub fn rewrite_url(&self, url: impl Into<String>) -> OnPreAuthResult {
        OnPreAuthResult::new(PreAuthDecision::Rewrite(url.into()))
    }

    /// Answer with an error in the shared shape, e.g. `rejected("unexpected error", 400)` →
    /// `400 {"statusCode":400,"error":"Bad Request","message":"unexpected error"}`. With `500` the
    /// message is logged and the client gets the generic one; a status outside 400-599 is a
    /// `500` (logged).
    ///
    /// # Arguments
    ///
    /// * `error` - the message of the error body.
    /// * `status` - the error status, from `400` to `599`; `500` and anything outside answer the
    ///   generic `500`, logged.
    pub fn rejected(&self, error: impl fmt::Display, status: u16) -> OnPreAuthResult {
        OnPreAuthResult::new(PreAuthDecision::Decide(Decision::Reject {
            status,
            message: error.to_string(),
        }))
    }
}
