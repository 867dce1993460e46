//! Request interceptors (Kibana's `lifecycle/`): onPreAuth, auth and onPostAuth handlers, their
//! toolkits and results, and the per-request auth state.
//!
//! Per request, in this order:
//! 1. every onPreAuth handler, in registration order, *before routing*: it may continue, rewrite
//!    the URL and continue (routing then uses the new URL), redirect (`302`) or reject;
//! 2. routing;
//! 3. the auth handler (at most one), for routes whose `auth_required` is `Required` or
//!    `Optional`: authenticated, redirected, rejected or not handled;
//! 4. every onPostAuth handler, in registration order: continue, redirect or reject;
//! 5. validation and the route handler.
//!
//! Each handler gets a read-only [`KibanaRequest`](crate::KibanaRequest). The only state
//! handlers share is what the documented services keep per request: the base path
//! ([`BasePath::set`](crate::BasePath::set)) and the auth state ([`HttpAuth`]). A handler that
//! returns `Err` or panics gives `500` with the generic message; the cause is logged under
//! `http.interceptors`.

mod auth;
mod auth_state;
mod on_post_auth;
mod on_pre_auth;
mod registry;
mod request_state;

pub use self::auth::{AuthResult, AuthResultParams, AuthToolkit};
pub use self::auth_state::{AuthState, AuthStateValue, AuthStatus, HttpAuth};
pub use self::on_post_auth::{OnPostAuthResult, OnPostAuthToolkit};
pub use self::on_pre_auth::{OnPreAuthResult, OnPreAuthToolkit};

pub(crate) use self::registry::{
    InterceptorRegistry, Interceptors, PreAuthOutcome, RequestView, panic_text,
};
pub(crate) use self::request_state::{PendingCookie, RequestLifecycle};

/// What an interceptor returns: its result, or an error that becomes a logged `500`.
pub type InterceptorResult<T> = anyhow::Result<T>;

/// An onPreAuth interceptor as core stores it (Kibana's `OnPreAuthHandler`).
///
/// Register one with `register_on_pre_auth(|request, toolkit| async move { .. })`: any async closure
/// of that shape is boxed into this type.
pub type OnPreAuthHandler = dyn Fn(
        crate::KibanaRequest,
        OnPreAuthToolkit,
    ) -> futures::future::LocalBoxFuture<'static, InterceptorResult<OnPreAuthResult>>
    + Send
    + Sync;

/// The auth interceptor as core stores it (Kibana's `AuthenticationHandler`).
///
/// Register it with `register_auth(|request, toolkit| async move { .. })`; at most one exists.
pub type AuthenticationHandler = dyn Fn(
        crate::KibanaRequest,
        AuthToolkit,
    ) -> futures::future::LocalBoxFuture<'static, InterceptorResult<AuthResult>>
    + Send
    + Sync;

/// An onPostAuth interceptor as core stores it (Kibana's `OnPostAuthHandler`).
///
/// Register one with `register_on_post_auth(|request, toolkit| async move { .. })`.
pub type OnPostAuthHandler = dyn Fn(
        crate::KibanaRequest,
        OnPostAuthToolkit,
    ) -> futures::future::LocalBoxFuture<'static, InterceptorResult<OnPostAuthResult>>
    + Send
    + Sync;

/// A rejection or redirect decided by an interceptor, before it becomes a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Go on.
    Next,
    /// `302` to the location.
    Redirect(String),
    /// An error response with this status and message.
    Reject { status: u16, message: String },
}
