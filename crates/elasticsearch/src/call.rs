//! Sending one resolved request: host selection and failover, timeout, abort, response decoding, 401 wrapping and
//! query logging. Shared by the internal-user and current-user callers.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use core_logging::{LogLevel, Logger};
use elasticsearch::http::headers::{CONTENT_TYPE, HeaderMap, HeaderValue};
use elasticsearch::http::response::Response;
use elasticsearch::http::transport::Transport;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::error::{ElasticsearchError, ResponseError, classify_response_error};
use crate::pool::{Host, HostPool, with_pinned_host};
use crate::resolve::{NDJSON_CONTENT_TYPE, RequestBody, ResolvedRequest};
use crate::spec::HttpMethod;

/// Options of one call (Kibana's `CallAPIOptions`).
#[derive(Debug, Clone)]
pub struct CallApiOptions {
    /// Turn a 401 from Elasticsearch into [`ElasticsearchError::NotAuthorized`], which a route handler answers
    /// with 401 and its `WWW-Authenticate` value. Default `true`.
    pub wrap_401_errors: bool,
    /// Cancelling this token ends the call with `Request was aborted` and drops the request (its connection is
    /// closed rather than left waiting for a response).
    pub signal: Option<CancellationToken>,
    /// Overrides `requestTimeout` for this call.
    pub timeout: Option<Duration>,
}

impl Default for CallApiOptions {
    fn default() -> Self {
        Self {
            wrap_401_errors: true,
            signal: None,
            timeout: None,
        }
    }
}

impl CallApiOptions {
    /// Sets [`CallApiOptions::wrap_401_errors`].
    ///
    /// # Arguments
    ///
    /// * `wrap` - whether a `401` from Elasticsearch becomes `ElasticsearchError::NotAuthorized`
    ///   (the default).
    pub fn wrap_401_errors(mut self, wrap: bool) -> Self {
        self.wrap_401_errors = wrap;
        self
    }
    /// Sets [`CallApiOptions::signal`].
    ///
    /// # Arguments
    ///
    /// * `token` - cancelling it aborts the call and closes its connection.
    pub fn signal(mut self, token: CancellationToken) -> Self {
        self.signal = Some(token);
        self
    }
    /// Sets [`CallApiOptions::timeout`].
    ///
    /// # Arguments
    ///
    /// * `timeout` - how long the call may take, replacing `requestTimeout` for it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// What one call needs from its client.
pub(crate) struct CallContext<'a> {
    pub(crate) hosts: &'a HostPool,
    pub(crate) transport: &'a Transport,
    pub(crate) log: &'a Logger,
    pub(crate) query_log: Option<&'a Logger>,
    pub(crate) default_timeout: Duration,
    /// `maxResponseSize`: the largest answer read.
    pub(crate) max_response_size: Option<u64>,
    /// Told when a connection to a host fails (it may sniff).
    pub(crate) on_connection_fault: &'a crate::cluster_client::ClusterClient,
}

/// Answers larger than this are parsed on a blocking thread, so a large answer does not hold up
/// the other requests of its async worker.
const PARSE_OFF_WORKER: usize = 1 << 20;

/// Sends `request` with `headers`, honouring the abort signal of `options`.
pub(crate) async fn execute(
    context: CallContext<'_>,
    request: ResolvedRequest,
    headers: HeaderMap,
    options: &CallApiOptions,
) -> Result<Value, ElasticsearchError> {
    match &options.signal {
        None => send_with_failover(&context, &request, headers, options).await,
        Some(token) => {
            if token.is_cancelled() {
                return Err(ElasticsearchError::Aborted);
            }
            tokio::select! {
                biased;
                () = token.cancelled() => Err(ElasticsearchError::Aborted),
                result = send_with_failover(&context, &request, headers, options) => result,
            }
        }
    }
}

