//! Bounded reads and streamed answers: `maxResponseSize` on chunked answers (stopped while reading,
//! not after buffering), streamed answers byte for byte, the limit, errors, failover, abort and
//! `x-opaque-id` on stream calls.

use std::time::Duration;

use bytes::Bytes;
use core_elasticsearch::{
    CallApiOptions, ClusterClient, ElasticsearchClientConfig, ElasticsearchError, FakeRequest,
    ResponseBodyStream,
};
use futures::StreamExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    INTERNAL_BASIC, client, client_config, headers, recorded, refused_url, resetting_host,
    transport_headers,
};

/// Not a timing assertion: a guard so that a regression fails instead of hanging the suite.
const GUARD: Duration = Duration::from_secs(30);

/// `len` bytes of a pattern that does not repeat with any power-of-two period, so a lost or
/// reordered chunk shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7 + i / 251) % 36])
        .collect()
}

/// What a [`raw_server`] did with its one connection.
#[derive(Debug)]
struct Served {
    /// The request as received (head and whatever part of the body came with it).
    request: String,
    /// Body bytes written (chunk payloads, without the chunked framing).
    body_written: usize,
    /// Whether the whole answer was written; false when the client hung up first.
    finished: bool,
}

/// How a [`raw_server`] answers.
struct Answer {
    /// The status line's code and reason, e.g. `200 OK`.
    status: &'static str,
    /// `Some(n)` sends `content-length: n`; `None` sends the body chunked.
    content_length: Option<usize>,
    /// The body.
    body: Vec<u8>,
    /// The size of each chunk written.
    chunk: usize,
    /// After this many body bytes, stop writing and wait for the client to hang up.
    stall_after: Option<usize>,
}

impl Answer {
    fn chunked(body: Vec<u8>) -> Self {
        Self {
            status: "200 OK",
            content_length: None,
            body,
            chunk: 64 * 1024,
            stall_after: None,
        }
    }
}

/// A bare HTTP/1.1 server for one connection on 127.0.0.1: reads the request head, writes
/// `answer`, and reports how much of it the client took before hanging up.
async fn raw_server(answer: Answer) -> (String, JoinHandle<Served>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buffer = vec![0u8; 16 * 1024];
        while !request.windows(4).any(|window| window == b"\r\n\r\n") {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(read) => request.extend_from_slice(&buffer[..read]),
            }
        }
        let mut served = Served {
            request: String::from_utf8_lossy(&request).into_owned(),
            body_written: 0,
            finished: false,
        };
        let length = match answer.content_length {
            Some(length) => format!("content-length: {length}\r\n"),
            None => "transfer-encoding: chunked\r\n".to_owned(),
        };
        let head = format!(
            "HTTP/1.1 {}\r\ncontent-type: application/json\r\nx-elastic-product: Elasticsearch\r\n{length}\r\n",
            answer.status
        );
        if socket.write_all(head.as_bytes()).await.is_err() {
            return served;
        }
        for chunk in answer.body.chunks(answer.chunk.max(1)) {
            if answer
                .stall_after
                .is_some_and(|stall| served.body_written >= stall)
            {
                // Wait for the client to hang up.
                while matches!(socket.read(&mut buffer).await, Ok(read) if read > 0) {}
                return served;
            }
            let written = if answer.content_length.is_some() {
                socket.write_all(chunk).await
            } else {
                let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                framed.extend_from_slice(chunk);
                framed.extend_from_slice(b"\r\n");
                socket.write_all(&framed).await
            };
            if written.is_err() {
                return served;
            }
            served.body_written += chunk.len();
        }
        if answer.content_length.is_none() && socket.write_all(b"0\r\n\r\n").await.is_err() {
            return served;
        }
        served.finished = true;
        let _ = socket.flush().await;
        // Report now, but keep the connection open until the client is done with it.
        tokio::spawn(async move {
            while matches!(socket.read(&mut buffer).await, Ok(read) if read > 0) {}
        });
        served
    });
    (url, handle)
}

async fn served(handle: JoinHandle<Served>) -> Served {
    tokio::time::timeout(GUARD, handle)
        .await
        .expect("the client neither read the answer to its end nor hung up")
        .unwrap()
}

fn limited_client(hosts: &[String], limit: Option<u64>) -> ClusterClient {
    client(ElasticsearchClientConfig {
        max_response_size: limit,
        ..client_config(hosts)
    })
    .0
}

/// Every item of `body`, the chunks joined, stopping at the first error (and checking that the
/// stream ends after it).
async fn drain(mut body: ResponseBodyStream) -> (Vec<u8>, Option<ElasticsearchError>) {
    let mut read = Vec::new();
    while let Some(item) = tokio::time::timeout(GUARD, body.next())
        .await
        .expect("the body stream stalled")
    {
        match item {
            Ok(chunk) => read.extend_from_slice(&chunk),
            Err(error) => {
                assert!(
                    body.next().await.is_none(),
                    "the stream ends after an error"
                );
                return (read, Some(error));
            }
        }
    }
    (read, None)
}

