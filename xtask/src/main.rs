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

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};

/// The command line of `cargo xtask`.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Project automation: tests, CI, generators, benchmarks, fuzzing and new plugins."
)]
struct Cli {
    /// The command to run; without one, the help is printed.
    #[command(subcommand)]
    command: Option<Command>,
}

/// The commands of `cargo xtask`.
#[derive(Debug, PartialEq, Eq, Subcommand)]
enum Command {
    /// Run every test (cargo nextest run, then doc tests)
    Test,
    /// fmt check, tidy, cargo deny, clippy -D warnings, tests, docs, openapi and codegen checks, a fuzzing
    /// smoke and bench --smoke (.ci/run)
    Ci,
    /// core-server vs plain actix-web (startup, RSS, HTTP), plugins, logging, Elasticsearch; writes
    /// target/bench/report.{md,json}
    Bench(bench::BenchArgs),
    /// Regenerate committed generated code, or check that it is current
    Codegen(codegen::CodegenArgs),
    /// Regenerate the API docs in docs/api/, or check that they are current
    Docs(docs::DocsArgs),
    /// Write the OpenAPI document of the core-server binary's routes to docs/openapi/openapi.json (what
    /// GET /api/oas answers), or check that it is current
    Openapi(openapi::OpenapiArgs),
    /// Fail on internal jargon or stale feature-state text in docs and comments, and on unused workspace
    /// dependencies (CI runs it)
    Tidy,
    /// Write a plugin crate (manifest, config, one route, unit and real-server tests) into a
    /// subdirectory of DIR named after the id in snake_case, and list it in the workspace and the
    /// core-server binary
    NewPlugin(new_plugin::NewPluginArgs),
    /// Run the fuzz targets (manifest, config, route_path, session_cookie, validation) on mutated inputs,
    /// 10 s each by default; crashes and slow inputs go to target/fuzz/
    Fuzz(FuzzArgs),
}

/// The arguments of `cargo xtask fuzz`, handed to the `core-fuzz` runner as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
struct FuzzArgs {
    /// The runner's arguments: [--time SECONDS] [--seed N] [TARGET...] (all targets by default)
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    args: Vec<String>,
}

fn main() -> Result<()> {
    let Some(command) = Cli::parse().command else {
        Cli::command().print_help()?;
        return Ok(());
    };
    match command {
        Command::Test => test(),
        Command::Ci => ci(),
        Command::Bench(args) => bench::run(&args),
        Command::Codegen(args) => codegen::run(&args),
        Command::Docs(args) => docs::run(&args),
        Command::Fuzz(args) => fuzz(&args, true),
        Command::NewPlugin(args) => new_plugin::run(&args),
        Command::Openapi(args) => openapi::run(&args),
        Command::Tidy => tidy::run(),
    }
}

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

/// Everything CI runs, in order; the first failure stops it.
fn ci() -> Result<()> {
    shell::cargo(&["fmt", "--all", "--check"])?;
    // Jargon and stale text in the docs, unused workspace dependencies.
    tidy::run()?;
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
    openapi::run(&openapi::OpenapiArgs { check: true })?;
    codegen::run(&codegen::CodegenArgs {
        check: true,
        vendor: None,
    })?;
    // A short fuzzing smoke (debug build): a crash fails CI; longer runs are `cargo xtask fuzz`.
    let smoke = FuzzArgs {
        args: vec!["--time".to_owned(), "2".to_owned()],
    };
    fuzz(&smoke, false)?;
    // Keeps the benchmark harness from rotting; asserts nothing about timings.
    bench::run(&bench::BenchArgs {
        quick: false,
        smoke: true,
    })
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
fn fuzz(args: &FuzzArgs, release: bool) -> Result<()> {
    let mut command = vec!["run", "-p", "core-fuzz"];
    if release {
        command.push("--release");
    }
    command.push("--");
    command.extend(args.args.iter().map(String::as_str));
    shell::cargo(&command)
}

/// Rustdoc with warnings denied (broken intra-doc links, missing docs on public items).
fn rustdoc_check() -> Result<()> {
    shell::cargo_with_env(
        &["doc", "--workspace", "--no-deps", "--all-features"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::{Cli, Command, FuzzArgs};

    /// The command `cargo xtask <line>` parses to.
    fn parse(line: &[&str]) -> Command {
        let line = std::iter::once("cargo xtask").chain(line.iter().copied());
        Cli::try_parse_from(line)
            .unwrap()
            .command
            .expect("a command")
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_command_is_allowed_and_prints_the_help() {
        assert!(
            Cli::try_parse_from(["cargo xtask"])
                .unwrap()
                .command
                .is_none()
        );
    }

    #[test]
    fn bench_takes_quick_or_smoke_but_not_both() {
        let Command::Bench(args) = parse(&["bench", "--quick"]) else {
            panic!("not bench");
        };
        assert!(args.quick && !args.smoke);
        let Command::Bench(args) = parse(&["bench"]) else {
            panic!("not bench");
        };
        assert!(!args.quick && !args.smoke);
        assert!(Cli::try_parse_from(["cargo xtask", "bench", "--quick", "--smoke"]).is_err());
    }

    #[test]
    fn docs_check_and_another_workspace() {
        let Command::Docs(args) = parse(&["docs", "--check"]) else {
            panic!("not docs");
        };
        assert!(args.check && args.manifest_path.is_none() && args.out.is_none());
        let Command::Docs(args) =
            parse(&["docs", "--manifest-path", "x/Cargo.toml", "--out", "out"])
        else {
            panic!("not docs");
        };
        assert!(!args.check);
        assert_eq!(args.manifest_path.unwrap().to_str(), Some("x/Cargo.toml"));
        assert_eq!(args.out.unwrap().to_str(), Some("out"));
    }

    #[test]
    fn codegen_checks_or_vendors() {
        let Command::Codegen(args) = parse(&["codegen", "--vendor", "spec/api"]) else {
            panic!("not codegen");
        };
        assert!(!args.check);
        assert_eq!(args.vendor.unwrap().to_str(), Some("spec/api"));
        assert!(
            Cli::try_parse_from(["cargo xtask", "codegen", "--check", "--vendor", "x"]).is_err()
        );
    }

    #[test]
    fn fuzz_passes_every_argument_through() {
        assert_eq!(
            parse(&["fuzz", "--time", "20", "--seed", "7", "manifest", "config"]),
            Command::Fuzz(FuzzArgs {
                args: ["--time", "20", "--seed", "7", "manifest", "config"]
                    .map(str::to_owned)
                    .to_vec(),
            })
        );
        assert_eq!(parse(&["fuzz"]), Command::Fuzz(FuzzArgs::default()));
    }

    #[test]
    fn the_commands_without_arguments() {
        assert_eq!(parse(&["test"]), Command::Test);
        assert_eq!(parse(&["ci"]), Command::Ci);
        assert_eq!(parse(&["tidy"]), Command::Tidy);
        assert!(Cli::try_parse_from(["cargo xtask", "tidy", "--fix"]).is_err());
        assert!(Cli::try_parse_from(["cargo xtask", "nope"]).is_err());
    }
}
