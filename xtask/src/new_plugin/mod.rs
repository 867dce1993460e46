//! `cargo xtask new-plugin <id> [--dir DIR] [--requires a,b]`: writes a plugin crate that builds
//! and passes its tests, and lists it in the workspace and in the `core-server` binary
//! (Kibana's `node scripts/generate_plugin`).
//!
//! The crate has a manifest, a config struct, one route, a unit test of `setup()` and a
//! real-server test. The id is checked with the platform's own manifest rules (the messages of
//! startup), must be camelCase (the crate and type names derive from it), and must be new.
//! Required plugins must be plugins of this workspace: the crate depends on theirs so that its
//! server test can run them.

mod templates;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The arguments of `cargo xtask new-plugin`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub(crate) struct NewPluginArgs {
    /// The plugin id, in camelCase: the crate and type names derive from it
    id: String,
    /// The directory the crate is written under, in a subdirectory named after the id in snake_case
    #[arg(long, value_name = "DIR", default_value = "plugins")]
    dir: String,
    /// The plugins it requires, comma-separated: plugins of this workspace
    #[arg(
        long,
        value_name = "a,b",
        value_parser = plugin_ids,
        default_value = "",
        hide_default_value = true
    )]
    requires: ::std::vec::Vec<String>,
}

/// A comma-separated list of plugin ids, each trimmed, empty ones left out.
fn plugin_ids(list: &str) -> Result<Vec<String>, std::convert::Infallible> {
    Ok(list
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect())
}

/// A plugin crate of the workspace.
#[derive(Debug, Clone)]
struct KnownPlugin {
    /// Its package name.
    package: String,
    /// Its directory, relative to the workspace root.
    dir: PathBuf,
    /// Its `kibana.json`, relative to the workspace root.
    manifest: PathBuf,
    /// `requiredPlugins`.
    required: Vec<String>,
}

/// What the workspace already has: plugin ids and package names.
#[derive(Debug, Default)]
struct Workspace {
    plugins: BTreeMap<String, KnownPlugin>,
    packages: Vec<String>,
}

impl Workspace {
    /// Every package of the workspace at `root` (`cargo metadata`), and the plugins among them
    /// (a `kibana.json` next to the package's `Cargo.toml`).
    fn scan(root: &Path) -> Result<Self> {
        let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["metadata", "--no-deps", "--format-version", "1"])
            .current_dir(root)
            .output()
            .context("running cargo metadata")?;
        if !output.status.success() {
            bail!(
                "cargo metadata failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)?;
        let mut workspace = Self::default();
        for package in metadata["packages"].as_array().into_iter().flatten() {
            let (Some(name), Some(manifest_path)) =
                (package["name"].as_str(), package["manifest_path"].as_str())
            else {
                continue;
            };
            workspace.packages.push(name.to_owned());
            let dir = Path::new(manifest_path)
                .parent()
                .context("a package's Cargo.toml has a directory")?;
            let kibana_json = dir.join("kibana.json");
            let Ok(text) = std::fs::read_to_string(&kibana_json) else {
                continue;
            };
            let relative = |path: &Path| path.strip_prefix(root).unwrap_or(path).to_path_buf();
            let manifest = core_plugins::PluginManifest::parse(
                &text,
                &kibana_json.to_string_lossy(),
                "kibana",
            )
            .map_err(|error| anyhow::anyhow!("{error}"))?;
            workspace.plugins.insert(
                manifest.id.clone(),
                KnownPlugin {
                    package: name.to_owned(),
                    dir: relative(dir),
                    manifest: relative(&kibana_json),
                    required: manifest.required_plugins.clone(),
                },
            );
        }
        Ok(workspace)
    }
}

/// The names a plugin id gives.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Names {
    /// The plugin id, e.g. `myPlugin`.
    id: String,
    /// `my_plugin`: the directory, the library and the route prefix.
    snake: String,
    /// `my-plugin`: the package.
    package: String,
    /// `MyPlugin`: the prefix of the type names.
    pascal: String,
}

