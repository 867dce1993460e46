//! [`Root`]: owns logging, the process's `tracing` subscriber and the [`Server`]; applies the
//! `logging` config first, turns a failed setup or start into one fatal log line plus an orderly
//! shutdown, and reloads on request.

use core_config::ConfigService;
use core_http::HttpConfig;
use core_logging::{Logger, LoggingConfig, LoggingService, TracingEvents};

use crate::PluginRegistration;
use crate::core::{InternalCoreSetup, InternalCoreStart};
use crate::error::ServerError;
use crate::server::Server;
use crate::telemetry::{self, TracingConfig, TracingGuard};

/// Called once the root has shut down, with the reason when it was a failure.
pub type OnShutdown = Box<dyn FnOnce(Option<&ServerError>) + Send>;

/// The top of the process (Kibana's `Root`).
pub struct Root {
    config: ConfigService,
    logging: LoggingService,
    log: Logger,
    registrations: Option<Vec<PluginRegistration>>,
    server: Option<Server>,
    /// The span exporter, when `telemetry.tracing.enabled`.
    tracing: TracingGuard,
    on_shutdown: Option<OnShutdown>,
    shut_down: bool,
}

impl Root {
    /// A root over `config`, logging through `logging` (which may already hold buffered records).
    ///
    /// # Arguments
    ///
    /// * `config` - the whole config (files, overrides, environment).
    /// * `logging` - the logging service; `setup` applies the config's `logging` section to it.
    /// * `registrations` - the distribution's plugins.
    pub fn new(
        config: ConfigService,
        logging: LoggingService,
        registrations: Vec<PluginRegistration>,
    ) -> Self {
        let log = logging.logger_factory().get(&["root"]);
        Self {
            config,
            logging,
            log,
            registrations: Some(registrations),
            server: None,
            tracing: TracingGuard::default(),
            on_shutdown: None,
            shut_down: false,
        }
    }

    /// Sets the callback run at the end of [`Root::shutdown`].
    ///
    /// # Arguments
    ///
    /// * `callback` - called once, with the failure that stopped the server (`None` on a
    ///   normal stop).
    pub fn on_shutdown(
        mut self,
        callback: impl FnOnce(Option<&ServerError>) + Send + 'static,
    ) -> Self {
        self.on_shutdown = Some(Box::new(callback));
        self
    }

    /// The logger of the `root` context.
    pub fn logger(&self) -> &Logger {
        &self.log
    }

    /// Applies the `logging` config, routes the `log` crate and `tracing` into it (or exports
    /// spans, as `telemetry.tracing` asks), creates and sets up the server. On failure: one
    /// fatal line, shutdown, and the error is returned.
    pub async fn setup(&mut self) -> Result<InternalCoreSetup, ServerError> {
        match self.try_setup().await {
            Ok(setup) => Ok(setup),
            Err(error) => Err(self.fail(error).await),
        }
    }

    async fn try_setup(&mut self) -> Result<InternalCoreSetup, ServerError> {
        self.apply_logging_config()?;
        if let Err(error) = self.logging.install_log_bridge() {
            // One `log` logger per process: an embedding program may have its own.
            self.log.debug(format_args!(
                "log records of libraries stay with the existing logger: {error}"
            ));
        }
        let tracing: TracingConfig = self.config.at_path("telemetry.tracing")?;
        let events = TracingEvents::new(self.logging.logger_factory());
        self.tracing = telemetry::install_subscriber(&tracing, &self.log, events)?;
        let registrations = self
            .registrations
            .take()
            .ok_or(ServerError::OutOfOrder("set up", "it was already set up"))?;
        let server = Server::new(
            self.config.clone(),
            &self.logging.logger_factory(),
            registrations,
        )?;
        let server = self.server.insert(server);
        server.setup().await
    }

    /// Starts the server. On failure: one fatal line, shutdown, and the error is returned.
    pub async fn start(&mut self) -> Result<InternalCoreStart, ServerError> {
        let result = match &mut self.server {
            Some(server) => server.start().await,
            None => Err(ServerError::OutOfOrder("start", "it is not set up")),
        };
        match result {
            Ok(start) => Ok(start),
            Err(error) => Err(self.fail(error).await),
        }
    }

    async fn fail(&mut self, error: ServerError) -> ServerError {
        self.shutdown(Some(&error)).await;
        error
    }

    /// Logs `reason` (if any) as fatal, stops the server, stops logging (flushing every record)
    /// and calls the on-shutdown callback. Runs once; later calls do nothing.
    ///
    /// # Arguments
    ///
    /// * `reason` - the failure that stops the server, logged as fatal; `None` for a signal.
    pub async fn shutdown(&mut self, reason: Option<&ServerError>) {
        if self.shut_down {
            return;
        }
        self.shut_down = true;
        if let Some(reason) = reason {
            // One line, even for errors that list several causes on their own lines.
            let line = reason.to_string().replace("\n\t", " ").replace('\n', " ");
            self.log.fatal(line);
        }
        if let Some(server) = &mut self.server {
            server.stop().await;
        }
        // After the server: the spans of the stop itself are exported too. Flushing blocks.
        let mut tracing = std::mem::take(&mut self.tracing);
        if tracing.is_active() {
            let _ = tokio::task::spawn_blocking(move || tracing.shutdown()).await;
        }
        if reason.is_none() {
            self.log.info("Server stopped");
        }
        self.logging.stop();
        if let Some(callback) = self.on_shutdown.take() {
            callback(reason);
        }
    }

    /// Re-reads the config files (SIGHUP). Logging applies the new `logging` section; a changed
    /// `server` section is reported as needing a restart; Elasticsearch reports its own changes.
    /// On error the previous config stays in force and the error is logged.
    pub fn reload_config(&self) {
        self.log
            .info("Reloading logging configuration due to SIGHUP.");
        let before: Option<HttpConfig> = self.config.at_path("server").ok();
        if let Err(error) = self
            .config
            .reload()
            .map_err(ServerError::from)
            .and_then(|()| self.apply_logging_config())
        {
            self.log.error(format_args!(
                "Reloading the configuration failed, the previous one stays in force: {error}"
            ));
            return;
        }
        match self.config.at_path::<HttpConfig>("server") {
            Ok(after) if Some(&after) != before.as_ref() => {
                self.log.warn("The [server] configuration changed; the HTTP server applies it after a restart.");
            }
            Ok(_) => {}
            Err(error) => self.log.warn(format_args!(
                "The new [server] configuration is invalid and ignored: {error}"
            )),
        }
        self.log
            .info("Reloaded logging configuration due to SIGHUP.");
    }

    fn apply_logging_config(&self) -> Result<(), ServerError> {
        let config: LoggingConfig = self.config.at_path("logging")?;
        self.logging.upgrade(config)?;
        Ok(())
    }
}

impl std::fmt::Debug for Root {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Root")
            .field("server", &self.server)
            .field("shut_down", &self.shut_down)
            .finish_non_exhaustive()
    }
}
