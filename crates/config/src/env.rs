//! The process environment as the platform sees it (Kibana's `Env`). (API skeleton.)

use std::path::PathBuf;

/// Whether the server runs in development or production mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct EnvMode {
    /// `"development"` or `"production"`.
    pub name: &'static str,
    /// True in development mode.
    pub dev: bool,
    /// True in production mode.
    pub prod: bool,
}

/// The build the server runs (Kibana's `packageInfo`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageInfo {
    /// Semantic version, e.g. `7.2.0`.
    pub version: String,
    /// Source branch.
    pub branch: String,
    /// Build number.
    pub build_num: u64,
    /// Commit the build came from.
    pub build_sha: String,
    /// Whether this is a distributable build.
    pub dist: bool,
}

/// Command-line flags that shape the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CliArgs {
    /// `--dev`.
    pub dev: bool,
    /// `--verbose`.
    pub verbose: bool,
    /// `--silent`.
    pub silent: bool,
}

/// What [`Env::new`] is built from.
#[derive(Debug, Clone, Default)]
pub struct EnvOptions {
    /// The home directory (config dir is `<home>/config`).
    pub home_dir: PathBuf,
    /// Config files in the order they are read.
    pub config_paths: Vec<PathBuf>,
    /// Parsed CLI flags.
    pub cli_args: CliArgs,
    /// Build info; `None` takes this crate's version and `unknown` build data.
    pub package_info: Option<PackageInfo>,
}

/// The environment of the running server. Plugins get it behind an `Arc` and cannot change it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Env {
    /// The home directory.
    pub home_dir: PathBuf,
    /// `<home>/config`.
    pub config_dir: PathBuf,
    /// Config files in the order they are read.
    pub config_paths: Vec<PathBuf>,
    /// Parsed CLI flags.
    pub cli_args: CliArgs,
    /// Development or production.
    pub mode: EnvMode,
    /// Build info.
    pub package_info: PackageInfo,
}

impl Env {
    /// Builds the environment from options.
    pub fn new(options: EnvOptions) -> Self {
        let _ = options;
        todo!()
    }
}