impl Names {
    fn of(id: &str) -> Self {
        let mut snake = String::new();
        for (index, c) in id.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if index > 0 {
                    snake.push('_');
                }
                snake.push(c.to_ascii_lowercase());
            } else {
                snake.push(c);
            }
        }
        let mut pascal = id.to_owned();
        if let Some(first) = pascal.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        Self {
            id: id.to_owned(),
            package: snake.replace('_', "-"),
            snake,
            pascal,
        }
    }
}

/// Everything to write, decided before anything is written.
#[derive(Debug)]
struct Plan {
    names: Names,
    /// The crate's directory, relative to the workspace root.
    dir: PathBuf,
    /// Direct requirements: (id, package, directory).
    requires: Vec<(String, KnownPlugin)>,
    /// Every plugin the server test must run besides this one (requirements, transitively).
    runs_with: Vec<(String, KnownPlugin)>,
}

/// Checks `args` against the workspace and Kibana's manifest rules.
fn plan(args: &NewPluginArgs, workspace: &Workspace, root: &Path) -> Result<Plan> {
    let names = Names::of(&args.id);
    let dir = Path::new(&args.dir).join(&names.snake);
    let manifest_path = dir.join("kibana.json");
    // The manifest the crate will have, read as startup reads it: Kibana's messages.
    let manifest = templates::manifest(&names, &args.requires);
    core_plugins::PluginManifest::parse(&manifest, &manifest_path.to_string_lossy(), "kibana")
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let camel = args
        .id
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase())
        && args.id.chars().all(|c| c.is_ascii_alphanumeric());
    if !camel {
        bail!(
            "Expect plugin \"id\" in camelCase, but found: {} (the crate and type names are made from it)",
            args.id
        );
    }
    if let Some(existing) = workspace.plugins.get(&args.id) {
        bail!(
            "Plugin with id \"{}\" is already registered! (registered by {})",
            args.id,
            existing.manifest.display()
        );
    }
    if workspace.packages.contains(&names.package) {
        bail!(
            "a package named `{}` is already in the workspace; choose another id",
            names.package
        );
    }
    if root.join(&dir).exists() {
        bail!("{} already exists", dir.display());
    }
    let mut requires = Vec::new();
    for id in &args.requires {
        let Some(plugin) = workspace.plugins.get(id) else {
            bail!(
                "Plugin \"{}\" requires \"{id}\", which is not a plugin of this workspace (known: {})",
                args.id,
                workspace
                    .plugins
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        requires.push((id.clone(), plugin.clone()));
    }
    // The requirements' own requirements, for the server test.
    let mut runs_with: BTreeMap<String, KnownPlugin> = BTreeMap::new();
    let mut pending: Vec<String> = args.requires.clone();
    while let Some(id) = pending.pop() {
        if runs_with.contains_key(&id) {
            continue;
        }
        if let Some(plugin) = workspace.plugins.get(&id) {
            pending.extend(plugin.required.iter().cloned());
            runs_with.insert(id, plugin.clone());
        }
    }
    Ok(Plan {
        names,
        dir,
        requires,
        runs_with: runs_with.into_iter().collect(),
    })
}

/// `../` as many times as `dir` is deep, then `target`: the path from `dir` to `target`, both
/// relative to the workspace root.
fn relative_to(dir: &Path, target: &Path) -> String {
    let ups = dir.components().count();
    format!("{}{}", "../".repeat(ups), target.display())
}

/// Writes the crate and lists it in the workspace and the distribution.
fn write(plan: &Plan, root: &Path) -> Result<()> {
    let crate_dir = root.join(&plan.dir);
    std::fs::create_dir_all(crate_dir.join("src"))?;
    std::fs::create_dir_all(crate_dir.join("tests"))?;
    let path_to = |target: &Path| relative_to(&plan.dir, target);
    let requires: Vec<&str> = plan.requires.iter().map(|(id, _)| id.as_str()).collect();
    let files = [
        (
            "Cargo.toml",
            templates::cargo_toml(&plan.names, &plan.requires, &plan.runs_with, &path_to),
        ),
        ("kibana.json", templates::manifest(&plan.names, &requires)),
        ("README.md", templates::readme(&plan.names)),
        ("src/lib.rs", templates::lib_rs(&plan.names)),
        (
            "tests/server.rs",
            templates::server_test(&plan.names, &plan.runs_with),
        ),
    ];
    for (name, text) in &files {
        std::fs::write(crate_dir.join(name), text)
            .with_context(|| format!("writing {}", crate_dir.join(name).display()))?;
    }
    format_rust(&[
        crate_dir.join("src/lib.rs"),
        crate_dir.join("tests/server.rs"),
    ])?;
    add_member(&root.join("Cargo.toml"), &plan.dir)?;
    add_to_distribution(root, plan)?;
    Ok(())
}

/// Runs rustfmt on the generated files, so long ids wrap as `cargo fmt` wants.
fn format_rust(files: &[PathBuf]) -> Result<()> {
    let status = Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args(files)
        .status()
        .context("running rustfmt")?;
    if !status.success() {
        bail!("rustfmt failed on the generated files");
    }
    Ok(())
}

/// Adds `dir` to the workspace's `members` and `default-members`.
fn add_member(cargo_toml: &Path, dir: &Path) -> Result<()> {
    let text = std::fs::read_to_string(cargo_toml)?;
    let mut document: toml_edit::DocumentMut = text.parse()?;
    let member = dir.to_string_lossy().replace('\\', "/");
    for key in ["members", "default-members"] {
        let Some(list) = document["workspace"][key].as_array_mut() else {
            bail!("the root Cargo.toml has no workspace.{key} list");
        };
        list.push(member.as_str());
    }
    std::fs::write(cargo_toml, document.to_string())?;
    Ok(())
}

/// Lists the plugin in the `core-server` binary: a dependency of `distribution` and a line of
/// its `registrations()`.
fn add_to_distribution(root: &Path, plan: &Plan) -> Result<()> {
    let cargo_toml = root.join("distribution/Cargo.toml");
    let mut document: toml_edit::DocumentMut = std::fs::read_to_string(&cargo_toml)?.parse()?;
    let mut dependency = toml_edit::InlineTable::new();
    dependency.insert("path", format!("../{}", plan.dir.display()).into());
    let Some(dependencies) = document["dependencies"].as_table_mut() else {
        bail!("distribution/Cargo.toml has no [dependencies] table");
    };
    dependencies.insert(
        &plan.names.package,
        toml_edit::Item::Value(dependency.into()),
    );
    dependencies.sort_values();
    std::fs::write(&cargo_toml, document.to_string())?;

    let main_rs = root.join("distribution/src/main.rs");
    let text = std::fs::read_to_string(&main_rs)?;
    let list_start = text
        .find("fn registrations()")
        .context("distribution/src/main.rs has no `fn registrations()`")?;
    let close = text[list_start..]
        .find("\n    ]")
        .map(|offset| list_start + offset + 1)
        .context("`registrations()` in distribution/src/main.rs is not a `vec![..]` list")?;
    let line = format!("        {}::registration(),\n", plan.names.snake);
    let updated = format!("{}{line}{}", &text[..close], &text[close..]);
    std::fs::write(&main_rs, updated)?;
    Ok(())
}

/// `cargo xtask new-plugin`.
pub(crate) fn run(args: &NewPluginArgs) -> Result<()> {
    let root = crate::shell::workspace_root();
    let workspace = Workspace::scan(&root)?;
    let plan = plan(args, &workspace, &root)?;
    write(&plan, &root)?;
    println!(
        "created plugin \"{}\" in {} and listed it in distribution/src/main.rs\n\n  cargo nextest run -p {}   # its tests\n  cargo run --bin core-server     # the server, with it",
        plan.names.id,
        plan.dir.display(),
        plan.names.package
    );
    Ok(())
}

#[cfg(test)]
mod tests;
