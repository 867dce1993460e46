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
    /// Serialized JSON, sent as `application/json; charset=utf-8`.
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
    ///
    /// # Arguments
    ///
    /// * `value` - what to serialize; a value serde cannot serialize (a map with non-string keys)
    ///   is an error.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::to_vec(value).map(|bytes| Self::Json(bytes.into()))
    }
    /// A streamed body.
    ///
    /// # Arguments
    ///
    /// * `stream` - the body chunks, sent as they come; an `Err` chunk ends the response early.
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
    refusal: Option<Refusal>,
}

/// Why a response cannot be sent as built (Kibana's response rules). The server answers such a
/// response with the generic `500` and logs the reason with the route (Kibana threw, from the
/// factory call or when converting the response, with the same effect). The factory leaves a
/// marker rather than building the `500` itself, so that the log line can name the route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// An error response (`custom_error`, [`KibanaResponse::error`]) with a status outside
    /// `400..=599`.
    NotAnErrorStatus,
    /// `custom` with an error status and a body that carries no message.
    MissingErrorMessage,
    /// A status outside `100..=599`.
    InvalidStatus,
    /// A `3xx` without a `location` header.
    MissingLocation,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotAnErrorStatus => "an error response needs a status from 400 to 599",
            Self::MissingErrorMessage => {
                "an error status needs a message: a text body, or a JSON body with a string `message`"
            }
            Self::InvalidStatus => "a status must be from 100 to 599",
            Self::MissingLocation => "a redirection status needs a `location` header",
        })
    }
}

impl KibanaResponse {
    /// A response with `status` and `body` and no extra headers, sent as given (the server
    /// still refuses a status outside `100..=599` and a `3xx` without a `location` header).
    ///
    /// # Arguments
    ///
    /// * `status` - the status code, from `100` to `599`; a `3xx` also needs a `location` header.
    /// * `body` - the body: JSON, text, bytes, a stream, or `()` for none.
    pub fn new(status: u16, body: impl Into<ResponseBody>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
            refusal: None,
        }
    }
    /// Adds a header (names are case-insensitive; invalid names or values are dropped with an
    /// error log when the response is sent).
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, in any case; an invalid name is dropped with an error log when
    ///   the response is sent.
    /// * `value` - the header value; an invalid value is dropped the same way.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// The status code, as given to the factory (a refused response is sent as a `500`).
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
    /// Why the server will not send this response as built, if it will not: the factory's
    /// marker, then the status and `location` checks.
    pub(crate) fn refusal(&self) -> Option<Refusal> {
        if self.refusal.is_some() {
            return self.refusal;
        }
        if !(100..600).contains(&self.status) {
            return Some(Refusal::InvalidStatus);
        }
        let is_redirect = (300..400).contains(&self.status);
        if is_redirect
            && !self
                .headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("location"))
        {
            return Some(Refusal::MissingLocation);
        }
        None
    }

    /// An error response in the shape every error shares:
    /// `{"statusCode":404,"error":"Not Found","message":"..."}`, plus `"attributes"` when the
    /// [`ResponseError`] has some. Without a message the status's reason phrase is the message.
    /// A status outside `400..=599` is refused: the client gets the generic `500` and the route
    /// is named in an error log.
    ///
    /// # Arguments
    ///
    /// * `status` - the error status, from `400` to `599`.
    /// * `error` - a message (anything `Display`), or a `ResponseError` with attributes;
    ///   `ResponseError::default()` for the status's reason phrase.
    pub fn error(status: u16, error: impl Into<ResponseError>) -> Self {
        let error = error.into();
        let message = error.message.as_deref().unwrap_or(reason_phrase(status));
        let mut response = Self::new(
            status,
            ResponseBody::Json(ErrorBody::to_json(
                status,
                message,
                error.attributes.as_ref(),
            )),
        );
        if !is_error_status(status) {
            response.refusal = Some(Refusal::NotAnErrorStatus);
        }
        response
    }
}

/// Whether `status` is an error status (`400..=599`).
pub(crate) fn is_error_status(status: u16) -> bool {
    (400..600).contains(&status)
}

/// What an error response tells the client: a message and, optionally, `attributes` (any JSON,
/// sent as the body's `attributes` field, as Kibana's `{ message, attributes }`).
///
/// Every error-building call of the [`ResponseFactory`] takes `impl Into<ResponseError>`, so it
/// accepts a message directly (anything [`Display`](fmt::Display): `&str`, `String`, an error),
/// a `ResponseError` with attributes, or [`ResponseError::default()`] for the status's default
/// message (Kibana's `res.notFound()` without a body):
///
/// ```
/// use core_http::{ResponseError, ResponseFactory};
/// use serde_json::json;
/// let res = ResponseFactory;
/// let _ = res.not_found("no such bookmark");
/// let _ = res.not_found(ResponseError::default()); // message "Not Found"
/// let _ = res.bad_request(
///     ResponseError::new("invalid bookmark").attributes(json!({ "fields": ["url"] })),
/// );
/// ```
///
/// `ResponseError` deliberately does not implement `Display`, so that every displayable value
/// converts into it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseError {
    message: Option<String>,
    attributes: Option<serde_json::Value>,
}

