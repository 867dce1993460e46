//! The pattern layout: a text template with `{placeholder}`s.

use std::io::Write as _;

use super::timestamp::TimestampFormatter;
use crate::LogLevel;
use crate::record::LogRecord;

/// The pattern used when the config gives none.
pub const DEFAULT_PATTERN: &str = "[{timestamp}][{level}][{context}] {message}";

/// One piece of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Timestamp,
    Level,
    Context,
    Message,
    Meta,
}

/// A compiled pattern layout.
///
/// Placeholders: `{timestamp}` (ISO-8601 UTC with milliseconds), `{level}` (upper case, padded
/// to five characters: `INFO `, `WARN `), `{context}`, `{message}` (for an error value: its
/// message, then one `    caused by: ...` line per source), `{meta}` (the metadata as JSON, empty
/// when the record has none). Any other text, including unknown `{words}`, is copied as is.
#[derive(Debug)]
pub(crate) struct PatternLayout {
    segments: Vec<Segment>,
    highlight: bool,
    timestamps: TimestampFormatter,
}

impl PatternLayout {
    /// Compiles `pattern`.
    pub(crate) fn new(pattern: &str, highlight: bool) -> Self {
        Self {
            segments: compile(pattern),
            highlight,
            timestamps: TimestampFormatter::default(),
        }
    }

    /// Appends `record` as one line (with its trailing newline) to `out`.
    pub(crate) fn format(&mut self, record: &LogRecord<'_>, out: &mut Vec<u8>) {
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.extend_from_slice(text.as_bytes()),
                Segment::Timestamp => self.timestamps.write(record.timestamp_ms, out),
                Segment::Level => match level_colour(record.level).filter(|_| self.highlight) {
                    Some(colour) => {
                        out.extend_from_slice(colour.as_bytes());
                        out.extend_from_slice(record.level.padded_upper().as_bytes());
                        out.extend_from_slice(RESET.as_bytes());
                    }
                    None => out.extend_from_slice(record.level.padded_upper().as_bytes()),
                },
                Segment::Context if self.highlight => {
                    out.extend_from_slice(MAGENTA.as_bytes());
                    out.extend_from_slice(record.context.as_bytes());
                    out.extend_from_slice(RESET.as_bytes());
                }
                Segment::Context => out.extend_from_slice(record.context.as_bytes()),
                Segment::Message => {
                    let text = record
                        .error
                        .map_or(record.message, |error| error.stack.as_str());
                    out.extend_from_slice(text.as_bytes());
                }
                Segment::Meta => {
                    if let Some(meta) = record.meta_json {
                        // Writing to a Vec cannot fail.
                        let _ = out.write_all(meta.as_bytes());
                    }
                }
            }
        }
        out.push(b'\n');
    }
}

const RESET: &str = "\x1b[0m";
const MAGENTA: &str = "\x1b[35m";

/// ANSI colours per level, as Kibana highlights them; `info` keeps the terminal's colour.
fn level_colour(level: LogLevel) -> Option<&'static str> {
    match level {
        LogLevel::Fatal => Some("\x1b[1;31m"),
        LogLevel::Error => Some("\x1b[31m"),
        LogLevel::Warn => Some("\x1b[33m"),
        LogLevel::Debug => Some("\x1b[32m"),
        LogLevel::Trace => Some("\x1b[34m"),
        LogLevel::Info | LogLevel::All | LogLevel::Off => None,
    }
}

fn compile(pattern: &str) -> Vec<Segment> {
    const PLACEHOLDERS: [(&str, Segment); 5] = [
        ("{timestamp}", Segment::Timestamp),
        ("{level}", Segment::Level),
        ("{context}", Segment::Context),
        ("{message}", Segment::Message),
        ("{meta}", Segment::Meta),
    ];
    let mut segments = Vec::new();
    let mut literal = String::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        match PLACEHOLDERS.iter().find(|(name, _)| rest.starts_with(name)) {
            Some((name, segment)) => {
                if !literal.is_empty() {
                    segments.push(Segment::Literal(std::mem::take(&mut literal)));
                }
                segments.push(segment.clone());
                rest = &rest[name.len()..];
            }
            None => {
                let mut chars = rest.chars();
                if let Some(c) = chars.next() {
                    literal.push(c);
                }
                rest = chars.as_str();
            }
        }
    }
    if !literal.is_empty() {
        segments.push(Segment::Literal(literal));
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_placeholders_and_keeps_other_text() {
        assert_eq!(
            compile("<{level}> {unknown} {message}{meta}"),
            [
                Segment::Literal("<".into()),
                Segment::Level,
                Segment::Literal("> {unknown} ".into()),
                Segment::Message,
                Segment::Meta,
            ]
        );
        assert_eq!(compile(""), []);
    }
}
