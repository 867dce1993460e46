use clap::Parser as _;
use clap::error::ErrorKind;

use super::*;

/// `cargo xtask new-plugin <args>`, parsed as the command line is.
fn parse_args(args: &[&str]) -> Result<NewPluginArgs, clap::Error> {
    let line = ["cargo xtask", "new-plugin"]
        .into_iter()
        .chain(args.iter().copied());
    match crate::Cli::try_parse_from(line)?.command {
        Some(crate::Command::NewPlugin(args)) => Ok(args),
        other => panic!("parsed as {other:?}"),
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| (*arg).to_owned()).collect()
}

/// A workspace with `greeting` and `search` (which requires `greeting`).
fn workspace() -> Workspace {
    let plugin = |package: &str, dir: &str, required: &[&str]| KnownPlugin {
        package: package.to_owned(),
        dir: PathBuf::from(dir),
        manifest: Path::new(dir).join("kibana.json"),
        required: strings(required),
    };
    Workspace {
        plugins: BTreeMap::from([
            (
                "greeting".to_owned(),
                plugin("example-greeting-plugin", "examples/plugins/greeting", &[]),
            ),
            (
                "search".to_owned(),
                plugin(
                    "example-search-plugin",
                    "examples/plugins/search",
                    &["greeting"],
                ),
            ),
        ]),
        packages: strings(&["example-greeting-plugin", "example-search-plugin", "xtask"]),
    }
}

fn plan_error(args: &[&str]) -> String {
    let root = tempfile::tempdir().unwrap();
    let args = parse_args(args).unwrap();
    plan(&args, &workspace(), root.path())
        .unwrap_err()
        .to_string()
}

#[test]
fn arguments_take_an_id_a_directory_and_requirements() {
    assert_eq!(
        parse_args(&["demo", "--requires", "greeting, search", "--dir", "ext"]).unwrap(),
        NewPluginArgs {
            id: "demo".into(),
            dir: "ext".into(),
            requires: strings(&["greeting", "search"]),
        }
    );
    assert_eq!(parse_args(&["demo"]).unwrap().dir, "plugins");
    assert!(parse_args(&["demo"]).unwrap().requires.is_empty());
    assert!(
        parse_args(&["demo", "--requires", " , "])
            .unwrap()
            .requires
            .is_empty()
    );
    assert_eq!(
        parse_args(&[]).unwrap_err().kind(),
        ErrorKind::MissingRequiredArgument
    );
    assert_eq!(
        parse_args(&["demo", "--force"]).unwrap_err().kind(),
        ErrorKind::UnknownArgument
    );
    assert_eq!(
        parse_args(&["demo", "extra"]).unwrap_err().kind(),
        ErrorKind::UnknownArgument
    );
}

#[test]
fn names_derive_from_the_camel_case_id() {
    assert_eq!(
        Names::of("myPlugin"),
        Names {
            id: "myPlugin".into(),
            snake: "my_plugin".into(),
            package: "my-plugin".into(),
            pascal: "MyPlugin".into(),
        }
    );
    assert_eq!(Names::of("demo").pascal, "Demo");
}

#[test]
fn an_id_the_manifest_rules_refuse_gets_their_message() {
    assert!(
        plan_error(&["my.plugin"]).contains("Plugin \"id\" must not include `.` characters."),
        "{}",
        plan_error(&["my.plugin"])
    );
    assert!(
        plan_error(&[""]).contains("Plugin manifest must contain an \"id\" property."),
        "{}",
        plan_error(&[""])
    );
}

#[test]
fn an_id_that_is_not_camel_case_is_refused() {
    for id in ["my_plugin", "MyPlugin", "my-plugin", "9lives"] {
        assert_eq!(
            plan_error(&[id]),
            format!(
                "Expect plugin \"id\" in camelCase, but found: {id} (the crate and type names are made from it)"
            )
        );
    }
}

#[test]
fn an_existing_id_package_or_directory_is_refused() {
    assert_eq!(
        plan_error(&["greeting"]),
        "Plugin with id \"greeting\" is already registered! (registered by examples/plugins/greeting/kibana.json)"
    );
    assert_eq!(
        plan_error(&["xtask"]),
        "a package named `xtask` is already in the workspace; choose another id"
    );
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("plugins/demo")).unwrap();
    let args = parse_args(&["demo"]).unwrap();
    assert_eq!(
        plan(&args, &workspace(), root.path())
            .unwrap_err()
            .to_string(),
        "plugins/demo already exists"
    );
}

