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
#[inline]
pub(crate) fn with_elasticsearch_responses(result: HandlerResult) -> HandlerResult {
    result.map_err(elasticsearch_response)
}

/// The error side of [`with_elasticsearch_responses`], out of the way of the `Ok` path.
#[cold]
fn elasticsearch_response(error: HandlerError) -> HandlerError {
    if error.response().is_some() {
        return error;
    }
    let Some(response) = error.find::<ElasticsearchError>().map(response_for) else {
        return error;
    };
    match error.into_parts() {
        (_, Some(cause)) => HandlerError::with_response(cause, response),
        (_, None) => HandlerError::from(response),
    }
}

/// The response for `error`, in Kibana's error shape:
/// * Elasticsearch unreachable or timed out: `503`;
/// * `401` from Elasticsearch (wrapped, the default): `401` with Elasticsearch's reason and its
///   `WWW-Authenticate` challenge (`Basic realm="Authorization Required"` when it sent none), as
///   Kibana's router does;
/// * another `4xx` from Elasticsearch: that status with Elasticsearch's `[type] reason`;
/// * a `5xx` or an unreadable answer from Elasticsearch: `502` with what it said;
/// * an answer over `elasticsearch.maxResponseSize`: `502` naming the limit;
/// * the call never left (an invalid endpoint or parameter, a closed client): the plugin's bug,
///   so the generic `500`.
pub(crate) fn response_for(error: &ElasticsearchError) -> KibanaResponse {
    if error.is_unavailable() {
        return KibanaResponse::error(503, UNAVAILABLE_MESSAGE);
    }
    if let ElasticsearchError::ResponseTooLarge { .. } = error {
        return KibanaResponse::error(502, error.to_string());
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

#[cfg(test)]
mod tests {
    use anyhow::Context;
    use core_elasticsearch::{ElasticsearchError, ResponseError};
    use core_http::{HandlerError, KibanaResponse, ResponseBody};
    use serde_json::{Value, json};

    use super::*;

    fn answered(status: u16, body: Value) -> ResponseError {
        ResponseError::from_body(status, body)
    }

    fn parts(response: &KibanaResponse) -> (u16, Value, Option<&str>) {
        let body = match response.body() {
            ResponseBody::Json(bytes) => serde_json::from_slice(bytes).unwrap(),
            other => panic!("not JSON: {other:?}"),
        };
        let challenge = response
            .headers()
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("www-authenticate"))
            .map(|(_, value)| value.as_str());
        (response.status(), body, challenge)
    }

    fn shape(status: u16, error: &str, message: &str) -> Value {
        json!({ "statusCode": status, "error": error, "message": message })
    }

    #[test]
    fn an_answer_over_max_response_size_is_502_naming_the_limit() {
        let error = ElasticsearchError::ResponseTooLarge {
            host: "http://es.internal:9200".into(),
            limit: 1024,
        };
        let (status, body, _) = parts(&response_for(&error));
        assert_eq!(status, 502);
        assert_eq!(
            body,
            shape(
                502,
                "Bad Gateway",
                "The answer of Elasticsearch is larger than elasticsearch.maxResponseSize (1024 bytes)."
            )
        );
    }

    #[test]
    fn unreachable_elasticsearch_is_503_without_the_host() {
        let error = ElasticsearchError::ConnectionFailed {
            host: "http://es.internal:9200".into(),
            message: "connection refused".into(),
        };
        let response = response_for(&error);
        let (status, body, _) = parts(&response);
        assert_eq!(status, 503);
        assert_eq!(body, shape(503, "Service Unavailable", UNAVAILABLE_MESSAGE));
        let timeout = ElasticsearchError::Timeout {
            host: "http://es.internal:9200".into(),
            timeout_ms: 30_000,
        };
        assert_eq!(response_for(&timeout).status(), 503);
    }

    #[test]
    fn not_authorized_is_401_with_elasticsearchs_challenge_or_kibanas_default() {
        let body = json!({ "error": { "type": "security_exception", "reason": "unable to authenticate user [eve]",
            "header": { "WWW-Authenticate": ["Bearer realm=\"security\"", "Basic realm=\"security\""] } }, "status": 401 });
        let error = ElasticsearchError::NotAuthorized(Box::new(answered(401, body)));
        let response = response_for(&error);
        let (status, body, challenge) = parts(&response);
        assert_eq!(status, 401);
        assert_eq!(
            body,
            shape(
                401,
                "Unauthorized",
                "[security_exception] unable to authenticate user [eve]"
            )
        );
        assert_eq!(challenge, Some("Bearer realm=\"security\""));

        let bare = ElasticsearchError::NotAuthorized(Box::new(answered(401, Value::Null)));
        let response = response_for(&bare);
        let (_, body, challenge) = parts(&response);
        assert_eq!(challenge, Some("Basic realm=\"Authorization Required\""));
        assert_eq!(body["message"], "Elasticsearch answered with status 401");
    }

    #[test]
    fn other_4xx_pass_through_with_elasticsearchs_reason() {
        let body = json!({ "error": { "type": "version_conflict_engine_exception",
            "reason": "[1]: version conflict, document already exists (current version [1])" }, "status": 409 });
        let error = ElasticsearchError::Response(Box::new(answered(409, body)));
        let response = response_for(&error);
        let (status, body, challenge) = parts(&response);
        assert_eq!(status, 409);
        assert_eq!(
            body,
            shape(
                409,
                "Conflict",
                "[version_conflict_engine_exception] [1]: version conflict, document already exists (current version [1])"
            )
        );
        assert_eq!(challenge, None);
        // A 401 the call asked not to wrap is an ordinary 4xx: no challenge.
        let unwrapped = ElasticsearchError::Response(Box::new(answered(401, Value::Null)));
        assert_eq!(parts(&response_for(&unwrapped)).0, 401);
        let response = response_for(&unwrapped);
        assert_eq!(parts(&response).2, None);
    }

    #[test]
    fn server_errors_and_unreadable_answers_are_502() {
        let body = json!({ "error": { "type": "search_phase_execution_exception", "reason": "all shards failed" }, "status": 503 });
        let error = ElasticsearchError::ServerError(Box::new(answered(503, body)));
        let response = response_for(&error);
        let (status, body, _) = parts(&response);
        assert_eq!(status, 502);
        assert_eq!(
            body,
            shape(
                502,
                "Bad Gateway",
                "[search_phase_execution_exception] all shards failed"
            )
        );
        let malformed = ElasticsearchError::MalformedResponse {
            status: 200,
            message: "EOF while parsing".into(),
            body_start: "{".into(),
        };
        assert_eq!(response_for(&malformed).status(), 502);
    }

    #[test]
    fn calls_that_never_left_are_the_plugins_bug_and_a_generic_500() {
        let error = ElasticsearchError::InvalidEndpoint("serach".into());
        let response = response_for(&error);
        let (status, body, _) = parts(&response);
        assert_eq!(status, 500);
        assert_eq!(
            body,
            shape(500, "Internal Server Error", INTERNAL_ERROR_MESSAGE)
        );
    }

    #[test]
    fn the_elasticsearch_error_is_found_under_added_context_and_other_errors_pass() {
        let cause: Result<(), ElasticsearchError> = Err(ElasticsearchError::Response(Box::new(
            answered(404, Value::Null),
        )));
        let error = HandlerError::from(cause.context("loading the bookmarks").unwrap_err());
        let mapped = with_elasticsearch_responses(Err(error)).unwrap_err();
        assert_eq!(mapped.response().map(KibanaResponse::status), Some(404));
        assert!(mapped.cause().is_some(), "the cause is kept for the log");

        let other = HandlerError::from(std::io::Error::other("disk"));
        let passed = with_elasticsearch_responses(Err(other)).unwrap_err();
        assert!(passed.response().is_none());
        // A response the handler chose is never replaced.
        let chosen = HandlerError::from(KibanaResponse::error(418, "short and stout"));
        let kept = with_elasticsearch_responses(Err(chosen)).unwrap_err();
        assert_eq!(kept.response().map(KibanaResponse::status), Some(418));
    }
}
