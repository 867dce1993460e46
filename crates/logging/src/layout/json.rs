//! The JSON layout: one object per line with Kibana's keys.

use super::timestamp::TimestampFormatter;
use crate::record::LogRecord;

/// Writes `{"@timestamp","level","context","message","pid"[,"error"][,"meta"]}` per record.
#[derive(Debug)]
pub(crate) struct JsonLayout {
    /// This process's id, rendered once.
    pid: String,
    timestamps: TimestampFormatter,
}

impl JsonLayout {
    /// A layout stamping records with this process's id.
    pub(crate) fn new() -> Self {
        Self {
            pid: std::process::id().to_string(),
            timestamps: TimestampFormatter::default(),
        }
    }

    /// Appends `record` as one JSON line to `out`.
    pub(crate) fn format(&mut self, record: &LogRecord<'_>, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"@timestamp\":\"");
        self.timestamps.write(record.timestamp_ms, out);
        out.extend_from_slice(b"\",\"level\":\"");
        out.extend_from_slice(record.level.upper().as_bytes());
        out.extend_from_slice(b"\",\"context\":");
        write_json_string(record.context, out);
        out.extend_from_slice(b",\"message\":");
        write_json_string(record.message, out);
        out.extend_from_slice(b",\"pid\":");
        out.extend_from_slice(self.pid.as_bytes());
        if let Some(error) = record.error {
            out.extend_from_slice(b",\"error\":{\"message\":");
            write_json_string(&error.message, out);
            out.extend_from_slice(b",\"name\":");
            write_json_string(&error.name, out);
            out.extend_from_slice(b",\"stack\":");
            write_json_string(&error.stack, out);
            out.push(b'}');
        }
        if let Some(meta) = record.meta_json {
            // `meta_json` is a JSON object serialized by the logger, so it embeds as is.
            out.extend_from_slice(b",\"meta\":");
            out.extend_from_slice(meta.as_bytes());
        }
        out.extend_from_slice(b"}\n");
    }
}

fn write_json_string(text: &str, out: &mut Vec<u8>) {
    // Serializing a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}
