//! Loggers and the factory that hands them out.
//!
//! Every context has exactly one shared [`LoggerState`] per logging backend (interned in a
//! registry), holding an atomic level threshold. Reconfiguring rewrites those thresholds, so
//! loggers handed out earlier follow the new config, and a disabled call costs one atomic load
//! and a compare before anything is formatted.

use std::error::Error;
use std::fmt::{self, Display};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};

use parking_lot::{Mutex, RwLock};
use rustc_hash::FxHashMap;
use slog::BorrowedKV;

use crate::record::{self, CONTEXT_KEY, ErrorInfo, RecordFields};
use crate::{LogLevel, LogMeta};

/// Decides the level of a context; replaced when the config changes.
pub(crate) type LevelPolicy = Arc<dyn Fn(&str) -> LogLevel + Send + Sync>;

/// A logging backend: the slog pipeline every logger feeds, and the interned loggers.
pub(crate) struct Core {
    root: slog::Logger,
    registry: Mutex<Registry>,
    /// Every context handed out, indexed by the id its records carry.
    contexts: ContextTable,
}

/// Interned contexts by id, shared with the service's writer thread.
pub(crate) type ContextTable = Arc<RwLock<Vec<Arc<str>>>>;

struct Registry {
    // Contexts come from code (plugin ids, module names), not from clients: a DoS-resistant
    // hasher buys nothing, and SipHash showed as a cost per plugin at 100 000 plugins.
    loggers: FxHashMap<Arc<str>, Arc<LoggerState>>,
    policy: LevelPolicy,
}

impl Core {
    /// A backend writing to `root`, with every context at the level `policy` gives it.
    pub(crate) fn new(
        root: slog::Logger,
        policy: LevelPolicy,
        contexts: ContextTable,
    ) -> Arc<Self> {
        Arc::new(Self {
            root,
            registry: Mutex::new(Registry {
                loggers: FxHashMap::default(),
                policy,
            }),
            contexts,
        })
    }

    /// The interned logger state for `context`.
    pub(crate) fn logger(&self, context: &str) -> Logger {
        let mut registry = self.registry.lock();
        if let Some(state) = registry.loggers.get(context) {
            return Logger {
                state: Arc::clone(state),
            };
        }
        let context: Arc<str> = Arc::from(context);
        let level = (registry.policy)(&context);
        let context_id = {
            let mut contexts = self.contexts.write();
            contexts.push(Arc::clone(&context));
            u32::try_from(contexts.len() - 1).unwrap_or(u32::MAX)
        };
        let state = Arc::new(LoggerState {
            root: self.root.clone(),
            slog: OnceLock::new(),
            context: Arc::clone(&context),
            context_id,
            threshold: AtomicU8::new(level.threshold_rank()),
        });
        registry.loggers.insert(context, Arc::clone(&state));
        Logger { state }
    }

    /// Replaces the level policy and re-levels every logger handed out so far. Holding the
    /// registry lock throughout means a logger created concurrently cannot keep a stale level.
    pub(crate) fn set_level_policy(&self, policy: LevelPolicy) {
        let mut registry = self.registry.lock();
        for (context, state) in &registry.loggers {
            state
                .threshold
                .store(policy(context).threshold_rank(), Ordering::Relaxed);
        }
        registry.policy = policy;
    }
}

struct LoggerState {
    context: Arc<str>,
    context_id: u32,
    /// `LogLevel::threshold_rank` of the logger's current level.
    threshold: AtomicU8,
    /// The backend's root logger, from which `slog` is derived.
    root: slog::Logger,
    /// The slog logger carrying the context, built with the first record written: a server
    /// creates a logger per plugin at startup, and at a quiet level most never write.
    slog: OnceLock<slog::Logger>,
}

