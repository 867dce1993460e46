//! How a record travels through slog: the fields a [`crate::Logger`] attaches to a slog
//! `Record`, and how the far end (the writer thread, the capture drain) reads them back.
//!
//! Everything is sent as plain strings and integers, so any slog drain can read it without serde
//! plumbing. `meta` is serialized to JSON once, on the caller's thread, and layouts embed that
//! text as is. The context travels twice: as text in the logger's slog values (for any drain),
//! and as the id of the interned context in the record (so the service's queue need not copy it).

use std::error::Error;
use std::fmt::{self, Write as _};

use slog::{KV, Key, Record, RecordStatic, Serializer};

use crate::LogLevel;
use crate::text::MessageText;

/// Logger-value key holding the dotted context.
pub(crate) const CONTEXT_KEY: &str = "context";
const TIMESTAMP_KEY: &str = "ts";
const CONTEXT_ID_KEY: &str = "context_id";
const META_KEY: &str = "meta";
const ERROR_MESSAGE_KEY: &str = "error.message";
const ERROR_NAME_KEY: &str = "error.name";
const ERROR_STACK_KEY: &str = "error.stack";

/// The slog `RecordStatic` for each record level (slog wants `'static` location data).
pub(crate) fn record_static(level: LogLevel) -> &'static RecordStatic<'static> {
    static FATAL: RecordStatic<'static> = slog::record_static!(slog::Level::Critical, "");
    static ERROR: RecordStatic<'static> = slog::record_static!(slog::Level::Error, "");
    static WARN: RecordStatic<'static> = slog::record_static!(slog::Level::Warning, "");
    static INFO: RecordStatic<'static> = slog::record_static!(slog::Level::Info, "");
    static DEBUG: RecordStatic<'static> = slog::record_static!(slog::Level::Debug, "");
    static TRACE: RecordStatic<'static> = slog::record_static!(slog::Level::Trace, "");
    match level.to_slog() {
        slog::Level::Critical => &FATAL,
        slog::Level::Error => &ERROR,
        slog::Level::Warning => &WARN,
        slog::Level::Info => &INFO,
        slog::Level::Debug => &DEBUG,
        slog::Level::Trace => &TRACE,
    }
}

/// An error value reduced to text: its message, type name and source chain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ErrorInfo {
    /// The error's `Display`.
    pub(crate) message: String,
    /// The error's type name.
    pub(crate) name: String,
    /// The message followed by one `    caused by: ...` line per source (Kibana prints a stack).
    pub(crate) stack: String,
}

impl ErrorInfo {
    /// Captures `error` and its `source()` chain.
    pub(crate) fn capture<E: Error + ?Sized>(error: &E) -> Self {
        let message = error.to_string();
        let mut stack = message.clone();
        let mut source = error.source();
        while let Some(cause) = source {
            // Writing to a String cannot fail.
            let _ = write!(stack, "\n    caused by: {cause}");
            source = cause.source();
        }
        Self {
            message,
            name: std::any::type_name::<E>().to_owned(),
            stack,
        }
    }
}

/// The fields a logger attaches to each record.
pub(crate) struct RecordFields<'a> {
    /// Milliseconds since the Unix epoch, taken on the caller's thread.
    pub(crate) timestamp_ms: i64,
    /// The id of the logger's interned context.
    pub(crate) context_id: u32,
    /// `LogMeta` as JSON text.
    pub(crate) meta_json: Option<&'a str>,
    /// The logged error, if any.
    pub(crate) error: Option<&'a ErrorInfo>,
}

#[allow(
    clippy::useless_conversion,
    reason = "slog::Key is &str by default but a String-like type with slog's `dynamic-keys` feature"
)]
impl KV for RecordFields<'_> {
    fn serialize(&self, _record: &Record<'_>, serializer: &mut dyn Serializer) -> slog::Result {
        serializer.emit_i64(TIMESTAMP_KEY.into(), self.timestamp_ms)?;
        serializer.emit_u32(CONTEXT_ID_KEY.into(), self.context_id)?;
        if let Some(meta) = self.meta_json {
            serializer.emit_str(META_KEY.into(), meta)?;
        }
        if let Some(error) = self.error {
            serializer.emit_str(ERROR_MESSAGE_KEY.into(), &error.message)?;
            serializer.emit_str(ERROR_NAME_KEY.into(), &error.name)?;
            serializer.emit_str(ERROR_STACK_KEY.into(), &error.stack)?;
        }
        Ok(())
    }
}

