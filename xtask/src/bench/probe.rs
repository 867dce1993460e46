//! Running the `bench-probes` binary (plugins, logging, Elasticsearch) and reading the JSON it prints.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde::de::DeserializeOwned;

/// The release `bench-probes` binary.
pub(crate) struct Probes {
    binary: PathBuf,
}

impl Probes {
    /// The binary in `bin_dir`.
    pub(crate) fn new(bin_dir: &Path) -> Self {
        Self {
            binary: bin_dir.join("bench-probes"),
        }
    }

    /// Runs `bench-probes <probe> <args>`, passing its progress through, and decodes its stdout.
    pub(crate) fn run<T: DeserializeOwned>(&self, probe: &str, args: &[&str]) -> Result<T> {
        eprintln!("probe {probe} {}", args.join(" "));
        let output = Command::new(&self.binary)
            .arg(probe)
            .args(args)
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("cannot run {}", self.binary.display()))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            bail!("probe `{probe}` failed ({}): {stdout}", output.status);
        }
        serde_json::from_str(stdout.trim())
            .with_context(|| format!("probe `{probe}` printed unexpected output: {stdout}"))
    }
}
