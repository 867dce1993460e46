//! The one ordered request pipeline, run for every request before and after routing.
//!
//! Order (Kibana's, on hapi):
//! 1. request state (id, per-request base path slot) attached to the request;
//! 2. base path rewrite when `rewriteBasePath` is on (paths outside the base path → 404), and
//!    one trailing `/` dropped (routes are mounted without it);
//! 3. onPreAuth interceptors, in registration order: continue, rewrite the URL (URI and match
//!    info, so routing sees it), redirect or reject (`interceptors::on_pre_auth`);
//! 4. routing (actix), then inside the matched route: auth for routes whose `auth_required` is
//!    not `NotRequired`, core's XSRF and version checks, onPostAuth interceptors
//!    (`interceptors::for_route`), then validation and the handler (see `router::dispatch`);
//! 5. headers added to whatever response the request ends with: core's configured headers
//!    (`securityResponseHeaders`, `customResponseHeaders`, `kbn-name`), then the interceptors'
//!    result headers, both replacing the response's own (with Kibana's warning), then session
//!    cookies (appended);
//! 6. compression, when enabled and the client accepts it (`core_handlers`);
//! 7. the server's counters (request, status code, response time; a request whose future is
//!    dropped unanswered is a disconnect) and the route observer, if any (`metrics`);
//! 8. one debug line per response under `http.server.response`.
//!
//! The whole of it runs inside the request's `http.request` span (target `http.server`), and
//! each interceptor stage in its own child span (`onPreAuth`, `auth`, `onPostAuth`); a trusted
//! client's `traceparent` is continued, as its `x-opaque-id` is taken as the request id.
//!
//! It is one actix service rather than actix routing plus middleware: interceptors are one list
//! walked here (actix runs stacked middleware in reverse registration order), the route is one
//! lookup in the server's routing table, and the per-request state is passed along rather than
//! stored in the request's extensions.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{ConnectionType, Method, Uri};
use core_logging::{LogLevel, LogMeta, TraceParent};
use percent_encoding::percent_decode_str;
use tracing::field::Empty;
use tracing::{Instrument, Span};

use super::AppContext;
use super::core_handlers::compress;
use super::handle::handle;
use super::interceptors::{add_lifecycle_headers, on_pre_auth};
use super::respond::error_response;
use crate::headers::RequestHeaders;
use crate::request::RequestState;
use crate::route::RouteMethod;

/// Serves one request, start to end: the whole pipeline above. Never fails: every outcome is a
/// response.
pub(crate) async fn serve(context: Arc<AppContext>, request: ServiceRequest) -> ServiceResponse {
    // Without a subscriber interested in it this is `Span::none()` (a check of the callsite's
    // cached interest): no field is evaluated, and every `record` below is skipped.
    let span = tracing::info_span!(
        target: "http.server",
        "http.request",
        http.request.method = request.method().as_str(),
        http.route = Empty,
        http.response.status_code = Empty,
        request.id = Empty,
        trace.id = Empty,
        kibana.plugin = Empty,
    );
    // Before the span is first entered: a hook may still set its parent.
    let state = RequestState::new();
    let continued = if context.request_id.trusts_any() {
        take_trusted_request_id(&context, &request, &state)
    } else {
        None
    };
    let trace = match &context.span_hook {
        Some(hook) if !span.is_disabled() => hook(&span, continued).or(continued),
        _ => continued,
    };
    if let Some(trace) = trace {
        state.set_trace(trace);
    }
    serve_in_span(context, request, state, &span)
        .instrument(span.clone())
        .await
}

