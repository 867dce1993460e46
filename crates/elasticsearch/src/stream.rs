//! Answers handed out as they arrive ([`StreamedResponse`]), for callers that forward an answer
//! rather than parse it: the counterpart of Kibana 8's `asStream: true` transport option.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use elasticsearch::http::headers::HeaderMap;
use futures::Stream;
use tokio_util::sync::CancellationToken;

use crate::ElasticsearchError;
use crate::call::{classify_transport_error, too_large};

/// A success answer of Elasticsearch whose body has not been read yet: its status and headers,
/// and the body as a stream of chunks ([`StreamedResponse::into_body`]).
///
/// Made by [`ClusterClient::call_as_internal_user_stream`](crate::ClusterClient::call_as_internal_user_stream),
/// [`ScopedClusterClient::call_as_current_user_stream`](crate::ScopedClusterClient::call_as_current_user_stream)
/// and [`ScopedClusterClient::call_as_internal_user_stream`](crate::ScopedClusterClient::call_as_internal_user_stream).
/// Dropping it, or its body stream, before the end closes the connection.
pub struct StreamedResponse {
    status: u16,
    headers: HeaderMap,
    body: ResponseBodyStream,
}

impl StreamedResponse {
    pub(crate) fn new(
        response: reqwest::Response,
        host: String,
        limit: Option<u64>,
        timeout: Duration,
        signal: Option<CancellationToken>,
    ) -> Self {
        Self {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: ResponseBodyStream::new(BodyState {
                response: Some(response),
                read: 0,
                limit,
                host,
                timeout,
                signal,
            }),
        }
    }

    /// The HTTP status Elasticsearch answered with (always `2xx`: other answers are errors).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers of the answer, as Elasticsearch sent them (names lower-case).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `Content-Type` of the answer, if it sent a readable one.
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get(elasticsearch::http::headers::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
    }

    /// The body, as it arrives.
    pub fn into_body(self) -> ResponseBodyStream {
        self.body
    }

    /// The status, the headers and the body.
    pub fn into_parts(self) -> (u16, HeaderMap, ResponseBodyStream) {
        (self.status, self.headers, self.body)
    }
}

impl fmt::Debug for StreamedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamedResponse")
            .field("status", &self.status)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// The body of a [`StreamedResponse`]: the chunks of the answer as they arrive, unparsed.
///
/// The call's rules still hold while it is read: once the bytes read pass
/// `elasticsearch.maxResponseSize`, it yields [`ElasticsearchError::ResponseTooLarge`] instead of
/// the chunk that passed the limit; the call's timeout (`requestTimeout`, or
/// [`CallApiOptions::timeout`](crate::CallApiOptions::timeout)) covers the whole body and ends it
/// with [`ElasticsearchError::Timeout`]; the call's abort signal ends it with
/// [`ElasticsearchError::Aborted`]; a connection that breaks ends it with
/// [`ElasticsearchError::Transport`]. After an error the stream ends and the connection is closed.
pub struct ResponseBodyStream {
    inner: Pin<Box<dyn Stream<Item = Result<Bytes, ElasticsearchError>> + Send>>,
}

/// What the body stream reads from; `response` is `None` once the stream failed.
struct BodyState {
    response: Option<reqwest::Response>,
    read: u64,
    limit: Option<u64>,
    host: String,
    timeout: Duration,
    signal: Option<CancellationToken>,
}

impl ResponseBodyStream {
    fn new(state: BodyState) -> Self {
        let stream = futures::stream::unfold(state, |mut state| async move {
            // `None` when the abort signal fired first.
            let next = {
                let response = state.response.as_mut()?;
                match &state.signal {
                    None => Some(response.chunk().await),
                    Some(token) => tokio::select! {
                        biased;
                        () = token.cancelled() => None,
                        next = response.chunk() => Some(next),
                    },
                }
            };
            let Some(next) = next else {
                state.response = None;
                return Some((Err(ElasticsearchError::Aborted), state));
            };
            match next {
                Ok(Some(chunk)) => {
                    state.read += chunk.len() as u64;
                    if let Some(limit) = state.limit
                        && state.read > limit
                    {
                        state.response = None;
                        return Some((Err(too_large(&state.host, limit)), state));
                    }
                    Some((Ok(chunk), state))
                }
                Ok(None) => None,
                Err(error) => {
                    state.response = None;
                    let error = classify_transport_error(&error, &state.host, state.timeout);
                    Some((Err(error), state))
                }
            }
        });
        Self {
            inner: Box::pin(stream),
        }
    }

    /// This stream with its errors as `std::io::Error`s (kind `Other`, the
    /// [`ElasticsearchError`] as the inner error), the item type HTTP servers take for a
    /// streamed response body (core-http's `ResponseBody::stream`).
    pub fn into_io_stream(self) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
        IoStream(self)
    }
}

impl Stream for ResponseBodyStream {
    type Item = Result<Bytes, ElasticsearchError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for ResponseBodyStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseBodyStream").finish_non_exhaustive()
    }
}

/// [`ResponseBodyStream::into_io_stream`].
struct IoStream(ResponseBodyStream);

impl Stream for IoStream {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.0)
            .poll_next(cx)
            .map(|item| item.map(|chunk| chunk.map_err(std::io::Error::other)))
    }
}