const MIB: usize = 1 << 20;

/// A 128 MiB answer (its first MiB is `pattern(MIB)`): far more than the socket buffers between
/// a server and a client that stopped reading hold (on Linux, at most `tcp_wmem` + `tcp_rmem`
/// maxima, 4 + 32 MiB by default), so a client that reads no further than it must leaves most of
/// it unwritten.
fn big_answer() -> Vec<u8> {
    pattern(MIB).repeat(128)
}

/// Below this, the server wrote no more than the socket buffers could take after the limit.
const UNREAD_BOUND: usize = 64 * MIB;

#[tokio::test]
async fn a_chunked_answer_over_the_limit_is_refused_while_it_is_read_not_after() {
    // 128 MiB without a Content-Length, against a 1 MiB limit.
    let (url, handle) = raw_server(Answer::chunked(big_answer())).await;
    let client = limited_client(&[url], Some(MIB as u64));

    let error = tokio::time::timeout(
        GUARD,
        client.call_as_internal_user("search", json!({}), CallApiOptions::default()),
    )
    .await
    .expect("the call ended")
    .unwrap_err();
    assert!(
        matches!(error, ElasticsearchError::ResponseTooLarge { limit, .. } if limit == MIB as u64),
        "{error:?}"
    );

    // The client hung up soon after the limit: the server could write the limit plus what the
    // socket buffers hold, far from the whole answer.
    let served = served(handle).await;
    assert!(!served.finished, "the whole answer was read: {served:?}");
    assert!(
        served.body_written < UNREAD_BOUND,
        "{} MiB were read before the answer was refused",
        served.body_written / MIB
    );
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_the_body_is_read() {
    for stream in [false, true] {
        // The head promises 64 MiB, then nothing comes: reading the body would wait forever.
        let (url, handle) = raw_server(Answer {
            status: "200 OK",
            content_length: Some(64 * MIB),
            body: pattern(MIB),
            chunk: 64 * 1024,
            stall_after: Some(0),
        })
        .await;
        let client = limited_client(&[url], Some(MIB as u64));
        let call = async {
            if stream {
                client
                    .call_as_internal_user_stream("search", json!({}), CallApiOptions::default())
                    .await
                    .map(|_| ())
            } else {
                client
                    .call_as_internal_user("search", json!({}), CallApiOptions::default())
                    .await
                    .map(|_| ())
            }
        };
        let error = tokio::time::timeout(GUARD, call)
            .await
            .expect("the call waited for the body")
            .unwrap_err();
        assert!(
            matches!(error, ElasticsearchError::ResponseTooLarge { limit, .. } if limit == MIB as u64),
            "stream: {stream}: {error:?}"
        );
        drop(client);
        assert_eq!(served(handle).await.body_written, 0, "stream: {stream}");
    }
}

#[tokio::test]
async fn a_chunked_answer_within_the_limit_is_gathered_from_its_chunks_and_parsed() {
    let hits: Vec<_> = (0..5000).map(|n| json!({"_source": {"n": n}})).collect();
    let body = json!({"hits": {"hits": hits}});
    let bytes = serde_json::to_vec(&body).unwrap();
    let (url, handle) = raw_server(Answer {
        chunk: 1000,
        ..Answer::chunked(bytes.clone())
    })
    .await;
    let client = limited_client(&[url], Some(bytes.len() as u64));

    let answer = client
        .call_as_internal_user("search", json!({}), CallApiOptions::default())
        .await
        .unwrap();
    assert_eq!(answer, body);
    drop(client);
    assert!(served(handle).await.finished);
}

#[tokio::test]
async fn a_streamed_answer_is_the_stub_body_byte_for_byte_with_its_status_and_headers() {
    let body = pattern(3 * MIB + 17);
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(body.clone(), "application/json")
                .insert_header("x-elastic-product", "Elasticsearch"),
        )
        .mount(&server)
        .await;
    // The limit is the body's size: at the limit, the answer streams.
    let client = limited_client(&[server.uri()], Some(body.len() as u64));
    let scoped = client.as_scoped(&FakeRequest::new().with_header("authorization", "Bearer user"));

    let answer = scoped
        .call_as_current_user_stream(
            "search",
            json!({"index": "logs", "body": {"size": 10}}),
            CallApiOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.content_type(), Some("application/json"));
    assert_eq!(
        answer.headers().get("x-elastic-product").unwrap(),
        "Elasticsearch"
    );
    let (read, error) = drain(answer.into_body()).await;
    assert_eq!(error, None);
    assert_eq!(read.len(), body.len());
    assert!(read == body, "the streamed bytes differ from the stub's");

    let requests = recorded(&server).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method.as_str(), "POST");
    assert_eq!(requests[0].url.path(), "/logs/_search");
    let mut expected = transport_headers(&server, "application/json", Some(requests[0].body.len()));
    expected.insert("authorization".to_owned(), "Bearer user".to_owned());
    assert_eq!(headers(&requests[0]), expected);
}

