//! Running a matched route from actix-web: its auth and onPostAuth interceptors, then the body
//! (within the payload limit and timeout), then the handler.

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::ConnectionType;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use actix_web::{HttpRequest, HttpResponse};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;

use super::AppContext;
use super::interceptors::for_route;
use super::respond::{error_response, to_http_response};
use crate::headers::RequestHeaders;
use crate::request::{RequestState, RequestUrl};
use crate::router::{RawRequest, dispatch};

/// Runs route `index` for one request whose path params are `params` (decoded, in the route's
/// order) and whose headers are `headers` (taken from the actix request).
pub(crate) async fn handle(
    context: &AppContext,
    index: usize,
    params: Vec<(String, String)>,
    request: &HttpRequest,
    mut payload: Payload,
    state: Arc<RequestState>,
    headers: RequestHeaders,
) -> HttpResponse {
    let Some(route) = context.routes.get(index) else {
        return error_response(404, "Not Found");
    };
    // Auth and onPostAuth run before the body is read, as on hapi: an unauthenticated client
    // cannot make the server buffer a body.
    if let Some(response) = for_route(context, route, request, &headers, &state).await {
        return response;
    }
    let limit = route
        .entry
        .options
        .body_max_size
        .unwrap_or(context.max_payload);
    let declared_length = headers
        .get_named(&CONTENT_LENGTH)
        .and_then(|value| value.parse::<u64>().ok());
    let has_body = declared_length.map_or_else(
        || headers.get_named(&TRANSFER_ENCODING).is_some(),
        |length| length > 0,
    );
    if has_body && headers.values_named(&CONTENT_TYPE).nth(1).is_some() {
        // Which one would the body be read as? Neither guess is safe.
        return error_response(
            400,
            "[request headers.content-type]: expected one content-type header but got several",
        );
    }
    if has_body
        && !route.entry.options.body_accepts.is_empty()
        && !accepts(
            &route.entry.options.body_accepts,
            headers.get_named(&CONTENT_TYPE),
        )
    {
        return error_response(415, "Unsupported Media Type");
    }
    let body = if has_body {
        // The whole body must arrive within `server.socketTimeout` (hapi's timeout covered the
        // payload too): a client trickling bytes cannot hold a connection forever.
        match tokio::time::timeout(
            context.payload_timeout,
            read_body(&mut payload, limit, declared_length),
        )
        .await
        {
            Ok(Ok(body)) => body,
            Ok(Err(response)) => return response,
            Err(_) => {
                let mut response = error_response(408, "Request Time-out");
                // The rest of the body may still be on its way: this connection is done.
                response
                    .head_mut()
                    .set_connection_type(ConnectionType::Close);
                return response;
            }
        }
    } else {
        Bytes::new()
    };

    let raw = RawRequest {
        params,
        url: RequestUrl {
            path: request.path().to_owned(),
            query: request.uri().query().map(str::to_owned),
        },
        headers,
        body,
        remote_address: request.peer_addr(),
        state,
    };
    let response = dispatch(&route.entry, raw, Some(&context.router_logger)).await;
    to_http_response(response, context, &route.entry.full_path)
}

/// Whether a body of `content_type` is one of `accepted` (lowercase media types). A body
/// without a type counts as `application/json`, as on hapi.
fn accepts(accepted: &[String], content_type: Option<&str>) -> bool {
    let media_type = content_type
        .and_then(|value| value.split(';').next())
        .map(str::trim)
        .filter(|media_type| !media_type.is_empty())
        .unwrap_or("application/json");
    accepted
        .iter()
        .any(|accepted| accepted.eq_ignore_ascii_case(media_type))
}

/// Reads a request body of at most `limit` bytes; `Err` is the response to answer instead
/// (`413` over the limit, `400` when the body cannot be read).
async fn read_body(
    payload: &mut Payload,
    limit: u64,
    declared_length: Option<u64>,
) -> Result<Bytes, HttpResponse> {
    let too_large = || {
        error_response(
            413,
            format!("Payload content length greater than maximum allowed: {limit}"),
        )
    };
    if declared_length.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    let mut body = BytesMut::with_capacity(declared_length.unwrap_or(0) as usize);
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(chunk) => {
                if (body.len() + chunk.len()) as u64 > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Err(err) => {
                return Err(error_response(
                    400,
                    format!("[request body]: could not read the body: {err}"),
                ));
            }
        }
    }
    Ok(body.freeze())
}
