//! `cargo xtask docs` end to end: the real xtask binary documents the fixture workspace in
//! `xtask/fixtures/docs-fixture` (rustdoc JSON and all) into a temporary directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture_manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/docs-fixture/Cargo.toml")
}

fn xtask_docs(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("docs")
        .args(args)
        .output()
        .expect("the xtask binary runs")
}

/// Generates the fixture's docs into a new temporary directory.
fn generate_fixture() -> (tempfile::TempDir, BTreeMap<String, String>) {
    let out = tempfile::tempdir().expect("temp dir");
    let output = xtask_docs(&[
        "--manifest-path",
        fixture_manifest().to_str().expect("utf-8 path"),
        "--out",
        out.path().to_str().expect("utf-8 path"),
    ]);
    assert!(
        output.status.success(),
        "cargo xtask docs failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let files = read_dir(out.path());
    (out, files)
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .expect("output dir")
        .map(|entry| {
            let entry = entry.expect("dir entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(entry.path()).expect("utf-8 file");
            (name, text)
        })
        .collect()
}

#[test]
fn fixture_pages_match_their_snapshots() {
    let (_out, files) = generate_fixture();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/docs-fixture");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        let names = files.keys().cloned().collect::<Vec<_>>().join("\n");
        insta::assert_snapshot!("files", names);
        for (name, text) in &files {
            insta::assert_snapshot!(name.trim_end_matches(".md"), text);
        }
    });
}

#[test]
fn every_link_points_to_a_generated_file_and_tables_are_well_formed() {
    let (_out, files) = generate_fixture();
    let mut links = 0;
    let mut tables = 0;
    for (name, text) in &files {
        let lines: Vec<&str> = text.lines().collect();
        let mut in_code = false;
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            if line.starts_with("```") {
                in_code = !in_code;
                i += 1;
                continue;
            }
            if in_code {
                i += 1;
                continue;
            }
            for target in markdown_link_targets(line) {
                assert!(
                    !target.contains("://"),
                    "{name}:{}: external link {target}",
                    i + 1
                );
                let file = target
                    .strip_prefix("./")
                    .unwrap_or_else(|| panic!("{name}: link {target} is not relative"));
                assert!(
                    files.contains_key(file),
                    "{name}:{}: link to {target}, which was not generated",
                    i + 1
                );
                links += 1;
            }
            if line.starts_with('|') {
                let header = cells(line);
                let separator = lines.get(i + 1).map(|l| cells(l)).unwrap_or_default();
                assert!(
                    separator.len() == header.len() && separator.iter().all(|c| c == "---"),
                    "{name}:{}: table header not followed by a separator row",
                    i + 1
                );
                i += 2;
                while i < lines.len() && lines[i].starts_with('|') {
                    assert_eq!(
                        cells(lines[i]).len(),
                        header.len(),
                        "{name}:{}: {}",
                        i + 1,
                        lines[i]
                    );
                    for target in markdown_link_targets(lines[i]) {
                        assert!(
                            files.contains_key(target.trim_start_matches("./")),
                            "{name}: {target}"
                        );
                        links += 1;
                    }
                    i += 1;
                }
                assert!(
                    lines.get(i).is_none_or(|l| l.is_empty()),
                    "{name}:{}: no blank line after a table",
                    i + 1
                );
                tables += 1;
                continue;
            }
            i += 1;
        }
        assert!(!in_code, "{name}: unclosed code block");
    }
    assert!(links > 100, "only {links} links checked");
    assert!(tables > 20, "only {tables} tables checked");
}

/// The cells of a table row: `|  a | b |` -> `["a", "b"]`. A `|` inside a cell must be written `&#124;`.
fn cells(line: &str) -> Vec<String> {
    let inner = line
        .trim()
        .strip_prefix('|')
        .and_then(|l| l.strip_suffix('|'))
        .unwrap_or("");
    inner
        .split('|')
        .map(|cell| cell.trim().to_owned())
        .collect()
}

/// Targets of inline markdown links `[text](target)` on a line.
fn markdown_link_targets(line: &str) -> Vec<String> {
    line.match_indices("](")
        .filter_map(|(i, _)| {
            line[i + 2..]
                .find(')')
                .map(|end| line[i + 2..i + 2 + end].to_owned())
        })
        .collect()
}

#[test]
fn output_is_byte_identical_across_runs_lf_only_and_free_of_local_paths() {
    let (_first_dir, first) = generate_fixture();
    let (_second_dir, second) = generate_fixture();
    assert_eq!(first, second);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root");
    for (name, text) in &first {
        assert!(!text.contains('\r'), "{name} has a CR");
        assert!(
            text.ends_with('\n') && !text.ends_with("\n\n"),
            "{name} does not end with exactly one newline"
        );
        assert!(
            !text.contains(root.to_str().expect("utf-8")),
            "{name} mentions the local path {}",
            root.display()
        );
        assert!(!text.contains("/tmp/"), "{name} mentions a temporary path");
    }
}

