//! The files of a new plugin crate.

use std::path::Path;

use super::{KnownPlugin, Names};

/// Fills the `{{ID}}`, `{{SNAKE}}` and `{{PASCAL}}` placeholders of `template`.
fn fill(template: &str, names: &Names) -> String {
    template
        .replace("{{ID}}", &names.id)
        .replace("{{SNAKE}}", &names.snake)
        .replace("{{PASCAL}}", &names.pascal)
}

/// `kibana.json`.
pub(super) fn manifest<S: AsRef<str>>(names: &Names, requires: &[S]) -> String {
    let requires =
        serde_json::to_string(&requires.iter().map(AsRef::as_ref).collect::<Vec<&str>>())
            .unwrap_or_else(|_| "[]".to_owned());
    format!(
        r#"{{
  "id": {id},
  "version": "0.1.0",
  "kibanaVersion": "kibana",
  "configPath": {id},
  "requiredPlugins": {requires},
  "server": true,
  "ui": false
}}
"#,
        id = serde_json::Value::from(names.id.as_str()),
    )
}

/// `Cargo.toml`: the direct requirements' crates as dependencies, the ones the server test
/// runs besides them as dev-dependencies.
pub(super) fn cargo_toml(
    names: &Names,
    requires: &[(String, KnownPlugin)],
    runs_with: &[(String, KnownPlugin)],
    path_to: &dyn Fn(&Path) -> String,
) -> String {
    let line = |plugin: &KnownPlugin| {
        format!(
            "{} = {{ path = \"{}\" }}\n",
            plugin.package,
            path_to(&plugin.dir)
        )
    };
    let dependencies: String = requires.iter().map(|(_, plugin)| line(plugin)).collect();
    let dev_dependencies: String = runs_with
        .iter()
        .filter(|(id, _)| !requires.iter().any(|(required, _)| required == id))
        .map(|(_, plugin)| line(plugin))
        .collect();
    format!(
        r#"[package]
name = "{package}"
description = "The {id} plugin."
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
repository.workspace = true
publish.workspace = true

[dependencies]
anyhow.workspace = true
core-server.workspace = true
{dependencies}serde.workspace = true
serde_json.workspace = true

[dev-dependencies]
# The test doubles: TestCore, MockDeps, TestServer.
core-server = {{ workspace = true, features = ["testing"] }}
{dev_dependencies}reqwest.workspace = true
tokio.workspace = true

[lints]
workspace = true
"#,
        package = names.package,
        id = names.id,
    )
}

/// `README.md`.
pub(super) fn readme(names: &Names) -> String {
    fill(
        "# {{ID}}\n\nThe `{{ID}}` plugin: `GET /api/{{SNAKE}}/example` answers `{{ID}}.message`.\n\n\
         - `src/lib.rs`: the plugin, its config and its registration, with unit tests of `setup()`.\n\
         - `tests/server.rs`: the plugin in a real server.\n\n\
         See docs/guide/first-plugin.md for what each part does.\n",
        names,
    )
}

/// `src/lib.rs`.
pub(super) fn lib_rs(names: &Names) -> String {
    fill(include_str!("template/lib.rs.txt"), names)
}

/// `tests/server.rs`: runs the plugin with every plugin it needs.
pub(super) fn server_test(names: &Names, runs_with: &[(String, KnownPlugin)]) -> String {
    let mut registrations: Vec<String> = runs_with
        .iter()
        .map(|(_, plugin)| format!("{}::registration()", plugin.package.replace('-', "_")))
        .collect();
    registrations.push(format!("{}::registration()", names.snake));
    fill(include_str!("template/server.rs.txt"), names)
        .replace("{{REGISTRATIONS}}", &registrations.join(", "))
}