impl ResponseError {
    /// An error with `message`.
    ///
    /// # Arguments
    ///
    /// * `message` - the message sent in the error body; do not put secrets in it.
    pub fn new(message: impl fmt::Display) -> Self {
        Self {
            message: Some(message.to_string()),
            attributes: None,
        }
    }
    /// Adds `attributes`, sent as the error body's `attributes` field.
    ///
    /// # Arguments
    ///
    /// * `attributes` - any JSON, sent as the error body's `attributes` field.
    pub fn attributes(mut self, attributes: serde_json::Value) -> Self {
        self.attributes = Some(attributes);
        self
    }
    /// The message; `None` means the status's default message.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// The attributes, if any.
    pub fn error_attributes(&self) -> Option<&serde_json::Value> {
        self.attributes.as_ref()
    }
    fn or_message(self, default: &str) -> Self {
        if self.message.is_some() {
            self
        } else {
            Self {
                message: Some(default.to_owned()),
                ..self
            }
        }
    }
}

impl<T: fmt::Display> From<T> for ResponseError {
    fn from(message: T) -> Self {
        Self::new(message)
    }
}

/// The error body shape (Boom's payload in Kibana).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorBody<'a> {
    pub(crate) status_code: u16,
    pub(crate) error: &'static str,
    pub(crate) message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) attributes: Option<&'a serde_json::Value>,
}

impl ErrorBody<'_> {
    /// The JSON bytes of the error body for `status`.
    pub(crate) fn to_json(
        status: u16,
        message: &str,
        attributes: Option<&serde_json::Value>,
    ) -> Bytes {
        let body = ErrorBody {
            status_code: status,
            error: reason_phrase(status),
            message,
            attributes,
        };
        // A struct of a number, strings and a `Value` always serializes.
        serde_json::to_vec(&body).unwrap_or_default().into()
    }
}

/// The reason phrase of `status`, as Kibana 7.x's error bodies carry it (the table of the Boom
/// version hapi used, e.g. `Request Time-out`, `Request Entity Too Large`, `I'm a teapot`),
/// completed with the IANA names of the registered codes that table lacks; `Unknown` for
/// unregistered codes.
pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Time-out",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Large",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Unordered Collection",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        509 => "Bandwidth Limit Exceeded",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "Unknown",
    }
}

/// The generic message of every 500 caused by a failing or panicking handler.
pub const INTERNAL_ERROR_MESSAGE: &str = "An internal server error occurred.";

/// Builds responses; handlers receive one next to the request (Kibana's `responseFactory`).
///
/// Error responses (`bad_request` … `custom_error`) share one JSON shape,
/// `{"statusCode":404,"error":"Not Found","message":"..."}`, and take
/// `impl Into<`[`ResponseError`]`>`: a message, a [`ResponseError`] with `attributes`, or
/// `ResponseError::default()` for Kibana's default message. An error status without a method of
/// its own (`422`, `429`, `503`, ...) is answered in that shape by
/// [`custom_error`](Self::custom_error), which takes any status from `400` to `599`.
///
/// ```
/// use core_http::{ResponseError, ResponseFactory};
/// let res = ResponseFactory;
/// assert_eq!(res.ok(serde_json::json!({"key": "value"})).status(), 200);
/// assert_eq!(res.not_found("no such item").status(), 404);
/// assert_eq!(res.forbidden(ResponseError::default()).status(), 403);
/// assert_eq!(res.custom_error(418, "short and stout").status(), 418);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ResponseFactory;