#[test]
fn check_lists_stale_missing_and_extra_files_with_the_fix_command() {
    let (out, _files) = generate_fixture();
    let dir = out.path().to_str().expect("utf-8 path").to_owned();
    let manifest = fixture_manifest().to_str().expect("utf-8 path").to_owned();
    let args = ["--check", "--manifest-path", &manifest, "--out", &dir];

    let clean = xtask_docs(&args);
    assert!(
        clean.status.success(),
        "fresh output is not current:\n{}",
        String::from_utf8_lossy(&clean.stderr)
    );

    std::fs::write(
        out.path().join("docs-fixture.greeter.md"),
        "edited by hand\n",
    )
    .expect("write");
    std::fs::remove_file(out.path().join("docs-fixture.greet.md")).expect("remove");
    std::fs::write(
        out.path().join("docs-fixture.gone.md"),
        "a page of a removed item\n",
    )
    .expect("write");
    let dirty = xtask_docs(&args);
    let stderr = String::from_utf8_lossy(&dirty.stderr);
    assert!(
        !dirty.status.success(),
        "check passed on edited output:\n{stderr}"
    );
    assert!(
        stderr.contains("stale:   docs-fixture.greeter.md"),
        "{stderr}"
    );
    assert!(
        stderr.contains("missing: docs-fixture.greet.md"),
        "{stderr}"
    );
    assert!(stderr.contains("extra:   docs-fixture.gone.md"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "run `cargo xtask docs --manifest-path {manifest} --out {dir}`"
        )),
        "{stderr}"
    );

    // Regenerating repairs all three.
    let write = xtask_docs(&args[1..]);
    assert!(
        write.status.success(),
        "{}",
        String::from_utf8_lossy(&write.stderr)
    );
    assert!(xtask_docs(&args).status.success());
}

#[test]
fn a_public_item_without_docs_fails_with_its_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("src")).expect("src dir");
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"undocumented-fixture\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    )
    .expect("manifest");
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "//! Crate docs.\n\n/// Documented.\npub struct Documented {\n    pub bare_field: u32,\n}\n\n\
         pub fn bare_function() {}\n\n/// Documented.\npub mod inner {\n    pub enum BareEnum {\n        /// Documented.\n        A,\n    }\n}\n",
    )
    .expect("lib.rs");
    let out = dir.path().join("out");
    let output = xtask_docs(&[
        "--manifest-path",
        dir.path().join("Cargo.toml").to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "docs built despite missing docs:\n{stderr}"
    );
    assert!(
        stderr.contains("public items without a doc comment"),
        "{stderr}"
    );
    for path in [
        "undocumented_fixture::Documented::bare_field",
        "undocumented_fixture::bare_function",
        "undocumented_fixture::inner::BareEnum",
    ] {
        assert!(
            stderr.contains(&format!("  {path}\n")),
            "{path} not reported:\n{stderr}"
        );
    }
    assert!(
        !stderr.contains("undocumented_fixture::inner::BareEnum::A"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written when docs are missing");
}

#[test]
fn an_arguments_section_that_does_not_match_its_function_fails_with_its_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("src")).expect("src dir");
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"arguments-fixture\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    )
    .expect("manifest");
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "//! Crate docs.\n\n\
         /// Greets.\n///\n/// # Arguments\n///\n/// * `nmae` - whom to greet.\npub fn greet(name: &str) {}\n\n\
         /// Counts.\n///\n/// # Arguments\n///\n/// * `n` - how far.\n///\n/// ```\n/// count(3);\n/// ```\n\
         pub fn count(n: u32) {}\n\n\
         /// Waits.\n///\n/// # Arguments\n///\n/// * `ms` - how long,\n///   in milliseconds.\n///\n\
         /// # Examples\n///\n/// ```\n/// wait(3);\n/// ```\npub fn wait(ms: u64) {}\n",
    )
    .expect("lib.rs");
    let out = dir.path().join("out");
    let output = xtask_docs(&[
        "--manifest-path",
        dir.path().join("Cargo.toml").to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "docs built despite a wrong argument section:\n{stderr}"
    );
    assert!(
        stderr.contains(
            "  arguments_fixture::greet: `# Arguments` names `nmae`, which is not a parameter\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("  arguments_fixture::count: the `# Arguments` section holds more"),
        "{stderr}"
    );
    assert!(!stderr.contains("arguments_fixture::wait"), "{stderr}");
    assert!(!out.exists(), "nothing is written when a section is wrong");
}
