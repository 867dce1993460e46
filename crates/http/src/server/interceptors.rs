//! Running the lifecycle interceptors from actix-web: onPreAuth in the pipeline (before
//! routing), auth and onPostAuth once the route is known, and the headers they add to every
//! response.

use std::sync::Arc;

use actix_web::dev::ServiceRequest;
use actix_web::http::Uri;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use core_logging::Logger;
use tracing::Instrument;

use super::AppContext;
use super::pipeline::{route_method, without_trailing_slash};
use super::respond::to_http_response;
use crate::headers::RequestHeaders;
use crate::lifecycle::{Interceptors, PreAuthOutcome, RequestView};
use crate::request::{RequestState, RequestUrl};
use crate::route::RouteMethod;
use crate::server::MountedRoute;

/// Runs onPreAuth. `Err(response)`: answer with it. Otherwise the request (possibly with a
/// rewritten URI and match info) goes on to routing.
pub(crate) async fn on_pre_auth(
    context: &AppContext,
    request: &mut ServiceRequest,
    headers: &RequestHeaders,
    state: &Arc<RequestState>,
) -> Result<(), HttpResponse> {
    let view = RequestView {
        // Methods routes cannot declare (HEAD, OPTIONS, ...) show as `GET` before routing.
        method: route_method(request.method()).unwrap_or(RouteMethod::Get),
        headers: headers.clone(),
        url: RequestUrl {
            path: request.path().to_owned(),
            query: request.uri().query().map(str::to_owned),
        },
        remote_address: request.peer_addr(),
        state: Arc::clone(state),
    };
    let outcome = context
        .interceptors
        .run_on_pre_auth(view)
        .instrument(tracing::info_span!(target: "http.server", "onPreAuth"))
        .await;
    match outcome {
        PreAuthOutcome::Continue { rewritten: None } => Ok(()),
        PreAuthOutcome::Continue {
            rewritten: Some(url),
        } => {
            if set_url(request, &url) {
                Ok(())
            } else {
                // The interceptor layer only lets valid paths through; should the URI still be
                // rejected, fail loudly rather than route the old URL.
                context.router_logger.error(format!(
                    "an onPreAuth interceptor rewrote the URL to [{}], which is not a valid URI (request {})",
                    url.path, state.id()
                ));
                Err(to_http_response(
                    crate::KibanaResponse::error(500, crate::INTERNAL_ERROR_MESSAGE),
                    context,
                    "onPreAuth",
                ))
            }
        }
        PreAuthOutcome::Respond(response) => Err(to_http_response(response, context, "onPreAuth")),
    }
}

/// Points the request at `url` before routing: both the URI and the router's match info.
/// One trailing `/` is dropped, as for every request (routes are mounted without it).
fn set_url(request: &mut ServiceRequest, url: &RequestUrl) -> bool {
    let mut parts = request.uri().clone().into_parts();
    let routed = RequestUrl {
        path: without_trailing_slash(&url.path).to_owned(),
        query: url.query.clone(),
    };
    let Ok(path_and_query) = routed.to_string().parse() else {
        return false;
    };
    parts.path_and_query = Some(path_and_query);
    match Uri::from_parts(parts) {
        Ok(uri) => {
            request.match_info_mut().get_mut().update(&uri);
            request.head_mut().uri = uri;
            true
        }
        Err(_) => false,
    }
}

/// Runs auth, core's checks (XSRF, version) and onPostAuth for a routed request.
/// `Some(response)`: answer with it.
pub(crate) async fn for_route(
    context: &AppContext,
    route: &MountedRoute,
    request: &HttpRequest,
    headers: &RequestHeaders,
    state: &Arc<RequestState>,
) -> Option<HttpResponse> {
    let core_checks = || context.core.check(route.xsrf_required, headers);
    if !context.interceptors.has_route_interceptors() {
        return core_checks()
            .map(|response| to_http_response(response, context, &route.entry.full_path));
    }
    let view = RequestView {
        method: route.entry.method,
        headers: headers.clone(),
        url: RequestUrl {
            path: request.path().to_owned(),
            query: request.uri().query().map(str::to_owned),
        },
        remote_address: request.peer_addr(),
        state: Arc::clone(state),
    };
    let response = context
        .interceptors
        .run_for_route(view, &route.entry.request_route, core_checks)
        .await?;
    Some(to_http_response(response, context, &route.entry.full_path))
}

/// Adds what the lifecycle decided to a response: the interceptors' result headers replace the
/// response's headers of the same name (logging Kibana's warning under `http`, as hapi's
/// onPreResponse step did), session `Set-Cookie`s are appended (several cookies are fine).
pub(crate) fn add_lifecycle_headers(
    state: &RequestState,
    headers: &mut HeaderMap,
    interceptors: &Interceptors,
    logger: &Logger,
) {
    let mut replaced: Vec<HeaderName> = Vec::new();
    for (name, value) in state.lifecycle.take_interceptor_headers() {
        match (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            (Ok(name), Ok(value)) => {
                // Several values of one name from the interceptors all go out (e.g. two
                // challenges); only what the response had before is replaced.
                if !replaced.contains(&name) {
                    if headers.remove(&name).next().is_some() {
                        interceptors
                            .server_logger()
                            .warn(format!("Server rewrites a response header [{name}]."));
                    }
                    replaced.push(name.clone());
                }
                headers.append(name, value);
            }
            _ => logger.error(format!(
                "an interceptor set the invalid response header [{name}]; the header was dropped"
            )),
        }
    }
    for cookie in state.lifecycle.take_set_cookies() {
        match HeaderValue::try_from(cookie.header) {
            Ok(value) => headers.append(actix_web::http::header::SET_COOKIE, value),
            Err(_) => logger.error("a session cookie is not a valid header value; it was dropped"),
        }
    }
}
