//! The process environment as the platform sees it (Kibana's `Env`): home and config
//! directories, config files, CLI flags, development/production mode and build info.

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
    /// The Elasticsearch versions this build works with, one entry per major version (the
    /// health check refuses nodes outside them).
    pub elasticsearch: Vec<SupportedElasticsearch>,
}

/// The Elasticsearch versions of one major a build works with: Kibana's rule (same major, minor
/// at least the oldest supported) within the range, and Kibana's warning for a minor newer than
/// the newest one the build was tested with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportedElasticsearch {
    /// The major version, e.g. `8`.
    pub major: u64,
    /// The oldest supported minor of that major: older nodes are incompatible.
    pub min_minor: u64,
    /// The newest minor tested with: newer nodes work, with a warning.
    pub tested_minor: u64,
}

impl SupportedElasticsearch {
    /// What this build supports: 7.17, every 8.x from 8.0 (tested up to 8.19) and 9.x from 9.0
    /// (tested up to 9.2). The official client it uses speaks plain `application/json`, which
    /// all three majors accept.
    pub fn defaults() -> Vec<Self> {
        vec![
            Self {
                major: 7,
                min_minor: 17,
                tested_minor: 17,
            },
            Self {
                major: 8,
                min_minor: 0,
                tested_minor: 19,
            },
            Self {
                major: 9,
                min_minor: 0,
                tested_minor: 2,
            },
        ]
    }
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

impl EnvMode {
    /// Development mode (`--dev`).
    pub const DEVELOPMENT: Self = Self {
        name: "development",
        dev: true,
        prod: false,
    };
    /// Production mode (the default).
    pub const PRODUCTION: Self = Self {
        name: "production",
        dev: false,
        prod: true,
    };
}

impl Default for PackageInfo {
    /// This crate's version. Build data comes from `CORE_BUILD_BRANCH`, `CORE_BUILD_SHA`,
    /// `CORE_BUILD_NUM` and `CORE_BUILD_DIST=true` when they are set at compile time (a release
    /// pipeline sets them; no build script needed), otherwise `unknown`/`0`/not a distributable.
    fn default() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            branch: option_env!("CORE_BUILD_BRANCH")
                .unwrap_or("unknown")
                .to_owned(),
            build_num: option_env!("CORE_BUILD_NUM")
                .and_then(|num| num.parse().ok())
                .unwrap_or(0),
            build_sha: option_env!("CORE_BUILD_SHA")
                .unwrap_or("unknown")
                .to_owned(),
            dist: option_env!("CORE_BUILD_DIST") == Some("true"),
            elasticsearch: SupportedElasticsearch::defaults(),
        }
    }
}

impl Env {
    /// Builds the environment from options: `config_dir` is `<home>/config`, the mode follows
    /// `--dev`, and missing build info takes [`PackageInfo::default`].
    ///
    /// # Arguments
    ///
    /// * `options` - the home directory, the config files in reading order, the parsed CLI flags
    ///   and the build info (`None` for this crate's version).
    pub fn new(options: EnvOptions) -> Self {
        let EnvOptions {
            home_dir,
            config_paths,
            cli_args,
            package_info,
        } = options;
        let mode = if cli_args.dev {
            EnvMode::DEVELOPMENT
        } else {
            EnvMode::PRODUCTION
        };
        Self {
            config_dir: home_dir.join("config"),
            home_dir,
            config_paths,
            cli_args,
            mode,
            package_info: package_info.unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_flag_selects_development_mode() {
        let env = Env::new(EnvOptions {
            cli_args: CliArgs {
                dev: true,
                ..CliArgs::default()
            },
            ..EnvOptions::default()
        });
        assert_eq!(
            env.mode,
            EnvMode {
                name: "development",
                dev: true,
                prod: false
            }
        );
        let env = Env::new(EnvOptions::default());
        assert_eq!(
            env.mode,
            EnvMode {
                name: "production",
                dev: false,
                prod: true
            }
        );
    }

    #[test]
    fn paths_and_package_info_are_derived_from_options() {
        let env = Env::new(EnvOptions {
            home_dir: PathBuf::from("/opt/kibana"),
            config_paths: vec![PathBuf::from("/etc/kibana.yml")],
            ..EnvOptions::default()
        });
        assert_eq!(env.config_dir, PathBuf::from("/opt/kibana/config"));
        assert_eq!(env.config_paths, vec![PathBuf::from("/etc/kibana.yml")]);
        assert_eq!(env.package_info.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(env.package_info, PackageInfo::default());
    }
}
