//! [`HandlerError`]: the error side of a route handler's result, and how it becomes a response.

use std::fmt;

use crate::response::KibanaResponse;

/// What a route handler returns: a response, or an error that decides its own response.
pub type HandlerResult = Result<KibanaResponse, HandlerError>;

/// The error a route handler returns. Its response depends on what it was made from:
///
/// * any error (`?` on a `std::error::Error` or an [`anyhow::Error`]): `500` with Kibana's
///   generic `An internal server error occurred.`; the cause is logged under `http.router` with
///   the route and the request id, and never sent to the client;
/// * a [`KibanaResponse`] (`?` on a `Result<_, KibanaResponse>`, or `Err(res.not_found(..).into())`):
///   that response, as if the handler had returned it with `Ok`;
/// * [`HandlerError::with_response`]: a cause *and* the response it stands for. Core uses it for
///   Elasticsearch errors (a `401` from Elasticsearch answers `401` with its challenge); the cause
///   is logged at `debug` for a `4xx`, `warn` for a `503` and `error` for other `5xx`.
///
/// ```
/// use core_http::{HandlerError, HandlerResult, ResponseFactory};
///
/// fn find(id: u32, res: &ResponseFactory) -> Result<&'static str, HandlerError> {
///     match id {
///         1 => Ok("one"),
///         // Any error converts: this one becomes a logged 500 with a generic message.
///         2 => Err(std::io::Error::other("the disk is on fire"))?,
///         // A response converts too: the client gets this 404.
///         _ => Err(res.not_found(format!("no item [{id}]")))?,
///     }
/// }
///
/// fn handler(id: u32) -> HandlerResult {
///     let res = ResponseFactory;
///     let name = find(id, &res)?;
///     Ok(res.ok(serde_json::json!({ "name": name })))
/// }
/// assert_eq!(handler(1).unwrap().status(), 200);
/// assert_eq!(handler(3).unwrap_err().response().map(|r| r.status()), Some(404));
/// assert!(handler(2).unwrap_err().response().is_none());
/// ```
///
/// `HandlerError` deliberately does not implement `std::error::Error` (as `anyhow::Error`
/// does not), so that every error converts into it with `?`. `anyhow::bail!` returns an
/// `anyhow::Error` without converting it: in a handler write `return Err(anyhow!(..).into())`.
pub struct HandlerError {
    response: Option<KibanaResponse>,
    cause: Option<anyhow::Error>,
}

impl HandlerError {
    /// An error whose response is a generic, logged `500`.
    ///
    /// # Arguments
    ///
    /// * `cause` - what went wrong; logged with the route, never sent to the client.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            response: None,
            cause: Some(cause.into()),
        }
    }

    /// `cause`, answered with `response` (logged at a level that follows its status).
    ///
    /// # Arguments
    ///
    /// * `cause` - what went wrong, for the log.
    /// * `response` - what the client gets instead of the generic `500`.
    pub fn with_response(cause: impl Into<anyhow::Error>, response: KibanaResponse) -> Self {
        Self {
            response: Some(response),
            cause: Some(cause.into()),
        }
    }

    /// The response this error is answered with; `None` means the generic `500`.
    pub fn response(&self) -> Option<&KibanaResponse> {
        self.response.as_ref()
    }

    /// The error behind this one, if it was made from an error rather than a response.
    pub fn cause(&self) -> Option<&anyhow::Error> {
        self.cause.as_ref()
    }

    /// The first error of type `E` in the cause's chain (the cause itself, then its sources).
    pub fn find<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.cause
            .as_ref()?
            .chain()
            .find_map(|error| error.downcast_ref::<E>())
    }

    /// Response and cause, by value.
    pub fn into_parts(self) -> (Option<KibanaResponse>, Option<anyhow::Error>) {
        (self.response, self.cause)
    }
}

impl<E: Into<anyhow::Error>> From<E> for HandlerError {
    fn from(error: E) -> Self {
        Self::internal(error)
    }
}

impl From<KibanaResponse> for HandlerError {
    fn from(response: KibanaResponse) -> Self {
        Self {
            response: Some(response),
            cause: None,
        }
    }
}

impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerError")
            .field(
                "status",
                &self.response.as_ref().map(KibanaResponse::status),
            )
            .field("cause", &self.cause)
            .finish()
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.cause, &self.response) {
            (Some(cause), _) => write!(f, "{cause:#}"),
            (None, Some(response)) => write!(f, "answered with status {}", response.status()),
            (None, None) => f.write_str("handler error"),
        }
    }
}
