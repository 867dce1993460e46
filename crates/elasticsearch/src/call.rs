//! Sending one resolved request: host selection and failover, timeout, abort, bounded reading of the answer,
//! response decoding, 401 wrapping and query logging. Shared by the internal-user and current-user callers, for
//! parsed answers ([`execute`]) and streamed ones ([`execute_stream`]).
//!
//! Requests go out through the crate's own `reqwest` client (built in `client_config.rs`), so the body of an answer
//! is read chunk by chunk: `maxResponseSize` stops the read as soon as the running total passes it, whether or not
//! the answer declared its length.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use core_logging::{LogLevel, Logger, TraceParent};
use elasticsearch::http::headers::{
    ACCEPT, CONTENT_TYPE, DEFAULT_ACCEPT, DEFAULT_CONTENT_TYPE, DEFAULT_USER_AGENT, HeaderMap,
    HeaderName, HeaderValue, USER_AGENT,
};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tracing::field::Empty;
use tracing::{Instrument, Span};

use crate::error::{ElasticsearchError, ResponseError, classify_response_error};
use crate::pool::{Host, HostPool};
use crate::resolve::{NDJSON_CONTENT_TYPE, RequestBody, ResolvedRequest};
use crate::spec::HttpMethod;
use crate::stream::StreamedResponse;

/// The W3C Trace Context header sent with every call made for a request.
pub(crate) const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

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
    /// The HTTP client of the caller's user (internal or current).
    pub(crate) http: &'a reqwest::Client,
    pub(crate) log: &'a Logger,
    pub(crate) query_log: Option<&'a Logger>,
    pub(crate) default_timeout: Duration,
    /// `maxResponseSize`: the largest answer read.
    pub(crate) max_response_size: Option<u64>,
    /// Told when a connection to a host fails (it may sniff).
    pub(crate) on_connection_fault: &'a dyn ConnectionFaults,
    /// The trace of the request the call is made for: each call sends `traceparent` with this
    /// trace id and a new span id of its own (unless the caller's headers set one).
    pub(crate) trace: Option<TraceParent>,
}

/// What is told when a call cannot connect to a host: the client, which may sniff.
pub(crate) trait ConnectionFaults: Sync {
    /// A connection to a host failed.
    fn connection_fault(&self);
}

/// The call's span (target `elasticsearch.query`): disabled, at the cost of a check of its
/// callsite's cached interest, when no subscriber wants it. Fields are recorded as they become
/// known, and only on an enabled span.
fn call_span(request: &ResolvedRequest) -> Span {
    tracing::info_span!(
        target: "elasticsearch.query",
        "elasticsearch.call",
        db.system = "elasticsearch",
        http.request.method = request.method.to_reqwest().as_str(),
        url.path = request.path.as_str(),
        server.address = Empty,
        http.response.status_code = Empty,
        retries = Empty,
        duration_ms = Empty,
        span.id = Empty,
    )
}

/// Records how long the call took on its span, when the span is enabled.
fn record_duration(span: &Span, started: Option<Instant>) {
    if let Some(started) = started {
        span.record("duration_ms", started.elapsed().as_secs_f64() * 1000.0);
    }
}

/// Answers larger than this are parsed on a blocking thread, so a large answer does not hold up
/// the other requests of its async worker.
const PARSE_OFF_WORKER: usize = 1 << 20;

/// The largest buffer reserved up front from a declared `Content-Length`; a larger answer grows
/// its buffer as it arrives (a declared length is not trusted with an allocation).
const MAX_PREALLOCATION: u64 = 16 << 20;

/// Sends `request` with `headers` and reads and parses the answer, honouring the abort signal of
/// `options`.
pub(crate) async fn execute(
    context: CallContext<'_>,
    request: ResolvedRequest,
    headers: HeaderMap,
    options: &CallApiOptions,
) -> Result<Value, ElasticsearchError> {
    let span = call_span(&request);
    let started = (!span.is_disabled()).then(Instant::now);
    let result = with_signal(options, async {
        let sent = send_with_failover(&context, &request, headers, options, &span).await?;
        read_response(&context, &request, sent, options).await
    })
    .instrument(span.clone())
    .await;
    record_duration(&span, started);
    result
}

/// Sends `request` with `headers` and hands out a success answer as it arrives (an error answer
/// is read, bounded, and returned as the usual error), honouring the abort signal of `options`
/// until the answer's head arrived, and then while its body is read.
pub(crate) async fn execute_stream(
    context: CallContext<'_>,
    request: ResolvedRequest,
    headers: HeaderMap,
    options: &CallApiOptions,
) -> Result<StreamedResponse, ElasticsearchError> {
    let span = call_span(&request);
    let started = (!span.is_disabled()).then(Instant::now);
    let result = with_signal(options, async {
        let sent = send_with_failover(&context, &request, headers, options, &span).await?;
        stream_response(&context, &request, sent, options).await
    })
    .instrument(span.clone())
    .await;
    // Until the answer's head arrived (or the call failed): the body is read by the caller.
    record_duration(&span, started);
    result
}

