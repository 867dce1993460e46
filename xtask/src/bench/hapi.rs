//! The optional hapi peer: Kibana 7.x's per-request work on Node, `@hapi/hapi` 21 and joi
//! (`benches/hapi-peer`), measured on the same routes in the same run as core-server and plain
//! actix-web, for information (no target is judged on it).
//!
//! It needs `node` and `npm` on the `PATH` and is installed once per run with `npm ci` into
//! `benches/hapi-peer/node_modules`. It never fails the bench: when it cannot be installed, started
//! or loaded, it is skipped with a printed note and a note in the report. `--smoke` (CI) always skips
//! it, so CI depends on neither npm nor the network.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::report::HapiPeer;
use crate::shell;

/// The peer's folder.
pub(crate) fn dir() -> PathBuf {
    shell::workspace_root().join("benches").join("hapi-peer")
}

/// The script `node` runs, with the port as its only argument.
pub(crate) fn server_script() -> PathBuf {
    dir().join("server.js")
}

/// The npm command that installs the peer's locked dependencies.
const NPM_CI: [&str; 3] = ["ci", "--no-audit", "--no-fund"];

/// Installs the peer for this run, or says why it is skipped.
pub(crate) fn prepare(smoke: bool) -> HapiPeer {
    let mut peer = HapiPeer::default();
    if smoke {
        peer.skip(
            "not measured in --smoke mode (what CI runs): it needs node, npm and the network; \
             `cargo xtask bench --quick` or `cargo xtask bench` measure it",
        );
        return peer;
    }
    match install() {
        Ok(version) => {
            eprintln!("hapi peer: node {version}, dependencies installed with `npm ci`");
            peer.node_version = Some(version);
        }
        Err(why) => peer.skip(why),
    }
    peer
}

/// `node --version` after `npm ci` succeeded in the peer's folder.
fn install() -> Result<String, String> {
    let node = version_of("node")?;
    version_of("npm")?;
    let dir = dir();
    eprintln!("$ npm {} (in {})", NPM_CI.join(" "), dir.display());
    let output = Command::new("npm")
        .args(NPM_CI)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot run `npm {}`: {error}", NPM_CI.join(" ")))?;
    if !output.status.success() {
        // All of npm's output on the console; its first lines, which say what failed, in the report.
        let stderr = String::from_utf8_lossy(&output.stderr);
        eprint!("{}{stderr}", String::from_utf8_lossy(&output.stdout));
        let head: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .take(4)
            .collect();
        return Err(format!(
            "`npm {}` in benches/hapi-peer failed ({}): {}",
            NPM_CI.join(" "),
            output.status,
            head.join(" / ")
        ));
    }
    Ok(node)
}

/// The trimmed `--version` output of `program`, or why it is missing.
fn version_of(program: &str) -> Result<String, String> {
    match Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
    {
        Ok(output) if output.status.success() => {
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
        }
        Ok(output) => Err(format!("`{program} --version` failed ({})", output.status)),
        Err(_) => Err(format!(
            "`{program}` is not on the PATH (install Node.js and npm to add Kibana's stack to the report)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_is_a_reason_to_skip_not_an_error() {
        let why = version_of("xtask-bench-no-such-program").unwrap_err();
        assert!(why.contains("is not on the PATH"), "{why}");
    }

    #[test]
    fn smoke_mode_skips_the_peer_without_running_npm() {
        let peer = prepare(true);
        assert!(!peer.usable());
        assert!(peer.skipped.unwrap().contains("--smoke"));
        assert_eq!(peer.node_version, None);
    }

    #[test]
    fn the_server_script_is_in_the_peer_folder() {
        assert!(server_script().ends_with("benches/hapi-peer/server.js"));
        assert!(server_script().is_file());
    }
}