/// A borrowed view of one record, what layouts format.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LogRecord<'a> {
    pub(crate) timestamp_ms: i64,
    pub(crate) level: LogLevel,
    pub(crate) context: &'a str,
    pub(crate) message: &'a str,
    pub(crate) meta_json: Option<&'a str>,
    pub(crate) error: Option<&'a ErrorInfo>,
}

/// A fully owned record, context included (what the capturing drain keeps).
#[cfg(any(test, feature = "testing"))]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OwnedRecord {
    pub(crate) timestamp_ms: i64,
    pub(crate) level: LogLevel,
    pub(crate) context: String,
    pub(crate) message: String,
    pub(crate) meta_json: Option<String>,
    pub(crate) error: Option<ErrorInfo>,
}

#[cfg(any(test, feature = "testing"))]
impl OwnedRecord {
    /// Decodes a slog record, with the context from the logger's values.
    pub(crate) fn from_slog(record: &Record<'_>, values: &slog::OwnedKVList) -> Self {
        let mut decoded = Decoded::default();
        // Our serializer never fails; a foreign KV that fails only loses its own fields.
        let _ = values.serialize(record, &mut decoded);
        let _ = record.kv().serialize(record, &mut decoded);
        let error = decoded.error_if_any();
        OwnedRecord {
            timestamp_ms: decoded.timestamp_ms,
            level: LogLevel::from_slog(record.level()),
            context: decoded.context.unwrap_or_else(|| "root".to_owned()),
            message: record.msg().to_string(),
            meta_json: decoded.meta_json,
            error,
        }
    }
}

/// A record on its way to the service's writer thread: small, because the queue preallocates
/// a slot per record, and with the context as an interned id rather than a copy.
#[derive(Debug)]
pub(crate) struct QueuedRecord {
    pub(crate) timestamp_ms: i64,
    pub(crate) level: LogLevel,
    pub(crate) context_id: u32,
    pub(crate) message: MessageText,
    /// Metadata and error, boxed because most records have neither.
    pub(crate) extras: Option<Box<Extras>>,
}

/// The rarely present parts of a [`QueuedRecord`].
#[derive(Debug)]
pub(crate) struct Extras {
    pub(crate) meta_json: Option<String>,
    pub(crate) error: Option<ErrorInfo>,
}

impl QueuedRecord {
    /// Decodes a slog record sent by one of our loggers (the logger values are not read).
    pub(crate) fn from_slog(record: &Record<'_>) -> Self {
        let mut decoded = Decoded::default();
        let _ = record.kv().serialize(record, &mut decoded);
        let message = MessageText::format(record.msg());
        let error = decoded.error_if_any();
        let extras = (decoded.meta_json.is_some() || error.is_some()).then(|| {
            Box::new(Extras {
                meta_json: decoded.meta_json,
                error,
            })
        });
        QueuedRecord {
            timestamp_ms: decoded.timestamp_ms,
            level: LogLevel::from_slog(record.level()),
            context_id: decoded.context_id.unwrap_or(u32::MAX),
            message,
            extras,
        }
    }

    /// Moves the record out, leaving an empty one (the writer handles records in place and
    /// moves one out only to keep it, before the first config).
    pub(crate) fn take(&mut self) -> Self {
        std::mem::replace(
            self,
            QueuedRecord {
                timestamp_ms: 0,
                level: LogLevel::Off,
                context_id: u32::MAX,
                message: MessageText::default(),
                extras: None,
            },
        )
    }

    /// The borrowed view of this record under `context`.
    pub(crate) fn view<'a>(&'a self, context: &'a str) -> LogRecord<'a> {
        LogRecord {
            timestamp_ms: self.timestamp_ms,
            level: self.level,
            context,
            message: self.message.as_str(),
            meta_json: self
                .extras
                .as_ref()
                .and_then(|extras| extras.meta_json.as_deref()),
            error: self
                .extras
                .as_ref()
                .and_then(|extras| extras.error.as_ref()),
        }
    }
}