impl ResponseFactory {
    /// `200 OK`.
    ///
    /// # Arguments
    ///
    /// * `body` - the body: JSON, text, bytes, a stream, or `()` for none.
    pub fn ok(&self, body: impl Into<ResponseBody>) -> KibanaResponse {
        KibanaResponse::new(200, body)
    }
    /// `202 Accepted`.
    ///
    /// # Arguments
    ///
    /// * `body` - the body: JSON, text, bytes, a stream, or `()` for none.
    pub fn accepted(&self, body: impl Into<ResponseBody>) -> KibanaResponse {
        KibanaResponse::new(202, body)
    }
    /// `204 No Content`, empty body.
    pub fn no_content(&self) -> KibanaResponse {
        KibanaResponse::new(204, ResponseBody::Empty)
    }
    /// `302 Found` to `location`.
    ///
    /// # Arguments
    ///
    /// * `location` - the `Location` header: a URL or a path, sent as it is.
    pub fn redirected(&self, location: impl Into<String>) -> KibanaResponse {
        KibanaResponse::new(302, ResponseBody::Empty).header("location", location)
    }
    /// `400 Bad Request`; default message `Bad Request`.
    ///
    /// # Arguments
    ///
    /// * `error` - a message, a `ResponseError` with attributes, or `ResponseError::default()` for
    ///   the default message.
    pub fn bad_request(&self, error: impl Into<ResponseError>) -> KibanaResponse {
        KibanaResponse::error(400, error)
    }
    /// `401 Unauthorized`; default message `Unauthorized`. Add the challenge with
    /// `.header("www-authenticate", ..)`.
    ///
    /// # Arguments
    ///
    /// * `error` - a message, a `ResponseError` with attributes, or `ResponseError::default()` for
    ///   the default message.
    pub fn unauthorized(&self, error: impl Into<ResponseError>) -> KibanaResponse {
        KibanaResponse::error(401, error)
    }
    /// `403 Forbidden`; default message `Forbidden`.
    ///
    /// # Arguments
    ///
    /// * `error` - a message, a `ResponseError` with attributes, or `ResponseError::default()` for
    ///   the default message.
    pub fn forbidden(&self, error: impl Into<ResponseError>) -> KibanaResponse {
        KibanaResponse::error(403, error)
    }
    /// `404 Not Found`; default message `Not Found`.
    ///
    /// # Arguments
    ///
    /// * `error` - a message, a `ResponseError` with attributes, or `ResponseError::default()` for
    ///   the default message.
    pub fn not_found(&self, error: impl Into<ResponseError>) -> KibanaResponse {
        KibanaResponse::error(404, error)
    }
    /// `409 Conflict`; default message `Conflict`.
    ///
    /// # Arguments
    ///
    /// * `error` - a message, a `ResponseError` with attributes, or `ResponseError::default()` for
    ///   the default message.
    pub fn conflict(&self, error: impl Into<ResponseError>) -> KibanaResponse {
        KibanaResponse::error(409, error)
    }
    /// `500 Internal Server Error`; default message `Internal Error` (Kibana's). The message is
    /// sent as given: do not put secrets in it.
    ///
    /// # Arguments
    ///
    /// * `error` - a message, a `ResponseError` with attributes, or `ResponseError::default()` for
    ///   the default message.
    pub fn internal_error(&self, error: impl Into<ResponseError>) -> KibanaResponse {
        KibanaResponse::error(500, error.into().or_message("Internal Error"))
    }
    /// An error response with any error `status` (Kibana's `customError`); default message the
    /// status's reason phrase. A status outside `400..=599` is refused: the client gets the
    /// generic `500` and the route is named in an error log.
    ///
    /// # Arguments
    ///
    /// * `status` - the error status, from `400` to `599`.
    /// * `error` - a message, a `ResponseError` with attributes, or `ResponseError::default()` for
    ///   the status's reason phrase.
    pub fn custom_error(&self, status: u16, error: impl Into<ResponseError>) -> KibanaResponse {
        KibanaResponse::error(status, error)
    }
    /// Any status, headers and body, checked as Kibana checks them.
    ///
    /// * an error status (`400..=599`) is sent in the error shape: a text body is the message;
    ///   a JSON body must be a string (the message) or an object with a string `message` and
    ///   optional `attributes`; a bytes or stream body is sent as it is (for proxies). An empty
    ///   body or JSON without a message is refused (generic `500`, logged);
    /// * a `3xx` needs a `location` header, and a status outside `100..=599` is invalid: both
    ///   answer the generic `500` and are logged.
    ///
    /// # Arguments
    ///
    /// * `status` - the status code, from `100` to `599`.
    /// * `headers` - `(name, value)` pairs added to the response; a `3xx` needs `location` among
    ///   them.
    /// * `body` - the body; with an error status, text (the message), JSON with a string `message`,
    ///   or bytes or a stream sent as they are.
    pub fn custom<N: Into<String>, V: Into<String>>(
        &self,
        status: u16,
        headers: impl IntoIterator<Item = (N, V)>,
        body: impl Into<ResponseBody>,
    ) -> KibanaResponse {
        let mut response = if is_error_status(status) {
            error_from_body(status, body.into())
        } else {
            KibanaResponse::new(status, body)
        };
        response
            .headers
            .extend(headers.into_iter().map(|(n, v)| (n.into(), v.into())));
        response
    }
}

