//! [`LoggingService`]: owns the writer thread, applies config, and shuts down cleanly.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use core_config::ConfigSchema;
use parking_lot::Mutex;

use crate::appender::Appender;
use crate::batch_channel::{BatchSender, batch_channel};
use crate::config::{AppenderConfig, DEFAULT_APPENDER, LayoutConfig, LoggingConfig};
use crate::drain::QueueDrain;
use crate::layout::Layout;
use crate::logger::{ContextTable, Core, LevelPolicy};
use crate::resolution::ContextResolver;
use crate::writer::{Message, Writer};
use crate::{LogLevel, LoggerFactory, LoggingError, bridge};

/// Records waiting for the writer thread at most. When that many are pending, callers wait: a
/// burst slows the caller down instead of losing records. The writer takes all pending records
/// at once, so with the batch it is writing at most twice this many are in memory.
const QUEUE_RECORDS: usize = 4 * 1024;

/// The logging service (Kibana's `LoggingService`).
///
/// Loggers from [`LoggingService::logger_factory`] send records through slog to one writer
/// thread over a bounded queue that blocks rather than drops. Until the first
/// [`LoggingService::upgrade`], every record is buffered (up to 10 000; more are counted and
/// reported in one warning) and written once the config arrives, filtered by the levels it sets.
/// [`LoggingService::upgrade`] can be called again at any time: the new config travels down the
/// same queue, so records logged before it are written under the old config and records after it
/// under the new one; loggers already handed out follow the new levels and appenders, and nothing
/// in flight is lost. Appenders are flushed whenever the queue runs empty, on reconfiguration and
/// on stop. [`LoggingService::stop`] (also run on drop) writes every record logged before it,
/// flushes and closes all appenders; records logged after it are discarded.
///
/// ```
/// use core_logging::{LoggingConfig, LoggingService};
/// let dir = tempfile::tempdir().unwrap();
/// let config: LoggingConfig = serde_json::from_value(serde_json::json!({
///     "appenders": { "file": { "kind": "file", "path": dir.path().join("kibana.log"),
///                              "layout": { "kind": "pattern", "pattern": "[{level}][{context}] {message}" } } },
///     "root": { "appenders": ["file"] },
/// })).unwrap();
///
/// let logging = LoggingService::new();
/// let logger = logging.logger_factory().get(&["plugins", "myPlugin"]);
/// logger.info("buffered until the config arrives");
/// logging.upgrade(config).unwrap();
/// logger.debug("below the root level: dropped at the call site");
/// logging.stop();
///
/// let text = std::fs::read_to_string(dir.path().join("kibana.log")).unwrap();
/// assert_eq!(text, "[INFO ][plugins.myPlugin] buffered until the config arrives\n");
/// ```
pub struct LoggingService {
    core: Arc<Core>,
    sender: BatchSender<Message>,
    /// Serializes upgrade, stop and bridge installation.
    control: Mutex<Control>,
    bridge_installed: AtomicBool,
}

struct Control {
    /// `None` once stopped (the thread has been joined).
    writer: Option<JoinHandle<()>>,
    resolver: Option<Arc<ContextResolver>>,
}

impl std::fmt::Debug for LoggingService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let control = self.control.lock();
        f.debug_struct("LoggingService")
            .field("configured", &control.resolver.is_some())
            .field("stopped", &control.writer.is_none())
            .finish_non_exhaustive()
    }
}

impl Default for LoggingService {
    fn default() -> Self {
        Self::new()
    }
}

impl LoggingService {
    /// Starts the writer thread. Records are buffered until [`LoggingService::upgrade`].
    ///
    /// # Panics
    ///
    /// When the operating system cannot start a thread (as `std::thread::spawn` does); use
    /// [`LoggingService::try_new`] to get the error instead.
    pub fn new() -> Self {
        match Self::try_new() {
            Ok(service) => service,
            Err(error) => panic!("{error}"),
        }
    }

    /// Starts the writer thread, or says why it could not.
    pub fn try_new() -> Result<Self, LoggingError> {
        let (sender, receiver) = batch_channel(QUEUE_RECORDS);
        let contexts = ContextTable::default();
        let writer = Writer::new(Arc::clone(&contexts), open_default);
        let thread = std::thread::Builder::new()
            .name("core-logging".to_owned())
            .spawn(move || writer.run(receiver))
            .map_err(LoggingError::WriterThread)?;
        let root = slog::Logger::root(QueueDrain::new(sender.clone()), slog::o!());
        let all: LevelPolicy = Arc::new(|_: &str| LogLevel::All);
        Ok(Self {
            core: Core::new(root, all, contexts),
            sender,
            control: Mutex::new(Control {
                writer: Some(thread),
                resolver: None,
            }),
            bridge_installed: AtomicBool::new(false),
        })
    }

    /// The factory plugins and core services get their loggers from.
    pub fn logger_factory(&self) -> LoggerFactory {
        LoggerFactory::from_core(Arc::clone(&self.core))
    }