#[test]
fn requirements_must_be_plugins_of_the_workspace() {
    assert_eq!(
        plan_error(&["demo", "--requires", "nope"]),
        "Plugin \"demo\" requires \"nope\", which is not a plugin of this workspace (known: greeting, search)"
    );
}

/// A workspace root with the files `write` edits.
fn fake_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("Cargo.toml"),
        "[workspace]\nmembers = [\"crates/*\", \"distribution\"]\ndefault-members = [\"crates/*\", \"distribution\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.path().join("distribution/src")).unwrap();
    std::fs::write(
        root.path().join("distribution/Cargo.toml"),
        "[package]\nname = \"distribution\"\n\n[dependencies]\ncore-server.workspace = true\nexample-greeting-plugin = { path = \"../examples/plugins/greeting\" }\n",
    )
    .unwrap();
    std::fs::write(
        root.path().join("distribution/src/main.rs"),
        "fn registrations() -> Vec<PluginRegistration> {\n    vec![\n        example_greeting_plugin::registration(),\n    ]\n}\n",
    )
    .unwrap();
    root
}

#[test]
fn writes_the_crate_and_lists_it_in_the_workspace_and_the_distribution() {
    let root = fake_root();
    let args = parse_args(&["myPlugin", "--requires", "search"]).unwrap();
    let plan = plan(&args, &workspace(), root.path()).unwrap();
    write(&plan, root.path()).unwrap();
    let read = |path: &str| std::fs::read_to_string(root.path().join(path)).unwrap();

    let manifest = core_plugins::PluginManifest::parse(
        &read("plugins/my_plugin/kibana.json"),
        "kibana.json",
        "kibana",
    )
    .unwrap();
    assert_eq!(manifest.id, "myPlugin");
    assert_eq!(manifest.required_plugins, ["search"]);

    let cargo: toml_edit::DocumentMut = read("plugins/my_plugin/Cargo.toml").parse().unwrap();
    assert_eq!(cargo["package"]["name"].as_str(), Some("my-plugin"));
    assert_eq!(
        cargo["dependencies"]["example-search-plugin"]["path"].as_str(),
        Some("../../examples/plugins/search")
    );
    // The server test also runs what `search` requires.
    assert_eq!(
        cargo["dev-dependencies"]["example-greeting-plugin"]["path"].as_str(),
        Some("../../examples/plugins/greeting")
    );
    let server_test = read("plugins/my_plugin/tests/server.rs");
    for registration in [
        "example_greeting_plugin::registration()",
        "example_search_plugin::registration()",
        "my_plugin::registration()",
    ] {
        assert!(server_test.contains(registration), "{server_test}");
    }
    let lib = read("plugins/my_plugin/src/lib.rs");
    assert!(lib.contains("pub struct MyPluginPlugin"), "{lib}");
    assert!(lib.contains("create_router(\"/api/my_plugin\")"), "{lib}");
    assert!(!lib.contains("{{"), "every placeholder is filled:\n{lib}");

    let workspace: toml_edit::DocumentMut = read("Cargo.toml").parse().unwrap();
    for key in ["members", "default-members"] {
        let members = workspace["workspace"][key].as_array().unwrap();
        assert!(
            members
                .iter()
                .any(|member| member.as_str() == Some("plugins/my_plugin")),
            "{key}"
        );
    }
    let distribution: toml_edit::DocumentMut = read("distribution/Cargo.toml").parse().unwrap();
    assert_eq!(
        distribution["dependencies"]["my-plugin"]["path"].as_str(),
        Some("../plugins/my_plugin")
    );
    assert_eq!(
        read("distribution/src/main.rs"),
        "fn registrations() -> Vec<PluginRegistration> {\n    vec![\n        example_greeting_plugin::registration(),\n        my_plugin::registration(),\n    ]\n}\n"
    );
}

#[test]
fn the_generated_rust_is_formatted() {
    let root = fake_root();
    let args = parse_args(&["aPluginWithAVeryLongIdentifierIndeed"]).unwrap();
    write(
        &plan(&args, &workspace(), root.path()).unwrap(),
        root.path(),
    )
    .unwrap();
    let dir = root
        .path()
        .join("plugins/a_plugin_with_a_very_long_identifier_indeed");
    let status = Command::new("rustfmt")
        .args(["--edition", "2024", "--check"])
        .arg(dir.join("src/lib.rs"))
        .arg(dir.join("tests/server.rs"))
        .status()
        .unwrap();
    assert!(status.success());
}
