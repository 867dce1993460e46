//! Layouts: how a record becomes a line of text.

mod json;
mod pattern;
mod timestamp;

pub use pattern::DEFAULT_PATTERN;

use crate::config::LayoutConfig;
use crate::record::LogRecord;
use json::JsonLayout;
use pattern::PatternLayout;

/// A configured layout. Owns per-appender formatting state (the timestamp cache).
#[derive(Debug)]
pub(crate) enum Layout {
    Pattern(PatternLayout),
    Json(JsonLayout),
}

impl Layout {
    /// The layout `config` describes.
    pub(crate) fn from_config(config: &LayoutConfig) -> Self {
        match config {
            LayoutConfig::Pattern { pattern, highlight } => Layout::Pattern(PatternLayout::new(
                pattern.as_deref().unwrap_or(DEFAULT_PATTERN),
                *highlight,
            )),
            LayoutConfig::Json {} => Layout::Json(JsonLayout::new()),
        }
    }

    /// Appends `record` as one line, newline included, to `out`.
    pub(crate) fn format(&mut self, record: &LogRecord<'_>, out: &mut Vec<u8>) {
        match self {
            Layout::Pattern(layout) => layout.format(record, out),
            Layout::Json(layout) => layout.format(record, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LogLevel;
    use crate::record::ErrorInfo;

    /// 2026-11-28T02:56:22.256Z: a fixed clock, so snapshots need no redaction.
    const AT: i64 = 1_795_834_582_256;

    fn record<'a>(
        level: LogLevel,
        meta_json: Option<&'a str>,
        error: Option<&'a ErrorInfo>,
    ) -> LogRecord<'a> {
        // As a logger sends them: an error record's message is the error's message.
        let message = error.map_or("message \"quoted\"", |error| error.message.as_str());
        LogRecord {
            timestamp_ms: AT,
            level,
            context: "plugins.myPlugin",
            message,
            meta_json,
            error,
        }
    }

    fn error() -> ErrorInfo {
        ErrorInfo {
            message: "cannot start".into(),
            name: "my_plugin::StartError".into(),
            stack: "cannot start\n    caused by: connection refused".into(),
        }
    }

    fn render(config: LayoutConfig, records: &[LogRecord<'_>]) -> String {
        let mut layout = Layout::from_config(&config);
        let mut out = Vec::new();
        for record in records {
            layout.format(record, &mut out);
        }
        String::from_utf8(out).unwrap()
    }

    fn all_shapes(error: &ErrorInfo) -> Vec<LogRecord<'_>> {
        vec![
            record(LogLevel::Info, None, None),
            record(LogLevel::Warn, Some(r#"{"routes":3,"tags":["a"]}"#), None),
            record(LogLevel::Error, None, Some(error)),
            record(LogLevel::Fatal, Some(r#"{"x":true}"#), Some(error)),
            record(LogLevel::Debug, None, None),
            record(LogLevel::Trace, None, None),
        ]
    }

    #[test]
    fn default_pattern() {
        let error = error();
        insta::assert_snapshot!(render(
            LayoutConfig::Pattern {
                pattern: None,
                highlight: false
            },
            &all_shapes(&error)
        ));
    }

    #[test]
    fn custom_pattern_with_meta() {
        let error = error();
        let config = LayoutConfig::Pattern {
            pattern: Some("{timestamp} {level} {context} - {message} {meta}".into()),
            highlight: false,
        };
        insta::assert_snapshot!(render(config, &all_shapes(&error)));
    }

    #[test]
    fn highlighted_pattern() {
        let config = LayoutConfig::Pattern {
            pattern: Some("[{level}][{context}] {message}".into()),
            highlight: true,
        };
        let out = render(
            config,
            &[
                record(LogLevel::Warn, None, None),
                record(LogLevel::Info, None, None),
            ],
        );
        assert_eq!(
            out,
            "[\x1b[33mWARN \x1b[0m][\x1b[35mplugins.myPlugin\x1b[0m] message \"quoted\"\n\
             [INFO ][\x1b[35mplugins.myPlugin\x1b[0m] message \"quoted\"\n"
        );
    }

    #[test]
    fn json_layout() {
        let error = error();
        let out = render(LayoutConfig::Json {}, &all_shapes(&error));
        let pid = std::process::id().to_string();
        // Every line is a JSON object; the pid is this process's.
        for line in out.lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(value["pid"].to_string(), pid);
        }
        insta::assert_snapshot!(out.replace(&format!("\"pid\":{pid}"), "\"pid\":\"[pid]\""));
    }
}
