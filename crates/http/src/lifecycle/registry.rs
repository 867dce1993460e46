//! The registered interceptors and the code that runs them for one request, turning results,
//! errors and panics into "go on" or a response. Framework-agnostic: `server/` calls it.

use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tracing::Instrument;

use actix_web::http::uri::PathAndQuery;
use core_logging::{LogMeta, Logger};
use futures::FutureExt;
use futures::future::LocalBoxFuture;

use super::auth::{AuthDecision, AuthResult, AuthToolkit};
use super::auth_state::{AuthOutcome, AuthStatus};
use super::on_post_auth::{OnPostAuthResult, OnPostAuthToolkit};
use super::on_pre_auth::{OnPreAuthResult, OnPreAuthToolkit, PreAuthDecision};
use super::{
    AuthenticationHandler as AuthHandler, Decision, InterceptorResult,
    OnPostAuthHandler as PostAuthHandler, OnPreAuthHandler as PreAuthHandler,
};
use crate::headers::{Headers, RequestHeaders};
use crate::request::{
    KibanaRequest, KibanaRequestRoute, KibanaRequestRouteOptions, RequestFacts, RequestState,
    RequestUrl,
};
use crate::response::{INTERNAL_ERROR_MESSAGE, KibanaResponse, ResponseBody};
use crate::route::{AuthRequired, RouteMethod};

/// Interceptors registered during setup.
#[derive(Default)]
pub(crate) struct InterceptorRegistry {
    on_pre_auth: Vec<Arc<PreAuthHandler>>,
    auth: Option<Arc<AuthHandler>>,
    on_post_auth: Vec<Arc<PostAuthHandler>>,
}

impl InterceptorRegistry {
    pub(crate) fn add_on_pre_auth<F, Fut>(&mut self, handler: F)
    where
        F: Fn(KibanaRequest, OnPreAuthToolkit) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = InterceptorResult<OnPreAuthResult>> + 'static,
    {
        self.on_pre_auth.push(Arc::new(move |request, toolkit| {
            handler(request, toolkit).boxed_local()
        }));
    }

    /// `false` when an auth handler is already registered (nothing changes then).
    pub(crate) fn set_auth<F, Fut>(&mut self, handler: F) -> bool
    where
        F: Fn(KibanaRequest, AuthToolkit) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = InterceptorResult<AuthResult>> + 'static,
    {
        if self.auth.is_some() {
            return false;
        }
        self.auth = Some(Arc::new(move |request, toolkit| {
            handler(request, toolkit).boxed_local()
        }));
        true
    }

    pub(crate) fn add_on_post_auth<F, Fut>(&mut self, handler: F)
    where
        F: Fn(KibanaRequest, OnPostAuthToolkit) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = InterceptorResult<OnPostAuthResult>> + 'static,
    {
        self.on_post_auth.push(Arc::new(move |request, toolkit| {
            handler(request, toolkit).boxed_local()
        }));
    }

    /// The interceptors the server runs (a snapshot: registration closes at start). `logger`
    /// gets interceptor failures, `server_logger` the header-rewrite warnings.
    pub(crate) fn freeze(&self, logger: Logger, server_logger: Logger) -> Interceptors {
        Interceptors {
            on_pre_auth: self.on_pre_auth.clone(),
            auth: self.auth.clone(),
            on_post_auth: self.on_post_auth.clone(),
            logger,
            server_logger,
        }
    }
}

/// The untyped request as interceptors see it, before validation.
#[derive(Clone)]
pub(crate) struct RequestView {
    pub(crate) method: RouteMethod,
    pub(crate) headers: RequestHeaders,
    pub(crate) url: RequestUrl,
    pub(crate) remote_address: Option<SocketAddr>,
    pub(crate) state: Arc<RequestState>,
}

