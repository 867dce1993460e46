//! The pattern layout: a text template with `{placeholder}`s.

use super::timestamp::TimestampFormatter;
use crate::LogLevel;
use crate::record::LogRecord;

/// The pattern used when the config gives none.
pub const DEFAULT_PATTERN: &str = "[{timestamp}][{level}][{context}] {message}";

/// One piece of a parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Timestamp,
    Level,
    Context,
    Message,
    Meta,
}

/// A record field a pattern prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Timestamp,
    Level,
    Context,
    Message,
    Meta,
}

/// The literal text before a field, then the field: the form [`PatternLayout::format`] runs.
/// Half as many steps as segments (the default pattern takes four plus the tail), each one a
/// copy and one branch on the field; dispatching on every segment, literals included, made the
/// layout the writer's hottest function.
#[derive(Debug)]
struct Step {
    before: Box<[u8]>,
    field: Field,
}

/// A compiled pattern layout.
///
/// Placeholders: `{timestamp}` (ISO-8601 UTC with milliseconds), `{level}` (upper case, padded
/// to five characters: `INFO `, `WARN `), `{context}`, `{message}` (for an error value: its
/// message, then one `    caused by: ...` line per source), `{meta}` (the metadata as JSON, empty
/// when the record has none). Any other text, including unknown `{words}`, is copied as is.
#[derive(Debug)]
pub(crate) struct PatternLayout {
    steps: Vec<Step>,
    /// The literal text after the last field, with the line's newline.
    tail: Box<[u8]>,
    highlight: bool,
    timestamps: TimestampFormatter,
}

impl PatternLayout {
    /// Compiles `pattern`.
    pub(crate) fn new(pattern: &str, highlight: bool) -> Self {
        let mut steps = Vec::new();
        let mut literal = Vec::new();
        for segment in compile(pattern) {
            let field = match segment {
                Segment::Literal(text) => {
                    literal.extend_from_slice(text.as_bytes());
                    continue;
                }
                Segment::Timestamp => Field::Timestamp,
                Segment::Level => Field::Level,
                Segment::Context => Field::Context,
                Segment::Message => Field::Message,
                Segment::Meta => Field::Meta,
            };
            steps.push(Step {
                before: std::mem::take(&mut literal).into_boxed_slice(),
                field,
            });
        }
        literal.push(b'\n');
        Self {
            steps,
            tail: literal.into_boxed_slice(),
            highlight,
            timestamps: TimestampFormatter::default(),
        }
    }

    /// Appends `record` as one line (with its trailing newline) to `out`.
    pub(crate) fn format(&mut self, record: &LogRecord<'_>, out: &mut Vec<u8>) {
        for step in &self.steps {
            out.extend_from_slice(&step.before);
            match step.field {
                Field::Timestamp => self.timestamps.write(record.timestamp_ms, out),
                Field::Level => match level_colour(record.level).filter(|_| self.highlight) {
                    Some(colour) => {
                        out.extend_from_slice(colour.as_bytes());
                        out.extend_from_slice(record.level.padded_upper().as_bytes());
                        out.extend_from_slice(RESET.as_bytes());
                    }
                    None => out.extend_from_slice(record.level.padded_upper().as_bytes()),
                },
                Field::Context if self.highlight => {
                    out.extend_from_slice(MAGENTA.as_bytes());
                    out.extend_from_slice(record.context.as_bytes());
                    out.extend_from_slice(RESET.as_bytes());
                }
                Field::Context => out.extend_from_slice(record.context.as_bytes()),
                Field::Message => {
                    let text = record
                        .error
                        .map_or(record.message, |error| error.stack.as_str());
                    out.extend_from_slice(text.as_bytes());
                }
                Field::Meta => {
                    if let Some(meta) = record.meta_json {
                        out.extend_from_slice(meta.as_bytes());
                    }
                }
            }
        }
        out.extend_from_slice(&self.tail);
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
