//! Starts the server binary as a child process with a temporary home and config, collects its
//! output line by line, finds the address it listens on, and sends it signals.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long to wait for something the server is expected to do (a generous bound for a loaded
/// machine; the tests never assert on durations).
pub(crate) const PATIENCE: Duration = Duration::from_secs(60);

/// Which binary to start.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Binary {
    /// The distribution.
    Server,
    /// The distribution plus test plugins (`slow`, and `failing`/`sleepy` on request).
    Fixtures,
}

impl Binary {
    fn path(self) -> &'static str {
        match self {
            Binary::Server => env!("CARGO_BIN_EXE_core-server"),
            Binary::Fixtures => env!("CARGO_BIN_EXE_core-server-fixtures"),
        }
    }
}

/// A temporary home directory (the child's working directory) with an optional config file.
pub(crate) struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to `relative` under the home, creating directories.
    pub(crate) fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dir");
        }
        std::fs::write(&path, text).expect("write file");
        path
    }
}

/// The lines a child printed, shared with the threads reading its pipes.
#[derive(Clone, Default)]
pub(crate) struct Output(Arc<Mutex<Vec<String>>>);

impl Output {
    /// Reads `pipe` line by line on a thread that ends at end of file (when the child exits).
    fn collect(&self, pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<()> {
        let lines = Arc::clone(&self.0);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(line);
            }
        })
    }

    pub(crate) fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn text(&self) -> String {
        self.lines().join("\n")
    }

    /// The index of the first line containing `needle`.
    pub(crate) fn position(&self, needle: &str) -> Option<usize> {
        self.lines().iter().position(|line| line.contains(needle))
    }
}

/// A running (or finished) server process; killed on drop if still running.
pub(crate) struct ServerProcess {
    child: Child,
    pub(crate) output: Output,
    status: Option<ExitStatus>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

/// Builder for a server process.
pub(crate) struct Launch {
    binary: Binary,
    args: Vec<String>,
    env: Vec<(String, String)>,
    cwd: PathBuf,
}

impl Launch {
    /// `binary` in `home`, listening on a free port of 127.0.0.1, Elasticsearch pointed at a
    /// port where nothing listens (unless the test sets `elasticsearch.hosts`).
    pub(crate) fn new(binary: Binary, home: &Home) -> Self {
        Self {
            binary,
            args: vec![
                "--host".into(),
                "127.0.0.1".into(),
                "--port".into(),
                "0".into(),
            ],
            env: Vec::new(),
            cwd: home.path().to_path_buf(),
        }
    }

    pub(crate) fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// `--elasticsearch url`: the hosts the server talks to.
    pub(crate) fn elasticsearch(self, url: &str) -> Self {
        self.arg("--elasticsearch").arg(url)
    }

    pub(crate) fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn spawn(self) -> ServerProcess {
        let mut command = Command::new(self.binary.path());
        command
            .args(&self.args)
            .current_dir(&self.cwd)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in &self.env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("the server binary starts");
        let output = Output::default();
        let readers = vec![
            output.collect(child.stdout.take().expect("stdout")),
            output.collect(child.stderr.take().expect("stderr")),
        ];
        ServerProcess {
            child,
            output,
            status: None,
            readers,
        }
    }

    /// Spawns and waits until the server says it is ready.
    pub(crate) async fn start(self) -> RunningServer {
        let process = self.spawn();
        RunningServer::ready(process).await
    }
}

impl ServerProcess {
    /// Waits until a line contains `needle`; panics with the output after [`PATIENCE`] or when
    /// the process exits first.
    pub(crate) async fn wait_for_line(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(line) = self
                .output
                .lines()
                .into_iter()
                .find(|line| line.contains(needle))
            {
                return line;
            }
            if self.status.is_none()
                && let Ok(Some(status)) = self.child.try_wait()
            {
                self.status = Some(status);
                self.drain().await;
                continue;
            }
            assert!(
                self.status.is_none() && Instant::now() < deadline,
                "no line containing {needle:?}; process status {:?}; output:\n{}",
                self.status,
                self.output.text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for the process to exit and returns its exit code.
    pub(crate) async fn wait_for_exit(&mut self) -> i32 {
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.status {
                break status;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                self.status = Some(status);
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit; output:\n{}",
                self.output.text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        self.drain().await;
        status.code().unwrap_or_else(|| {
            panic!(
                "killed by a signal: {status:?}; output:\n{}",
                self.output.text()
            )
        })
    }

    /// Waits until the reader threads have read everything the exited child wrote.
    async fn drain(&mut self) {
        for reader in self.readers.drain(..) {
            let _ = tokio::task::spawn_blocking(move || reader.join()).await;
        }
    }

    /// Sends `signal` (`TERM`, `INT`, `HUP`) with the system's `kill` command.
    pub(crate) fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} failed");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if self.status.is_none() && matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A server that said it is ready, with its base URL and an HTTP client.
pub(crate) struct RunningServer {
    pub(crate) process: ServerProcess,
    pub(crate) base_url: String,
    pub(crate) client: reqwest::Client,
}

impl RunningServer {
    async fn ready(mut process: ServerProcess) -> Self {
        let line = process.wait_for_line("Server ready in").await;
        let address = line
            .rsplit("listening on ")
            .next()
            .expect("address in the ready line")
            .trim()
            .to_owned();
        Self {
            process,
            base_url: format!("http://{address}"),
            client: reqwest::Client::new(),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// `GET path` → (status, JSON body).
    pub(crate) async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("GET answered");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// Sends SIGTERM and returns the exit code.
    pub(crate) async fn stop(&mut self) -> i32 {
        self.process.signal("TERM");
        self.process.wait_for_exit().await
    }
}

/// An Elasticsearch URL where nothing listens: the server sees Elasticsearch down.
pub(crate) fn unreachable_elasticsearch() -> String {
    format!("http://127.0.0.1:{}", closed_port())
}

/// A port where nothing listens (bound, then released).
pub(crate) fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}
