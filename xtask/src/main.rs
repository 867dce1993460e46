//! Project automation, run as `cargo xtask <command>` (the alias lives in `.cargo/config.toml`).
//!
//! - `cargo xtask test`: every test of the workspace (nextest for unit and integration tests, then doc tests).
//! - `cargo xtask ci`: what `.ci/run` runs: fmt check, clippy with warnings denied, the tests, the docs check,
//!   the generated-code checks and a smoke run of the benchmark harness.
//! - `cargo xtask bench [--quick | --smoke]`: core-server against plain actix-web, plugins, logging and
//!   Elasticsearch; writes target/bench/report.{md,json}. `--smoke` (debug builds, token sizes, into
//!   target/bench/smoke/) is what CI runs.
//! - `cargo xtask codegen [--check]`: regenerates committed generated code (the Elasticsearch endpoint table).
//! - `cargo xtask docs [--check]`: regenerates the API docs in docs/api/, or checks that they are current.
//! - `cargo xtask openapi [--check]`: writes the OpenAPI document of the `core-server` binary's routes to
//!   docs/openapi/openapi.json, or checks that it is current.
//! - `cargo xtask tidy`: fails on internal jargon and stale feature-state text in docs and comments, and on unused
//!   workspace dependencies.
//! - `cargo xtask new-plugin <id> [--dir DIR] [--requires a,b]`: writes a plugin crate (manifest, config,
//!   one route, unit and real-server tests) and lists it in the workspace and the `core-server` binary.
//! - `cargo xtask fuzz [--time SECONDS] [--seed N] [TARGET...]`: runs the fuzz targets of `fuzz/` (release
//!   build, 10 s per target by default); CI runs a 2-second smoke per target.

mod bench;
mod codegen;
mod docs;
mod new_plugin;
mod openapi;
mod shell;
mod tidy;

use anyhow::{Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => ("help", &[][..]),
    };
    match command {
        "test" => test(),
        "ci" => ci(),
        "bench" => bench::run(rest),
        "codegen" => codegen::run(rest),
        "docs" => docs::run(rest),
        "fuzz" => fuzz(rest, true),
        "new-plugin" => new_plugin::run(rest),
        "openapi" => openapi::run(rest),
        "tidy" => tidy::run(rest),
        "help" | "--help" | "-h" => {
            println!("{}", USAGE);
            Ok(())
        }
        other => bail!("unknown xtask command `{other}`\n\n{USAGE}"),
    }
}

const USAGE: &str = "usage: cargo xtask <command>

commands:
  test               run every test (cargo nextest run, then doc tests)
  ci                 fmt check, clippy -D warnings, tests, docs, openapi and codegen checks, bench --smoke (.ci/run)
  bench [--quick | --smoke]
                     core-server vs plain actix-web (startup, RSS, HTTP), plugins, logging, Elasticsearch;
                     writes target/bench/report.{md,json}; --smoke: debug builds, token sizes (CI), into target/bench/smoke/
  codegen [--check]  regenerate committed generated code, or check that it is current
  codegen --vendor <rest-api-spec dir>
                     re-vendor the trimmed Elasticsearch REST spec from a rest-api-spec checkout
  docs [--check]     regenerate the API docs in docs/api/, or check that they are current
  openapi [--check]  write the OpenAPI document of the core-server binary's routes to
                     docs/openapi/openapi.json (what GET /api/oas answers), or check that it is current
  tidy               fail on internal jargon or stale feature-state text in docs and comments, and on unused
                     workspace dependencies (CI runs it)
  new-plugin <id> [--dir DIR] [--requires a,b]
                     write a plugin crate (manifest, config, one route, unit and real-server tests) in
                     DIR/<id in snake_case> (default DIR: plugins) and list it in the core-server binary
  fuzz [--time SECONDS] [--seed N] [TARGET...]
                     run the fuzz targets (manifest, config, route_path, session_cookie, validation) on
                     mutated inputs, 10 s each by default; crashes and slow inputs go to target/fuzz/";

/// Runs every test: nextest for unit and integration tests, then doc tests (nextest cannot run those).
fn test() -> Result<()> {
    shell::cargo(&[
        "nextest",
        "run",
        "--workspace",
        "--all-features",
        "--no-fail-fast",
    ])?;
    shell::cargo(&["test", "--workspace", "--all-features", "--doc"])
}

fn ci() -> Result<()> {
    shell::cargo(&["fmt", "--all", "--check"])?;
    // Jargon and stale text in the docs, unused workspace dependencies.
    tidy::run(&[])?;
    // Licenses, duplicate versions and sources of the dependency tree (deny.toml).
    deny()?;
    // Libraries and binaries alone first: with `--all-targets`, dev-dependencies switch the `testing`
    // features on, which would hide warnings in what users actually build.
    shell::cargo(&["clippy", "--workspace", "--", "-D", "warnings"])?;
    // Then every target with the default features, and with `testing` (the test doubles) too.
    shell::cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    shell::cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ])?;
    test()?;
    rustdoc_check()?;
    docs::check_workspace()?;
    openapi::run(&["--check".to_owned()])?;
    codegen::run(&["--check".to_owned()])?;
    // A short fuzzing smoke (debug build): a crash fails CI; longer runs are `cargo xtask fuzz`.
    fuzz(&["--time".to_owned(), "2".to_owned()], false)?;
    // Keeps the benchmark harness from rotting; asserts nothing about timings.
    bench::run(&["--smoke".to_owned()])
}

/// The cargo-deny version CI installs when the machine has none.
const CARGO_DENY_VERSION: &str = "0.20.2";

/// `cargo deny check licenses bans sources` (see deny.toml), installing cargo-deny first when it is
/// missing. Advisories are left out: their database is a GitHub repository, which CI cannot reach.
fn deny() -> Result<()> {
    let installed = std::process::Command::new("cargo")
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !installed {
        eprintln!(
            "cargo-deny is not installed: installing {CARGO_DENY_VERSION} (a few minutes, once)"
        );
        shell::cargo(&[
            "install",
            "--locked",
            "cargo-deny",
            "--version",
            CARGO_DENY_VERSION,
        ])?;
    }
    shell::cargo(&["deny", "check", "licenses", "bans", "sources"])
}

/// Runs the fuzz targets (`fuzz/src/main.rs` has the options), in a release build unless
/// `release` is false.
fn fuzz(args: &[String], release: bool) -> Result<()> {
    let mut command = vec!["run", "-p", "core-fuzz"];
    if release {
        command.push("--release");
    }
    command.push("--");
    command.extend(args.iter().map(String::as_str));
    shell::cargo(&command)
}

/// Rustdoc with warnings denied (broken intra-doc links, missing docs on public items).
fn rustdoc_check() -> Result<()> {
    shell::cargo_with_env(
        &["doc", "--workspace", "--no-deps", "--all-features"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )
}
