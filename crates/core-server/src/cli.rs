//! The `core-server` command line and the process around the [`Root`]: flags and config files
//! into a [`ConfigService`], a tokio runtime, and signals (SIGINT/SIGTERM stop gracefully,
//! SIGHUP reloads the config).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use core_config::{CliArgs, ConfigService, Env, EnvOptions};
use core_logging::{Logger, LoggingService};
use tokio::signal::unix::{SignalKind, signal};

use crate::PluginRegistration;
use crate::error::ServerError;
use crate::overrides::{ConfigOverride, split_overrides};
use crate::root::Root;

/// The exit code of a failed startup (bad config, plugin failure, port in use, ...).
pub const EXIT_STARTUP_FAILURE: u8 = 1;
/// The exit code of an invalid command line (clap's convention).
pub const EXIT_USAGE: u8 = 2;

const OVERRIDES_HELP: &str = "\
Any config key can be set on the command line, as in Kibana: --<dotted.key>=<value> or
--<dotted.key> <value>, e.g. --server.basePath=/kbn --greeting.greeting Howdy. Values are read as
YAML scalars (5602 is a number, true a boolean, [a, b] a list); they win over the config files.

Signals: SIGINT/SIGTERM stop gracefully (exit code 0); SIGHUP re-reads the config files.";

/// The flags of `core-server`.
#[derive(Debug, Clone, Parser)]
#[command(name = "core-server", version, about = "A Kibana-like server for plugins written in Rust.", after_help = OVERRIDES_HELP)]
pub struct Cli {
    /// Config file; repeat for several (later files win). Default: config/kibana.yml when it exists.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Vec<PathBuf>,
    /// Development mode.
    #[arg(long)]
    pub dev: bool,
    /// Host to listen on (server.host).
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Port to listen on (server.port); 0 picks a free port.
    #[arg(long, value_name = "PORT")]
    pub port: Option<String>,
    /// Elasticsearch URL(s), comma-separated (elasticsearch.hosts).
    #[arg(long = "elasticsearch", value_name = "URL")]
    pub elasticsearch: Option<String>,
    /// Log everything (logging.root.level: all).
    #[arg(long, conflicts_with = "silent")]
    pub verbose: bool,
    /// Log nothing (logging.root.level: off).
    #[arg(long)]
    pub silent: bool,
    /// A directory with the kibana.json of a ui-only plugin to add to the plugin graph; repeatable.
    #[arg(long = "plugin-path", value_name = "DIR")]
    pub plugin_paths: Vec<PathBuf>,
}

impl Cli {
    /// The overrides the named flags stand for, before the generic ones.
    fn flag_overrides(&self) -> Vec<ConfigOverride> {
        let mut overrides = Vec::new();
        let mut set = |key: &str, value: serde_json::Value| {
            overrides.push(ConfigOverride {
                key: key.to_owned(),
                value,
            });
        };
        if let Some(host) = &self.host {
            set("server.host", host.clone().into());
        }
        if let Some(port) = &self.port {
            set("server.port", crate::overrides::parse_scalar(port));
        }
        if let Some(hosts) = &self.elasticsearch {
            let hosts: Vec<serde_json::Value> =
                hosts.split(',').map(|host| host.trim().into()).collect();
            set("elasticsearch.hosts", hosts.into());
        }
        if self.verbose {
            set("logging.root.level", "all".into());
        }
        if self.silent {
            set("logging.root.level", "off".into());
        }
        overrides
    }
}

