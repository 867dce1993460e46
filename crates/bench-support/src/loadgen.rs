//! A small closed-loop HTTP/1.1 load generator: core-http's benchmarks and `cargo xtask bench`
//! load their servers with it.
//!
//! `connections` keep-alive TCP connections each send one request, read the whole response
//! (framed by `Content-Length` or chunked), record the latency and send the next, until `duration` has passed.
//! Throughput is completed requests divided by the measured wall time; latency percentiles come
//! from every request's round trip.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What to send, where, how hard, for how long.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Server address.
    pub addr: SocketAddr,
    /// Concurrent keep-alive connections.
    pub connections: usize,
    /// How long to keep sending.
    pub duration: Duration,
    /// The full raw request (head and body), sent as is on every iteration.
    pub request: Vec<u8>,
    /// Status every response must have; others count as errors.
    pub expected_status: u16,
}

/// Results of one run.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// Completed requests with the expected status.
    pub requests: u64,
    /// Responses with another status, or I/O failures.
    pub errors: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Completed requests per second.
    pub requests_per_sec: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Slowest request.
    pub max: Duration,
}

/// Builds a raw HTTP/1.1 request with a body.
pub fn http_request(
    method: &str,
    path: &str,
    host: &str,
    content_type: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// Runs the load; call from a multi-threaded tokio runtime.
pub async fn run(config: &LoadConfig) -> LoadReport {
    let started = Instant::now();
    let deadline = started + config.duration;
    let tasks: Vec<_> = (0..config.connections)
        .map(|_| {
            let config = config.clone();
            tokio::spawn(async move { connection_loop(&config, deadline).await })
        })
        .collect();
    let mut latencies: Vec<u64> = Vec::new();
    let mut errors = 0;
    for task in tasks {
        match task.await {
            Ok((mut lat, errs)) => {
                latencies.append(&mut lat);
                errors += errs;
            }
            Err(_) => errors += 1,
        }
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let percentile = |p: f64| -> Duration {
        if latencies.is_empty() {
            return Duration::ZERO;
        }
        let index = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        Duration::from_nanos(latencies[index])
    };
    LoadReport {
        requests: latencies.len() as u64,
        errors,
        elapsed,
        requests_per_sec: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(0.50),
        p99: percentile(0.99),
        max: percentile(1.0),
    }
}

async fn connection_loop(config: &LoadConfig, deadline: Instant) -> (Vec<u64>, u64) {
    let mut latencies = Vec::with_capacity(64 * 1024);
    let mut errors = 0;
    let mut buffer = Vec::with_capacity(16 * 1024);
    let mut chunk = vec![0u8; 16 * 1024];
    'reconnect: while Instant::now() < deadline {
        let Ok(mut stream) = TcpStream::connect(config.addr).await else {
            errors += 1;
            continue;
        };
        let _ = stream.set_nodelay(true);
        while Instant::now() < deadline {
            let sent = Instant::now();
            if stream.write_all(&config.request).await.is_err() {
                errors += 1;
                continue 'reconnect;
            }
            match read_response(&mut stream, &mut buffer, &mut chunk).await {
                Some(status) if status == config.expected_status => {
                    latencies.push(sent.elapsed().as_nanos() as u64)
                }
                Some(_) => errors += 1,
                None => {
                    errors += 1;
                    continue 'reconnect;
                }
            }
        }
        break;
    }
    (latencies, errors)
}

/// Reads one response; returns its status, or `None` on I/O or framing errors.
///
/// The body is framed by `Content-Length` or by chunked transfer coding (compressed answers
/// are chunked); the head and chunk sizes are parsed with `httparse`.
async fn read_response(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    chunk: &mut [u8],
) -> Option<u16> {
    buffer.clear();
    let head = loop {
        match parse_head(buffer)? {
            Some(head) => break head,
            None => read_more(stream, buffer, chunk).await?,
        }
    };
    match head.body {
        BodyFraming::Length(length) => {
            while buffer.len() < head.len + length {
                read_more(stream, buffer, chunk).await?;
            }
        }
        BodyFraming::Chunked => {
            let mut position = head.len;
            loop {
                match next_chunk(&buffer[position..])? {
                    ChunkStep::Data(consumed) => position += consumed,
                    ChunkStep::Last => break,
                    ChunkStep::Incomplete => read_more(stream, buffer, chunk).await?,
                }
            }
        }
    }
    Some(head.status)
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>, chunk: &mut [u8]) -> Option<()> {
    let read = stream.read(chunk).await.ok()?;
    if read == 0 {
        return None;
    }
    buffer.extend_from_slice(&chunk[..read]);
    Some(())
}

/// How a response's body is delimited.
#[derive(Debug, PartialEq)]
enum BodyFraming {
    Length(usize),
    Chunked,
}

/// A parsed response head: its status, its length in bytes and how its body is framed.
#[derive(Debug, PartialEq)]
struct Head {
    status: u16,
    len: usize,
    body: BodyFraming,
}

/// Parses the head at the start of `buffer`: `Some(None)` while it is incomplete, `None` if it
/// is malformed.
fn parse_head(buffer: &[u8]) -> Option<Option<Head>> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(buffer).ok()? {
        httparse::Status::Complete(len) => len,
        httparse::Status::Partial => return Some(None),
    };
    let mut body = BodyFraming::Length(0);
    for header in response.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            body = BodyFraming::Length(
                std::str::from_utf8(header.value)
                    .ok()?
                    .trim()
                    .parse()
                    .ok()?,
            );
        } else if header.name.eq_ignore_ascii_case("transfer-encoding")
            && header.value.eq_ignore_ascii_case(b"chunked")
        {
            body = BodyFraming::Chunked;
            break;
        }
    }
    Some(Some(Head {
        status: response.code?,
        len,
        body,
    }))
}

