//! Writing our responses to actix-web: a [`KibanaResponse`] (checked as Kibana checks it) or
//! a core error in the shared error shape.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};

use super::AppContext;
use crate::response::{ErrorBody, KibanaResponse, ResponseBody};

/// The content types the server sets when the handler did not. Built once: validating a header
/// value from a string on every response costs more the longer it is.
const JSON_CONTENT_TYPE: HeaderValue = HeaderValue::from_static("application/json; charset=utf-8");
const TEXT_CONTENT_TYPE: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
const BYTES_CONTENT_TYPE: HeaderValue = HeaderValue::from_static("application/octet-stream");

/// An error response in the shared shape.
pub(crate) fn error_response(status: u16, message: impl AsRef<str>) -> HttpResponse {
    let status_code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status_code)
        .content_type(JSON_CONTENT_TYPE)
        .body(ErrorBody::to_json(
            status_code.as_u16(),
            message.as_ref(),
            None,
        ))
}

/// Writes `response` of `route` (a route path or an interceptor's name, for the logs). A response
/// the factory marked as refused, a status outside `100..=599` and a `3xx` without a `location`
/// header answer the generic `500`, with an error log naming the route and the reason.
pub(super) fn to_http_response(
    response: KibanaResponse,
    context: &AppContext,
    route: &str,
) -> HttpResponse {
    if let Some(refusal) = response.refusal() {
        context.router_logger.error(format!(
            "route [{route}] answered a response that cannot be sent (status {}): {refusal}",
            response.status()
        ));
        return error_response(500, crate::response::INTERNAL_ERROR_MESSAGE);
    }
    let (status, headers, body) = response.into_parts();
    // `refusal` has checked the range.
    let status_code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status_code);
    let mut has_content_type = false;
    for (name, value) in headers {
        match (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            (Ok(name), Ok(value)) => {
                has_content_type |= name == CONTENT_TYPE;
                builder.append_header((name, value));
            }
            _ => context.router_logger.error(format!(
                "route [{route}] set the invalid response header [{name}]; the header was dropped"
            )),
        }
    }
    let mut content_type = |default: HeaderValue| {
        if !has_content_type {
            builder.insert_header((CONTENT_TYPE, default));
        }
    };
    match body {
        ResponseBody::Empty => builder.finish(),
        ResponseBody::Json(bytes) => {
            content_type(JSON_CONTENT_TYPE);
            builder.body(bytes)
        }
        ResponseBody::Text(text) => {
            content_type(TEXT_CONTENT_TYPE);
            builder.body(text)
        }
        ResponseBody::Bytes(bytes) => {
            content_type(BYTES_CONTENT_TYPE);
            builder.body(bytes)
        }
        ResponseBody::Stream(stream) => {
            content_type(BYTES_CONTENT_TYPE);
            builder.streaming(stream)
        }
    }
}