    /// Applies `config` (first time, or again at runtime). Validates it and opens every appender
    /// first: on error nothing changes. Then, in order with the records already queued, swaps the
    /// appenders (flushing and closing the old ones) and writes the records buffered before the
    /// first config; finally re-levels every logger.
    ///
    /// # Arguments
    ///
    /// * `config` - the new `logging` section; every appender it names is opened before anything
    ///   changes.
    pub fn upgrade(&self, config: LoggingConfig) -> Result<(), LoggingError> {
        config.validate()?;
        let mut control = self.control.lock();
        if control.writer.is_none() {
            return Err(LoggingError::Stopped);
        }
        let (appenders, index) = open_appenders(&config)?;
        let resolver = Arc::new(ContextResolver::new(&config, &index));
        let (applied, on_applied) = mpsc::channel();
        let message = Message::Apply {
            resolver: Arc::clone(&resolver),
            appenders,
            applied,
        };
        // The writer runs until `stop`, which needs the control lock we hold, and contains panics,
        // so the send succeeds and the answer comes.
        if self.sender.send(message).is_err() || on_applied.recv().is_err() {
            return Err(LoggingError::Stopped);
        }
        let policy_resolver = Arc::clone(&resolver);
        self.core.set_level_policy(Arc::new(move |context: &str| {
            policy_resolver.level(context)
        }));
        if self.bridge_installed.load(Ordering::Relaxed) {
            bridge::set_max_level(resolver.most_verbose());
        }
        // `TracingEvents` decides per callsite from the levels: have it decide again.
        tracing::callsite::rebuild_interest_cache();
        control.resolver = Some(resolver);
        Ok(())
    }

    /// Writes every record logged so far, then flushes and closes all appenders. Records logged
    /// afterwards are discarded. If no config was ever applied, the buffered records are written
    /// with the default config (the console) rather than lost. Idempotent.
    pub fn stop(&self) {
        let mut control = self.control.lock();
        let Some(writer) = control.writer.take() else {
            return;
        };
        self.core
            .set_level_policy(Arc::new(|_: &str| LogLevel::Off));
        if self.bridge_installed.load(Ordering::Relaxed) {
            bridge::set_max_level(LogLevel::Off);
        }
        // `Stop` queues behind every record sent so far; the writer writes them, closes the
        // appenders and ends.
        let _ = self.sender.send(Message::Stop);
        if writer.join().is_err() {
            eprintln!("core-logging: the log writer thread ended abnormally");
        }
    }

    /// Routes records of the `log` crate (used by actix-web, reqwest, ...) into this service.
    ///
    /// A record's target becomes its context with `::` replaced by `.`, so `actix_server::worker`
    /// logs under `actix_server.worker` and is configured like any other context
    /// (`loggers: [{ context: actix_server, level: warn }]`). Levels map one to one (`log` has no
    /// `fatal`). `log`'s global max level follows the config (the most verbose level configured
    /// anywhere), so filtered `log` calls stay a compare. There is one `log` logger per process:
    /// installing twice, or after another library did, is an error.
    pub fn install_log_bridge(&self) -> Result<(), LoggingError> {
        let control = self.control.lock();
        bridge::install(Arc::clone(&self.core))?;
        self.bridge_installed.store(true, Ordering::Relaxed);
        let level = match (&control.resolver, control.writer.is_some()) {
            (_, false) => LogLevel::Off,
            (Some(resolver), true) => resolver.most_verbose(),
            (None, true) => LogLevel::All,
        };
        bridge::set_max_level(level);
        Ok(())
    }
}

impl Drop for LoggingService {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The appenders of `config` and the resolution of its contexts, when they can be opened (the
/// default config only opens the console, so this fails only if the config names files).
fn open_default(config: &LoggingConfig) -> Option<(Vec<Appender>, ContextResolver)> {
    let (appenders, index) = open_appenders(config).ok()?;
    Some((appenders, ContextResolver::new(config, &index)))
}

/// Opens every appender of `config` (plus the built-in `default` unless the config replaces
/// it), returning them with their index by name.
fn open_appenders(
    config: &LoggingConfig,
) -> Result<(Vec<Appender>, HashMap<String, usize>), LoggingError> {
    let mut appenders = Vec::new();
    let mut index = HashMap::new();
    if !config.appenders.contains_key(DEFAULT_APPENDER) {
        let highlight = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let layout = Layout::from_config(&LayoutConfig::Pattern {
            pattern: None,
            highlight,
        });
        index.insert(DEFAULT_APPENDER.to_owned(), appenders.len());
        appenders.push(Appender::console(DEFAULT_APPENDER, layout));
    }
    for (name, appender) in &config.appenders {
        let appender = match appender {
            AppenderConfig::Console { layout } => {
                Appender::console(name, Layout::from_config(layout))
            }
            AppenderConfig::File { path, layout } => {
                Appender::file(name, path, Layout::from_config(layout))?
            }
        };
        index.insert(name.clone(), appenders.len());
        appenders.push(appender);
    }
    Ok((appenders, index))
}
