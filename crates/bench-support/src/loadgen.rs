//! A small closed-loop HTTP/1.1 load generator: core-http's benchmarks and `cargo xtask bench`
//! load their servers with it.
//!
//! `connections` keep-alive TCP connections each send one request, read the whole response
//! (`Content-Length` bodies), record the latency and send the next, until `duration` has passed.
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
async fn read_response(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    chunk: &mut [u8],
) -> Option<u16> {
    buffer.clear();
    let head_end = loop {
        if let Some(position) = find(buffer, b"\r\n\r\n") {
            break position + 4;
        }
        let read = stream.read(chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = std::str::from_utf8(&buffer[..head_end]).ok()?;
    let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
    let content_length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buffer.len() < head_end + content_length {
        let read = stream.read(chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    Some(status)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
