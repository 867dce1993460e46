//! Generated-code steps.
//!
//! - `cargo xtask codegen --vendor <rest-api-spec dir>` trims Elasticsearch's REST API spec (one JSON file per
//!   endpoint) down to facts (names, methods, paths, parts, parameter names and types) and writes the committed
//!   copy `crates/elasticsearch/spec/rest-api-spec.json`. Descriptions and documentation links are dropped.
//! - `cargo xtask codegen` generates `crates/elasticsearch/src/generated/endpoints.rs` from that committed copy,
//!   so it works on a fresh clone where the full spec is not around.
//! - `cargo xtask codegen --check` generates in memory and fails, naming the stale files and the command to run,
//!   when the committed files differ.

mod endpoints;
mod vendor;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::shell::workspace_root;

/// The trimmed spec, relative to the workspace root.
const SPEC_PATH: &str = "crates/elasticsearch/spec/rest-api-spec.json";
/// The generated endpoint table, relative to the workspace root.
const ENDPOINTS_PATH: &str = "crates/elasticsearch/src/generated/endpoints.rs";

/// The arguments of `cargo xtask codegen`; without a flag, the generated files are written.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub(crate) struct CodegenArgs {
    /// Check that the generated files are current instead of writing them
    #[arg(long, conflicts_with = "vendor")]
    pub(crate) check: bool,
    /// Re-vendor the trimmed Elasticsearch REST spec from a rest-api-spec checkout's api directory, then
    /// regenerate
    #[arg(long, value_name = "REST_API_SPEC_DIR")]
    pub(crate) vendor: Option<PathBuf>,
}

/// `cargo xtask codegen [--check | --vendor <dir>]`.
pub(crate) fn run(args: &CodegenArgs) -> Result<()> {
    let root = workspace_root();
    if let Some(dir) = &args.vendor {
        let trimmed = vendor::trim_spec_dir(dir)?;
        write_if_changed(&root.join(SPEC_PATH), &trimmed)?;
        return generate(&root, Mode::Write);
    }
    let mode = if args.check { Mode::Check } else { Mode::Write };
    generate(&root, mode)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Write,
    Check,
}

/// Every generated file, as (path relative to the root, expected contents).
fn expected_files(root: &Path) -> Result<Vec<(&'static str, String)>> {
    let spec_path = root.join(SPEC_PATH);
    let spec = std::fs::read_to_string(&spec_path).with_context(|| {
        format!(
            "cannot read {}; vendor it with `cargo xtask codegen --vendor <rest-api-spec dir>`",
            spec_path.display()
        )
    })?;
    let table =
        endpoints::generate(&spec).with_context(|| format!("in {}", spec_path.display()))?;
    Ok(vec![(ENDPOINTS_PATH, table)])
}

fn generate(root: &Path, mode: Mode) -> Result<()> {
    let mut stale: Vec<PathBuf> = Vec::new();
    for (relative, contents) in expected_files(root)? {
        let path = root.join(relative);
        match mode {
            Mode::Write => write_if_changed(&path, &contents)?,
            Mode::Check => {
                let current = std::fs::read_to_string(&path).unwrap_or_default();
                if current != contents {
                    stale.push(PathBuf::from(relative));
                }
            }
        }
    }
    if !stale.is_empty() {
        let names: Vec<String> = stale.iter().map(|p| p.display().to_string()).collect();
        bail!(
            "generated files are out of date: {}\nrun `cargo xtask codegen` and commit the result",
            names.join(", ")
        );
    }
    Ok(())
}

fn write_if_changed(path: &Path, contents: &str) -> Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|current| current == contents) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("updated {}", path.display());
    Ok(())
}