impl LoggerState {
    /// Sends one enabled record down the slog pipeline. Not generic and not inlined, so the
    /// disabled path at every call site stays a load and a compare.
    #[inline(never)]
    fn emit(
        &self,
        level: LogLevel,
        message: fmt::Arguments<'_>,
        meta: Option<&LogMeta>,
        error: Option<&ErrorInfo>,
    ) {
        let meta_json = meta.filter(|meta| !meta.is_empty()).map(|meta| {
            // Serializing a JSON map of JSON values cannot fail; keep logging if it ever does.
            serde_json::to_string(meta)
                .unwrap_or_else(|e| format!("{{\"metaError\":{:?}}}", e.to_string()))
        });
        let fields = RecordFields {
            timestamp_ms: record::now_millis(),
            context_id: self.context_id,
            meta_json: meta_json.as_deref(),
            error,
        };
        let slog = self.slog.get_or_init(|| {
            self.root
                .new(slog::o!(CONTEXT_KEY => self.context.to_string()))
        });
        slog.log(&slog::Record::new(
            record::record_static(level),
            &message,
            BorrowedKV(&fields),
        ));
    }
}

/// A logger bound to one context such as `plugins.myPlugin` (Kibana's `Logger`).
///
/// Cheap to clone: clones share the context's state, so a reconfiguration changes the level and
/// the appenders of every clone. Every method checks the level before it formats anything, so a
/// disabled call costs an atomic load; the `message` is only formatted when the record is
/// written.
///
/// ```
/// use core_logging::{LogLevel, LogMeta};
/// let (factory, logs) = core_logging::testing::capturing_logger_factory();
/// let logger = factory.get(&["plugins", "greeting"]);
/// logger.info_with("routes registered", LogMeta::new().with("count", 2));
/// assert_eq!(logs.lines(), ["[info][plugins.greeting] routes registered"]);
/// assert!(logger.is_enabled(LogLevel::Trace));
/// ```
#[derive(Clone)]
pub struct Logger {
    state: Arc<LoggerState>,
}

impl fmt::Debug for Logger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logger")
            .field("context", &self.context())
            .finish_non_exhaustive()
    }
}

impl Logger {
    /// The dotted context this logger writes under.
    pub fn context(&self) -> &str {
        &self.state.context
    }

    /// Whether a record at `level` would be written (`all`: whether trace records are; `off`:
    /// never).
    ///
    /// # Arguments
    ///
    /// * `level` - the level a record would have.
    #[inline]
    pub fn is_enabled(&self, level: LogLevel) -> bool {
        level.record_rank() <= self.state.threshold.load(Ordering::Relaxed)
    }

    #[inline]
    fn log(&self, level: LogLevel, message: impl Display, meta: Option<&LogMeta>) {
        if self.is_enabled(level) {
            self.state
                .emit(level, format_args!("{message}"), meta, None);
        }
    }

    #[inline]
    fn log_error<E: Error + ?Sized>(&self, level: LogLevel, error: &E) {
        if self.is_enabled(level) {
            let info = ErrorInfo::capture(error);
            self.state
                .emit(level, format_args!("{}", info.message), None, Some(&info));
        }
    }

    /// Logs `message` at `level`, with optional metadata (the bridge from the `log` crate uses
    /// it). `all` logs at trace; `off` logs nothing.
    ///
    /// # Arguments
    ///
    /// * `level` - the record's level.
    /// * `message` - the text of the record; formatted only when `level` is enabled.
    /// * `meta` - fields added to the record (`meta` in the JSON layout, `{meta}` in patterns);
    ///   `None` for none.
    #[inline]
    pub fn log_at(&self, level: LogLevel, message: impl Display, meta: Option<&LogMeta>) {
        self.log(level, message, meta);
    }

