//! Finding the library packages of a workspace (cargo metadata) and building their rustdoc JSON.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::site::Package;

/// The package named first in the index and whose pages other packages' re-exports prefer: the plugin-facing facade.
pub(crate) const FACADE: &str = "core-server";

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<MetadataPackage>,
    workspace_members: Vec<String>,
    workspace_default_members: Vec<String>,
    workspace_root: PathBuf,
}

#[derive(Deserialize)]
struct MetadataPackage {
    id: String,
    name: String,
    description: Option<String>,
    manifest_path: PathBuf,
    targets: Vec<MetadataTarget>,
}

#[derive(Deserialize)]
struct MetadataTarget {
    name: String,
    kind: Vec<String>,
}

#[derive(Deserialize)]
struct FormatVersion {
    format_version: u32,
}

/// A workspace member with a library target.
struct Library {
    package: String,
    crate_name: String,
    description: String,
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Where the documented libraries of a workspace live: the platform's crates and the example plugins, those of them
/// that are default members (bench-support, bench-only code, is not). The distribution, benches, fuzz targets and
/// xtask are not API. A workspace with none of these directories (the tests' fixture) has all its library members
/// documented.
const DOCUMENTED_DIRS: [&str; 2] = ["crates", "examples/plugins"];

/// The library members of the workspace of `manifest` (the default members under [`DOCUMENTED_DIRS`] when it has
/// any), the facade first, then by name.
fn libraries(manifest: &Path) -> Result<Vec<Library>> {
    let output = Command::new(cargo())
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(manifest)
        .output()
        .context("cannot run `cargo metadata`")?;
    if !output.status.success() {
        bail!(
            "`cargo metadata` failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: Metadata = serde_json::from_slice(&output.stdout)
        .context("cannot read the output of `cargo metadata`")?;
    let dirs = documented_dirs(&metadata.workspace_root);
    let mut libraries: Vec<Library> = metadata
        .packages
        .into_iter()
        .filter(|p| metadata.workspace_members.contains(&p.id))
        .filter(|p| {
            dirs.is_empty()
                || metadata.workspace_default_members.contains(&p.id)
                    && documented(&dirs, &p.manifest_path)
        })
        .filter_map(|p| {
            let lib = p
                .targets
                .iter()
                .find(|t| t.kind.iter().any(|k| k == "lib" || k == "rlib"))?;
            Some(Library {
                crate_name: lib.name.replace('-', "_"),
                description: p.description.clone().unwrap_or_default().trim().to_owned(),
                package: p.name,
            })
        })
        .collect();
    sort_facade_first(&mut libraries, |l| &l.package);
    Ok(libraries)
}

/// The [`DOCUMENTED_DIRS`] that exist in the workspace at `root`.
fn documented_dirs(root: &Path) -> Vec<PathBuf> {
    DOCUMENTED_DIRS
        .iter()
        .map(|dir| root.join(dir))
        .filter(|dir| dir.is_dir())
        .collect()
}

/// Whether the package of `manifest` is documented: it lives under one of `dirs`, or `dirs` is empty.
fn documented(dirs: &[PathBuf], manifest: &Path) -> bool {
    dirs.is_empty() || dirs.iter().any(|dir| manifest.starts_with(dir))
}

/// Builds the rustdoc JSON of every library of the workspace of `manifest` into `target_dir` and loads it.
///
/// Rustdoc's JSON output is unstable, so it needs `RUSTC_BOOTSTRAP=1` on the pinned stable toolchain; the format
/// is pinned by checking `format_version` against the `rustdoc-types` crate. The separate target dir keeps the
/// bootstrap flag from invalidating the main target's build fingerprints.
pub(crate) fn load(manifest: &Path, target_dir: &Path) -> Result<Vec<Package>> {
    let libraries = libraries(manifest)?;
    if libraries.is_empty() {
        bail!(
            "no library package in the workspace of {}",
            manifest.display()
        );
    }
    let mut command = Command::new(cargo());
    command
        .args([
            "doc",
            "--no-deps",
            "--lib",
            "--all-features",
            "--manifest-path",
        ])
        .arg(manifest)
        .arg("--target-dir")
        .arg(target_dir);
    for library in &libraries {
        command.args(["--package", &library.package]);
    }
    // Rustdoc's own warnings (broken links) are the `cargo doc -D warnings` step's business; here they would only
    // repeat.
    command.env("RUSTC_BOOTSTRAP", "1").env(
        "RUSTDOCFLAGS",
        "-Z unstable-options --output-format json --cap-lints allow",
    );
    eprintln!("$ cargo doc (rustdoc JSON) for {}", names(&libraries));
    let status = command.status().context("cannot run `cargo doc`")?;
    if !status.success() {
        bail!("`cargo doc` with rustdoc JSON output failed ({status}); see the errors above");
    }
    libraries
        .into_iter()
        .map(|library| {
            let path = json_path(target_dir, &library.crate_name);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read rustdoc JSON {}", path.display()))?;
            let version: FormatVersion = serde_json::from_str(&text)
                .with_context(|| format!("{} is not rustdoc JSON", path.display()))?;
            if version.format_version != rustdoc_types::FORMAT_VERSION {
                bail!(
                    "{}: rustdoc JSON format {} but rustdoc-types reads format {}; keep the toolchain pin \
                     (rust-toolchain.toml) and the rustdoc-types version in step",
                    path.display(),
                    version.format_version,
                    rustdoc_types::FORMAT_VERSION
                );
            }
            let krate: rustdoc_types::Crate = serde_json::from_str(&text)
                .with_context(|| format!("cannot read rustdoc JSON {}", path.display()))?;
            Ok(Package { name: library.package, description: library.description, krate })
        })
        .collect()
}

/// The facade first, then by name.
fn sort_facade_first<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by(|a, b| (name(a) != FACADE, name(a)).cmp(&(name(b) != FACADE, name(b))));
}

fn names(libraries: &[Library]) -> String {
    libraries
        .iter()
        .map(|l| l.package.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn json_path(target_dir: &Path, crate_name: &str) -> PathBuf {
    target_dir.join("doc").join(format!("{crate_name}.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_facade_comes_first_then_names_in_order() {
        let mut names = vec!["core-logging", "core-server", "core-config", "core-http"];
        sort_facade_first(&mut names, |n| n);
        assert_eq!(
            names,
            ["core-server", "core-config", "core-http", "core-logging"]
        );
    }

    #[test]
    fn the_crates_and_the_example_plugins_are_documented_and_nothing_else() {
        let root = tempfile::tempdir().unwrap();
        for dir in [
            "crates/http",
            "examples/plugins/greeting",
            "distribution",
            "xtask",
        ] {
            std::fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        let dirs = documented_dirs(root.path());
        let is_documented =
            |member: &str| documented(&dirs, &root.path().join(member).join("Cargo.toml"));
        assert!(is_documented("crates/http"));
        assert!(is_documented("examples/plugins/greeting"));
        assert!(!is_documented("distribution"));
        assert!(!is_documented("xtask"));

        // A workspace without those directories (the tests' fixture) has every library documented.
        let fixture = tempfile::tempdir().unwrap();
        let dirs = documented_dirs(fixture.path());
        assert!(dirs.is_empty());
        assert!(documented(&dirs, &fixture.path().join("base/Cargo.toml")));
    }
}
