//! Per-request auth state: [`AuthStatus`], [`AuthState`], and the [`HttpAuth`] service.

use serde::Serialize;
use serde_json::Value;

use crate::headers::Headers;
use crate::request::KibanaRequest;

/// Whether a request's user is known (Kibana's `AuthStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthStatus {
    /// The auth handler authenticated the request.
    Authenticated,
    /// An auth handler is registered but did not authenticate the request: `not_handled` on an
    /// optional route, a route with `auth_required: NotRequired`, or a request that has not
    /// reached the auth step yet (onPreAuth).
    Unauthenticated,
    /// No auth handler is registered.
    Unknown,
}

/// A request's auth status and the state the auth handler attached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthState {
    /// The status.
    pub status: AuthStatus,
    /// `AuthResultParams::state` when authenticated with one (absent from the JSON otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<Value>,
}

/// What the auth step recorded for a request.
#[derive(Debug, Clone)]
pub(crate) struct AuthOutcome {
    pub(crate) status: AuthStatus,
    pub(crate) state: Option<Value>,
    pub(crate) request_headers: Headers,
}

/// Reads the auth state of requests (Kibana's `http.auth`). Cheap to copy.
///
/// ```
/// use core_http::{AuthStatus, HttpAuth};
/// use core_http::testing::MockRequest;
/// let request = MockRequest::new((), (), ()).build();
/// assert_eq!(HttpAuth::default().get(&request).status, AuthStatus::Unknown);
/// assert!(!HttpAuth::default().is_authenticated(&request));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpAuth {
    _private: (),
}

impl HttpAuth {
    /// The request's status and state.
    pub fn get<P, Q, B>(&self, request: &KibanaRequest<P, Q, B>) -> AuthState {
        match request.state().lifecycle.auth.get() {
            Some(outcome) => AuthState {
                status: outcome.status,
                state: outcome.state.clone(),
            },
            None => AuthState {
                status: request.auth_status(),
                state: None,
            },
        }
    }

    /// Whether the request is authenticated.
    pub fn is_authenticated<P, Q, B>(&self, request: &KibanaRequest<P, Q, B>) -> bool {
        request.auth_status() == AuthStatus::Authenticated
    }

    /// The headers the auth handler asked to forward to Elasticsearch for this request's user
    /// (`None` unless authenticated).
    pub fn get_auth_headers<P, Q, B>(&self, request: &KibanaRequest<P, Q, B>) -> Option<Headers> {
        request.auth_headers().cloned()
    }
}

impl<P, Q, B> KibanaRequest<P, Q, B> {
    /// The headers the auth handler asked to forward to Elasticsearch for this request's user
    /// (`None` unless authenticated). The Elasticsearch client's scoping reads these.
    pub fn auth_headers(&self) -> Option<&Headers> {
        self.state()
            .lifecycle
            .auth
            .get()
            .filter(|outcome| outcome.status == AuthStatus::Authenticated)
            .map(|outcome| &outcome.request_headers)
    }

    /// This request's auth status (see [`HttpAuth::get`] for the state too).
    pub fn auth_status(&self) -> AuthStatus {
        let lifecycle = &self.state().lifecycle;
        match lifecycle.auth.get() {
            Some(outcome) => outcome.status,
            None if lifecycle.auth_registered() => AuthStatus::Unauthenticated,
            None => AuthStatus::Unknown,
        }
    }
}