impl RequestView {
    /// The interceptors' request (headers moved, not copied).
    fn into_request(self, route: Arc<KibanaRequestRoute>) -> KibanaRequest {
        let facts = RequestFacts {
            headers: self.headers,
            url: self.url,
            route,
            remote_address: self.remote_address,
            state: self.state,
        };
        KibanaRequest::from_parts(
            facts,
            Default::default(),
            Default::default(),
            Default::default(),
        )
    }
}

/// Before routing the route is unknown: onPreAuth handlers see the URL path, the request
/// method and default options.
fn unrouted(method: RouteMethod, url: &RequestUrl) -> Arc<KibanaRequestRoute> {
    Arc::new(KibanaRequestRoute {
        path: url.path.clone(),
        method,
        options: KibanaRequestRouteOptions {
            auth_required: AuthRequired::default(),
            tags: Vec::new(),
            extends_session: true,
        },
    })
}

/// `request` pointed at `url` (after an onPreAuth rewrite).
fn rewritten(request: &KibanaRequest, url: RequestUrl) -> KibanaRequest {
    let facts = RequestFacts {
        headers: request.headers().clone(),
        route: unrouted(request.route().method, &url),
        url,
        remote_address: request.remote_address(),
        state: Arc::clone(request.state()),
    };
    KibanaRequest::from_parts(
        facts,
        Default::default(),
        Default::default(),
        Default::default(),
    )
}

/// How onPreAuth ended.
pub(crate) enum PreAuthOutcome {
    /// Route the request; to `rewritten` (path and query) when a handler rewrote the URL.
    Continue { rewritten: Option<RequestUrl> },
    /// Answer with this response; routing and the handler are skipped.
    Respond(KibanaResponse),
}

/// The interceptors a running server uses, with the logger for their failures.
pub(crate) struct Interceptors {
    on_pre_auth: Vec<Arc<PreAuthHandler>>,
    auth: Option<Arc<AuthHandler>>,
    on_post_auth: Vec<Arc<PostAuthHandler>>,
    logger: Logger,
    /// `http`: warnings about response headers the lifecycle replaced.
    server_logger: Logger,
}

impl Interceptors {
    pub(crate) fn has_on_pre_auth(&self) -> bool {
        !self.on_pre_auth.is_empty()
    }

    /// Whether an auth handler is registered (requests then start `unauthenticated`).
    pub(crate) fn has_auth(&self) -> bool {
        self.auth.is_some()
    }

    /// Where the server logs that a lifecycle header replaced one of the response's.
    pub(crate) fn server_logger(&self) -> &Logger {
        &self.server_logger
    }

    /// Whether anything runs between routing and the handler.
    pub(crate) fn has_route_interceptors(&self) -> bool {
        self.auth.is_some() || !self.on_post_auth.is_empty()
    }

    /// Runs every onPreAuth handler in order (later ones see earlier rewrites).
    pub(crate) async fn run_on_pre_auth(&self, view: RequestView) -> PreAuthOutcome {
        let mut rewritten_url = None;
        let route = unrouted(view.method, &view.url);
        let mut request = view.into_request(route);
        for (index, handler) in self.on_pre_auth.iter().enumerate() {
            let stage = Stage::OnPreAuth(index);
            let result = guarded(|| handler(request.clone(), OnPreAuthToolkit::default())).await;
            let (decision, headers) = match result {
                Ok(OnPreAuthResult { decision, headers }) => (decision, headers),
                Err(cause) => {
                    return PreAuthOutcome::Respond(self.failure(stage, &request, &cause));
                }
            };
            match decision {
                PreAuthDecision::Decide(Decision::Next) => {
                    add_lifecycle_headers(&request, &headers);
                }
                PreAuthDecision::Decide(decision) => {
                    return PreAuthOutcome::Respond(self.respond(
                        stage,
                        &request,
                        decision,
                        Some(&headers),
                    ));
                }
                PreAuthDecision::Rewrite(url) => match parse_url(&url) {
                    Some(url) => {
                        add_lifecycle_headers(&request, &headers);
                        request = rewritten(&request, url.clone());
                        rewritten_url = Some(url);
                    }
                    None => {
                        let cause = format!(
                            "rewrote the URL to [{url}], which is not a path starting with a single `/`"
                        );
                        return PreAuthOutcome::Respond(self.failure(stage, &request, &cause));
                    }
                },
            }
        }
        PreAuthOutcome::Continue {
            rewritten: rewritten_url,
        }
    }

