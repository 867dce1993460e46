//! How an [`ElasticsearchError`] returned by a route handler becomes a response: the error
//! decides its status, so `call_as_current_user(..).await?` answers a user Elasticsearch refused
//! with `401` and its challenge, not with a `500`.

use core_elasticsearch::ElasticsearchError;
use core_http::{HandlerError, HandlerResult, INTERNAL_ERROR_MESSAGE, KibanaResponse};

/// The message of the `503` answered while Elasticsearch cannot be reached.
pub(crate) const UNAVAILABLE_MESSAGE: &str = "Elasticsearch is unavailable, try again later.";

/// Gives a handler's error the response its Elasticsearch cause stands for (the first
/// [`ElasticsearchError`] in its chain, so context added with `anyhow` keeps the meaning).
/// Results without one pass unchanged.
pub(crate) fn with_elasticsearch_responses(result: HandlerResult) -> HandlerResult {
    let Err(error) = result else {
        return result;
    };
    if error.response().is_some() {
        return Err(error);
    }
    let Some(response) = error.find::<ElasticsearchError>().map(response_for) else {
        return Err(error);
    };
    let (_, cause) = error.into_parts();
    Err(match cause {
        Some(cause) => HandlerError::with_response(cause, response),
        None => HandlerError::from(response),
    })
}

/// The response for `error`, in Kibana's error shape:
/// * Elasticsearch unreachable or timed out: `503`;
/// * `401` from Elasticsearch (wrapped, the default): `401` with Elasticsearch's reason and its
///   `WWW-Authenticate` challenge (`Basic realm="Authorization Required"` when it sent none), as
///   Kibana's router does;
/// * another `4xx` from Elasticsearch: that status with Elasticsearch's `[type] reason`;
/// * a `5xx` or an unreadable answer from Elasticsearch: `502` with what it said;
/// * the call never left (an invalid endpoint or parameter, a closed client): the plugin's bug,
///   so the generic `500`.
pub(crate) fn response_for(error: &ElasticsearchError) -> KibanaResponse {
    if error.is_unavailable() {
        return KibanaResponse::error(503, UNAVAILABLE_MESSAGE);
    }
    if let Some(challenge) = error.www_authenticate() {
        return KibanaResponse::error(401, reason(error)).header("www-authenticate", challenge);
    }
    match error.status() {
        Some(status) if (400..500).contains(&status) => {
            KibanaResponse::error(status, reason(error))
        }
        Some(_) => KibanaResponse::error(502, reason(error)),
        None => KibanaResponse::error(500, INTERNAL_ERROR_MESSAGE),
    }
}

/// Elasticsearch's own words: `[type] reason`, as its clients have always worded them.
fn reason(error: &ElasticsearchError) -> String {
    match (error.error_type(), error.reason()) {
        (Some(error_type), Some(reason)) => format!("[{error_type}] {reason}"),
        (Some(error_type), None) => format!("[{error_type}]"),
        (None, Some(reason)) => reason.to_owned(),
        (None, None) => match error.status() {
            Some(status) => format!("Elasticsearch answered with status {status}"),
            None => error.to_string(),
        },
    }
}
