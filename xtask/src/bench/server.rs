//! Starting a server binary on a free port, waiting for its first 200, reading its RSS, stopping it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// How long a server may take to answer its first 200 before the bench gives up on it.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// A running server process; killed when dropped so a failed bench leaves nothing behind.
pub(crate) struct Server {
    name: String,
    child: Child,
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    /// Spawn to first 200 on the probe path.
    pub(crate) startup: Duration,
}

/// Which server and how to hand it the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The distribution's `core-server`, `--port N`, no config file.
    Core,
    /// `bench-plain-actix N`.
    Plain,
    /// `node benches/hapi-peer/server.js N`: Kibana 7.x's stack, the optional peer (see `hapi.rs`).
    Hapi,
}

impl Kind {
    /// Name used in messages and the report.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Core => "core-server",
            Kind::Plain => "bench-plain-actix",
            Kind::Hapi => "hapi-peer",
        }
    }
}

/// Spawns `kind` from `bin_dir` (the hapi peer: `node` from the `PATH`) on a free port and waits for a 200 on `GET /api/status`.
pub(crate) fn start(kind: Kind, bin_dir: &Path) -> Result<Server> {
    start_with(kind, bin_dir, &[])
}

/// Like [`start`], with extra arguments (core-server config overrides).
pub(crate) fn start_with(kind: Kind, bin_dir: &Path, extra_args: &[&str]) -> Result<Server> {
    let port = free_port()?;
    let mut command = match kind {
        Kind::Core | Kind::Plain => Command::new(bin_dir.join(kind.name())),
        Kind::Hapi => {
            let mut node = Command::new("node");
            node.arg(super::hapi::server_script());
            node
        }
    };
    match kind {
        Kind::Core => command.args(["--port", &port.to_string()]),
        Kind::Plain | Kind::Hapi => command.arg(port.to_string()),
    };
    let program = Path::new(command.get_program()).to_path_buf();
    command.args(extra_args);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", program.display()))?;
    let mut server = Server {
        name: kind.name().to_owned(),
        child,
        addr,
        startup: Duration::ZERO,
    };
    loop {
        if probe(addr) == Some(200) {
            server.startup = started.elapsed();
            return Ok(server);
        }
        if let Some(status) = server.child.try_wait()? {
            bail!("{} exited during startup ({status})", server.name);
        }
        if started.elapsed() > STARTUP_TIMEOUT {
            bail!(
                "{} did not answer 200 on GET /api/status within {STARTUP_TIMEOUT:?}",
                server.name
            );
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

impl Server {
    /// Resident set size in KiB, from `VmRSS` in `/proc/<pid>/status`.
    pub(crate) fn rss_kib(&self) -> Result<u64> {
        let path = format!("/proc/{}/status", self.child.id());
        let status =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
        parse_vm_rss(&status).with_context(|| format!("no VmRSS line in {path}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Logs in on the session_auth plugin's `POST /api/session_auth/login`; the `name=value` of the
/// session cookie it sets.
pub(crate) fn login(addr: SocketAddr, username: &str, password: &str) -> Result<String> {
    let body = serde_json::json!({ "username": username, "password": password }).to_string();
    let request = format!(
        "POST /api/session_auth/login HTTP/1.1\r\nhost: 127.0.0.1\r\nkbn-xsrf: bench\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream =
        TcpStream::connect(addr).with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .context("cannot read the login response")?;
    session_cookie(&response).with_context(|| {
        format!(
            "login as `{username}` set no cookie; response: {}",
            response.lines().next().unwrap_or("")
        )
    })
}

/// The `name=value` part of the first `Set-Cookie` header of a raw HTTP response.
pub(crate) fn session_cookie(response: &str) -> Option<String> {
    let head = response.split("\r\n\r\n").next()?;
    head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("set-cookie")
            .then(|| value.trim().split(';').next().unwrap_or("").to_owned())
    })
}

/// The `VmRSS:` value (KiB) of a `/proc/<pid>/status` text.
pub(crate) fn parse_vm_rss(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A port the OS just handed out; free again once the listener is dropped.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot bind a probe port")?;
    Ok(listener.local_addr()?.port())
}

/// One `GET /api/status` on a fresh connection; the status code, or `None` when not (yet) reachable.
fn probe(addr: SocketAddr) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(100)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream
        .write_all(b"GET /api/status HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
        .ok()?;
    let mut head = [0u8; 32];
    let mut read = 0;
    while read < 12 {
        let n = stream.read(&mut head[read..]).ok()?;
        if n == 0 {
            break;
        }
        read += n;
    }
    std::str::from_utf8(&head[..read])
        .ok()?
        .split(' ')
        .nth(1)?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_rss_is_read_in_kib() {
        let status = "Name:\tcore-server\nVmPeak:\t  9000 kB\nVmRSS:\t    5120 kB\nThreads:\t3\n";
        assert_eq!(parse_vm_rss(status), Some(5120));
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
    }

    #[test]
    fn session_cookie_is_the_name_and_value_of_set_cookie() {
        let response = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nSet-Cookie: sid=abc+/=; HttpOnly; Path=/\r\n\r\n{}";
        assert_eq!(session_cookie(response), Some("sid=abc+/=".to_owned()));
        assert_eq!(session_cookie("HTTP/1.1 401 Unauthorized\r\n\r\n"), None);
    }
}