async fn send_with_failover(
    context: &CallContext<'_>,
    request: &ResolvedRequest,
    mut headers: HeaderMap,
    options: &CallApiOptions,
) -> Result<Value, ElasticsearchError> {
    let body: Option<Bytes> = request.body.as_ref().map(|body| {
        if matches!(body, RequestBody::NdJson(_)) && !headers.contains_key(CONTENT_TYPE) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(NDJSON_CONTENT_TYPE));
        }
        Bytes::copy_from_slice(body.as_str().as_bytes())
    });
    let query = (!request.query.is_empty()).then_some(&request.query);
    let timeout = options.timeout.unwrap_or(context.default_timeout);
    let mut last_error = None;
    for _ in 0..context.hosts.len() {
        let host = context.hosts.pick();
        let sent = with_pinned_host(
            Arc::clone(&host),
            context.transport.send(
                request.method.to_transport(),
                &request.path,
                headers.clone(),
                query,
                body.clone(),
                options.timeout,
            ),
        )
        .await;
        match sent {
            Ok(response) => {
                context.hosts.mark_alive(&host);
                return read_response(context, request, response, options, &host, timeout).await;
            }
            Err(error) => {
                let error = classify_transport_error(&error, host.display(), timeout);
                // A connection that could not be made means the request never left: any method
                // may go to the next host. One that broke after sending may have been applied,
                // so only an idempotent request is sent again.
                let retry = match error {
                    ElasticsearchError::ConnectionFailed { .. } => true,
                    ElasticsearchError::Transport { .. } => request.method.is_idempotent(),
                    _ => false,
                };
                if !retry {
                    return Err(error);
                }
                context.hosts.mark_dead(&host);
                context.on_connection_fault.connection_fault();
                context.log.warn(format!(
                    "{error}; marking the host dead until it is retried"
                ));
                last_error = Some(error);
            }
        }
    }
    Err(
        last_error.unwrap_or_else(|| ElasticsearchError::ConnectionFailed {
            host: String::new(),
            message: "No Living connections".to_owned(),
        }),
    )
}

async fn read_response(
    context: &CallContext<'_>,
    request: &ResolvedRequest,
    response: Response,
    options: &CallApiOptions,
    host: &Host,
    timeout: Duration,
) -> Result<Value, ElasticsearchError> {
    let status = response.status_code().as_u16();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("json"));
    let too_large = |limit| ElasticsearchError::ResponseTooLarge {
        host: host.display().to_owned(),
        limit,
    };
    // A declared length over the limit is refused before a byte is read (the response is
    // dropped, which closes its connection).
    if let (Some(limit), Some(length)) = (context.max_response_size, response.content_length())
        && length > limit
    {
        return Err(too_large(limit));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|error| classify_transport_error(&error, host.display(), timeout))?;
    if let Some(limit) = context.max_response_size
        && bytes.len() as u64 > limit
    {
        return Err(too_large(limit));
    }
    if let Some(query_log) = context.query_log
        && query_log.is_enabled(LogLevel::Debug)
    {
        let body = request.body.as_ref().map_or("", RequestBody::as_str);
        query_log.debug(format!(
            "{status}\n{} {}\n{}",
            request.method,
            request.path_and_query(),
            body.trim_end()
        ));
    }

    if request.method == HttpMethod::Head && matches!(status, 200..=299 | 404) {
        // Existence checks answer with a status only.
        return Ok(Value::Bool(status != 404));
    }
    let decoded = if bytes.len() > PARSE_OFF_WORKER {
        let bytes = bytes.clone();
        tokio::task::spawn_blocking(move || decode_body(status, &bytes, is_json))
            .await
            .unwrap_or_else(|error| {
                Err(ElasticsearchError::MalformedResponse {
                    status,
                    message: format!("parsing the answer failed: {error}"),
                    body_start: String::new(),
                })
            })
    } else {
        decode_body(status, &bytes, is_json)
    };
    if (200..300).contains(&status) {
        return decoded;
    }
    // An error body that is not JSON is kept as text.
    let body =
        decoded.unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Err(classify_response_error(
        ResponseError::from_body(status, body),
        options.wrap_401_errors,
    ))
}

fn decode_body(status: u16, bytes: &[u8], is_json: bool) -> Result<Value, ElasticsearchError> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    if !is_json {
        return Ok(Value::String(String::from_utf8_lossy(bytes).into_owned()));
    }
    serde_json::from_slice(bytes).map_err(|error| ElasticsearchError::MalformedResponse {
        status,
        message: error.to_string(),
        body_start: String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned(),
    })
}

/// Sorts a transport failure into timeout, connection failure (safe to retry elsewhere) or other.
fn classify_transport_error(
    error: &elasticsearch::Error,
    host: &str,
    timeout: Duration,
) -> ElasticsearchError {
    if error.is_timeout() {
        return ElasticsearchError::Timeout {
            host: host.to_owned(),
            timeout_ms: timeout.as_millis(),
        };
    }
    let message = error_chain(error);
    let is_connect = std::error::Error::source(error)
        .and_then(|source| source.downcast_ref::<reqwest::Error>())
        .is_some_and(reqwest::Error::is_connect);
    if is_connect {
        ElasticsearchError::ConnectionFailed {
            host: host.to_owned(),
            message,
        }
    } else {
        ElasticsearchError::Transport {
            host: host.to_owned(),
            message,
        }
    }
}

/// The error and its sources, `: `-joined, without repeating a message its source already gave.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}