#[tokio::test]
async fn a_chunked_streamed_answer_is_the_server_body_byte_for_byte() {
    let body = pattern(5 * MIB + 3);
    let (url, handle) = raw_server(Answer {
        chunk: 100_000,
        ..Answer::chunked(body.clone())
    })
    .await;
    let client = limited_client(&[url], None);

    let answer = client
        .call_as_internal_user_stream("search", json!({}), CallApiOptions::default())
        .await
        .unwrap();
    let (read, error) = drain(answer.into_body()).await;
    assert_eq!(error, None);
    assert!(read == body, "the streamed bytes differ from the server's");
    drop(client);
    let served = served(handle).await;
    assert!(served.finished);
    assert!(served.request.starts_with("GET /_search HTTP/1.1\r\n"));
}

#[tokio::test]
async fn a_streamed_answer_over_the_limit_yields_the_error_and_the_connection_closes() {
    let (url, handle) = raw_server(Answer::chunked(big_answer())).await;
    let client = limited_client(&[url], Some(MIB as u64));

    let answer = client
        .call_as_internal_user_stream("search", json!({}), CallApiOptions::default())
        .await
        .unwrap();
    let (read, error) = drain(answer.into_body()).await;
    let error = error.expect("the stream failed");
    assert!(
        matches!(error, ElasticsearchError::ResponseTooLarge { limit, .. } if limit == MIB as u64),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "The answer of Elasticsearch is larger than elasticsearch.maxResponseSize ({MIB} bytes)."
        )
    );
    // What came before the error is the answer's start, and within the limit.
    assert!(read.len() <= MIB, "{} bytes passed the limit", read.len());
    assert!(read == pattern(read.len()));

    let served = served(handle).await;
    assert!(!served.finished, "{served:?}");
    assert!(served.body_written < UNREAD_BOUND, "{served:?}");
}

#[tokio::test]
async fn an_error_status_on_a_stream_call_is_the_usual_error() {
    let not_found = json!({"error": {"type": "index_not_found_exception", "reason": "no such index [missing]"}, "status": 404});
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::path("/missing/_search"))
        .respond_with(ResponseTemplate::new(404).set_body_json(not_found.clone()))
        .mount(&server)
        .await;
    let challenge = json!({"error": {"type": "security_exception", "reason": "missing authentication credentials", "header": {"WWW-Authenticate": "Negotiate"}}, "status": 401});
    Mock::given(wiremock::matchers::path("/secret/_search"))
        .respond_with(ResponseTemplate::new(401).set_body_json(challenge))
        .mount(&server)
        .await;
    let client = limited_client(&[server.uri()], Some(MIB as u64));
    let scoped = client.as_scoped(&FakeRequest::new());

    let error = scoped
        .call_as_current_user_stream(
            "search",
            json!({"index": "missing"}),
            CallApiOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(error.error_type(), Some("index_not_found_exception"));
    assert_eq!(error.body(), Some(&not_found));

    let error = scoped
        .call_as_current_user_stream(
            "search",
            json!({"index": "secret"}),
            CallApiOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(error.is_not_authorized(), "{error:?}");
    assert_eq!(error.www_authenticate(), Some("Negotiate"));

    // An error body is read within the limit too.
    let (url, handle) = raw_server(Answer {
        status: "500 Internal Server Error",
        ..Answer::chunked(big_answer())
    })
    .await;
    let client = limited_client(&[url], Some(MIB as u64));
    let error = client
        .call_as_internal_user_stream("search", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, ElasticsearchError::ResponseTooLarge { .. }),
        "{error:?}"
    );
    assert!(!served(handle).await.finished);
}

