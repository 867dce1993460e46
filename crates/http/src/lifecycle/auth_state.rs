//! Per-request auth state: [`AuthStatus`], [`AuthState`], and the [`HttpAuth`] service.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

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
    pub state: Option<AuthStateValue>,
}

impl AuthState {
    /// The state as the type the auth handler gave it, e.g. `state_as::<Session>()`; `None`
    /// when there is none or it is of another type.
    pub fn state_as<T: Any>(&self) -> Option<&T> {
        self.state.as_ref()?.downcast_ref()
    }
}

/// The state an auth handler attached to a request
/// ([`AuthResultParams::state`](crate::AuthResultParams::state)), kept as the handler's own
/// type: reading it back is a type check, not a parse. It serializes as that type does.
/// Cloning is cheap (one reference count).
///
/// ```
/// use core_http::AuthStateValue;
/// #[derive(serde::Serialize)]
/// struct User { name: String }
/// let state = AuthStateValue::new(User { name: "elastic".into() });
/// assert_eq!(state.downcast_ref::<User>().unwrap().name, "elastic");
/// assert_eq!(state.to_json(), serde_json::json!({ "name": "elastic" }));
/// ```
#[derive(Clone)]
pub struct AuthStateValue {
    value: Arc<dyn Any + Send + Sync>,
    to_json: fn(&(dyn Any + Send + Sync)) -> Value,
    type_name: &'static str,
}

impl AuthStateValue {
    /// Wraps `value`.
    ///
    /// # Arguments
    ///
    /// * `value` - the user's state; it is kept as it is and serialized only when read as JSON.
    pub fn new<T: Serialize + Send + Sync + 'static>(value: T) -> Self {
        Self {
            value: Arc::new(value),
            to_json: |value| {
                value
                    .downcast_ref::<T>()
                    .and_then(|value| serde_json::to_value(value).ok())
                    .unwrap_or(Value::Null)
            },
            type_name: std::any::type_name::<T>(),
        }
    }

    /// The value, if it is a `T`.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.value.downcast_ref()
    }

    /// The value as JSON (`null` if it does not serialize).
    pub fn to_json(&self) -> Value {
        (self.to_json)(self.value.as_ref())
    }
}

impl Serialize for AuthStateValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// Compares the JSON forms.
impl PartialEq for AuthStateValue {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.value, &other.value) || self.to_json() == other.to_json()
    }
}

/// The type only: a state may hold credentials (a token, a session id), and `Debug` output
/// ends up in logs.
impl fmt::Debug for AuthStateValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthStateValue({})", self.type_name)
    }
}

/// What the auth step recorded for a request.
#[derive(Debug, Clone)]
pub(crate) struct AuthOutcome {
    pub(crate) status: AuthStatus,
    pub(crate) state: Option<AuthStateValue>,
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
    ///
    /// # Arguments
    ///
    /// * `request` - the request to read the auth outcome of.
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
    ///
    /// # Arguments
    ///
    /// * `request` - the request to read the auth outcome of.
    pub fn is_authenticated<P, Q, B>(&self, request: &KibanaRequest<P, Q, B>) -> bool {
        request.auth_status() == AuthStatus::Authenticated
    }

    /// The headers the auth handler asked to forward to Elasticsearch for this request's user
    /// (`None` unless authenticated).
    ///
    /// # Arguments
    ///
    /// * `request` - the request to read the auth outcome of.
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
