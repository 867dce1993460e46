//! `cargo xtask docs [--check]`: API docs in the layout of Kibana's API Documenter pages, generated from rustdoc
//! JSON into `docs/api/`.
//!
//! - `index.md`: the library packages with their descriptions; then per package a package page, a page per public
//!   item (`<package>.<item>.md`) and per method or field (`<package>.<item>.<member>.md`), and an API report
//!   (`<package>.api.md`) listing every public signature.
//! - `kibana-mapping.md`: the seed's `kibana-plugin-server` items mapped to their Rust counterparts.
//!
//! The output is a pure function of the crates' public API: sorted, without timestamps or absolute paths, LF line
//! endings. `--check` regenerates in memory and lists every stale, missing or extra file. A public item without
//! docs fails generation with its path, and so does a function whose `# Arguments` list (`* `name` - text`, the
//! source of its parameter table) names something that is not a parameter or holds more than the list.
//!
//! `--manifest-path <Cargo.toml>` and `--out <dir>` document another workspace (the tests' fixture crate); the
//! Kibana mapping belongs to this project and is only generated for it.
//!
//! Why rustdoc JSON rather than parsing sources with syn: rustdoc has already resolved what the pages depend on,
//! `pub use` chains across crates (core-server re-exports the service crates), intra-doc links, macro-expanded
//! and cfg'd items, and trait implementations (derived, auto and blanket ones told apart). Its format is unstable,
//! so it is built on the pinned toolchain with `RUSTC_BOOTSTRAP=1` into `target/xtask-docs` and read with
//! `rustdoc-types` pinned to the same format version (see `rustdoc.rs`).

mod decl;
mod mapping;
mod markdown;
mod render;
mod report;
mod rustdoc;
mod sig;
mod site;
mod verify;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::shell::workspace_root;

/// The arguments of `cargo xtask docs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub(crate) struct DocsArgs {
    /// Check that the docs are current instead of writing them; lists every stale, missing or extra file
    #[arg(long)]
    pub(crate) check: bool,
    /// Document the workspace of this manifest instead of this project (no Kibana mapping page then)
    #[arg(long, value_name = "CARGO_TOML")]
    pub(crate) manifest_path: Option<PathBuf>,
    /// Write (or check) the pages in this directory instead of docs/api/
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
}

struct Options {
    check: bool,
    manifest: PathBuf,
    out: PathBuf,
    /// Whether the Kibana mapping page is generated (only for this project's workspace).
    kibana_mapping: bool,
}

fn parse(args: &DocsArgs) -> Options {
    let root = workspace_root();
    Options {
        check: args.check,
        manifest: args
            .manifest_path
            .clone()
            .unwrap_or_else(|| root.join("Cargo.toml")),
        out: args
            .out
            .clone()
            .unwrap_or_else(|| root.join("docs").join("api")),
        kibana_mapping: args.manifest_path.is_none(),
    }
}

/// `cargo xtask docs [--check] [--manifest-path <Cargo.toml>] [--out <dir>]`.
pub(crate) fn run(args: &DocsArgs) -> Result<()> {
    let options = parse(args);
    // Next to the rest of the build: `CARGO_TARGET_DIR` when set (as `cargo xtask bench` does), else target/.
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
        .join("xtask-docs");
    let files = generate(&options.manifest, &target_dir, options.kibana_mapping)?;
    if options.check {
        let mut fix = "cargo xtask docs".to_owned();
        if let Some(manifest) = &args.manifest_path {
            fix += &format!(" --manifest-path {}", manifest.display());
        }
        if let Some(out) = &args.out {
            fix += &format!(" --out {}", out.display());
        }
        check(&options.out, &files, &fix)
    } else {
        write(&options.out, &files)
    }
}

/// The docs check `cargo xtask ci` runs: the API docs are current.
pub(crate) fn check_workspace() -> Result<()> {
    run(&DocsArgs {
        check: true,
        ..DocsArgs::default()
    })
}

/// Every file of docs/api/, by name.
fn generate(
    manifest: &Path,
    target_dir: &Path,
    kibana_mapping: bool,
) -> Result<BTreeMap<String, String>> {
    let packages = rustdoc::load(manifest, target_dir)?;
    let started = std::time::Instant::now();
    let site = site::Site::build(&packages);
    if !site.missing_docs.is_empty() {
        bail!(
            "public items without a doc comment (every public item needs one):\n{}",
            site.missing_docs
                .iter()
                .map(|path| format!("  {path}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    if !site.argument_problems.is_empty() {
        bail!(
            "`# Arguments` sections that do not match their function (its parameter table would be wrong):\n{}",
            site.argument_problems
                .iter()
                .map(|problem| format!("  {problem}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    let mut files = render::pages(&site, kibana_mapping);
    for (i, page) in site.pages.iter().enumerate() {
        if page.kind == site::PageKind::Package {
            let stem = page.file.trim_end_matches(".md");
            files.insert(format!("{stem}.api.md"), report::api_report(&site, i));
        }
    }
    if kibana_mapping {
        let lookup = |path: &str| {
            site.page_for_path(path).and_then(|page| {
                let item = site.item(page)?;
                Some(mapping::Target {
                    file: site.pages[page].file.clone(),
                    name: site.pages[page].name.clone(),
                    kind: decl::kind_word(item).to_owned(),
                })
            })
        };
        let (text, unmapped) = mapping::render(mapping::SEED, mapping::REQUIRE_COMPLETE, &lookup)?;
        if !unmapped.is_empty() {
            eprintln!(
                "note: {} of {} Kibana seed items have no Rust counterpart in xtask/src/docs/mapping.rs yet: {}",
                unmapped.len(),
                mapping::SEED.len(),
                unmapped.join(", ")
            );
        }
        files.insert("kibana-mapping.md".to_owned(), text);
    }
    // LF only, whatever line endings the sources had.
    let files = files
        .into_iter()
        .map(|(name, text)| (name, text.replace("\r\n", "\n")))
        .collect();
    verify::verify(&files)?;
    eprintln!(
        "generated {} files in {} ms",
        files.len(),
        started.elapsed().as_millis()
    );
    Ok(files)
}

/// Markdown files currently in `dir`.
fn existing(dir: &Path) -> Result<Vec<String>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && entry.path().is_file() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn write(dir: &Path, files: &BTreeMap<String, String>) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = 0;
    for (name, text) in files {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            written += 1;
        }
    }
    let mut removed = 0;
    for name in existing(dir)? {
        if !files.contains_key(&name) {
            let path = dir.join(&name);
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
            removed += 1;
        }
    }
    eprintln!(
        "{}: {} files, {written} written, {removed} removed",
        dir.display(),
        files.len()
    );
    Ok(())
}

fn check(dir: &Path, files: &BTreeMap<String, String>, fix: &str) -> Result<()> {
    let mut problems = Vec::new();
    for (name, text) in files {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(current) if current == *text => {}
            Ok(_) => problems.push(format!("  stale:   {name}")),
            Err(_) => problems.push(format!("  missing: {name}")),
        }
    }
    for name in existing(dir)? {
        if !files.contains_key(&name) {
            problems.push(format!("  extra:   {name}"));
        }
    }
    if problems.is_empty() {
        eprintln!("{}: {} files up to date", dir.display(), files.len());
        return Ok(());
    }
    bail!(
        "the API docs in {} do not match the code:\n{}\nrun `{fix}` to regenerate them",
        dir.display(),
        problems.join("\n")
    )
}