/// The error response `custom` makes of an error status and a body.
fn error_from_body(status: u16, body: ResponseBody) -> KibanaResponse {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Given {
        Message(String),
        Object {
            message: String,
            attributes: Option<serde_json::Value>,
        },
    }
    let error = match &body {
        ResponseBody::Bytes(_) | ResponseBody::Stream(_) => {
            return KibanaResponse::new(status, body);
        }
        ResponseBody::Text(text) => Some(ResponseError::new(text)),
        ResponseBody::Json(bytes) => match serde_json::from_slice::<Given>(bytes) {
            Ok(Given::Message(message)) => Some(ResponseError::new(message)),
            Ok(Given::Object {
                message,
                attributes,
            }) => Some(ResponseError {
                message: Some(message),
                attributes,
            }),
            Err(_) => None,
        },
        ResponseBody::Empty => None,
    };
    match error {
        Some(error) => KibanaResponse::error(status, error),
        None => KibanaResponse {
            refusal: Some(Refusal::MissingErrorMessage),
            ..KibanaResponse::new(status, body)
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn json_body(response: &KibanaResponse) -> serde_json::Value {
        match response.body() {
            ResponseBody::Json(bytes) => serde_json::from_slice(bytes).unwrap(),
            other => panic!("unexpected body {other:?}"),
        }
    }

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

    #[test]
    fn default_messages_and_attributes() {
        let res = ResponseFactory;
        for (response, message) in [
            (res.bad_request(ResponseError::default()), "Bad Request"),
            (res.unauthorized(ResponseError::default()), "Unauthorized"),
            (res.forbidden(ResponseError::default()), "Forbidden"),
            (res.not_found(ResponseError::default()), "Not Found"),
            (res.conflict(ResponseError::default()), "Conflict"),
            (
                res.internal_error(ResponseError::default()),
                "Internal Error",
            ),
        ] {
            assert_eq!(json_body(&response)["message"], message);
            assert_eq!(response.refusal(), None);
        }
        let response =
            res.bad_request(ResponseError::new("invalid").attributes(json!({ "field": "url" })));
        match response.body() {
            ResponseBody::Json(bytes) => assert_eq!(
                bytes.as_ref(),
                br#"{"statusCode":400,"error":"Bad Request","message":"invalid","attributes":{"field":"url"}}"#
            ),
            other => panic!("unexpected body {other:?}"),
        }
    }

    #[test]
    fn reason_phrases_follow_kibana() {
        assert_eq!(reason_phrase(418), "I'm a teapot");
        assert_eq!(reason_phrase(413), "Request Entity Too Large");
        assert_eq!(reason_phrase(408), "Request Time-out");
        assert_eq!(reason_phrase(504), "Gateway Time-out");
        assert_eq!(reason_phrase(451), "Unavailable For Legal Reasons");
        assert_eq!(reason_phrase(499), "Unknown");
    }

    #[test]
    fn custom_error_refuses_non_error_statuses() {
        let res = ResponseFactory;
        assert_eq!(res.custom_error(418, "x").refusal(), None);
        assert_eq!(res.custom_error(599, "x").refusal(), None);
        assert_eq!(
            res.custom_error(200, "x").refusal(),
            Some(Refusal::NotAnErrorStatus)
        );
        assert_eq!(
            res.custom_error(600, "x").refusal(),
            Some(Refusal::NotAnErrorStatus)
        );
    }

    #[test]
    fn custom_wraps_error_statuses() {
        let res = ResponseFactory;
        let none = || std::iter::empty::<(String, String)>();
        assert_eq!(
            json_body(&res.custom(401, none(), "no")),
            json!({ "statusCode": 401, "error": "Unauthorized", "message": "no" })
        );
        assert_eq!(
            json_body(&res.custom(401, none(), json!("no"))),
            json!({ "statusCode": 401, "error": "Unauthorized", "message": "no" })
        );
        assert_eq!(
            json_body(&res.custom(
                401,
                none(),
                json!({ "message": "no", "attributes": { "code": 1 } })
            )),
            json!({ "statusCode": 401, "error": "Unauthorized", "message": "no", "attributes": { "code": 1 } })
        );
        for body in [
            ResponseBody::Empty,
            ResponseBody::from(json!({ "error": "x" })),
        ] {
            assert_eq!(
                res.custom(401, none(), body).refusal(),
                Some(Refusal::MissingErrorMessage)
            );
        }
        // Bytes and streams pass through (a proxied error body).
        assert!(matches!(
            res.custom(502, none(), vec![1u8]).body(),
            ResponseBody::Bytes(_)
        ));
        assert_eq!(
            res.custom(20, none(), "x").refusal(),
            Some(Refusal::InvalidStatus)
        );
        assert_eq!(
            res.custom(301, none(), "moved").refusal(),
            Some(Refusal::MissingLocation)
        );
        assert_eq!(
            res.custom(301, [("Location", "/x")], "moved").refusal(),
            None
        );
        // Success statuses are sent as given, headers included.
        let created = res.custom(201, [("location", "/x")], ());
        assert_eq!(
            created.headers(),
            [("location".to_owned(), "/x".to_owned())]
        );
        assert!(matches!(created.body(), ResponseBody::Empty));
    }
}
