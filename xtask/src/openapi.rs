//! `cargo xtask openapi [--check]`: the OpenAPI document of the `core-server` binary's routes
//! (core's and the example plugins') in `docs/openapi/openapi.json`.
//!
//! The document is what the server itself answers at `GET /api/oas`: the binary is built, run
//! on a free port of 127.0.0.1 in a temporary home (Elasticsearch pointed at a closed port: the
//! server serves without it), asked once, and stopped. It is a pure function of the routes, so
//! `--check` fails when the checked-in file differs, naming the command that refreshes it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::shell::{cargo, workspace_root};

/// How long the server may take to say it is ready, and to answer.
const PATIENCE: Duration = Duration::from_secs(60);

/// The checked-in document, relative to the workspace root.
pub(crate) const OPENAPI_FILE: &str = "docs/openapi/openapi.json";

/// The arguments of `cargo xtask openapi`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::Args)]
pub(crate) struct OpenapiArgs {
    /// Check that docs/openapi/openapi.json is current instead of writing it
    #[arg(long)]
    pub(crate) check: bool,
}

/// `cargo xtask openapi [--check]`.
pub(crate) fn run(args: &OpenapiArgs) -> Result<()> {
    let check = args.check;
    let root = workspace_root();
    cargo(&["build", "-p", "distribution", "--bin", "core-server"])?;
    let document = fetch_document(&binary_path(&root))?;
    let path = root.join(OPENAPI_FILE);
    if check {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != document {
            bail!(
                "{OPENAPI_FILE} is stale or missing: run `cargo xtask openapi` and commit the result"
            );
        }
        eprintln!("{OPENAPI_FILE} is current");
    } else {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, document).with_context(|| format!("cannot write {OPENAPI_FILE}"))?;
        eprintln!("wrote {OPENAPI_FILE}");
    }
    Ok(())
}

fn binary_path(root: &Path) -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let target = if target.is_relative() {
        root.join(target)
    } else {
        target
    };
    target.join("debug").join("core-server")
}

/// Kills the server when dropped, whatever happened.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the binary, reads `GET /api/oas` and returns it pretty-printed, ending with a newline.
fn fetch_document(binary: &Path) -> Result<String> {
    let home = std::env::temp_dir().join(format!("xtask-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&home)?;
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = Command::new(binary)
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--server.oas.enabled=true",
        ])
        .arg("--elasticsearch")
        .arg(format!("http://127.0.0.1:{closed_port}"))
        .current_dir(&home)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    let stdout = child.stdout.take().context("no stdout")?;
    let server = Server(child);
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + PATIENCE;
    let address = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = received
            .recv_timeout(left)
            .context("the server did not say it was ready in time (or exited)")?;
        if line.contains("Server ready in")
            && let Some(address) = line.rsplit("listening on ").next()
        {
            break address.trim().to_owned();
        }
    };
    let body = http_get(&address, "/api/oas")?;
    drop(server);
    let _ = std::fs::remove_dir_all(&home);
    let value: serde_json::Value =
        serde_json::from_slice(&body).context("`GET /api/oas` did not answer JSON")?;
    Ok(serde_json::to_string_pretty(&value)? + "\n")
}

/// A plain HTTP/1.1 `GET` (the answer is small and uncompressed: no `Accept-Encoding`).
fn http_get(address: &str, path: &str) -> Result<Vec<u8>> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(PATIENCE))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let split = answer
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .context("no end of headers in the answer")?;
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    let body = &answer[split + 4..];
    if !head.starts_with("http/1.1 200") {
        bail!(
            "`GET {path}` answered {}",
            head.lines().next().unwrap_or("")
        );
    }
    if head.contains("transfer-encoding: chunked") {
        return dechunk(body);
    }
    Ok(body.to_vec())
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|window| window == b"\r\n")
            .context("truncated chunk")?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(body.get(..size).context("truncated chunk")?);
        body = body.get(size + 2..).context("truncated chunk")?;
    }
}
