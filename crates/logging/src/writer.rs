//! The writer thread: receives [`Message`]s in order (records from [`crate::drain`], configs
//! and the stop from the service), buffers records until the first config arrives, and writes
//! each to the appenders of its context. It owns the appenders, so writing takes no lock; it
//! flushes them once the queue has been empty for about a millisecond, and at least every 50 ms
//! while records keep coming.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use crate::LogLevel;
use crate::appender::Appender;
use crate::batch_channel::{BatchReceiver, Taken};
use crate::config::LoggingConfig;
use crate::logger::ContextTable;
use crate::record::{LogRecord, QueuedRecord, now_millis};
use crate::resolution::{ContextResolver, ContextSettings};

/// How many records are kept while no config has been applied yet. Beyond that, records are
/// counted and the count is reported in one warning once the config arrives.
pub(crate) const PRE_CONFIG_BUFFER_RECORDS: usize = 10_000;

/// How often, and how many times, the writer looks at an empty queue before it flushes and
/// blocks (about a millisecond of quiet).
const IDLE_POLL_INTERVAL: Duration = Duration::from_micros(100);
const IDLE_POLLS: u32 = 10;

/// The longest a written record waits in an appender's buffer while records keep coming.
const MAX_FLUSH_DELAY: Duration = Duration::from_millis(50);

/// Opens the appenders of a config and resolves its contexts' settings (`None` if an appender
/// cannot be opened); the service passes its own, so the writer can fall back to the default
/// config.
pub(crate) type OpenConfig = fn(&LoggingConfig) -> Option<(Vec<Appender>, ContextResolver)>;

/// What the writer thread receives, in order.
pub(crate) enum Message {
    /// A record to write (or to buffer, before the first config).
    Record(QueuedRecord),
    /// A new config; `applied` is told once it is in effect.
    Apply {
        /// Gives each context its level and appenders.
        resolver: Arc<ContextResolver>,
        /// The appenders the resolver's indices point into.
        appenders: Vec<Appender>,
        /// Told once the config is in effect.
        applied: mpsc::Sender<()>,
    },
    /// Write what is queued before this, flush and close the appenders, and end the thread.
    Stop,
}

/// The writer thread's state.
pub(crate) struct Writer {
    /// The current config's resolution; `None` until the first config.
    resolver: Option<Arc<ContextResolver>>,
    appenders: Vec<Appender>,
    /// The shared table of interned contexts, and this thread's copy of it (refreshed when a
    /// record names a context id not copied yet).
    shared_contexts: ContextTable,
    contexts: Vec<Arc<str>>,
    /// Settings resolved so far under the current resolver, by context id.
    settings: Vec<Option<ContextSettings>>,
    /// Records received before the first config.
    buffer: Vec<QueuedRecord>,
    /// Records that did not fit into `buffer`.
    dropped: usize,
    /// Opens the appenders of the default config when stopping unconfigured.
    default_appenders: OpenConfig,
}

impl Writer {
    /// A writer with no config yet; `default_appenders` opens the default config should it stop
    /// unconfigured.
    pub(crate) fn new(shared_contexts: ContextTable, default_appenders: OpenConfig) -> Self {
        Self {
            resolver: None,
            appenders: Vec::new(),
            shared_contexts,
            contexts: Vec::new(),
            settings: Vec::new(),
            buffer: Vec::new(),
            dropped: 0,
            default_appenders,
        }
    }

    /// Runs until [`Message::Stop`] (or until every sender is gone), then writes what is left
    /// and closes the appenders.
    ///
    /// Each turn takes every pending message at once and handles the batch in place. When
    /// nothing is pending the thread polls a few times with short sleeps before it flushes and
    /// blocks: while a stream of records goes on, senders then find no sleeping receiver to wake
    /// (a system call per record otherwise) and the appenders write in large batches; once the
    /// stream pauses, everything is flushed. A slow trickle is flushed at least every
    /// [`MAX_FLUSH_DELAY`].
    pub(crate) fn run(mut self, receiver: BatchReceiver<Message>) {
        let mut batch = Vec::new();
        let mut empty_polls = 0;
        let mut last_flush = Instant::now();
        loop {
            match receiver.try_take(&mut batch) {
                Taken::Messages => empty_polls = 0,
                Taken::Disconnected => break,
                Taken::Empty => {
                    if last_flush.elapsed() >= MAX_FLUSH_DELAY {
                        self.guarded(Self::flush);
                        last_flush = Instant::now();
                    }
                    if empty_polls < IDLE_POLLS {
                        empty_polls += 1;
                        std::thread::sleep(IDLE_POLL_INTERVAL);
                        continue;
                    }
                    // Idle: make everything written so far visible, then wait.
                    self.guarded(Self::flush);
                    if !receiver.take_blocking(&mut batch) {
                        break;
                    }
                    last_flush = Instant::now();
                }
            }
            let stop = self.handle_batch(&mut batch);
            // Drops the messages (and whatever follows a `Stop`: loggers are `off` by then).
            batch.clear();
            if stop {
                break;
            }
        }
        self.guarded(Self::finish);
    }