    /// Logs at trace level.
    ///
    /// # Arguments
    ///
    /// * `message` - the text of the record; formatted only when the level is enabled.
    #[inline]
    pub fn trace(&self, message: impl Display) {
        self.log(LogLevel::Trace, message, None);
    }
    /// Logs at trace level with metadata.
    ///
    /// # Arguments
    ///
    /// * `message` - the text of the record; formatted only when the level is enabled.
    /// * `meta` - fields added to the record (`meta` in the JSON layout, `{meta}` in patterns).
    #[inline]
    pub fn trace_with(&self, message: impl Display, meta: LogMeta) {
        self.log(LogLevel::Trace, message, Some(&meta));
    }
    /// Logs at debug level.
    ///
    /// # Arguments
    ///
    /// * `message` - the text of the record; formatted only when the level is enabled.
    #[inline]
    pub fn debug(&self, message: impl Display) {
        self.log(LogLevel::Debug, message, None);
    }
    /// Logs at debug level with metadata.
    ///
    /// # Arguments
    ///
    /// * `message` - the text of the record; formatted only when the level is enabled.
    /// * `meta` - fields added to the record (`meta` in the JSON layout, `{meta}` in patterns).
    #[inline]
    pub fn debug_with(&self, message: impl Display, meta: LogMeta) {
        self.log(LogLevel::Debug, message, Some(&meta));
    }
    /// Logs at info level.
    ///
    /// # Arguments
    ///
    /// * `message` - the text of the record; formatted only when the level is enabled.
    #[inline]
    pub fn info(&self, message: impl Display) {
        self.log(LogLevel::Info, message, None);
    }
    /// Logs at info level with metadata.
    ///
    /// # Arguments
    ///
    /// * `message` - the text of the record; formatted only when the level is enabled.
    /// * `meta` - fields added to the record (`meta` in the JSON layout, `{meta}` in patterns).
    #[inline]
    pub fn info_with(&self, message: impl Display, meta: LogMeta) {
        self.log(LogLevel::Info, message, Some(&meta));
    }
    /// Logs at warn level.
    ///
    /// # Arguments
    ///
    /// * `message` - the text of the record; formatted only when the level is enabled.
    #[inline]
    pub fn warn(&self, message: impl Display) {
        self.log(LogLevel::Warn, message, None);
    }
    /// Logs at warn level with metadata.
    ///
    /// # Arguments
    ///
    /// * `message` - the text of the record; formatted only when the level is enabled.
    /// * `meta` - fields added to the record (`meta` in the JSON layout, `{meta}` in patterns).
    #[inline]
    pub fn warn_with(&self, message: impl Display, meta: LogMeta) {
        self.log(LogLevel::Warn, message, Some(&meta));
    }
    /// Logs an error value (message and source chain) at warn level.
    ///
    /// # Arguments
    ///
    /// * `error` - the error; its message is the record's message, its `source()` chain goes with
    ///   it.
    #[inline]
    pub fn warn_err<E: Error + ?Sized>(&self, error: &E) {
        self.log_error(LogLevel::Warn, error);
    }
    /// Logs at error level.
    ///
    /// # Arguments
    ///
    /// * `message` - the text of the record; formatted only when the level is enabled.
    #[inline]
    pub fn error(&self, message: impl Display) {
        self.log(LogLevel::Error, message, None);
    }
    /// Logs at error level with metadata.
    ///
    /// # Arguments
    ///
    /// * `message` - the text of the record; formatted only when the level is enabled.
    /// * `meta` - fields added to the record (`meta` in the JSON layout, `{meta}` in patterns).
    #[inline]
    pub fn error_with(&self, message: impl Display, meta: LogMeta) {
        self.log(LogLevel::Error, message, Some(&meta));
    }
    /// Logs an error value (message and source chain) at error level.
    ///
    /// # Arguments
    ///
    /// * `error` - the error; its message is the record's message, its `source()` chain goes with
    ///   it.
    #[inline]
    pub fn error_err<E: Error + ?Sized>(&self, error: &E) {
        self.log_error(LogLevel::Error, error);
    }
    /// Logs at fatal level.
    ///
    /// # Arguments
    ///
    /// * `message` - the text of the record; formatted only when the level is enabled.
    #[inline]
    pub fn fatal(&self, message: impl Display) {
        self.log(LogLevel::Fatal, message, None);
    }
    /// Logs at fatal level with metadata.
    ///
    /// # Arguments
    ///
    /// * `message` - the text of the record; formatted only when the level is enabled.
    /// * `meta` - fields added to the record (`meta` in the JSON layout, `{meta}` in patterns).
    #[inline]
    pub fn fatal_with(&self, message: impl Display, meta: LogMeta) {
        self.log(LogLevel::Fatal, message, Some(&meta));
    }
    /// Logs an error value (message and source chain) at fatal level.
    ///
    /// # Arguments
    ///
    /// * `error` - the error; its message is the record's message, its `source()` chain goes with
    ///   it.
    #[inline]
    pub fn fatal_err<E: Error + ?Sized>(&self, error: &E) {
        self.log_error(LogLevel::Fatal, error);
    }
}