/// One step through a chunked body.
#[derive(Debug, PartialEq)]
enum ChunkStep {
    /// A whole data chunk (size line, data, CRLF) of this many bytes.
    Data(usize),
    /// The last chunk and the empty trailer: the body is complete.
    Last,
    /// More bytes are needed.
    Incomplete,
}

fn next_chunk(rest: &[u8]) -> Option<ChunkStep> {
    let (size_len, size) = match httparse::parse_chunk_size(rest).ok()? {
        httparse::Status::Complete(parsed) => parsed,
        httparse::Status::Partial => return Some(ChunkStep::Incomplete),
    };
    if size == 0 {
        // No trailers are expected: the body ends with the CRLF after the last chunk.
        return Some(if rest.len() >= size_len + 2 {
            ChunkStep::Last
        } else {
            ChunkStep::Incomplete
        });
    }
    let whole = size_len + usize::try_from(size).ok()? + 2;
    Some(if rest.len() >= whole {
        ChunkStep::Data(whole)
    } else {
        ChunkStep::Incomplete
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_content_length_head_is_parsed() {
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";
        assert_eq!(
            parse_head(head),
            Some(Some(Head {
                status: 200,
                len: head.len() - 5,
                body: BodyFraming::Length(5),
            }))
        );
        assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\ncontent-le"), Some(None));
        assert_eq!(parse_head(b"garbage\r\n\r\n"), None);
    }

    #[test]
    fn a_chunked_body_is_walked_to_its_last_chunk() {
        let head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
        assert_eq!(
            parse_head(head).unwrap().unwrap().body,
            BodyFraming::Chunked
        );
        let body = b"4\r\nwiki\r\n5\r\npedia\r\n0\r\n\r\n";
        assert_eq!(next_chunk(body), Some(ChunkStep::Data(9)));
        assert_eq!(next_chunk(&body[9..]), Some(ChunkStep::Data(10)));
        assert_eq!(next_chunk(&body[19..]), Some(ChunkStep::Last));
        assert_eq!(next_chunk(&body[..6]), Some(ChunkStep::Incomplete));
        assert_eq!(next_chunk(&body[19..22]), Some(ChunkStep::Incomplete));
        assert_eq!(next_chunk(b"zz\r\n"), None);
    }
}
