//! The one ordered request pipeline, run for every request before and after routing.
//!
//! Order (Kibana's, on hapi):
//! 1. request state (id, per-request base path slot) attached to the request;
//! 2. base path rewrite when `rewriteBasePath` is on (paths outside the base path → 404), and
//!    one trailing `/` dropped (routes are mounted without it);
//! 3. onPreAuth interceptors, in registration order: continue, rewrite the URL (URI and match
//!    info, so routing sees it), redirect or reject (`interceptors::on_pre_auth`);
//! 4. routing (actix), then inside the matched route: auth for routes whose `auth_required` is
//!    not `NotRequired`, onPostAuth interceptors (`interceptors::for_route`), then validation
//!    and the handler (see `router::dispatch`);
//! 5. headers decided during the request added to whatever response it ends with: the
//!    interceptors' result headers replace the response's own (with Kibana's warning), session
//!    cookies are appended;
//! 6. one debug line per response under `http.server.response`.
//!
//! Interceptors are meant to be one list walked here, not one actix middleware each: actix runs
//! stacked middleware in reverse registration order.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Uri;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use core_logging::{LogLevel, LogMeta};

use super::AppContext;
use super::convert::error_response;
use super::interceptors::{add_lifecycle_headers, on_pre_auth};
use crate::request::RequestState;

pub(crate) async fn pipeline(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let Some(context) = request
        .app_data::<web::Data<AppContext>>()
        .map(|data| data.clone().into_inner())
    else {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let state = RequestState::new();
    if context.interceptors.has_auth() {
        state.lifecycle.set_auth_registered();
    }
    request.extensions_mut().insert(Arc::clone(&state));
    let log_response = context.response_logger.is_enabled(LogLevel::Debug);
    // Kept for the log line only: routing may rewrite the path.
    let logged = log_response.then(|| (request.method().clone(), request.path().to_owned()));

    let result = match route_path(&context, request.path()) {
        Some(rewritten) => {
            if let Some(new_path) = rewritten {
                rewrite_path(&mut request, &new_path);
            }
            match on_pre_auth(&context, &mut request, &state).await {
                Some(response) => Ok(request.into_response(response)),
                None => next
                    .call(request)
                    .await
                    .map(ServiceResponse::map_into_boxed_body),
            }
        }
        None => Ok(request.into_response(error_response(404, "Not Found"))),
    };
    let result = result.map(|mut response| {
        add_lifecycle_headers(
            &state,
            response.headers_mut(),
            &context.interceptors,
            &context.router_logger,
        );
        response
    });

    if let Some((method, original_path)) = logged {
        let status = match &result {
            Ok(response) => response.status().as_u16(),
            Err(error) => error.as_response_error().status_code().as_u16(),
        };
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
                .with("method", method.as_str())
                .with("path", &original_path)
                .with("statusCode", status)
                .with("responseTimeMs", millis),
        );
    }
    result
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

/// Points the request at `new_path` (query kept) before routing. Both the URI and the router's
/// match info must change: actix routes on the latter.
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
