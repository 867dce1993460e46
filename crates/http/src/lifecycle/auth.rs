//! The auth handler: [`AuthToolkit`], [`AuthResult`], [`AuthResultParams`].

use std::fmt;

use serde::Serialize;

use super::Decision;
use super::auth_state::AuthStateValue;
use crate::headers::Headers;

/// What an authenticated request carries on (Kibana's `AuthResultParams`).
///
/// ```
/// use core_http::AuthResultParams;
/// let params = AuthResultParams::new()
///     .state(serde_json::json!({ "username": "elastic" }))
///     .request_header("authorization", "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==")
///     .response_header("x-auth-provider", "basic");
/// assert_eq!(params.request_headers().get("Authorization"), Some("Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="));
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct AuthResultParams {
    state: Option<AuthStateValue>,
    request_headers: Headers,
    response_headers: Headers,
}

impl AuthResultParams {
    /// No state, no headers.
    pub fn new() -> Self {
        Self::default()
    }
    /// The user's state, readable by later interceptors and handlers through
    /// [`HttpAuth::get`](super::HttpAuth::get) as this same type
    /// ([`AuthState::state_as`](super::AuthState::state_as)); it is kept as it is, not
    /// converted, and serializes as the type does.
    ///
    /// # Arguments
    ///
    /// * `state` - the user's state, such as the user name and roles; replaces a state set before.
    pub fn state<T: Serialize + Send + Sync + 'static>(mut self, state: T) -> Self {
        self.state = Some(AuthStateValue::new(state));
        self
    }
    /// A header to send to Elasticsearch on this user's behalf (read back with
    /// [`HttpAuth::get_auth_headers`](super::HttpAuth::get_auth_headers) or
    /// [`KibanaRequest::auth_headers`](crate::KibanaRequest::auth_headers)).
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, such as `authorization`, in any case.
    /// * `value` - the header value, such as the user's credentials; kept out of `Debug` output.
    pub fn request_header(mut self, name: impl AsRef<str>, value: impl Into<String>) -> Self {
        self.request_headers.append(name, value);
        self
    }
    /// A header to add to this request's response. It wins over a header of the same name the
    /// handler sets (the server logs `Server rewrites a response header [<name>].` then).
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, in any case; an invalid name is dropped with an error log.
    /// * `value` - the header value; an invalid value is dropped with an error log.
    pub fn response_header(mut self, name: impl AsRef<str>, value: impl Into<String>) -> Self {
        self.response_headers.append(name, value);
        self
    }
    /// The headers for Elasticsearch.
    pub fn request_headers(&self) -> &Headers {
        &self.request_headers
    }
    /// The headers for the response.
    pub fn response_headers(&self) -> &Headers {
        &self.response_headers
    }
    pub(crate) fn into_parts(self) -> (Option<AuthStateValue>, Headers, Headers) {
        (self.state, self.request_headers, self.response_headers)
    }
}

impl fmt::Debug for AuthResultParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values are credentials: only names.
        f.debug_struct("AuthResultParams")
            .field("has_state", &self.state.is_some())
            .field("request_headers", &self.request_headers.names())
            .field("response_headers", &self.response_headers.names())
            .finish()
    }
}

/// What the auth handler decided. Built with [`AuthToolkit`].
#[derive(Debug, Clone, PartialEq)]
pub struct AuthResult {
    pub(crate) decision: AuthDecision,
    /// Headers for a redirect or rejection response (e.g. `WWW-Authenticate`).
    pub(crate) headers: Headers,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AuthDecision {
    Authenticated(AuthResultParams),
    NotHandled,
    Decide(Decision),
}

impl AuthResult {
    /// Adds a header to this request's response: to the redirect or rejection this result
    /// answers with, e.g.
    /// `t.rejected("Unauthorized", 401).header("www-authenticate", "Basic realm=\"kibana\"")`,
    /// or to the `401` that `not_handled` gives on a required route. When the request goes on
    /// authenticated, the header replaces one of the same name set later by the handler, and
    /// the server logs `Server rewrites a response header [<name>].` under `http`. A
    /// `not_handled` result on an optional route goes on without its headers (as in Kibana).
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, such as `www-authenticate`, in any case; an invalid name is
    ///   dropped with an error log.
    /// * `value` - the header value; an invalid value is dropped with an error log.
    pub fn header(mut self, name: impl AsRef<str>, value: impl Into<String>) -> Self {
        self.headers.append(name, value);
        self
    }
}

/// Builds auth results (Kibana's `AuthToolkit`).
///
/// ```
/// use core_http::{AuthResultParams, AuthToolkit};
/// let t = AuthToolkit::default();
/// let _ok = t.authenticated(AuthResultParams::new().state(serde_json::json!({"user": "a"})));
/// let _anonymous = t.not_handled();
/// let _login = t.redirected("/login");
/// let _denied = t.rejected("Unauthorized", 401).header("www-authenticate", "Basic");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthToolkit {
    _private: (),
}

impl AuthToolkit {
    /// The user is known: the request goes on with `params`.
    ///
    /// # Arguments
    ///
    /// * `params` - the user's state and the headers to forward to Elasticsearch and to add to the
    ///   response.
    pub fn authenticated(&self, params: AuthResultParams) -> AuthResult {
        self.result(AuthDecision::Authenticated(params))
    }
    /// This handler cannot tell who the user is: a route with `auth_required: Optional` goes
    /// on as unauthenticated (without this result's headers), a `Required` one gets `401`
    /// (with them, e.g. a `WWW-Authenticate` challenge).
    pub fn not_handled(&self) -> AuthResult {
        self.result(AuthDecision::NotHandled)
    }
    /// Answer `302 Found` with `Location: url` (e.g. a login page).
    ///
    /// # Arguments
    ///
    /// * `url` - the `Location` to send the client to, such as a login page; not empty (an empty
    ///   one answers `500`).
    pub fn redirected(&self, url: impl Into<String>) -> AuthResult {
        self.result(AuthDecision::Decide(Decision::Redirect(url.into())))
    }
    /// Answer with an error in the shared shape and `status` (400-599; `500` hides the message
    /// from the client and logs it).
    ///
    /// # Arguments
    ///
    /// * `error` - the message of the error body.
    /// * `status` - the error status, from `400` to `599`; `500` and anything outside answer the
    ///   generic `500`, logged.
    pub fn rejected(&self, error: impl fmt::Display, status: u16) -> AuthResult {
        self.result(AuthDecision::Decide(Decision::Reject {
            status,
            message: error.to_string(),
        }))
    }
    fn result(&self, decision: AuthDecision) -> AuthResult {
        AuthResult {
            decision,
            headers: Headers::new(),
        }
    }
}