/// [`serve`], inside the request's span (which may be disabled).
async fn serve_in_span(
    context: Arc<AppContext>,
    request: ServiceRequest,
    state: Arc<RequestState>,
    span: &Span,
) -> ServiceResponse {
    let log_response = context.response_logger.is_enabled(LogLevel::Debug);
    // Kept for the log line only: routing may rewrite the path.
    let logged = log_response.then(|| {
        (
            Instant::now(),
            request.method().clone(),
            request.path().to_owned(),
        )
    });
    // Counts the request now, and its end below; dropped with this future before then (the
    // client went away), it counts a disconnect.
    let counted = context.metrics.request_started();
    let accepted_encodings = context.core.accepted_encodings(&request);

    if context.interceptors.has_auth() {
        state.lifecycle.set_auth_registered();
    }

    let (mut response, route_index) = respond(&context, request, &state).await;
    if context.draining.load(Ordering::Relaxed) {
        response
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    context
        .core
        .add_response_headers(response.headers_mut(), context.interceptors.server_logger());
    add_lifecycle_headers(
        &state,
        response.headers_mut(),
        &context.interceptors,
        &context.router_logger,
    );
    if let Some(accepted) = &accepted_encodings {
        response = compress(response, accepted);
    }
    let status = response.status().as_u16();
    let elapsed = counted.finish(status);
    if let (Some(recorders), Some(index)) = (&context.route_recorders, route_index)
        && let Some(record) = recorders.get(index)
    {
        record(status, elapsed);
    }

    if !span.is_disabled() {
        span.record("http.response.status_code", status);
        if let Some(route) = route_index.and_then(|index| context.routes.get(index)) {
            span.record("http.route", route.entry.full_path.as_str());
        }
        span.record("request.id", state.id().as_str());
        span.record("trace.id", state.trace().trace_id_hex());
    }

    if let Some((started, method, original_path)) = logged {
        let status = response.status().as_u16();
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        // Only method, path, status, timing and id: never headers (Authorization, Cookie) or
        // the query string, which may carry credentials.
        context.response_logger.debug_with(
            format!(
                "{method} {original_path} {status} {millis:.1}ms (request {})",
                state.id()
            ),
            LogMeta::new()
                .with("requestId", state.id().as_str())
                .with("trace.id", state.trace().trace_id_hex())
                .with("method", method.as_str())
                .with("path", &original_path)
                .with("statusCode", status)
                .with("responseTimeMs", millis),
        );
    }
    response
}

/// The longest `x-opaque-id` taken as a request id; a longer one is replaced by a UUID.
const MAX_REQUEST_ID_LEN: usize = 256;

/// Takes the `x-opaque-id` header of a client `server.requestId.*` trusts as the request's id,
/// and returns its valid W3C `traceparent`: the trace the request continues. Anyone else's
/// headers are ignored: the request gets a new id and starts a new trace.
fn take_trusted_request_id(
    context: &AppContext,
    request: &ServiceRequest,
    state: &RequestState,
) -> Option<TraceParent> {
    let trusted = request
        .peer_addr()
        .is_some_and(|peer| context.request_id.trusts(peer.ip()));
    if !trusted {
        return None;
    }
    let trace = request
        .headers()
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .and_then(TraceParent::parse);
    if let Some(id) = request
        .headers()
        .get("x-opaque-id")
        .and_then(|value| value.to_str().ok())
        .filter(|id| !id.is_empty() && id.len() <= MAX_REQUEST_ID_LEN)
    {
        state.set_id(id);
    }
    trace
}

/// Everything but what [`serve`] adds to every response: base path, onPreAuth, routing, the
/// route. Returns the response and the index of the route that answered, if one did.
async fn respond(
    context: &Arc<AppContext>,
    mut request: ServiceRequest,
    state: &Arc<RequestState>,
) -> (ServiceResponse, Option<usize>) {
    match route_path(context, request.path()) {
        None => {
            return (
                request.into_response(error_response(404, "Not Found")),
                None,
            );
        }
        Some(Some(new_path)) => rewrite_path(&mut request, &new_path),
        Some(None) => {}
    }
    // Taken, not copied: from here on the request's headers are ours (actix has used what it
    // needs of them while parsing, and nothing after this point reads its map).
    let headers = RequestHeaders::from_map(std::mem::take(&mut request.head_mut().headers));
    if context.interceptors.has_on_pre_auth()
        && let Err(response) = on_pre_auth(context, &mut request, &headers, state).await
    {
        return (request.into_response(response), None);
    }
    route(context, request, Arc::clone(state), headers).await
}

/// Finds the route for the (possibly rewritten) path and method and runs it; `404` when none
/// answers. Params are taken from the path actix has already re-quoted for matching, then
/// percent-decoded. Returns the response and the route's index.
async fn route(
    context: &Arc<AppContext>,
    request: ServiceRequest,
    state: Arc<RequestState>,
    headers: RequestHeaders,
) -> (ServiceResponse, Option<usize>) {
    // A `HEAD` request is answered by the `GET` route, without the body (actix-web sends
    // the headers only), as on hapi.
    let method = if request.method() == Method::HEAD {
        Some(RouteMethod::Get)
    } else {
        route_method(request.method())
    };
    let found = method.and_then(|method| {
        let matched = context.table.at(request.match_info().as_str()).ok()?;
        let (_, index) = matched.value.iter().find(|(m, _)| *m == method)?;
        let params: Vec<(String, String)> = context.routes[*index]
            .param_names
            .iter()
            .zip(matched.params.iter())
            .map(|(name, (_, raw))| {
                (
                    name.clone(),
                    percent_decode_str(raw).decode_utf8_lossy().into_owned(),
                )
            })
            .collect();
        Some((*index, params))
    });
    let Some((index, params)) = found else {
        return (
            request.into_response(error_response(404, "Not Found")),
            None,
        );
    };
    let (http_request, payload) = request.into_parts();
    let response = handle(
        context,
        index,
        params,
        &http_request,
        payload,
        state,
        headers,
    )
    .await;
    (ServiceResponse::new(http_request, response), Some(index))
}

/// The route method a request method can reach; other methods (HEAD, OPTIONS, ...) reach none.
pub(crate) fn route_method(method: &Method) -> Option<RouteMethod> {
    Some(match *method {
        Method::GET => RouteMethod::Get,
        Method::POST => RouteMethod::Post,
        Method::PUT => RouteMethod::Put,
        Method::DELETE => RouteMethod::Delete,
        Method::PATCH => RouteMethod::Patch,
        _ => return None,
    })
}

/// Where routing should look: `Some(None)` unchanged, `Some(Some(path))` rewritten, `None` → 404
/// (outside the base path while `rewriteBasePath` is on). Routes are mounted without a trailing
/// `/` (but the root), so one trailing `/` is dropped here: a byte check per request, and a new
/// path only for the requests that have one.
fn route_path(context: &AppContext, path: &str) -> Option<Option<String>> {
    let routed = match &context.rewrite_base_path {
        None => path,
        Some(base_path) if path == base_path => return Some(Some("/".to_owned())),
        Some(base_path) => match path.strip_prefix(base_path.as_str()) {
            Some(rest) if rest.starts_with('/') => rest,
            _ => return None,
        },
    };
    let routed = without_trailing_slash(routed);
    if routed.len() == path.len() {
        Some(None)
    } else {
        Some(Some(routed.to_owned()))
    }
}

/// `path` without one trailing `/`, unless it is the root.
pub(crate) fn without_trailing_slash(path: &str) -> &str {
    match path.strip_suffix('/') {
        Some(stripped) if !stripped.is_empty() => stripped,
        _ => path,
    }
}

/// Points the request at `new_path` (query kept) before routing. Both the URI and the match
/// info must change: routing reads the latter (actix's re-quoted path).
pub(crate) fn rewrite_path(request: &mut ServiceRequest, new_path: &str) {
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{new_path}?{query}"),
        None => new_path.to_owned(),
    };
    let mut parts = request.uri().clone().into_parts();
    let Ok(path_and_query) = path_and_query.parse() else {
        // The new path came from a valid URI, so this cannot fail; keep the request unchanged.
        return;
    };
    parts.path_and_query = Some(path_and_query);
    if let Ok(uri) = Uri::from_parts(parts) {
        request.match_info_mut().get_mut().update(&uri);
        request.head_mut().uri = uri;
    }
}