/// Hands out [`Logger`]s by context (Kibana's `LoggerFactory`). Cheap to clone.
///
/// ```
/// let (factory, _logs) = core_logging::testing::capturing_logger_factory();
/// assert_eq!(factory.get(&[]).context(), "root");
/// assert_eq!(factory.get(&["plugins", "myPlugin"]).context(), "plugins.myPlugin");
/// let plugin = factory.prefixed(&["plugins", "x"]);
/// assert_eq!(plugin.get(&[]).context(), "plugins.x");
/// assert_eq!(plugin.get(&["routes"]).context(), "plugins.x.routes");
/// ```
#[derive(Clone)]
pub struct LoggerFactory {
    core: Arc<Core>,
    /// The dotted context every logger of this factory starts with (`None` for the root
    /// factory). Joined once, so `prefixed` allocates one string and `get(&[])` none.
    prefix: Option<Arc<str>>,
}

impl fmt::Debug for LoggerFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoggerFactory")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl LoggerFactory {
    pub(crate) fn from_core(core: Arc<Core>) -> Self {
        Self { core, prefix: None }
    }

    /// A logger whose context is `parts` joined with `.`, after this factory's prefix;
    /// no parts at all gives `root`. Empty parts are skipped, so no context contains `..`.
    ///
    /// # Arguments
    ///
    /// * `parts` - the context's parts, such as `["plugins", "myPlugin"]`; empty parts are skipped.
    pub fn get(&self, parts: &[&str]) -> Logger {
        match (&self.prefix, parts.iter().all(|part| part.is_empty())) {
            // The factory's own context (a plugin's `plugins.<id>`): nothing to join.
            (Some(prefix), true) => self.core.logger(prefix),
            (prefix, _) => {
                let context =
                    join_context(prefix.as_deref().into_iter().chain(parts.iter().copied()));
                self.core.logger(&context)
            }
        }
    }

    /// A factory whose loggers' contexts all start with `parts` (plugins get `plugins.<id>`).
    ///
    /// # Arguments
    ///
    /// * `parts` - the parts every context of the new factory starts with; empty parts are skipped.
    pub fn prefixed(&self, parts: &[&str]) -> LoggerFactory {
        let prefix = if parts.iter().all(|part| part.is_empty()) {
            self.prefix.clone()
        } else {
            let joined = join_context(
                self.prefix
                    .as_deref()
                    .into_iter()
                    .chain(parts.iter().copied()),
            );
            Some(Arc::from(joined))
        };
        LoggerFactory {
            core: Arc::clone(&self.core),
            prefix,
        }
    }
}

/// Joins non-empty parts with `.`; nothing at all is `root`.
fn join_context<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    let mut context = String::new();
    for part in parts.filter(|part| !part.is_empty()) {
        if !context.is_empty() {
            context.push('.');
        }
        context.push_str(part);
    }
    if context.is_empty() {
        context.push_str("root");
    }
    context
}

#[cfg(test)]
mod tests {
    use super::join_context;
    use crate::testing::capturing_logger_factory;

    #[test]
    fn joins_parts_with_dots_and_defaults_to_root() {
        assert_eq!(
            join_context(["plugins", "myPlugin"].into_iter()),
            "plugins.myPlugin"
        );
        assert_eq!(join_context(["", "a", "", "b"].into_iter()), "a.b");
        assert_eq!(join_context(std::iter::empty()), "root");
    }

    #[test]
    fn prefixed_factories_join_their_prefix_once_and_skip_empty_parts() {
        let (root, _logs) = capturing_logger_factory();
        assert_eq!(root.prefixed(&[]).get(&[]).context(), "root");
        assert_eq!(root.prefixed(&["", ""]).get(&["", "a"]).context(), "a");
        let plugin = root.prefixed(&["plugins", "", "x"]);
        assert_eq!(plugin.get(&[]).context(), "plugins.x");
        assert_eq!(plugin.get(&[""]).context(), "plugins.x");
        assert_eq!(plugin.prefixed(&[""]).get(&[]).context(), "plugins.x");
        let nested = plugin.prefixed(&["routes", "v1"]);
        assert_eq!(nested.get(&[]).context(), "plugins.x.routes.v1");
        assert_eq!(
            nested.get(&["", "get"]).context(),
            "plugins.x.routes.v1.get"
        );
        // The same context from either factory is the same interned logger state.
        assert!(std::ptr::eq(
            plugin.get(&[]).context(),
            root.get(&["plugins", "x"]).context()
        ));
    }
}