/// Runs `call`, ending it with `Aborted` (and dropping it, which closes its connection) when the
/// signal of `options` fires.
async fn with_signal<T>(
    options: &CallApiOptions,
    call: impl Future<Output = Result<T, ElasticsearchError>>,
) -> Result<T, ElasticsearchError> {
    match &options.signal {
        None => call.await,
        Some(token) => {
            if token.is_cancelled() {
                return Err(ElasticsearchError::Aborted);
            }
            tokio::select! {
                biased;
                () = token.cancelled() => Err(ElasticsearchError::Aborted),
                result = call => result,
            }
        }
    }
}

/// An answer whose head arrived: the response, the host that gave it and the call's timeout.
struct Sent {
    response: reqwest::Response,
    host: Arc<Host>,
    timeout: Duration,
}

/// The `traceparent` of a call: the exported span's own ids when spans are exported (for
/// calls outside a request too), else a new span id in the request's trace, else none.
fn call_trace(request: Option<&TraceParent>, span: &Span) -> Option<TraceParent> {
    TraceParent::of_span(span).or_else(|| request.map(TraceParent::child))
}

async fn send_with_failover(
    context: &CallContext<'_>,
    request: &ResolvedRequest,
    headers: HeaderMap,
    options: &CallApiOptions,
    span: &Span,
) -> Result<Sent, ElasticsearchError> {
    // The official client's request headers (kept so that every Elasticsearch version accepts
    // the requests, see the README), then the caller's, which win.
    let mut request_headers = HeaderMap::with_capacity(4 + headers.len());
    request_headers.insert(CONTENT_TYPE, HeaderValue::from_static(DEFAULT_CONTENT_TYPE));
    request_headers.insert(ACCEPT, HeaderValue::from_static(DEFAULT_ACCEPT));
    request_headers.insert(USER_AGENT, HeaderValue::from_static(DEFAULT_USER_AGENT));
    let has_content_type = headers.contains_key(CONTENT_TYPE);
    if !headers.contains_key(TRACEPARENT)
        && let Some(call) = call_trace(context.trace.as_ref(), span)
    {
        if let Ok(value) = HeaderValue::from_str(&call.to_string()) {
            request_headers.insert(TRACEPARENT, value);
        }
        if !span.is_disabled() {
            span.record("span.id", call.parent_id_hex());
        }
    }
    for (name, value) in &headers {
        request_headers.insert(name.clone(), value.clone());
    }
    let body: Option<Bytes> = request.body.as_ref().map(|body| {
        if matches!(body, RequestBody::NdJson(_)) && !has_content_type {
            request_headers.insert(CONTENT_TYPE, HeaderValue::from_static(NDJSON_CONTENT_TYPE));
        }
        Bytes::copy_from_slice(body.as_str().as_bytes())
    });
    let method = request.method.to_reqwest();
    let timeout = options.timeout.unwrap_or(context.default_timeout);
    let mut last_error = None;
    for attempt in 0..context.hosts.len() {
        let host = context.hosts.pick();
        if !span.is_disabled() {
            span.record("server.address", host.display());
            span.record("retries", attempt);
        }
        let sent = match host.url().join(request.path.trim_start_matches('/')) {
            Ok(url) => {
                let mut builder = context.http.request(method.clone(), url);
                if let Some(timeout) = options.timeout {
                    builder = builder.timeout(timeout);
                }
                builder = builder.headers(request_headers.clone());
                if let Some(body) = &body {
                    builder = builder.body(body.clone());
                }
                if !request.query.is_empty() {
                    builder = builder.query(&request.query);
                }
                builder
                    .send()
                    .await
                    .map_err(|error| classify_transport_error(&error, host.display(), timeout))
            }
            Err(error) => Err(ElasticsearchError::Transport {
                host: host.display().to_owned(),
                message: error.to_string(),
            }),
        };
        match sent {
            Ok(response) => {
                span.record("http.response.status_code", response.status().as_u16());
                context.hosts.mark_alive(&host);
                return Ok(Sent {
                    response,
                    host,
                    timeout,
                });
            }
            Err(error) => {
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

pub(crate) fn too_large(host: &str, limit: u64) -> ElasticsearchError {
    ElasticsearchError::ResponseTooLarge {
        host: host.to_owned(),
        limit,
    }
}

/// Refuses an answer whose declared length is over the limit before a byte of it is read (the
/// response is dropped, which closes its connection).
fn check_declared_length(context: &CallContext<'_>, sent: &Sent) -> Result<(), ElasticsearchError> {
    if let (Some(limit), Some(length)) = (context.max_response_size, sent.response.content_length())
        && length > limit
    {
        return Err(too_large(sent.host.display(), limit));
    }
    Ok(())
}

/// Logs `<status>\n<METHOD> <path>\n<body>` when `logQueries` is on.
fn log_query(context: &CallContext<'_>, request: &ResolvedRequest, status: u16) {
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
}

fn is_json(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("json"))
}

/// Reads the whole body chunk by chunk, failing with `ResponseTooLarge` as soon as the running
/// total passes `limit` (the response is then dropped, closing its connection, so the rest of the
/// answer is never read).
async fn read_bounded(
    mut response: reqwest::Response,
    limit: Option<u64>,
    host: &Host,
    timeout: Duration,
) -> Result<Bytes, ElasticsearchError> {
    let declared = response.content_length();
    let mut first: Option<Bytes> = None;
    let mut buffer: Option<BytesMut> = None;
    let mut total: u64 = 0;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| classify_transport_error(&error, host.display(), timeout))?
    {
        total += chunk.len() as u64;
        if let Some(limit) = limit
            && total > limit
        {
            return Err(too_large(host.display(), limit));
        }
        if let Some(buffer) = &mut buffer {
            buffer.extend_from_slice(&chunk);
        } else if let Some(head) = first.take() {
            // A second chunk: from now on the answer is gathered in one buffer.
            let expected = declared.unwrap_or(0).max(total).min(MAX_PREALLOCATION);
            let mut gathered = BytesMut::with_capacity(usize::try_from(expected).unwrap_or(0));
            gathered.extend_from_slice(&head);
            gathered.extend_from_slice(&chunk);
            buffer = Some(gathered);
        } else {
            // Most answers arrive in one chunk, which is kept as it is.
            first = Some(chunk);
        }
    }
    Ok(match buffer {
        Some(buffer) => buffer.freeze(),
        None => first.unwrap_or_default(),
    })
}

async fn read_response(
    context: &CallContext<'_>,
    request: &ResolvedRequest,
    sent: Sent,
    options: &CallApiOptions,
) -> Result<Value, ElasticsearchError> {
    check_declared_length(context, &sent)?;
    let Sent {
        response,
        host,
        timeout,
    } = sent;
    let status = response.status().as_u16();
    let is_json = is_json(&response);
    let bytes = read_bounded(response, context.max_response_size, &host, timeout).await?;
    log_query(context, request, status);

    if request.method == HttpMethod::Head && matches!(status, 200..=299 | 404) {
        // Existence checks answer with a status only.
        return Ok(Value::Bool(status != 404));
    }
    let decoded = decode(status, &bytes, is_json).await;
    if (200..300).contains(&status) {
        return decoded;
    }
    Err(response_error(status, decoded, &bytes, options))
}

async fn stream_response(
    context: &CallContext<'_>,
    request: &ResolvedRequest,
    sent: Sent,
    options: &CallApiOptions,
) -> Result<StreamedResponse, ElasticsearchError> {
    check_declared_length(context, &sent)?;
    let status = sent.response.status().as_u16();
    if !(200..300).contains(&status) {
        // Only success answers stream: an error answer becomes the usual error.
        let is_json = is_json(&sent.response);
        let bytes = read_bounded(
            sent.response,
            context.max_response_size,
            &sent.host,
            sent.timeout,
        )
        .await?;
        log_query(context, request, status);
        let decoded = decode(status, &bytes, is_json).await;
        return Err(response_error(status, decoded, &bytes, options));
    }
    log_query(context, request, status);
    Ok(StreamedResponse::new(
        sent.response,
        sent.host.display().to_owned(),
        context.max_response_size,
        sent.timeout,
        options.signal.clone(),
    ))
}

/// Parses `bytes`, on a blocking thread when the answer is large.
async fn decode(status: u16, bytes: &Bytes, is_json: bool) -> Result<Value, ElasticsearchError> {
    if bytes.len() > PARSE_OFF_WORKER {
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
        decode_body(status, bytes, is_json)
    }
}

/// The error an error answer stands for.
fn response_error(
    status: u16,
    decoded: Result<Value, ElasticsearchError>,
    bytes: &[u8],
    options: &CallApiOptions,
) -> ElasticsearchError {
    // An error body that is not JSON is kept as text.
    let body =
        decoded.unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()));
    classify_response_error(
        ResponseError::from_body(status, body),
        options.wrap_401_errors,
    )
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
pub(crate) fn classify_transport_error(
    error: &reqwest::Error,
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
    if error.is_connect() {
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

/// The header that tags a call with the request it is made for; Elasticsearch shows it in its
/// slow logs, tasks and deprecation logs.
pub(crate) const X_OPAQUE_ID: HeaderName = HeaderName::from_static("x-opaque-id");

/// Caller-supplied headers (`params.headers`) as a header map, naming an invalid one.
pub(crate) fn header_map(headers: &[(String, String)]) -> Result<HeaderMap, ElasticsearchError> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            ElasticsearchError::InvalidHeader {
                name: name.clone(),
                message: "not a valid header name".to_owned(),
            }
        })?;
        let header_value =
            HeaderValue::from_str(value).map_err(|_| ElasticsearchError::InvalidHeader {
                name: name.clone(),
                message: "not a valid header value".to_owned(),
            })?;
        map.insert(header_name, header_value);
    }
    Ok(map)
}