/// Our keys read back out of a record; other keys are ignored.
#[derive(Default)]
struct Decoded {
    timestamp_ms: i64,
    context_id: Option<u32>,
    context: Option<String>,
    meta_json: Option<String>,
    error: ErrorInfo,
    has_error: bool,
}

impl Decoded {
    fn error_if_any(&mut self) -> Option<ErrorInfo> {
        self.has_error.then(|| std::mem::take(&mut self.error))
    }

    fn take_str(&mut self, key: &str, val: &str) {
        match key {
            CONTEXT_KEY => self.context = Some(val.to_owned()),
            META_KEY => self.meta_json = Some(val.to_owned()),
            ERROR_MESSAGE_KEY => {
                self.has_error = true;
                self.error.message = val.to_owned();
            }
            ERROR_NAME_KEY => {
                self.has_error = true;
                self.error.name = val.to_owned();
            }
            ERROR_STACK_KEY => {
                self.has_error = true;
                self.error.stack = val.to_owned();
            }
            _ => {}
        }
    }
}

#[allow(
    clippy::useless_asref,
    reason = "slog::Key is &str by default but a String-like type with slog's `dynamic-keys` feature"
)]
impl Serializer for Decoded {
    fn emit_arguments(&mut self, key: Key, val: &fmt::Arguments<'_>) -> slog::Result {
        let key: &str = key.as_ref();
        match val.as_str() {
            Some(text) => self.take_str(key, text),
            None => self.take_str(key, &val.to_string()),
        }
        Ok(())
    }

    fn emit_str(&mut self, key: Key, val: &str) -> slog::Result {
        let key: &str = key.as_ref();
        self.take_str(key, val);
        Ok(())
    }

    fn emit_i64(&mut self, key: Key, val: i64) -> slog::Result {
        let key: &str = key.as_ref();
        if key == TIMESTAMP_KEY {
            self.timestamp_ms = val;
        }
        Ok(())
    }

    fn emit_u32(&mut self, key: Key, val: u32) -> slog::Result {
        let key: &str = key.as_ref();
        if key == CONTEXT_ID_KEY {
            self.context_id = Some(val);
        }
        Ok(())
    }
}

/// Milliseconds since the Unix epoch now (0 if the clock is before 1970).
pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot start plugin")]
    struct Outer(#[source] Middle);

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read manifest")]
    struct Middle(#[source] std::io::Error);

    #[test]
    fn error_info_keeps_message_name_and_chain() {
        let error = Outer(Middle(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "kibana.json missing",
        )));
        let info = ErrorInfo::capture(&error);
        assert_eq!(info.message, "cannot start plugin");
        assert!(info.name.ends_with("Outer"), "{}", info.name);
        assert_eq!(
            info.stack,
            "cannot start plugin\n    caused by: cannot read manifest\n    caused by: kibana.json missing"
        );
    }

    #[test]
    fn record_fields_round_trip_through_a_slog_record() {
        let error = ErrorInfo {
            message: "m".into(),
            name: "n".into(),
            stack: "m\n    caused by: c".into(),
        };
        let fields = RecordFields {
            timestamp_ms: 1234,
            context_id: 7,
            meta_json: Some(r#"{"a":1}"#),
            error: Some(&error),
        };
        let values = slog::OwnedKVList::from(slog::o!(CONTEXT_KEY => "plugins.x"));
        let message = 42;
        let args = format_args!("answer {message}");
        let record = Record::new(
            record_static(LogLevel::Warn),
            &args,
            slog::BorrowedKV(&fields),
        );
        assert_eq!(
            OwnedRecord::from_slog(&record, &values),
            OwnedRecord {
                timestamp_ms: 1234,
                level: LogLevel::Warn,
                context: "plugins.x".into(),
                message: "answer 42".into(),
                meta_json: Some(r#"{"a":1}"#.into()),
                error: Some(error.clone()),
            }
        );
        let queued = QueuedRecord::from_slog(&record);
        assert_eq!(queued.context_id, 7);
        let view = queued.view("ctx");
        assert_eq!(
            (view.timestamp_ms, view.level, view.context, view.message),
            (1234, LogLevel::Warn, "ctx", "answer 42")
        );
        assert_eq!(
            (view.meta_json, view.error),
            (Some(r#"{"a":1}"#), Some(&error))
        );
    }
}
