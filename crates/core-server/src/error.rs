//! [`ServerError`]: why the server could not start (or reload). Each variant keeps the service's
//! own error, whose message already names the culprit (key path, plugin id, route, port).

use core_config::ConfigError;
use core_elasticsearch::ElasticsearchError;
use core_http::HttpError;
use core_logging::LoggingError;
use core_plugins::PluginsError;

/// A failure of the server's setup, start or command line. The message is the one line the
/// fatal log record carries.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Reading or validating configuration failed (the message names the key path or file).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The `logging` section could not be applied.
    #[error(transparent)]
    Logging(#[from] LoggingError),
    /// The HTTP service failed (bad `server.*` value, route conflict, port in use, ...).
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The Elasticsearch service failed (bad `elasticsearch.*` value, unusable TLS file, ...).
    #[error(transparent)]
    Elasticsearch(#[from] ElasticsearchError),
    /// Discovery, the dependency graph or a plugin's lifecycle failed (names the plugin).
    #[error(transparent)]
    Plugins(#[from] PluginsError),
    /// The instance UUID could not be read or stored (`path.data`, `server.uuid`).
    #[error(transparent)]
    Uuid(#[from] crate::instance_uuid::UuidError),
    /// A plugin directory given with `--plugin-path` could not be used.
    #[error("cannot read plugin manifest {path}: {message}")]
    PluginPath {
        /// The manifest file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The async runtime or a signal handler could not be created.
    #[error("cannot start the server runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// `telemetry.tracing` asks for what this build cannot do (no `otlp` feature), or the
    /// exporter could not be built.
    #[error("{0}")]
    Telemetry(String),
    /// A lifecycle method was called out of order (a bug in the embedding code).
    #[error("the server cannot {0}: {1}")]
    OutOfOrder(&'static str, &'static str),
}
