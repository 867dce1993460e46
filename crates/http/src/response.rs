//! Responses: [`KibanaResponse`], its [`ResponseBody`], and the [`ResponseFactory`] handlers use.

use std::fmt;
use std::pin::Pin;

use bytes::Bytes;
use futures::Stream;
use serde::Serialize;

/// A boxed stream of body chunks.
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static>>;

/// A response body.
pub enum ResponseBody {
    /// No body.
    Empty,
    /// Serialized JSON, sent as `application/json`.
    Json(Bytes),
    /// Text, sent as `text/plain; charset=utf-8`.
    Text(String),
    /// Raw bytes, sent as `application/octet-stream` unless a content type header is set.
    Bytes(Bytes),
    /// Chunks sent as they come (`application/octet-stream` unless a content type is set).
    Stream(BodyStream),
}

impl ResponseBody {
    /// Serializes `value` as a JSON body.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::to_vec(value).map(|bytes| Self::Json(bytes.into()))
    }
    /// A streamed body.
    pub fn stream(
        stream: impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    ) -> Self {
        Self::Stream(Box::pin(stream))
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("Empty"),
            Self::Json(bytes) => f
                .debug_tuple("Json")
                .field(&String::from_utf8_lossy(bytes))
                .finish(),
            Self::Text(text) => f.debug_tuple("Text").field(text).finish(),
            Self::Bytes(bytes) => f.debug_tuple("Bytes").field(&bytes.len()).finish(),
            Self::Stream(_) => f.write_str("Stream"),
        }
    }
}

impl From<serde_json::Value> for ResponseBody {
    fn from(value: serde_json::Value) -> Self {
        // Serializing a `Value` cannot fail: its keys are strings and it has no custom types.
        // `to_vec` writes bytes directly; `to_string` would go through `fmt::Write`, which costs
        // about a microsecond more per response.
        Self::Json(serde_json::to_vec(&value).unwrap_or_default().into())
    }
}
impl From<String> for ResponseBody {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}
impl From<&'static str> for ResponseBody {
    fn from(text: &'static str) -> Self {
        Self::Text(text.to_owned())
    }
}
impl From<Bytes> for ResponseBody {
    fn from(bytes: Bytes) -> Self {
        Self::Bytes(bytes)
    }
}
impl From<Vec<u8>> for ResponseBody {
    fn from(bytes: Vec<u8>) -> Self {
        Self::Bytes(bytes.into())
    }
}
impl From<()> for ResponseBody {
    fn from((): ()) -> Self {
        Self::Empty
    }
}

/// What a handler answers: status, headers, body.
#[derive(Debug)]
pub struct KibanaResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: ResponseBody,
}

impl KibanaResponse {
    /// A response with `status` and `body` and no extra headers.
    pub fn new(status: u16, body: impl Into<ResponseBody>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }
    /// Adds a header (names are case-insensitive; invalid names or values are dropped with an
    /// error log when the response is sent).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The headers set by the handler.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
    /// The body.
    pub fn body(&self) -> &ResponseBody {
        &self.body
    }
    /// Status, headers and body by value.
    pub fn into_parts(self) -> (u16, Vec<(String, String)>, ResponseBody) {
        (self.status, self.headers, self.body)
    }

    /// An error response in the shape every error shares:
    /// `{"statusCode":404,"error":"Not Found","message":"..."}`.
    pub fn error(status: u16, message: impl Into<String>) -> Self {
        let body = ErrorBody {
            status_code: status,
            error: reason_phrase(status),
            message: message.into(),
        };
        Self::new(status, ResponseBody::Json(body.to_json()))
    }
}

/// The error body shape (the framework's standard error in Kibana).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorBody {
    pub(crate) status_code: u16,
    pub(crate) error: &'static str,
    pub(crate) message: String,
}

impl ErrorBody {
    pub(crate) fn to_json(&self) -> Bytes {
        // A struct of a number and strings always serializes.
        serde_json::to_vec(self).unwrap_or_default().into()
    }
}

/// The reason phrase for the statuses we produce; `Unknown` for others.
pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Time-out",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        _ => "Unknown",
    }
}

/// The generic message of every 500 caused by a failing or panicking handler.
pub const INTERNAL_ERROR_MESSAGE: &str = "An internal server error occurred.";

/// Builds responses; handlers receive one next to the request (Kibana's `responseFactory`).
///
/// ```
/// use core_http::ResponseFactory;
/// let res = ResponseFactory;
/// assert_eq!(res.ok(serde_json::json!({"key": "value"})).status(), 200);
/// assert_eq!(res.not_found("no such item").status(), 404);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ResponseFactory;

impl ResponseFactory {
    /// `200 OK`.
    pub fn ok(&self, body: impl Into<ResponseBody>) -> KibanaResponse {
        KibanaResponse::new(200, body)
    }
    /// `202 Accepted`.
    pub fn accepted(&self, body: impl Into<ResponseBody>) -> KibanaResponse {
        KibanaResponse::new(202, body)
    }
    /// `204 No Content`, empty body.
    pub fn no_content(&self) -> KibanaResponse {
        KibanaResponse::new(204, ResponseBody::Empty)
    }
    /// `302 Found` to `location`.
    pub fn redirected(&self, location: impl Into<String>) -> KibanaResponse {
        KibanaResponse::new(302, ResponseBody::Empty).header("location", location)
    }
    /// `400 Bad Request` with `message`.
    pub fn bad_request(&self, message: impl fmt::Display) -> KibanaResponse {
        KibanaResponse::error(400, message.to_string())
    }
    /// `401 Unauthorized` with `message`.
    pub fn unauthorized(&self, message: impl fmt::Display) -> KibanaResponse {
        KibanaResponse::error(401, message.to_string())
    }
    /// `403 Forbidden` with `message`.
    pub fn forbidden(&self, message: impl fmt::Display) -> KibanaResponse {
        KibanaResponse::error(403, message.to_string())
    }
    /// `404 Not Found` with `message`.
    pub fn not_found(&self, message: impl fmt::Display) -> KibanaResponse {
        KibanaResponse::error(404, message.to_string())
    }
    /// `409 Conflict` with `message`.
    pub fn conflict(&self, message: impl fmt::Display) -> KibanaResponse {
        KibanaResponse::error(409, message.to_string())
    }
    /// `500 Internal Server Error` with `message` (sent as given: do not put secrets in it).
    pub fn internal_error(&self, message: impl fmt::Display) -> KibanaResponse {
        KibanaResponse::error(500, message.to_string())
    }
    /// Any status, headers and body.
    pub fn custom<N: Into<String>, V: Into<String>>(
        &self,
        status: u16,
        headers: impl IntoIterator<Item = (N, V)>,
        body: impl Into<ResponseBody>,
    ) -> KibanaResponse {
        headers.into_iter().fold(
            KibanaResponse::new(status, body),
            |response, (name, value)| response.header(name, value),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_shape() {
        let response = ResponseFactory.conflict("taken");
        match response.body() {
            ResponseBody::Json(bytes) => assert_eq!(
                bytes.as_ref(),
                br#"{"statusCode":409,"error":"Conflict","message":"taken"}"#
            ),
            other => panic!("unexpected body {other:?}"),
        }
    }
}