    /// Runs auth (when the route asks for it) and every onPostAuth handler for a routed
    /// request. `None`: go on to validation and the handler.
    pub(crate) async fn run_for_route(
        &self,
        view: RequestView,
        route: &Arc<KibanaRequestRoute>,
        core_checks: impl FnOnce() -> Option<KibanaResponse>,
    ) -> Option<KibanaResponse> {
        let request = view.into_request(Arc::clone(route));
        let auth_required = route.options.auth_required;
        if let Some(auth) = self
            .auth
            .as_ref()
            .filter(|_| auth_required != AuthRequired::NotRequired)
        {
            let result = guarded(|| auth(request.clone(), AuthToolkit::default()))
                .instrument(tracing::info_span!(target: "http.server", "auth"))
                .await;
            let AuthResult { decision, headers } = match result {
                Ok(result) => result,
                Err(cause) => return Some(self.failure(Stage::Auth, &request, &cause)),
            };
            let lifecycle = &request.state().lifecycle;
            match decision {
                AuthDecision::Authenticated(params) => {
                    let (state, request_headers, response_headers) = params.into_parts();
                    // Auth runs once per request, so the slot is empty here.
                    let _ = lifecycle.auth.set(AuthOutcome {
                        status: AuthStatus::Authenticated,
                        state,
                        request_headers,
                    });
                    add_lifecycle_headers(&request, &response_headers);
                    add_lifecycle_headers(&request, &headers);
                }
                AuthDecision::NotHandled | AuthDecision::Decide(Decision::Next) => {
                    if auth_required == AuthRequired::Required {
                        return Some(with_headers(
                            KibanaResponse::error(401, "Unauthorized"),
                            &headers,
                        ));
                    }
                    let _ = lifecycle.auth.set(AuthOutcome {
                        status: AuthStatus::Unauthenticated,
                        state: None,
                        request_headers: Headers::new(),
                    });
                    // As Kibana: the headers of a `notHandled` result belong to the 401 it
                    // causes on a required route; an optional route goes on without them.
                }
                AuthDecision::Decide(decision) => {
                    return Some(self.respond(Stage::Auth, &request, decision, Some(&headers)));
                }
            }
        }
        // Core's own post-auth checks (XSRF, version) come before the plugins' onPostAuth, as
        // Kibana registers them first.
        if let Some(response) = core_checks() {
            return Some(response);
        }
        for (index, handler) in self.on_post_auth.iter().enumerate() {
            let stage = Stage::OnPostAuth(index);
            let result = guarded(|| handler(request.clone(), OnPostAuthToolkit::default()))
                .instrument(tracing::info_span!(target: "http.server", "onPostAuth", index))
                .await;
            match result {
                Ok(OnPostAuthResult {
                    decision: Decision::Next,
                    headers,
                }) => add_lifecycle_headers(&request, &headers),
                Ok(OnPostAuthResult { decision, headers }) => {
                    return Some(self.respond(stage, &request, decision, Some(&headers)));
                }
                Err(cause) => return Some(self.failure(stage, &request, &cause)),
            }
        }
        None
    }