#[tokio::test]
async fn stream_calls_fail_over_like_any_call() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_raw("{\"ok\":true}", "application/json"))
        .mount(&server)
        .await;

    // A refused connection: the request never left, so even a POST moves on.
    let dead = refused_url();
    let client = limited_client(&[dead.clone(), server.uri()], None);
    let answer = client
        .call_as_internal_user_stream(
            "index",
            json!({"index": "logs", "body": {"message": "hi"}}),
            CallApiOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(drain(answer.into_body()).await.0, b"{\"ok\":true}");
    let statuses = client.host_statuses();
    assert_eq!(
        (statuses[0].url.as_str(), statuses[0].alive),
        (dead.as_str(), false)
    );
    assert_eq!(recorded(&server).await.len(), 1);

    // A connection that broke once the request was sent: an idempotent request moves on...
    let (resetting, swallowed) = resetting_host().await;
    let client = limited_client(&[resetting, server.uri()], None);
    let answer = client
        .call_as_internal_user_stream("cluster.health", json!({}), CallApiOptions::default())
        .await
        .unwrap();
    assert_eq!(drain(answer.into_body()).await.0, b"{\"ok\":true}");
    assert_eq!(swallowed.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(recorded(&server).await.len(), 2);

    // ... and a POST, which may have been applied, is not sent again.
    let (resetting, swallowed) = resetting_host().await;
    let client = limited_client(&[resetting, server.uri()], None);
    let error = client
        .call_as_internal_user_stream(
            "index",
            json!({"index": "logs", "body": {"message": "hi"}}),
            CallApiOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, ElasticsearchError::Transport { .. }),
        "{error:?}"
    );
    assert_eq!(swallowed.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(recorded(&server).await.len(), 2);
}

#[tokio::test]
async fn stream_calls_carry_the_opaque_id_and_the_scoped_headers() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
        .mount(&server)
        .await;
    let client = limited_client(&[server.uri()], None);
    let scoped = client
        .as_scoped(&FakeRequest::new().with_header("authorization", "Bearer user"))
        .with_opaque_id("req-1;kibana:search:/api/search/raw");

    for internal in [false, true] {
        let answer = if internal {
            scoped
                .call_as_internal_user_stream("search", json!({}), CallApiOptions::default())
                .await
        } else {
            scoped
                .call_as_current_user_stream("search", json!({}), CallApiOptions::default())
                .await
        };
        assert_eq!(drain(answer.unwrap().into_body()).await.0, b"{}");
    }
    // A caller's own x-opaque-id wins.
    let answer = scoped
        .call_as_current_user_stream(
            "search",
            json!({"headers": {"x-opaque-id": "mine"}}),
            CallApiOptions::default(),
        )
        .await
        .unwrap();
    drain(answer.into_body()).await;

    let requests = recorded(&server).await;
    assert_eq!(requests.len(), 3);
    let expected = |authorization: &str, opaque_id: &str| {
        let mut expected = transport_headers(&server, "application/json", None);
        expected.insert("authorization".to_owned(), authorization.to_owned());
        expected.insert("x-opaque-id".to_owned(), opaque_id.to_owned());
        expected
    };
    let id = "req-1;kibana:search:/api/search/raw";
    assert_eq!(headers(&requests[0]), expected("Bearer user", id));
    assert_eq!(headers(&requests[1]), expected(INTERNAL_BASIC, id));
    assert_eq!(headers(&requests[2]), expected("Bearer user", "mine"));
}

#[tokio::test]
async fn aborting_a_stream_call_ends_its_body_and_closes_the_connection() {
    // The head and 64 KiB of the body arrive, then the server waits.
    let (url, handle) = raw_server(Answer {
        stall_after: Some(64 * 1024),
        ..Answer::chunked(pattern(MIB))
    })
    .await;
    let client = limited_client(&[url], None);
    let token = CancellationToken::new();
    let answer = client
        .call_as_internal_user_stream(
            "search",
            json!({}),
            CallApiOptions::default().signal(token.clone()),
        )
        .await
        .unwrap();
    let mut body = answer.into_body();
    let mut read = 0;
    while read < 64 * 1024 {
        let chunk: Bytes = body.next().await.unwrap().unwrap();
        read += chunk.len();
    }
    token.cancel();
    assert_eq!(
        body.next().await.unwrap().unwrap_err(),
        ElasticsearchError::Aborted
    );
    assert!(body.next().await.is_none());

    // The server saw the client hang up while the client is still alive.
    let served = served(handle).await;
    assert!(!served.finished);
    drop(client);
}

#[tokio::test]
async fn the_timeout_covers_the_streamed_body() {
    let (url, handle) = raw_server(Answer {
        stall_after: Some(64 * 1024),
        ..Answer::chunked(pattern(MIB))
    })
    .await;
    let client = limited_client(std::slice::from_ref(&url), None);
    let answer = client
        .call_as_internal_user_stream(
            "search",
            json!({}),
            CallApiOptions::default().timeout(Duration::from_millis(500)),
        )
        .await
        .unwrap();
    let (read, error) = drain(answer.into_body()).await;
    assert_eq!(read.len(), 64 * 1024);
    assert_eq!(
        error,
        Some(ElasticsearchError::Timeout {
            host: url,
            timeout_ms: 500
        })
    );
    assert!(!served(handle).await.finished);
}