    /// Handles `batch` in order, in place (a message is a few cache lines; moving each out of
    /// the batch was measurable). Returns whether it held [`Message::Stop`].
    fn handle_batch(&mut self, batch: &mut [Message]) -> bool {
        for message in batch {
            match message {
                Message::Record(record) => self.guarded(|writer| writer.receive(record)),
                Message::Apply {
                    resolver,
                    appenders,
                    applied,
                } => {
                    let resolver = Arc::clone(resolver);
                    let appenders = std::mem::take(appenders);
                    self.guarded(|writer| writer.apply(resolver, appenders));
                    // The service may have given up waiting; the config is applied either way.
                    let _ = applied.send(());
                }
                Message::Stop => return true,
            }
        }
        false
    }

    /// Runs `step`, containing a panic to it: a panic must not end the thread, which would end
    /// all logging. It is reported where logging still can report.
    fn guarded(&mut self, step: impl FnOnce(&mut Self)) {
        if std::panic::catch_unwind(AssertUnwindSafe(|| step(self))).is_err() {
            eprintln!("core-logging: the log writer panicked while writing; logging goes on");
        }
    }

    fn receive(&mut self, record: &mut QueuedRecord) {
        if self.resolver.is_some() {
            self.write(record);
        } else if self.buffer.len() < PRE_CONFIG_BUFFER_RECORDS {
            self.buffer.push(record.take());
        } else {
            self.dropped += 1;
        }
    }

    fn write(&mut self, record: &QueuedRecord) {
        let index = record.context_id as usize;
        if index >= self.contexts.len() {
            let shared = self.shared_contexts.read();
            self.contexts
                .extend(shared.iter().skip(self.contexts.len()).cloned());
        }
        let Some(resolver) = &self.resolver else {
            return;
        };
        let Some(context) = self.contexts.get(index) else {
            // Only our loggers feed the queue and they register their context first; should a
            // record still name no known context, write it under `root` rather than lose it.
            self.write_view(&record.view("root"));
            return;
        };
        if index >= self.settings.len() {
            self.settings.resize(index + 1, None);
        }
        let settings = self.settings[index].get_or_insert_with(|| resolver.resolve(context));
        if record.level.record_rank() <= settings.level.threshold_rank() {
            let view = record.view(context);
            for &appender in &settings.appenders {
                if let Some(appender) = self.appenders.get_mut(appender) {
                    appender.append(&view);
                }
            }
        }
    }

    fn write_view(&mut self, record: &LogRecord<'_>) {
        let Some(resolver) = &self.resolver else {
            return;
        };
        let settings = resolver.resolve(record.context);
        if record.level.record_rank() <= settings.level.threshold_rank() {
            for &appender in &settings.appenders {
                if let Some(appender) = self.appenders.get_mut(appender) {
                    appender.append(record);
                }
            }
        }
    }

    fn flush(&mut self) {
        for appender in &mut self.appenders {
            appender.flush();
        }
    }

    /// Switches to `resolver` and `appenders`: the old appenders are flushed and closed first,
    /// then records buffered before the first config are written under the new one.
    fn apply(&mut self, resolver: Arc<ContextResolver>, appenders: Vec<Appender>) {
        self.flush();
        self.appenders = appenders;
        self.resolver = Some(resolver);
        self.settings.clear();
        for record in std::mem::take(&mut self.buffer) {
            self.write(&record);
        }
        if self.dropped > 0 {
            let message = format!(
                "{} log records emitted before logging was configured were dropped: at most {PRE_CONFIG_BUFFER_RECORDS} are buffered",
                self.dropped
            );
            self.dropped = 0;
            let report = LogRecord {
                timestamp_ms: now_millis(),
                level: LogLevel::Warn,
                context: "logging",
                message: &message,
                meta_json: None,
                error: None,
            };
            self.write_view(&report);
        }
        self.flush();
    }

    /// Writes what was buffered (under the default config if none was ever applied, rather than
    /// losing it), then flushes and closes every appender.
    fn finish(&mut self) {
        if self.resolver.is_none()
            && let Some((appenders, resolver)) = (self.default_appenders)(&LoggingConfig::default())
        {
            self.apply(Arc::new(resolver), appenders);
        }
        self.flush();
        self.appenders.clear();
    }
}