    /// A redirect or rejection as a response.
    fn respond(
        &self,
        stage: Stage,
        request: &KibanaRequest,
        decision: Decision,
        headers: Option<&Headers>,
    ) -> KibanaResponse {
        let response = match decision {
            Decision::Next => {
                return self.failure(stage, request, "answered `next` where a response was due");
            }
            Decision::Redirect(location) if location.is_empty() => {
                return self.failure(stage, request, "redirected without a location");
            }
            Decision::Redirect(location) => {
                KibanaResponse::new(302, ResponseBody::Empty).header("location", location)
            }
            Decision::Reject {
                status: 500,
                message,
            } => {
                return self.failure(stage, request, &format!("rejected the request: {message}"));
            }
            Decision::Reject { status, message } if (400..=599).contains(&status) => {
                KibanaResponse::error(status, message)
            }
            Decision::Reject { status, .. } => {
                let cause = format!(
                    "rejected the request with [{status}], which is not an error status (400-599)"
                );
                return self.failure(stage, request, &cause);
            }
        };
        match headers {
            Some(headers) => with_headers(response, headers),
            None => response,
        }
    }

    /// Logs `cause` and answers the generic `500`.
    fn failure(&self, stage: Stage, request: &KibanaRequest, cause: &str) -> KibanaResponse {
        let request_id = request.id();
        let (method, path) = (request.route().method, request.url().path.as_str());
        // The path only: a query string may carry credentials.
        self.logger.error_with(
            format!(
                "{stage} failed for {} {} (request {request_id}): {cause}",
                method, path
            ),
            LogMeta::new()
                .with("interceptor", stage.to_string())
                .with("requestId", request_id.as_str())
                .with("path", path),
        );
        KibanaResponse::error(500, INTERNAL_ERROR_MESSAGE)
    }
}

#[derive(Debug, Clone, Copy)]
enum Stage {
    OnPreAuth(usize),
    Auth,
    OnPostAuth(usize),
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Numbered from 1 in registration order, as a plugin author would count them.
        match self {
            Self::OnPreAuth(index) => write!(f, "onPreAuth interceptor #{}", index + 1),
            Self::Auth => f.write_str("auth interceptor"),
            Self::OnPostAuth(index) => write!(f, "onPostAuth interceptor #{}", index + 1),
        }
    }
}

/// Headers an interceptor's result adds to the response the request ends with.
fn add_lifecycle_headers(request: &KibanaRequest, headers: &Headers) {
    if headers.iter().next().is_none() {
        return;
    }
    request.state().lifecycle.add_response_headers(
        headers
            .iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned())),
    );
}

fn with_headers(response: KibanaResponse, headers: &Headers) -> KibanaResponse {
    headers.iter().fold(response, |response, (name, value)| {
        response.header(name, value)
    })
}

/// A rewrite target: an origin-form path with an optional query.
fn parse_url(url: &str) -> Option<RequestUrl> {
    if !url.starts_with('/') || url.starts_with("//") {
        return None;
    }
    let parsed: PathAndQuery = url.parse().ok()?;
    Some(RequestUrl {
        path: parsed.path().to_owned(),
        query: parsed.query().map(str::to_owned),
    })
}

/// Calls `call` and awaits its future; an `Err` or a panic (while creating or polling the
/// future) comes back as the text to log.
async fn guarded<T>(
    call: impl FnOnce() -> LocalBoxFuture<'static, InterceptorResult<T>>,
) -> Result<T, String> {
    let future = match std::panic::catch_unwind(AssertUnwindSafe(call)) {
        Ok(future) => future,
        Err(panic) => return Err(panic_text(panic.as_ref())),
    };
    match AssertUnwindSafe(future).catch_unwind().await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(format!("{error:#}")),
        Err(panic) => Err(panic_text(panic.as_ref())),
    }
}

/// `panicked: <the panic's message>`, for the log line of a caught panic (interceptors and
/// route handlers alike).
pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-text panic payload)".to_owned());
    format!("panicked: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrite_targets_must_be_paths() {
        assert_eq!(
            parse_url("/new?x=1"),
            Some(RequestUrl {
                path: "/new".into(),
                query: Some("x=1".into())
            })
        );
        assert_eq!(parse_url("/new").unwrap().query, None);
        assert!(parse_url("new").is_none());
        assert!(parse_url("//evil.example/x").is_none());
        assert!(parse_url("https://evil.example/x").is_none());
        assert!(parse_url("/a b").is_none());
    }
}
