//! The one error type of the crate, with helpers in the spirit of Kibana's `ElasticsearchErrorHelpers`.

use serde_json::Value;

/// The `WWW-Authenticate` value used when Elasticsearch's 401 body does not name one.
pub const DEFAULT_WWW_AUTHENTICATE: &str = "Basic realm=\"Authorization Required\"";

/// An error response from Elasticsearch: its status, the error type and reason it reported, and the raw body.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseError {
    /// The HTTP status, e.g. 404.
    pub status: u16,
    /// `error.type` of the body, e.g. `index_not_found_exception`.
    pub error_type: Option<String>,
    /// `error.reason` of the body (or the body's `error` when it is a plain string).
    pub reason: Option<String>,
    /// The body as returned (JSON when it parsed, otherwise a string).
    pub body: Value,
    /// `error.header["WWW-Authenticate"]` of the body, when Elasticsearch sent one.
    pub www_authenticate: Option<String>,
}

impl ResponseError {
    /// Reads status, type, reason and `WWW-Authenticate` out of an Elasticsearch error body.
    ///
    /// # Arguments
    ///
    /// * `status` - the HTTP status Elasticsearch answered with.
    /// * `body` - the response body: the parsed JSON, or the text as a JSON string.
    pub fn from_body(status: u16, body: Value) -> Self {
        let error = body.get("error");
        let (error_type, reason) = match error {
            Some(Value::String(reason)) => (None, Some(reason.clone())),
            Some(error) => (
                error.get("type").and_then(Value::as_str).map(str::to_owned),
                error
                    .get("reason")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            ),
            None => (None, None),
        };
        let www_authenticate = error
            .and_then(|error| error.get("header"))
            .and_then(|header| {
                header
                    .as_object()?
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case("www-authenticate"))
                    .and_then(|(_, value)| match value {
                        Value::String(value) => Some(value.clone()),
                        Value::Array(values) => {
                            values.first().and_then(Value::as_str).map(str::to_owned)
                        }
                        _ => None,
                    })
            });
        Self {
            status,
            error_type,
            reason,
            body,
            www_authenticate,
        }
    }

    fn summary(&self) -> String {
        match (&self.error_type, &self.reason) {
            (Some(ty), Some(reason)) => format!("[{ty}] {reason}"),
            (Some(ty), None) => format!("[{ty}]"),
            (None, Some(reason)) => reason.clone(),
            (None, None) => "no error details in the response".to_owned(),
        }
    }
}

impl std::fmt::Display for ResponseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.summary(), self.status)
    }
}