/// Runs the server: parses `args` (including the program name), builds config and logging,
/// sets up and starts core and `registrations`, waits for a signal and stops.
///
/// Returns `0` after a graceful stop, [`EXIT_STARTUP_FAILURE`] when startup fails (after one
/// fatal log line naming the culprit), [`EXIT_USAGE`] for an invalid command line.
///
/// # Arguments
///
/// * `args` - the command line, program name first (`std::env::args_os()`).
/// * `registrations` - gives the distribution's plugins, called once the command line is read.
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    registrations: impl FnOnce() -> Vec<PluginRegistration>,
) -> ExitCode {
    let started = Instant::now();
    let mut args = args.into_iter();
    let program = args.next().unwrap_or_else(|| OsString::from("core-server"));
    let (generic, rest) = match split_overrides(args) {
        Ok(split) => split,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let cli = match Cli::try_parse_from(std::iter::once(program).chain(rest)) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(EXIT_USAGE));
        }
    };
    let logging = match LoggingService::try_new() {
        Ok(logging) => logging,
        Err(error) => {
            eprintln!("core-server: {error}");
            return ExitCode::from(EXIT_STARTUP_FAILURE);
        }
    };
    let log = logging.logger_factory().get(&["root"]);
    let prepared = build_config(&cli, generic).and_then(|config| {
        let mut registrations = registrations();
        registrations.extend(ui_plugins(&cli.plugin_paths)?);
        Ok((config, registrations))
    });
    let (config, registrations) = match prepared {
        Ok(prepared) => prepared,
        Err(error) => return fail_early(&log, logging, &error),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail_early(&log, logging, &ServerError::Runtime(error)),
    };
    let root = Root::new(config, logging, registrations);
    runtime.block_on(serve(root, started))
}

/// Before the root exists: the fatal line goes through the (default, console) logging.
fn fail_early(log: &Logger, logging: LoggingService, error: &ServerError) -> ExitCode {
    log.fatal(error);
    logging.stop();
    ExitCode::from(EXIT_STARTUP_FAILURE)
}

/// The environment and config: files, then the named flags, then the generic overrides.
fn build_config(cli: &Cli, generic: Vec<ConfigOverride>) -> Result<ConfigService, ServerError> {
    let home_dir = std::env::current_dir().map_err(ServerError::Runtime)?;
    let config_paths = if cli.config.is_empty() {
        let default = home_dir.join("config").join("kibana.yml");
        if default.is_file() {
            vec![default]
        } else {
            Vec::new()
        }
    } else {
        cli.config.clone()
    };
    let env = Env::new(EnvOptions {
        home_dir,
        config_paths,
        cli_args: CliArgs {
            dev: cli.dev,
            verbose: cli.verbose,
            silent: cli.silent,
        },
        package_info: None,
    });
    let config = ConfigService::from_env(env.into())?;
    for ConfigOverride { key, value } in cli.flag_overrides().into_iter().chain(generic) {
        config.set(&key, value)?;
    }
    Ok(config)
}

/// Registrations for the ui-only plugins found in `--plugin-path` directories.
fn ui_plugins(dirs: &[PathBuf]) -> Result<Vec<PluginRegistration>, ServerError> {
    dirs.iter()
        .map(|dir| {
            let path = dir.join("kibana.json");
            let text = std::fs::read_to_string(&path).map_err(|error| ServerError::PluginPath {
                path: path.display().to_string(),
                message: error.to_string(),
            })?;
            Ok(PluginRegistration::ui_only(
                text,
                path.display().to_string(),
            ))
        })
        .collect()
}

async fn serve(mut root: Root, started: Instant) -> ExitCode {
    let mut signals = match Signals::new() {
        Ok(signals) => signals,
        Err(error) => {
            root.shutdown(Some(&ServerError::Runtime(error))).await;
            return ExitCode::from(EXIT_STARTUP_FAILURE);
        }
    };
    // A stop request during startup (e.g. a plugin's setup hanging until its timeout) is obeyed
    // at once: the startup is abandoned and what was set up is stopped.
    let outcome = {
        let startup = async {
            root.setup().await?;
            root.start().await
        };
        tokio::select! {
            result = startup => Ok(result),
            signal = signals.stop_requested() => Err(signal),
        }
    };
    let start = match outcome {
        Ok(Ok(start)) => start,
        // Root has logged the fatal line and shut down.
        Ok(Err(_)) => return ExitCode::from(EXIT_STARTUP_FAILURE),
        Err(signal) => {
            root.logger()
                .info(format_args!("{signal} received during startup, stopping"));
            root.shutdown(None).await;
            return ExitCode::SUCCESS;
        }
    };
    let address = start.http.local_addr().map_or_else(
        || "nowhere (server.autoListen is false)".to_owned(),
        |a| a.to_string(),
    );
    root.logger().info(format_args!(
        "Server ready in {}ms, listening on {address}",
        started.elapsed().as_millis()
    ));
    loop {
        match signals.next().await {
            Some(stop) => {
                root.logger()
                    .info(format_args!("{stop} received, stopping"));
                break;
            }
            None => root.reload_config(),
        }
    }
    root.shutdown(None).await;
    ExitCode::SUCCESS
}

struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    /// Waits for SIGINT or SIGTERM and names it.
    async fn stop_requested(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }

    /// The next signal: `Some(name)` to stop (SIGINT, SIGTERM), `None` to reload (SIGHUP).
    async fn next(&mut self) -> Option<&'static str> {
        tokio::select! {
            _ = self.interrupt.recv() => Some("SIGINT"),
            _ = self.terminate.recv() => Some("SIGTERM"),
            _ = self.hangup.recv() => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use core_http::HttpConfig;
    use core_logging::{LogLevel, LoggingConfig};

    use super::*;

    fn config_for(args: &[&str]) -> Result<ConfigService, ServerError> {
        let (generic, rest) = split_overrides(args.iter().map(OsString::from)).expect("overrides");
        let cli = Cli::try_parse_from(std::iter::once(OsString::from("core-server")).chain(rest))
            .expect("flags");
        build_config(&cli, generic)
    }

    #[test]
    fn files_then_named_flags_then_generic_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("a.yml");
        let second = dir.path().join("b.yml");
        std::fs::write(
            &first,
            "server:\n  port: 1111\n  host: 0.0.0.0\nelasticsearch.hosts: [\"http://file:9200\"]\n",
        )
        .unwrap();
        std::fs::write(&second, "server.port: 2222\n").unwrap();
        let (first, second) = (first.display().to_string(), second.display().to_string());

        let config = config_for(&["-c", &first, "--config", &second]).unwrap();
        let server: HttpConfig = config.at_path("server").unwrap();
        assert_eq!((server.host.as_str(), server.port), ("0.0.0.0", 2222));

        let config = config_for(&[
            "-c",
            &first,
            "--port",
            "3333",
            "--host",
            "127.0.0.1",
            "--elasticsearch",
            "http://a:9200, http://b:9200",
            "--verbose",
        ])
        .unwrap();
        let server: HttpConfig = config.at_path("server").unwrap();
        assert_eq!((server.host.as_str(), server.port), ("127.0.0.1", 3333));
        let hosts: Vec<String> = config
            .at_path::<core_elasticsearch::ElasticsearchConfig>("elasticsearch")
            .unwrap()
            .hosts;
        assert_eq!(hosts, ["http://a:9200", "http://b:9200"]);
        let logging: LoggingConfig = config.at_path("logging").unwrap();
        assert_eq!(logging.root.level, LogLevel::All);

        let config = config_for(&[
            "-c",
            &first,
            "--port",
            "3333",
            "--server.port=4444",
            "--silent",
        ])
        .unwrap();
        assert_eq!(config.at_path::<HttpConfig>("server").unwrap().port, 4444);
        assert_eq!(
            config
                .at_path::<LoggingConfig>("logging")
                .unwrap()
                .root
                .level,
            LogLevel::Off
        );
    }

    #[test]
    fn a_bad_flag_value_is_a_config_error_naming_the_key() {
        let config = config_for(&["--port", "many"]).unwrap();
        let error = config.at_path::<HttpConfig>("server").unwrap_err();
        assert_eq!(
            error.to_string(),
            "[server.port]: expected value of type [number] but got [string]"
        );
        let error = config_for(&["-c", "/definitely/not/here.yml"]).unwrap_err();
        assert!(
            error.to_string().contains("/definitely/not/here.yml"),
            "{error}"
        );
    }

    #[test]
    fn verbose_and_silent_conflict() {
        let error = Cli::try_parse_from(["core-server", "--verbose", "--silent"]).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::ArgumentConflict);
    }

    #[test]
    fn plugin_paths_need_a_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let Err(error) = ui_plugins(&[dir.path().to_path_buf()]) else {
            panic!("a directory without kibana.json")
        };
        assert!(
            error.to_string().starts_with(&format!(
                "cannot read plugin manifest {}",
                dir.path().join("kibana.json").display()
            )),
            "{error}"
        );
        std::fs::write(dir.path().join("kibana.json"), "{}").unwrap();
        assert_eq!(ui_plugins(&[dir.path().to_path_buf()]).unwrap().len(), 1);
    }
}
