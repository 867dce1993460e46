//! Appenders: where formatted records are written.

use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::LoggingError;
use crate::layout::Layout;
use crate::record::LogRecord;

/// Bytes buffered per appender before a write system call; appenders are also flushed whenever
/// the pipeline goes idle, on reconfiguration and on stop.
const BUFFER_BYTES: usize = 64 * 1024;

/// A named destination with its layout. Only the router's worker touches it, so it needs no lock
/// of its own.
pub(crate) struct Appender {
    name: String,
    layout: Layout,
    writer: Box<dyn Write + Send>,
    /// Reused line buffer, so formatting allocates nothing once warm.
    line: Vec<u8>,
    /// Set after a write error has been reported, so a broken disk does not flood stderr.
    failing: bool,
}

impl std::fmt::Debug for Appender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Appender")
            .field("name", &self.name)
            .field("layout", &self.layout)
            .finish_non_exhaustive()
    }
}

impl Appender {
    /// An appender writing to standard output.
    pub(crate) fn console(name: &str, layout: Layout) -> Self {
        Self::with_writer(
            name,
            layout,
            Box::new(BufWriter::with_capacity(BUFFER_BYTES, io::stdout())),
        )
    }

    /// An appender appending to the file at `path`, created if missing. Its directory must exist:
    /// a missing one is a config mistake, reported rather than silently created.
    pub(crate) fn file(name: &str, path: &Path, layout: Layout) -> Result<Self, LoggingError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| LoggingError::OpenFile {
                appender: name.to_owned(),
                path: path.to_owned(),
                source,
            })?;
        Ok(Self::with_writer(
            name,
            layout,
            Box::new(BufWriter::with_capacity(BUFFER_BYTES, file)),
        ))
    }

    /// An appender writing to any writer (tests use in-memory ones).
    pub(crate) fn with_writer(name: &str, layout: Layout, writer: Box<dyn Write + Send>) -> Self {
        Self {
            name: name.to_owned(),
            layout,
            writer,
            line: Vec::with_capacity(256),
            failing: false,
        }
    }

    /// Formats and writes one record.
    pub(crate) fn append(&mut self, record: &LogRecord<'_>) {
        self.line.clear();
        self.layout.format(record, &mut self.line);
        let result = self.writer.write_all(&self.line);
        self.note(result);
    }

    /// Writes everything buffered to the destination.
    pub(crate) fn flush(&mut self) {
        let result = self.writer.flush();
        self.note(result);
    }

    /// Reports the first of a run of I/O errors on stderr: logging has nowhere else to report
    /// its own failures, and a failing appender must not stop the others.
    fn note(&mut self, result: io::Result<()>) {
        match result {
            Ok(()) => self.failing = false,
            Err(error) if !self.failing => {
                self.failing = true;
                eprintln!(
                    "core-logging: appender \"{}\" failed to write: {error}",
                    self.name
                );
            }
            Err(_) => {}
        }
    }
}