/// Everything that can go wrong when talking to Elasticsearch. Callers branch on the variant or use the helpers.
///
/// Messages never contain credentials: request headers are not part of any variant.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ElasticsearchError {
    /// The client was closed (the service stopped).
    #[error("Cluster client cannot be used after it has been closed.")]
    Closed,
    /// No endpoint of that name exists in the REST spec.
    #[error("called with an invalid endpoint: {0}")]
    InvalidEndpoint(String),
    /// The parameters do not fit the endpoint (unknown parameter, missing path part, bad value, missing body).
    #[error("{endpoint}: {message}")]
    InvalidParams {
        /// The endpoint called.
        endpoint: String,
        /// What is wrong, naming the parameter.
        message: String,
    },
    /// A caller-supplied header would replace one scoped to the current user.
    #[error("Cannot override default header {0}.")]
    HeaderConflict(String),
    /// A header name or value cannot be sent over HTTP.
    #[error("invalid header {name}: {message}")]
    InvalidHeader {
        /// The header's name.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// The caller's cancellation token fired; the request was dropped.
    #[error("Request was aborted")]
    Aborted,
    /// The request did not complete within its timeout.
    #[error("Request Timeout after {timeout_ms}ms (host {host})")]
    Timeout {
        /// The host the request went to.
        host: String,
        /// The timeout that expired, in milliseconds.
        timeout_ms: u128,
    },
    /// No connection could be made (connection refused, unknown host, TLS handshake failure, ...).
    #[error("cannot connect to Elasticsearch at {host}: {message}")]
    ConnectionFailed {
        /// The host that failed.
        host: String,
        /// The underlying error's message.
        message: String,
    },
    /// Any other transport failure (the connection dropped mid-response, ...).
    #[error("request to Elasticsearch at {host} failed: {message}")]
    Transport {
        /// The host the request went to.
        host: String,
        /// The underlying error's message.
        message: String,
    },
    /// Elasticsearch answered 401 and the call asked for 401 wrapping: a route handler answers 401 with
    /// [`ElasticsearchError::www_authenticate`] as the `WWW-Authenticate` header.
    #[error("{0}")]
    NotAuthorized(Box<ResponseError>),
    /// Elasticsearch answered with a 5xx status.
    #[error("Elasticsearch server error: {0}")]
    ServerError(Box<ResponseError>),
    /// Elasticsearch answered with another error status (4xx, or 401 without wrapping).
    #[error("{0}")]
    Response(Box<ResponseError>),
    /// The response claimed to be JSON but was not.
    #[error("malformed response from Elasticsearch (status {status}): {message}")]
    MalformedResponse {
        /// The HTTP status.
        status: u16,
        /// The parser's message.
        message: String,
        /// The start of the body as received.
        body_start: String,
    },
    /// The answer is larger than `elasticsearch.maxResponseSize`; it was not read (or not
    /// parsed) further. A route handler answers `502` with this message.
    #[error(
        "The answer of Elasticsearch is larger than elasticsearch.maxResponseSize ({limit} bytes)."
    )]
    ResponseTooLarge {
        /// The host that answered (for the log).
        host: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The `elasticsearch` config section is invalid (the message names the key path).
    #[error(transparent)]
    InvalidConfig(#[from] core_config::ConfigError),
    /// The client could not be built from its configuration (unreadable CA file, bad header, ...).
    #[error("invalid Elasticsearch client configuration [{key}]: {message}")]
    Config {
        /// The config key at fault, e.g. `elasticsearch.ssl.certificateAuthorities`.
        key: String,
        /// What is wrong.
        message: String,
    },
}

impl ElasticsearchError {
    /// The error response, for the variants that carry one.
    pub fn response(&self) -> Option<&ResponseError> {
        match self {
            ElasticsearchError::NotAuthorized(response)
            | ElasticsearchError::ServerError(response)
            | ElasticsearchError::Response(response) => Some(response),
            _ => None,
        }
    }

    /// The HTTP status Elasticsearch answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ElasticsearchError::MalformedResponse { status, .. } => Some(*status),
            other => other.response().map(|response| response.status),
        }
    }

    /// Elasticsearch's `error.type`, e.g. `index_not_found_exception`.
    pub fn error_type(&self) -> Option<&str> {
        self.response()
            .and_then(|response| response.error_type.as_deref())
    }

    /// Elasticsearch's `error.reason`.
    pub fn reason(&self) -> Option<&str> {
        self.response()
            .and_then(|response| response.reason.as_deref())
    }

    /// The error body Elasticsearch returned.
    pub fn body(&self) -> Option<&Value> {
        self.response().map(|response| &response.body)
    }

    /// Whether this is a wrapped 401 (Kibana's `isNotAuthorizedError`): answer it with 401 and
    /// [`ElasticsearchError::www_authenticate`].
    pub fn is_not_authorized(&self) -> bool {
        matches!(self, ElasticsearchError::NotAuthorized(_))
    }

    /// The `WWW-Authenticate` value for a wrapped 401: Elasticsearch's, or `Basic realm="Authorization Required"`.
    pub fn www_authenticate(&self) -> Option<&str> {
        match self {
            ElasticsearchError::NotAuthorized(response) => Some(
                response
                    .www_authenticate
                    .as_deref()
                    .unwrap_or(DEFAULT_WWW_AUTHENTICATE),
            ),
            _ => None,
        }
    }

    /// Whether Elasticsearch answered 403.
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(403)
    }

    /// Whether Elasticsearch answered 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Whether Elasticsearch answered 409 (version conflict, document exists, ...).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// Whether Elasticsearch answered 5xx.
    pub fn is_server_error(&self) -> bool {
        matches!(self, ElasticsearchError::ServerError(_))
    }

    /// Whether Elasticsearch could not be reached or did not answer in time: the cluster is down or unreachable,
    /// as opposed to having refused the request.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            ElasticsearchError::ConnectionFailed { .. }
                | ElasticsearchError::Timeout { .. }
                | ElasticsearchError::Transport { .. }
        )
    }
}

/// Wraps a 401 answer as Kibana's `decorateNotAuthorizedError` did.
pub(crate) fn classify_response_error(
    response: ResponseError,
    wrap_401: bool,
) -> ElasticsearchError {
    let boxed = Box::new(response);
    if boxed.status == 401 && wrap_401 {
        ElasticsearchError::NotAuthorized(boxed)
    } else if boxed.status >= 500 {
        ElasticsearchError::ServerError(boxed)
    } else {
        ElasticsearchError::Response(boxed)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn error_bodies_give_type_reason_and_www_authenticate() {
        let body = json!({"error": {"type": "security_exception", "reason": "nope", "header": {"WWW-Authenticate": "Bearer realm=\"x\""}}});
        let error = ResponseError::from_body(401, body.clone());
        assert_eq!(error.error_type.as_deref(), Some("security_exception"));
        assert_eq!(error.reason.as_deref(), Some("nope"));
        assert_eq!(
            error.www_authenticate.as_deref(),
            Some("Bearer realm=\"x\"")
        );
        assert_eq!(error.body, body);

        let plain = ResponseError::from_body(400, json!({"error": "bad request"}));
        assert_eq!(
            (plain.error_type, plain.reason.as_deref()),
            (None, Some("bad request"))
        );
        let text = ResponseError::from_body(502, json!("Bad Gateway"));
        assert_eq!(text.to_string(), "no error details in the response (502)");
    }

    #[test]
    fn statuses_sort_errors() {
        let response = |status| ResponseError::from_body(status, json!({}));
        assert!(classify_response_error(response(401), true).is_not_authorized());
        assert!(matches!(
            classify_response_error(response(401), false),
            ElasticsearchError::Response(_)
        ));
        assert!(classify_response_error(response(500), true).is_server_error());
        assert!(classify_response_error(response(409), true).is_conflict());
    }
}
